"""A person's flows through the web shell, in a real browser."""

import contextlib

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from posventa.accounts.roles import Role
from posventa.customers.models import Interaction
from posventa.factories import CompanyFactory, ContactFactory, ProductFactory, UserFactory
from posventa.web.tests.browser import _new_page, log_in, serious_violations

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data: a transactional database, with
    # the migrations' reference data loaded again after earlier flushes.
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def portfolio():
    executive = UserFactory(
        username="ejecutiva", role=Role.EXECUTIVE, first_name="Mariela", last_name="Rocha"
    )
    other = UserFactory(username="otro", role=Role.EXECUTIVE)
    mine = CompanyFactory(
        executive=executive,
        nit="1020703023",
        legal_name="Clínica Cala Cala S.R.L.",
        is_public_institution=True,
    )
    ContactFactory(company=mine, name="Carla Ovando", is_primary=True)
    ProductFactory(company=mine, service_number="INT-3926297")
    CompanyFactory(executive=executive, nit="3543668166", legal_name="Hotel Muyurina S.R.L.")
    CompanyFactory(executive=other, nit="7758462527", legal_name="Ajena S.A.")
    return {"executive": executive, "other": other, "company": mine}


def assert_accessible(page):
    violations = serious_violations(page)
    assert violations == [], f"axe: serious or critical violations on {page.url}: {violations}"


def test_executive_finds_a_customer_by_nit_and_records_an_interaction(page, portfolio):
    page.goto("/entrar/")
    assert_accessible(page)
    log_in(page, "ejecutiva")

    page.goto("/clientes/")
    assert page.get_by_role("heading", name="Mi cartera").is_visible()
    assert page.get_by_text("Mariela Rocha · Ejecutivo(a) de empresas").is_visible()
    assert page.get_by_text("Ajena S.A.").count() == 0  # another executive's customer
    assert_accessible(page)
    page.get_by_label("Buscar por NIT o nombre").fill("1020703023")
    page.get_by_role("button", name="Buscar").click()
    page.wait_for_url("**/clientes/?q=1020703023")
    assert page.get_by_text("Hotel Muyurina S.R.L.").count() == 0
    page.get_by_role("link", name="Clínica Cala Cala S.R.L.").click()
    assert page.get_by_role("heading", name="Clínica Cala Cala S.R.L.").is_visible()
    page.locator("[data-section=productos]").click()  # the customer page's sections
    assert page.get_by_text("INT-3926297").filter(visible=True).is_visible()
    assert_accessible(page)
    page.locator("[data-section=interacciones]").click()

    # htmx swaps the timeline in place: a marker on window survives, a reload would not.
    page.evaluate("window.notReloaded = true")
    page.get_by_label("Contacto", exact=True).select_option(label="Carla Ovando")
    page.get_by_label("Qué se habló").fill("Confirma el horario de la visita técnica.")
    page.get_by_role("button", name="Registrar interacción").click()
    entry = page.locator("#interaction-list li").first
    entry.filter(has_text="Confirma el horario de la visita técnica.").wait_for()
    assert "Carla Ovando" in entry.inner_text()
    assert page.get_by_role("status").filter(has_text="Interacción registrada.").is_visible()
    assert page.evaluate("window.notReloaded") is True
    assert page.get_by_label("Qué se habló").input_value() == ""  # a fresh form
    # The keyboard stays in the form instead of falling back to the top of the page.
    expect(page.locator(":focus")).to_have_attribute("type", "submit")
    saved = Interaction.objects.get()
    assert (saved.recorded_by, saved.contact.name) == (portfolio["executive"], "Carla Ovando")

    # An empty summary gets a Spanish message by the field, its focus, and saves nothing.
    page.get_by_role("button", name="Registrar interacción").click()
    page.get_by_text("Escriba qué se habló.").wait_for()
    expect(page.locator(":focus")).to_have_attribute("name", "summary")
    assert page.evaluate("window.notReloaded") is True
    assert Interaction.objects.count() == 1
    assert_accessible(page)


def test_a_refused_htmx_post_says_so_instead_of_doing_nothing(page, portfolio):
    log_in(page, "ejecutiva")
    company = portfolio["company"]
    page.goto(f"/clientes/{company.pk}/?seccion=interacciones")
    # Meanwhile the customer moves to another executive's portfolio.
    company.executive = portfolio["other"]
    company.save(update_fields=["executive"])
    page.get_by_label("Qué se habló").fill("Llamada de seguimiento.")
    page.get_by_role("button", name="Registrar interacción").click()
    page.get_by_role("alert").filter(has_text="No se encontró").wait_for()
    assert not Interaction.objects.exists()


def test_on_a_phone_the_menu_folds_and_the_pages_read(phone, portfolio):
    log_in(phone, "ejecutiva")
    phone.goto("/clientes/")
    toggler = phone.get_by_role("button", name="Abrir el menú")
    assert toggler.is_visible()
    assert not phone.get_by_role("link", name="Mi cartera").is_visible()
    toggler.click()
    phone.get_by_role("link", name="Mi cartera").wait_for()
    # One card per company: name, NIT and products in view, no sideways scroll.
    card = phone.get_by_role("listitem").filter(has_text="Clínica Cala Cala S.R.L.")
    assert card.get_by_text("NIT 1020703023").is_visible()
    assert card.get_by_text("1 producto activo").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(phone)

    card.get_by_role("link", name="Clínica Cala Cala S.R.L.").click()
    phone.locator("[data-section=productos]").click()
    assert phone.get_by_role("heading", name="Productos").is_visible()
    assert phone.get_by_text("INT-3926297").filter(visible=True).is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator("[data-section=interacciones]").click()
    assert phone.get_by_role("button", name="Registrar interacción").is_visible()
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(phone)


def test_pages_forbid_inline_scripts_and_the_browser_tests_notice_a_violation(browser, live_server):
    """The policy is sent and enforced: an inline script is refused by the
    browser, and the fixtures' watch sees it (so any test whose page breaks
    the policy fails)."""
    page = _new_page(browser, live_server)
    response = page.goto("/entrar/")
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy.split("style-src")[0]
    with contextlib.suppress(PlaywrightError):  # Playwright reports the refused tag too
        page.add_script_tag(content="window.injected = true")
    assert page.evaluate("window.injected === undefined")
    page.context.close()
    assert any("inline script" in v for v in page.context.csp_violations)
