"""The team lead opens the dashboard, clicks the timeliness figure and lands
on the cases behind it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory, UserFactory
from posventa.indicators.definitions import Month
from posventa.indicators.tests.test_definitions import make_case
from posventa.web.tests.browser import log_in, serious_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_from_the_timeliness_figure_to_the_cases_behind_it(page, live_server):
    UserFactory(username="jefa", role=Role.TEAM_LEAD)
    company = CompanyFactory(legal_name="Hidroeléctrica del Valle S.A.")
    start = Month.of(timezone.now()).starts_at
    in_time = make_case(company, received_at=start, attended_after=timedelta(hours=3))
    late = make_case(company, received_at=start, attended_after=timedelta(hours=30))

    log_in(page, "jefa")
    page.locator("nav a[href='/indicadores/']").first.click()
    page.wait_for_url("**/indicadores/")
    assert page.get_by_test_id("timeliness-value").inner_text() == "50,0 %"
    assert page.get_by_test_id("timeliness-verdict").inner_text() == "Observado hasta ahora"
    assert serious_violations(page) == []

    page.get_by_test_id("timeliness-value").click()
    page.wait_for_url("**/indicadores/casos/**")
    assert "Atendidas en menos de 24 h" in page.get_by_test_id("cases-behind-title").inner_text()
    assert page.locator(f"tr[data-case='{in_time.number}']").count() == 1
    assert page.locator(f"tr[data-case='{late.number}']").count() == 0
    assert serious_violations(page) == []

    # On a phone the dashboard still reads.
    page.set_viewport_size({"width": 390, "height": 844})
    page.go_back()
    assert page.get_by_test_id("efficacy-value").is_visible()
