"""The indicators in a real browser: the live month with open requests (the
ones still inside their 24 hours neither pass nor fail), the trend chart
drawn without a console error, closing a month after its confirmation, and
"where time goes" opening on the last full month with data — on a desktop
and a 390 px phone, axe with no serious finding."""

from datetime import datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.engine import services as engine
from posventa.factories import CompanyFactory, UserFactory
from posventa.indicators.definitions import Month
from posventa.indicators.models import MonthClose
from posventa.indicators.tests.test_definitions import make_case
from posventa.procedures.tests.test_b_plan_change import (
    ALL_DOCUMENTS,
    complete,
    open_b_case,
    pending,
)
from posventa.web.tests.browser import log_in, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def watch_console(page) -> list[str]:
    """Every console error and uncaught exception of the page (not only CSP's)."""
    # A loaded machine can take more than the default 10 s for the session's first page.
    page.set_default_navigation_timeout(30_000)
    errors: list[str] = []
    page.on("console", lambda message: message.type == "error" and errors.append(message.text))
    page.on("pageerror", lambda error: errors.append(str(error)))
    return errors


def month_so_far() -> tuple[datetime, datetime]:
    """Now and the start of the running month. The browser runs on the real
    clock (a travelled clock would stall the live server's pages), so the
    cases are placed relative to now; on a month's first 27 hours no request
    can be late yet, and the test waits for the 2nd."""
    now = timezone.now()
    start = Month.of(now).starts_at
    if now - start < timedelta(hours=27):
        pytest.skip("the month's first day: no request can be 24 hours late yet")
    return now, start


def fits_the_width(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")


def test_the_live_month_with_open_requests_and_the_trend_chart(page, live_server):
    now, start = month_so_far()
    UserFactory(username="jefa", role=Role.TEAM_LEAD)
    company = CompanyFactory(legal_name="Hidroeléctrica del Valle S.A.")
    make_case(  # closed, in time
        company,
        received_at=start,
        attended_after=timedelta(minutes=30),
        closed_after=timedelta(hours=1),
    )
    make_case(  # open, its 24 hours passed
        company, received_at=start, attended_after=None, closed_after=None
    )
    fresh = [  # this morning's, still inside their 24 hours
        make_case(
            company,
            received_at=now - timedelta(hours=hours),
            attended_after=None,
            closed_after=None,
        )
        for hours in (1, 2, 3)
    ]
    previous = Month.of(now).previous().starts_at
    make_case(company, received_at=previous + timedelta(days=5))

    errors = watch_console(page)
    log_in(page, "jefa")
    page.goto("/indicadores/")
    # 1 closed, 1 late, 3 inside their 24 hours: 1 of the 2 judged so far.
    split = page.get_by_test_id("live-split")
    assert split.locator("[data-live='closed'] a").inner_text() == "1"
    assert split.locator("[data-live='within_time'] a").inner_text() == "3"
    assert split.locator("[data-live='late'] a").inner_text() == "1"
    assert page.get_by_test_id("efficacy-value").inner_text() == "50,0 %"
    assert page.get_by_test_id("efficacy-verdict").inner_text() == "Observado hasta ahora"
    assert "3 aún sin juzgar" in page.locator("[data-indicator='efficacy']").inner_text()

    # The chart: drawn, twelve month labels, 0–100 %, the two targets.
    chart = page.locator("#trend-chart[data-rendered='true']")
    chart.wait_for()
    drawn = chart.evaluate(
        """canvas => ({
            labels: canvas.chart.data.labels.length,
            min: canvas.chart.scales.y.min,
            max: canvas.chart.scales.y.max,
            targets: canvas.chart.data.datasets.slice(2).map(d => d.data[0]),
            last: canvas.chart.data.datasets[0].data.slice(-1)[0],
            height: canvas.getBoundingClientRect().height,
        })"""
    )
    assert drawn["labels"] == 12 and (drawn["min"], drawn["max"]) == (0, 100)
    assert drawn["targets"] == [98, 95] and drawn["last"] == 50
    assert drawn["height"] > 100
    # The same figures in a table, for a screen reader.
    assert page.locator("caption", has_text="Los últimos doce meses").count() == 1
    assert serious_violations(page) == []

    # The requests inside their 24 hours: their own list, not among the failures.
    split.locator("[data-live='within_time'] a").click()
    page.wait_for_url("**/indicadores/casos/**")
    for case in fresh:
        assert page.locator(f"tr[data-case='{case.number}']").count() == 1
    page.go_back()
    page.get_by_test_id("efficacy-failures").click()
    page.wait_for_url("**indicator=not_effective**")
    assert page.locator("tr[data-case]").count() == 1
    for case in fresh:
        assert page.locator(f"tr[data-case='{case.number}']").count() == 0
    page.go_back()

    # A procedure's efficacy opens the cases it counts; its failures their own list.
    by_procedure = page.locator("section[aria-label='Por procedimiento'] tbody tr").first
    by_procedure.locator("a[data-link='effective']").click()
    page.wait_for_url("**indicator=effective**")
    assert page.locator("tr[data-case]").count() == 1
    page.go_back()

    # On a phone: the chart redraws to the width and nothing scrolls sideways.
    page.set_viewport_size(PHONE)
    page.reload()
    page.locator("#trend-chart[data-rendered='true']").wait_for()
    assert page.get_by_test_id("efficacy-value").is_visible()
    assert fits_the_width(page)
    assert serious_violations(page) == []
    assert errors == [], errors


def test_closing_a_month_shows_what_it_freezes_first(page, live_server):
    last = Month.of(timezone.now()).previous()
    UserFactory(username="jefa", role=Role.TEAM_LEAD)
    company = CompanyFactory()
    make_case(company, received_at=last.starts_at + timedelta(days=2, hours=9))
    make_case(
        company,
        received_at=last.starts_at + timedelta(days=3, hours=9),
        attended_after=timedelta(hours=30),
    )
    errors = watch_console(page)
    log_in(page, "jefa")
    page.set_viewport_size(PHONE)
    page.goto(f"/indicadores/?month={last}")
    page.get_by_role("link", name="Cerrar el mes…").click()
    page.wait_for_url("**/indicadores/cerrar/**")
    frozen = page.get_by_test_id("to-freeze")
    assert "100,0 %" in frozen.locator("[data-frozen='efficacy']").inner_text()
    assert "50,0 %" in frozen.locator("[data-frozen='timeliness']").inner_text()
    assert "2 casos" in frozen.locator("[data-frozen='cases']").inner_text()
    assert MonthClose.objects.count() == 0  # nothing frozen by opening the page
    assert fits_the_width(page)
    assert serious_violations(page) == []
    page.get_by_role("button", name="y congelar estas cifras").click()
    page.get_by_test_id("month-closed").wait_for()
    assert "congeladas" in page.locator(".alert-success").inner_text()
    close = MonthClose.objects.get()
    assert (close.year, close.month, close.total, close.effective, close.timely) == (
        last.year,
        last.month,
        2,
        2,
        1,
    )
    assert errors == [], errors


@pytest.fixture
def last_months_plan_change(procedures, team, customer_product, internet_plans):
    """A plan change received on the 2nd of last month: the commercial manager's
    step held it past its 24 hours; the quality call came after the answer."""
    last = Month.of(timezone.now()).previous()
    with time_machine.travel(last.starts_at + timedelta(days=1, hours=9), tick=False) as clock:
        case = open_b_case(team, customer_product)
        clock.shift(timedelta(hours=2))
        engine.task_taken(task=pending(case))
        clock.shift(timedelta(hours=1))
        complete(case, team[Role.EXECUTIVE], {"new_plan": internet_plans[1].pk, **ALL_DOCUMENTS})
        clock.shift(timedelta(hours=27))
        complete(case, team[Role.COMMERCIAL_MANAGER], {"new_plan": internet_plans[1].pk})
        clock.shift(timedelta(hours=5))
        complete(
            case,
            team[Role.EXECUTIVE],
            {"conform": "yes", "interaction_channel": "phone", "interaction_summary": "Conforme."},
        )
    return last


@pytest.mark.usefixtures("reference_data")
@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_where_time_goes_opens_on_the_last_full_month_and_shows(
    page, live_server, last_months_plan_change, team, viewport
):
    last = last_months_plan_change
    errors = watch_console(page)
    if viewport:
        page.set_viewport_size(viewport)
    log_in(page, Role.TEAM_LEAD.value)
    page.goto("/indicadores/tiempos/")
    first_day = last.starts_at.date().isoformat()
    last_day = (last.ends_at - timedelta(days=1)).date().isoformat()
    assert page.get_by_label("Recibidas desde").input_value() == first_day
    assert page.get_by_label("hasta", exact=True).input_value() == last_day
    page.get_by_label("Procedimiento", exact=True).select_option("B")
    page.get_by_role("button", name="Mostrar").click()
    page.wait_for_url(f"**received_from={first_day}**")
    steps = page.get_by_test_id("steps")
    assert steps.locator("tr[data-step='enter_plan_change']").count() == 1
    quality = steps.locator("tr[data-step='quality_call']")
    assert quality.get_attribute("data-outside-clock") is not None
    assert "después de las 24 h" in quality.inner_text()

    page.locator("#diagram[data-rendered='true']").wait_for()
    # The badge sits above its step, off the step's icon and name.
    for step in ("enter_plan_change", "quality_call"):
        badge = page.locator(f".heat-label[data-step='{step}']").bounding_box()
        shape = page.locator(
            f"g.djs-element[data-element-id='{step}'] .djs-visual > :first-child"
        ).bounding_box()
        assert badge["y"] + badge["height"] <= shape["y"] + 1, step
    assert page.locator("g.after-clock[data-element-id='quality_call']").count() == 1
    assert fits_the_width(page)
    assert serious_violations(page) == []
    assert errors == [], errors
