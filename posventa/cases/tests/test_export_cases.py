"""The inbox and the cases as Excel files: the inbox's filters, the cases'
filters (procedure, status, outcome, received from/to, executive), the
user's scope, typed cells in La Paz time."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.cases.exports import CASE_COLUMNS, INBOX_COLUMNS
from posventa.cases.models import Case, CaseStatus, Outcome
from posventa.common.tests.xlsx import (
    assert_layout,
    headers,
    no_writes,
    records,
    sheet_of,
    values,
)
from posventa.engine import runtime
from posventa.factories import CompanyFactory, UserFactory
from posventa.procedures.tests.fixtures import deploy_only

LA_PAZ = ZoneInfo("America/La_Paz")
INBOX = reverse("cases:inbox")
CASES = reverse("cases:cases_xlsx")

pytestmark = pytest.mark.django_db


@pytest.fixture
def procedures(db, media):
    """Only the plan change (B), which the inbox's case runs."""
    yield deploy_only("b_plan_change.bpmn")
    runtime.specs.clear()


# --- The inbox ----------------------------------------------------------------------------


def test_the_inbox_downloads_the_steps_the_executive_sees(client, team, plan_change_case):
    case = plan_change_case
    client.force_login(team[Role.EXECUTIVE])
    with no_writes():
        sheet = sheet_of(client.get(INBOX, {"formato": "xlsx"}))
    assert headers(sheet) == [str(c.header) for c in INBOX_COLUMNS]
    assert_layout(sheet)
    [row] = records(sheet)
    assert row[_("Case")].value == case.number
    assert row[_("Step")].value == case.instance.human_tasks.get().name
    assert row[_("Procedure")].value == case.get_procedure_display()
    # Moments as Excel dates, in La Paz time: the 24 hours run from the request.
    requested = timezone.localtime(case.requested_at, LA_PAZ).replace(tzinfo=None)
    assert abs(row[_("Customer request at")].value - requested) < timedelta(seconds=1)
    assert abs(row[_("24 hours end at")].value - (requested + timedelta(hours=24))) < timedelta(
        seconds=1
    )
    assert row[_("Ready since")].number_format == "dd/mm/yyyy hh:mm"


def test_the_inbox_file_keeps_the_filters(client, team, plan_change_case):
    client.force_login(team[Role.EXECUTIVE])
    case = plan_change_case
    assert values(
        sheet_of(client.get(INBOX, {"formato": "xlsx", "procedure": "B"})), _("Case")
    ) == [case.number]
    assert records(sheet_of(client.get(INBOX, {"formato": "xlsx", "procedure": "D"}))) == []
    other = CompanyFactory(executive=team[Role.EXECUTIVE])
    assert records(sheet_of(client.get(INBOX, {"formato": "xlsx", "company": other.pk}))) == []
    # A company id that is not one filters nothing, as on the page.
    sheet = sheet_of(client.get(INBOX, {"formato": "xlsx", "company": "²", "procedure": "Z"}))
    assert values(sheet, _("Case")) == [case.number]


def test_another_executive_or_role_does_not_get_the_step(client, team, plan_change_case):
    client.force_login(UserFactory(username="otra", role=Role.EXECUTIVE))
    assert records(sheet_of(client.get(INBOX, {"formato": "xlsx"}))) == []
    client.force_login(team[Role.COMMERCIAL_MANAGER])
    assert records(sheet_of(client.get(INBOX, {"formato": "xlsx"}))) == []


def test_the_inbox_links_to_its_file_and_to_the_cases(client, team, plan_change_case):
    client.force_login(team[Role.EXECUTIVE])
    page = client.get(INBOX, {"procedure": "B"}).content.decode()
    assert 'href="/bandeja/?procedure=B&amp;formato=xlsx"' in page
    assert 'href="/casos.xlsx?procedure=B"' in page


# --- The cases ----------------------------------------------------------------------------


def at(day: int, hour: int = 10) -> datetime:
    """A moment of November 2026, La Paz time."""
    return datetime(2026, 11, day, hour, 0, tzinfo=LA_PAZ)


@pytest.fixture
def cases(db):
    ana = UserFactory(username="ana", role=Role.EXECUTIVE, first_name="Ana", last_name="Lima")
    beto = UserFactory(username="beto", role=Role.EXECUTIVE)
    clinic = CompanyFactory(executive=ana, nit="1020703023", legal_name="Clínica Cala Cala")
    hotel = CompanyFactory(executive=beto, nit="3543668166", legal_name="Hotel Muyurina")

    def case(number, company, procedure, received_at, **fields):
        return Case.objects.create(
            number=number,
            company=company,
            procedure=procedure,
            channel="email",
            received_at=received_at,
            requested_at=received_at,
            subject=f"Solicitud {number}",
            **fields,
        )

    return {
        "ana": ana,
        "beto": beto,
        "lead": UserFactory(username="lead", role=Role.TEAM_LEAD),
        # 23:30 of the 1st in La Paz is already the 2nd in UTC.
        "late_evening": case("PV-1", clinic, "B", at(1, 23) + timedelta(minutes=30)),
        "closed": case(
            "PV-2",
            clinic,
            "E",
            at(10),
            status=CaseStatus.CLOSED,
            outcome=Outcome.FULFILLED,
            attended_at=at(10, 15),
            closed_at=at(11),
            quality_conform=True,
        ),
        "hotel": case("PV-3", hotel, "B", at(20)),
    }


def test_cases_download_with_typed_cells_for_the_executive(client, cases):
    client.force_login(cases["ana"])
    with no_writes():
        response = client.get(CASES)
    assert response["Content-Disposition"].startswith('attachment; filename="casos-')
    sheet = sheet_of(response)
    assert headers(sheet) == [str(c.header) for c in CASE_COLUMNS]
    rows = {r[_("Number")].value: r for r in records(sheet)}
    # Her two cases, the newest first; never Beto's.
    assert list(rows) == ["PV-2", "PV-1"]
    closed = rows["PV-2"]
    assert closed[_("Received at")].value == datetime(2026, 11, 10, 10, 0)
    assert closed[_("Attended at")].value == datetime(2026, 11, 10, 15, 0)
    assert closed[_("Status")].value == str(CaseStatus.CLOSED.label)
    assert closed[_("Outcome")].value == str(Outcome.FULFILLED.label)
    assert closed[_("Quality call: conform")].value == "Sí"
    assert closed[_("Executive")].value == "Ana Lima"
    assert rows["PV-1"][_("Outcome")].value is None
    assert rows["PV-1"][_("Received at")].value == datetime(2026, 11, 1, 23, 30)


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"procedure": "B"}, ["PV-3", "PV-1"]),
        ({"status": "closed"}, ["PV-2"]),
        ({"outcome": "fulfilled"}, ["PV-2"]),
        # The days are La Paz days, both ends included.
        ({"received_from": "2026-11-01", "received_to": "2026-11-01"}, ["PV-1"]),
        ({"received_from": "2026-11-02"}, ["PV-3", "PV-2"]),
        ({"received_to": "2026-11-10"}, ["PV-2", "PV-1"]),
    ],
)
def test_cases_are_filtered(client, cases, params, expected):
    client.force_login(cases["lead"])
    assert values(sheet_of(client.get(CASES, params)), _("Number")) == expected


def test_cases_by_executive(client, cases):
    client.force_login(cases["lead"])
    sheet = sheet_of(client.get(CASES, {"executive": cases["beto"].pk}))
    assert values(sheet, _("Number")) == ["PV-3"]


def test_an_executive_does_not_get_another_portfolio_by_filtering(client, cases):
    client.force_login(cases["ana"])
    assert records(sheet_of(client.get(CASES, {"executive": cases["beto"].pk}))) == []
    hotel = cases["hotel"].company
    assert records(sheet_of(client.get(CASES, {"company": hotel.pk}))) == []


@pytest.mark.parametrize(
    "params",
    [
        {"received_from": "2026-02-30", "received_to": "0001-01-01"},
        {"received_from": "9999-12-31", "executive": "1" * 40},
        {"procedure": "Z", "status": "lost", "outcome": "<script>"},
    ],
)
def test_bad_case_filters_filter_nothing(client, cases, params):
    client.force_login(cases["lead"])
    assert len(records(sheet_of(client.get(CASES, params)))) == 3


def test_the_cases_file_needs_a_login_and_a_get(client, cases):
    response = client.get(CASES)
    assert response.status_code == 302 and "/entrar/" in response["Location"]
    client.force_login(cases["lead"])
    assert client.post(CASES).status_code == 405


def test_the_inbox_links_echo_only_a_customer_the_user_may_choose(client, team, plan_change_case):
    client.force_login(team[Role.EXECUTIVE])
    mine = plan_change_case.company
    page = client.get(INBOX, {"company": mine.pk}).content.decode()
    assert f'href="/bandeja/?company={mine.pk}&amp;formato=xlsx"' in page
    # Another portfolio's customer is not echoed: the page is that of an id
    # no customer has (no existence oracle).
    theirs = CompanyFactory(executive=UserFactory(username="otra", role=Role.EXECUTIVE))
    page = client.get(INBOX, {"company": theirs.pk}).content.decode()
    assert f"company={theirs.pk}" not in page
    assert 'href="/bandeja/?formato=xlsx"' in page and 'href="/casos.xlsx"' in page
