"""A month closed with the earlier definition (every case received in it)
recomputed today: the figures as frozen against today's, and case by case
why each moved — the team's own cases out, a customer's choice now an
answer, a visit's quality call, a damage counted from its registration. A
month closed now freezes the team's own figures too."""

from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from openpyxl import load_workbook
from pypdf import PdfReader

from posventa.accounts.roles import Role
from posventa.cases.models import Outcome
from posventa.factories import CompanyFactory, UserFactory
from posventa.indicators.definitions import DEFINITION, Month
from posventa.indicators.models import ClosedCase, MonthClose
from posventa.indicators.reports import report_pdf, report_xlsx
from posventa.indicators.selectors import (
    Counted,
    month_close_differences,
    reason_summary,
    team_figures,
)
from posventa.indicators.services import month_close
from posventa.indicators.tests.test_definitions import make_case

pytestmark = pytest.mark.django_db
LA_PAZ = ZoneInfo("America/La_Paz")
OCTOBER = Month(2026, 10)


def october(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 10, day, hour, 0, tzinfo=LA_PAZ)


@pytest.fixture
def lead():
    return UserFactory(role=Role.TEAM_LEAD)


@pytest.fixture
def cases():
    company = CompanyFactory()
    return {
        # Counts the same under both definitions.
        "plan_change": make_case(company, received_at=october(2)),
        # A collections case: counted then, the team's own now.
        "collections": make_case(
            company, received_at=october(3), procedure="I", outcome=Outcome.DUNNING_LETTER
        ),
        # H: the customer kept the service rather than pay the penalty —
        # "gave up" at the close, "declined" (an answer) today.
        "kept_service": make_case(
            company, received_at=october(4), procedure="H", outcome=Outcome.DECLINED
        ),
        # L: its visit's quality call said "no satisfecho" after the close.
        "visit": make_case(company, received_at=october(5), procedure="L", quality_conform=False),
        # J: the call began at 09:00, the damage was reported at 11:00 and
        # registered 23 h later (25 h after the call began).
        "loyalty_damage": make_case(
            company,
            received_at=october(6),
            procedure="J",
            requested_at=october(6, hour=11),
            attended_after=timedelta(hours=23),
        ),
        # J: called on 31 October, the damage reported on 1 November.
        "reported_in_november": make_case(
            company,
            received_at=october(31, hour=23),
            procedure="J",
            requested_at=datetime(2026, 11, 1, 0, 30, tzinfo=LA_PAZ),
        ),
        # K: reviewed in September, the damage registered in October.
        "reported_in_october": make_case(
            company,
            received_at=datetime(2026, 9, 30, 16, 0, tzinfo=LA_PAZ),
            procedure="K",
            requested_at=october(1, hour=10),
        ),
    }


def close_with_the_earlier_definition(lead, cases) -> MonthClose:
    """October as the first definition closed it on 2 November: every case
    received in it, the 24 hours from the reception; the H customer's choice
    ended "gave up", the L visit's quality call not made yet."""
    as_of = OCTOBER.ends_at
    then = {
        "plan_change": (True, True, {}),
        "collections": (True, True, {}),
        "kept_service": (False, True, {"outcome": Outcome.WITHDRAWN_BY_CUSTOMER}),
        "visit": (True, True, {"quality_conform": None}),
        "loyalty_damage": (True, False, {}),
        "reported_in_november": (True, True, {}),
    }
    close = MonthClose.objects.create(
        year=2026,
        month=10,
        measured_at=as_of,
        closed_by=lead,
        excludes_customer_wait=False,
        total=6,
        effective=5,
        timely=5,
        open=0,
        definition=1,
    )
    for name, (effective, timely, changed) in then.items():
        case = cases[name]
        values = {
            "attended_at": case.attended_at,
            "closed_at": case.closed_at,
            "outcome": case.outcome,
            "quality_conform": case.quality_conform,
            "customer_wait": case.customer_wait,
            **changed,
        }
        ClosedCase.objects.create(
            month_close=close,
            case=case,
            effective=effective,
            timely=timely,
            open=False,
            reiterated=False,
            **values,
        )
    return close


def test_a_month_closed_with_the_earlier_definition_shows_what_moved_and_why(lead, cases):
    close = close_with_the_earlier_definition(lead, cases)
    now, differences = month_close_differences(close, lead)
    # Today: the plan change, the H and L requests, the J damage of October,
    # the K damage registered in October.
    assert (now.total, now.effective, now.timely) == (5, 4, 5)
    by_case = {d.case_number: d for d in differences}
    number = {name: case.number for name, case in cases.items()}
    assert number["plan_change"] not in by_case
    assert {name: by_case[number[name]].reasons for name in cases if name != "plan_change"} == {
        "collections": ("team_initiated",),
        "kept_service": ("declined",),
        "visit": ("quality_visit",),
        "loyalty_damage": ("from_request",),
        "reported_in_november": ("request_elsewhere",),
        "reported_in_october": ("request_now",),
    }
    team = by_case[number["collections"]]
    assert (team.then, team.now) == (Counted(True, True), None)
    assert "(procedure I)" in team.reason or "(procedimiento I)" in team.reason
    assert by_case[number["kept_service"]].now == Counted(True, True)
    assert by_case[number["visit"]].now == Counted(False, True)
    assert by_case[number["loyalty_damage"]].now == Counted(True, True)
    assert by_case[number["reported_in_october"]].then is None
    assert [code for code, _label, n in reason_summary(differences) if n] == [
        "team_initiated",
        "request_elsewhere",
        "request_now",
        "declined",
        "quality_visit",
        "from_request",
    ]


def test_the_recompute_page_shows_the_earlier_definition_and_each_reason(client, lead, cases):
    close_with_the_earlier_definition(lead, cases)
    client.force_login(lead)
    page = client.get("/indicadores/cierre/", {"month": "2026-10"})
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="earlier-definition"' in html
    assert 'data-reason="team_initiated"' in html and 'data-reason="declined"' in html
    for case in cases.values():
        if case.procedure != "B":
            assert f'data-case="{case.number}"' in html
    [(_label, frozen), (_today, today)] = page.context["rows"]
    assert (frozen.total, today.total) == (6, 5)
    # The team's own figures: not frozen then, counted today.
    team_rows = {figure.name: (then, now) for figure, then, now in page.context["team_work"]}
    assert team_rows["collections_letters"] == (None, 1)


def test_closing_a_month_now_freezes_the_teams_figures_and_each_requests_time(lead, cases):
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=LA_PAZ), tick=False):
        closed = month_close(month=OCTOBER, user=lead)
    assert closed.definition == DEFINITION
    assert closed.total == 5  # the customers' requests of October
    assert {name: count for name, _procedure, count in closed.team} == {
        t.name: t.count for t in team_figures(lead, OCTOBER)
    }
    assert dict((name, count) for name, _p, count in closed.team)["collections_letters"] == 1
    frozen = ClosedCase.objects.get(month_close=closed, case=cases["loyalty_damage"])
    assert (frozen.requested_at, frozen.timely) == (cases["loyalty_damage"].requested_at, True)
    assert not ClosedCase.objects.filter(case=cases["collections"]).exists()
    # Recomputed at once: nothing moved.
    assert month_close_differences(closed, lead)[1] == []
    # The report: the team's own work, apart; the Excel's hours from the request.
    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(BytesIO(report_pdf(closed))).pages
    )
    assert "Trabajo propio del equipo" in text and "Cartas de información mora entregadas" in text
    workbook = load_workbook(BytesIO(report_xlsx(closed)))
    rows = list(workbook["Casos"].iter_rows(values_only=True))
    header = rows[0]
    damage = next(row for row in rows if row[0] == cases["loyalty_damage"].number)
    assert damage[header.index("Horas hasta la atención")] == 23.0
    summary = list(workbook["Indicadores"].iter_rows(values_only=True))
    assert any(row[1] == "Cartas de información mora entregadas" for row in summary if row)
