"""The customer page in a browser: its sections as tabs, the interactions 25
to a page, on a desktop and a 390 px phone. No serious axe finding, no CSP
violation (the fixtures)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory, ContactFactory, InteractionFactory, ProductFactory
from posventa.web.tests.browser import log_in, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def company(team):
    company = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Clínica Cala Cala S.R.L.")
    ContactFactory(company=company, name="Carla Ovando", is_primary=True)
    ProductFactory(company=company, service_number="INT-7001")
    now = timezone.now()
    for n in range(1, 31):
        InteractionFactory(
            company=company, summary=f"Llamada número {n}.", occurred_at=now - timedelta(days=n)
        )
    return company


@pytest.mark.parametrize("device", ["page", "phone"])
def test_the_customer_page_in_tabs_with_pages_of_interactions(request, device, company):
    page = request.getfixturevalue(device)
    log_in(page, "executive")
    page.goto(f"/clientes/{company.pk}/")
    tabs = page.get_by_test_id("customer-sections")
    assert tabs.locator("[aria-current=page]").inner_text() == "Resumen"
    main = page.locator("main")
    assert "Carla Ovando" in main.inner_text() and "INT-7001" not in main.inner_text()
    assert serious_violations(page) == []
    if device == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 390

    tabs.get_by_role("link", name="Productos").click()
    page.wait_for_url("**seccion=productos")
    assert "INT-7001" in page.locator("main").inner_text()
    assert serious_violations(page) == []

    tabs.get_by_role("link", name="Interacciones").click()
    page.wait_for_url("**seccion=interacciones")
    items = page.locator("#interaction-list [data-interaction]")
    assert items.count() == 25
    assert "Llamada número 1." in items.first.inner_text()
    assert serious_violations(page) == []
    page.get_by_role("link", name="Siguiente").click()
    page.wait_for_url("**page=2")
    assert items.count() == 5 and "Llamada número 26." in items.first.inner_text()
    assert "Página 2 de 2" in page.locator("main").inner_text()
    assert serious_violations(page) == []
    if device == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 390
