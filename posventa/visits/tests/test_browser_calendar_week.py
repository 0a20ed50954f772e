"""The visit calendar in a browser: it opens on the week of the next visit,
"Hoy" brings this week back; on a desktop the week is a grid of hours and
days, on a 390 px phone a list per day. No serious axe finding, no CSP
violation (the fixtures)."""

from datetime import datetime, time, timedelta

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory
from posventa.visits import services
from posventa.web.tests.browser import log_in, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def monday():
    """Real time here (not the conftest's November): the browser's clock is
    the machine's, and a session cookie dated in the past would be dropped."""
    yield


def monday_of(day):
    return day - timedelta(days=day.weekday())


@pytest.fixture
def next_visit(team):
    company = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Minera Andina S.A.")
    wednesday = monday_of(timezone.localdate()) + timedelta(days=14 + 2)
    start = timezone.make_aware(datetime.combine(wednesday, time(10)))
    return services.visit_schedule(
        company=company,
        analyst=team[Role.TECHNICAL_ANALYST],
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        person="Ing. Rocío Mamani",
        location="Av. Blanco Galindo km 4",
        user=team[Role.TEAM_LEAD],
    )


def week_label(monday) -> str:
    return f"{monday:%d/%m/%Y} – {monday + timedelta(days=6):%d/%m/%Y}"


def test_the_week_grid_opens_on_the_next_visit_and_hoy_comes_back(page, next_visit):
    visit_day = timezone.localtime(next_visit.starts_at).date()
    this_monday = monday_of(timezone.localdate())
    log_in(page, "team_lead")
    page.goto("/visitas/")
    assert week_label(monday_of(visit_day)) in page.locator("main").inner_text()
    grid = page.get_by_test_id("week-grid")
    assert grid.is_visible()
    block = grid.locator(f"[data-grid-visit='{next_visit.pk}']")
    assert "10:00–12:00" in block.inner_text() and "Minera Andina" in block.inner_text()
    # The block sits in Wednesday's column, in the 10:00 row.
    row = grid.locator("tbody tr", has=page.locator(f"[data-grid-visit='{next_visit.pk}']"))
    assert row.locator("th").inner_text() == "10:00"
    assert row.locator("td").nth(2).locator(f"[data-grid-visit='{next_visit.pk}']").count() == 1
    assert serious_violations(page) == []
    block.click()
    assert page.url.endswith(f"#visit-{next_visit.pk}")
    assert page.locator(f"#visit-{next_visit.pk}").is_visible()

    page.get_by_test_id("calendar-today").click()
    page.wait_for_url(f"**day={timezone.localdate():%Y-%m-%d}*")
    assert week_label(this_monday) in page.locator("main").inner_text()
    today = page.locator("th[aria-current=date]")
    assert today.get_attribute("data-grid-day") == f"{timezone.localdate():%Y-%m-%d}"
    assert serious_violations(page) == []


def test_on_a_phone_the_week_is_a_list_of_days(phone, next_visit):
    visit_day = timezone.localtime(next_visit.starts_at).date()
    log_in(phone, "team_lead")
    phone.goto("/visitas/")
    assert not phone.get_by_test_id("week-grid").is_visible()
    day = phone.locator(f"[data-day='{visit_day:%Y-%m-%d}']")
    assert "Minera Andina" in day.inner_text() and "10:00–12:00" in day.inner_text()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert serious_violations(phone) == []
    phone.get_by_test_id("calendar-today").click()
    phone.wait_for_url(f"**day={timezone.localdate():%Y-%m-%d}*")
    assert "Hoy" in phone.locator(f"[data-day='{timezone.localdate():%Y-%m-%d}']").inner_text()
    assert serious_violations(phone) == []
