"""The hand back in a real browser: the case page's card and the watch's
section read, and carry no serious accessibility problem."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory, ProductFactory, UserFactory
from posventa.indicators.tests.test_definitions import make_case
from posventa.integrations.models import ChangeState, CommercialChange
from posventa.integrations.tests.test_handback_views import change_of
from posventa.web.tests.browser import log_in, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


def test_the_case_card_and_the_watch_show_each_state_and_read_well(page, live_server):
    executive = UserFactory(username="ejecutiva", role=Role.EXECUTIVE)
    UserFactory(username="responsable", role=Role.TEAM_LEAD)
    company = CompanyFactory(executive=executive, legal_name="Hotel Muyurina S.R.L.")
    product = ProductFactory(company=company, service_number="INT-3926297")
    case = make_case(company, received_at=timezone.now(), closed_after=None, product=product)
    change_of(product, case, ChangeState.CONFIRMED, 1, external_reference="SF-000981")
    change_of(product, case, ChangeState.SENT, 2)
    change_of(product, case, ChangeState.PENDING, 3)
    change_of(product, case, ChangeState.FAILED, 4, reason="Código de plan desconocido")
    CommercialChange.objects.update(created_at=timezone.now() - timedelta(hours=30))

    log_in(page, "ejecutiva")
    page.goto(f"/casos/{case.number}/")
    card = page.get_by_test_id("commercial-changes")
    assert card.locator("li[data-change]").count() == 4
    assert "Código de plan desconocido" in card.inner_text()
    assert "SF-000981" in card.inner_text()
    assert serious_violations(page) == []

    page.context.clear_cookies()
    log_in(page, "responsable")
    page.goto("/indicadores/vigilancia/")
    section = page.locator("[data-watch=commercial]")
    assert page.get_by_test_id("unconfirmed-count").inner_text() == "3"
    assert serious_violations(page) == []
    section.locator(f"a[href='/casos/{case.number}/']").first.click()
    page.wait_for_url(f"**/casos/{case.number}/")
