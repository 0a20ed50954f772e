"""The inbox's warnings: grouped by case, and all of one's own marked read at once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.alerts import alert_groups, alerts_mark_all_read
from posventa.cases.models import Alert, Case
from posventa.factories import CompanyFactory, UserFactory

pytestmark = pytest.mark.django_db


def make_case(company, n: int) -> Case:
    return Case.objects.create(
        number=f"PV-2026-{n:06d}",
        company=company,
        procedure="B",
        channel="email",
        received_at=timezone.now(),
        subject="Cambio de plan",
    )


def warn(case, role, message, minutes_ago) -> Alert:
    alert = Alert.objects.create(case=case, role=role, message=message)
    when = timezone.now() - timedelta(minutes=minutes_ago)
    Alert.objects.filter(pk=alert.pk).update(created_at=when)
    return alert


@pytest.fixture
def people():
    return {
        "lead": UserFactory(username="jefa", role=Role.TEAM_LEAD),
        "lead2": UserFactory(username="jefe2", role=Role.TEAM_LEAD),
        "manager": UserFactory(username="gestor", role=Role.TECHNICAL_MANAGER),
        "executive": UserFactory(username="ejecutiva", role=Role.EXECUTIVE),
        "other_executive": UserFactory(username="otro", role=Role.EXECUTIVE),
    }


def test_warnings_are_grouped_by_case_with_their_count_latest_first(people):
    company = CompanyFactory(executive=people["executive"])
    first, second = make_case(company, 1), make_case(company, 2)
    warn(first, Role.TEAM_LEAD, "primer aviso del 1", 50)
    warn(second, Role.TEAM_LEAD, "aviso del 2", 30)
    warn(first, Role.TEAM_LEAD, "último aviso del 1", 10)
    warn(first, Role.TECHNICAL_MANAGER, "para otro rol", 5)

    groups = alert_groups(people["lead"])

    assert [g.case for g in groups] == [first, second]  # by their latest warning
    assert [g.count for g in groups] == [2, 1]
    assert [a.message for a in groups[0].alerts] == ["último aviso del 1", "primer aviso del 1"]
    assert groups[0].latest.message == "último aviso del 1"


def test_the_inbox_shows_one_group_per_case_with_its_count(client, people):
    company = CompanyFactory(executive=people["executive"])
    case = make_case(company, 7)
    for minutes in (40, 20, 10):
        warn(case, Role.TEAM_LEAD, f"aviso {minutes}", minutes)
    client.force_login(people["lead"])
    page = client.get(reverse("cases:inbox")).content.decode()
    assert page.count(f'data-alert-group="{case.number}"') == 1
    assert "3 alertas" in page
    assert page.index("aviso 10") < page.index("aviso 20") < page.index("aviso 40")
    assert "Marcar todas como leídas" in page


def test_mark_all_read_clears_only_my_own_warnings_and_says_how_many(client, people):
    mine = CompanyFactory(executive=people["executive"])
    theirs = CompanyFactory(executive=people["other_executive"])
    my_case, their_case = make_case(mine, 1), make_case(theirs, 2)
    mine_a = warn(my_case, Role.EXECUTIVE, "a", 3)
    mine_b = warn(my_case, Role.EXECUTIVE, "b", 2)
    other_portfolio = warn(their_case, Role.EXECUTIVE, "c", 1)
    other_role = warn(my_case, Role.TEAM_LEAD, "d", 1)

    client.force_login(people["executive"])
    response = client.post(reverse("cases:alerts_read_all"), follow=True)

    assert "2 alertas marcadas como leídas." in response.content.decode()
    for alert in (mine_a, mine_b, other_portfolio, other_role):
        alert.refresh_from_db()
    assert mine_a.read_at is not None and mine_b.read_at is not None
    assert other_portfolio.read_at is None  # another executive's customer
    assert other_role.read_at is None  # the team lead's


def test_mark_all_read_is_idempotent(client, people):
    case = make_case(CompanyFactory(executive=people["executive"]), 1)
    alert = warn(case, Role.TEAM_LEAD, "tarde", 5)
    assert alerts_mark_all_read(user=people["lead"]) == 1
    alert.refresh_from_db()
    first_read = alert.read_at
    assert alerts_mark_all_read(user=people["lead"]) == 0
    alert.refresh_from_db()
    assert alert.read_at == first_read  # the second call changed nothing

    client.force_login(people["lead"])
    response = client.post(reverse("cases:alerts_read_all"), follow=True)
    assert "No había alertas sin leer." in response.content.decode()
    assert alert_groups(people["lead2"]) == []  # warnings are the role's: read for all of it


def test_mark_all_read_takes_only_post(client, people):
    case = make_case(CompanyFactory(executive=people["executive"]), 1)
    alert = warn(case, Role.TEAM_LEAD, "tarde", 5)
    client.force_login(people["lead"])
    assert client.get(reverse("cases:alerts_read_all")).status_code == 405
    alert.refresh_from_db()
    assert alert.read_at is None


def test_mark_all_read_needs_a_login(client):
    response = client.post(reverse("cases:alerts_read_all"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))
