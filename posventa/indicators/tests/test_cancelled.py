"""A case cancelled by hand is neither a request answered nor one failed: it
leaves both indicators, numerators and denominator, and is counted apart —
with who cancelled it and why one click away, so cancelling to improve a
number shows (docs/indicators.md, "Cancelled cases")."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory, UserFactory
from posventa.indicators.definitions import Month
from posventa.indicators.models import ClosedCase
from posventa.indicators.selectors import cases_behind, month_figures, month_report
from posventa.indicators.services import month_close
from posventa.indicators.tests.test_definitions import make_case

pytestmark = pytest.mark.django_db

LA_PAZ = ZoneInfo("America/La_Paz")
NOVEMBER = Month(2026, 11)
AFTER_NOVEMBER = datetime(2026, 12, 10, 9, 0, tzinfo=LA_PAZ)
REASON = "Pedido duplicado por error."


def received(day: int, hour: int = 9) -> datetime:
    return datetime(2026, 11, day, hour, 0, tzinfo=LA_PAZ)


@pytest.fixture
def lead():
    return UserFactory(role=Role.TEAM_LEAD, username="responsable")


@pytest.fixture
def month(lead):
    """November: one request answered in time and effectively, one answered
    late and not effectively, one cancelled (after it was answered in time)."""
    company = CompanyFactory()
    make_case(company, received_at=received(3))
    make_case(
        company,
        received_at=received(4),
        attended_after=timedelta(hours=30),
        outcome="requirements_not_met",
    )
    cancelled = make_case(
        company,
        received_at=received(5),
        outcome="cancelled",
        quality_conform=None,
        cancelled_by=lead,
        cancel_reason=REASON,
    )
    return cancelled


def test_a_cancelled_case_leaves_both_indicators_and_is_counted_apart(lead, month):
    figures = month_figures(lead, NOVEMBER, now=AFTER_NOVEMBER)
    assert (figures.total, figures.effective, figures.timely, figures.open) == (2, 1, 1, 0)
    assert figures.cancelled == 1
    assert (figures.efficacy, figures.timeliness) == (50, 50)
    report = month_report(lead, NOVEMBER, now=AFTER_NOVEMBER)
    assert report.figures == figures
    [(_key, _label, by_procedure)] = report.breakdowns["procedure"]
    assert (by_procedure.total, by_procedure.cancelled) == (2, 1)


def test_a_case_cancelled_after_the_measuring_instant_was_still_open_then(lead, month):
    measured = month.closed_at - timedelta(minutes=1)
    figures = month_figures(lead, NOVEMBER, now=measured)
    assert (figures.total, figures.cancelled, figures.open) == (3, 0, 1)


def test_the_cancelled_cases_are_listed_with_who_and_why_and_nowhere_else(lead, month):
    def numbers(indicator):
        return {
            case.number
            for case in cases_behind(lead, NOVEMBER, indicator=indicator, now=AFTER_NOVEMBER)
        }

    assert numbers("cancelled") == {month.number}
    for indicator in ("all", "effective", "not_effective", "timely", "not_timely", "open"):
        assert month.number not in numbers(indicator), indicator


def test_the_dashboard_shows_the_figure_and_the_list_says_who_and_why(client, lead, month):
    with time_machine.travel(AFTER_NOVEMBER):
        client.force_login(lead)
        page = client.get(reverse("indicators:dashboard"), {"month": "2026-11"})
        html = page.content.decode()
        assert 'data-testid="cancelled"' in html and "indicator=cancelled" in html
        listed = client.get(
            reverse("indicators:cases"), {"month": "2026-11", "indicator": "cancelled"}
        ).content.decode()
    assert f'data-cancelled="{month.number}"' in listed and REASON in listed


def test_the_api_gives_the_cancelled_figure_and_its_cases(client, lead, month):
    from posventa.api.services import token_create

    _token, key = token_create(user=lead, name="test")
    headers = {"Authorization": f"Bearer {key}"}
    with time_machine.travel(AFTER_NOVEMBER):
        figures = client.get("/api/v1/indicators/2026-11", headers=headers).json()["figures"]
        rows = client.get(
            "/api/v1/indicators/2026-11/cases?indicator=cancelled", headers=headers
        ).json()
    assert (figures["total"], figures["cancelled"]) == (2, 1)
    assert [(row["number"], row["cancel_reason"]) for row in rows] == [(month.number, REASON)]


def test_a_closed_month_keeps_the_cancelled_case_out_of_its_figures(lead, month):
    with time_machine.travel(AFTER_NOVEMBER):
        close = month_close(month=NOVEMBER, user=lead)
    assert (close.total, close.effective, close.timely) == (2, 1, 1)
    row = ClosedCase.objects.get(month_close=close, case=month)
    assert (row.outcome, row.effective, row.timely, row.open) == ("cancelled", False, False, False)
