"""Where people see the hand back: the case page's "commercial system" card,
and the team lead's 24-hour watch with the changes still unconfirmed a day on."""

from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory, ProductFactory, UserFactory
from posventa.indicators.tests.test_definitions import make_case
from posventa.integrations.handback import change_hand_back, product_fields
from posventa.integrations.models import ChangeKind, ChangeState, CommercialChange
from posventa.integrations.selectors import unconfirmed_changes

pytestmark = pytest.mark.django_db

WATCH = "/indicadores/vigilancia/"


def change_of(product, case, state: str, n: int, **fields) -> CommercialChange:
    change = change_hand_back(
        kind=ChangeKind.PLAN_CHANGE,
        company=product.company,
        product=product,
        case=case,
        payload=product_fields(product, case),
        key=f"view-test:{case.pk if case else 'none'}:{n}",
    )
    values = {"state": state, **fields}
    if state == ChangeState.CONFIRMED:
        values.setdefault("confirmed_at", timezone.now())
    CommercialChange.objects.filter(pk=change.pk).update(**values)
    change.refresh_from_db()
    return change


@pytest.fixture
def executive():
    return UserFactory(role=Role.EXECUTIVE)


@pytest.fixture
def case_with_changes(executive):
    company = CompanyFactory(executive=executive)
    product = ProductFactory(company=company, service_number="4-4259999")
    case = make_case(company, received_at=timezone.now(), closed_after=None, product=product)
    changes = {
        "confirmed": change_of(
            product, case, ChangeState.CONFIRMED, 1, external_reference="SF-000981"
        ),
        "sent": change_of(product, case, ChangeState.SENT, 2, sent_at=timezone.now()),
        "pending": change_of(product, case, ChangeState.PENDING, 3),
        "failed": change_of(
            product, case, ChangeState.FAILED, 4, reason="Código de plan desconocido"
        ),
    }
    return case, changes


def test_the_case_page_lists_the_cases_changes_with_their_state(client, case_with_changes):
    case, changes = case_with_changes
    client.force_login(case.company.executive)
    page = client.get(f"/casos/{case.number}/")
    assert page.status_code == 200
    rows = page.context["commercial_changes"]
    assert [row.change for row in rows] == list(changes.values())
    labels = {row.change.state: (row.label, row.tone) for row in rows}
    assert labels == {
        "confirmed": (_("Confirmed"), "success"),
        "sent": (_("Sent, waiting for confirmation"), "info"),
        "pending": (_("Pending"), "secondary"),
        "failed": (_("Failed: %(reason)s") % {"reason": "Código de plan desconocido"}, "danger"),
    }
    html = page.content.decode()
    assert 'data-testid="commercial-changes"' in html
    for state in ("confirmed", "sent", "pending", "failed"):
        assert f'data-state="{state}"' in html
    assert "Código de plan desconocido" in html and "SF-000981" in html
    assert "4-4259999" in html


def test_a_case_without_changes_says_so_and_another_executive_sees_nothing(
    client, case_with_changes
):
    case, _changes = case_with_changes
    bare = make_case(case.company, received_at=timezone.now(), closed_after=None)
    client.force_login(case.company.executive)
    page = client.get(f"/casos/{bare.number}/")
    assert page.status_code == 200 and page.context["commercial_changes"] == []
    assert 'data-change="' not in page.content.decode()
    client.force_login(UserFactory(role=Role.EXECUTIVE))
    assert client.get(f"/casos/{case.number}/").status_code == 404


@pytest.fixture
def a_day_ago_and_now(case_with_changes):
    """The four changes made 25 hours ago, and one pending change made now."""
    case, changes = case_with_changes
    CommercialChange.objects.update(created_at=timezone.now() - timedelta(hours=25))
    fresh = change_of(case.product, case, ChangeState.PENDING, 5)
    return case, changes, fresh


def test_the_team_lead_sees_the_changes_unconfirmed_a_day_after_with_their_case(
    client, a_day_ago_and_now
):
    case, changes, fresh = a_day_ago_and_now
    lead = UserFactory(role=Role.TEAM_LEAD)
    client.force_login(lead)
    page = client.get(WATCH)
    assert page.status_code == 200
    unconfirmed = page.context["unconfirmed"]
    assert unconfirmed["count"] == 3
    listed = [row.change for row in unconfirmed["rows"]]
    assert set(listed) == {changes["sent"], changes["pending"], changes["failed"]}
    assert changes["confirmed"] not in listed and fresh not in listed
    html = page.content.decode()
    assert 'data-watch="commercial"' in html
    assert f'href="/casos/{case.number}/" data-change="{changes["failed"].idempotency_key}"' in html
    assert "Código de plan desconocido" in html
    # A day is counted from when the change was made: the fresh one shows tomorrow.
    with time_machine.travel(timezone.now() + timedelta(hours=24, minutes=1)):
        assert unconfirmed_changes(user=lead).count() == 4


def test_the_division_head_sees_them_too_and_a_change_without_case_is_listed_without_link(
    client, a_day_ago_and_now
):
    case, _changes, _fresh = a_day_ago_and_now
    loose = change_of(case.product, None, ChangeState.SENT, 6)
    CommercialChange.objects.filter(pk=loose.pk).update(
        created_at=timezone.now() - timedelta(days=2)
    )
    client.force_login(UserFactory(role=Role.DIVISION_HEAD))
    page = client.get(WATCH)
    assert page.context["unconfirmed"]["count"] == 4
    assert page.context["unconfirmed"]["rows"][0].change == loose  # the oldest first
    assert f'<div class="list-group-item" data-change="{loose.idempotency_key}">' in (
        page.content.decode()
    )


def test_an_executive_does_not_get_the_teams_section(client, a_day_ago_and_now):
    case, _changes, _fresh = a_day_ago_and_now
    client.force_login(case.company.executive)
    page = client.get(WATCH)
    assert page.status_code == 200
    assert page.context["unconfirmed"] is None
    assert 'data-watch="commercial"' not in page.content.decode()


def test_the_unconfirmed_changes_are_scoped_by_who_asks(a_day_ago_and_now):
    case, _changes, _fresh = a_day_ago_and_now
    assert unconfirmed_changes(user=case.company.executive).count() == 3
    assert unconfirmed_changes(user=UserFactory(role=Role.EXECUTIVE)).count() == 0
