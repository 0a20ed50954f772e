"""The header search in a real browser: each key on a desktop and on a 390 px
phone, the keyboard, the full results page, axe; and the grouped menu on one
line at 1280 px. The fixtures fail a test on any CSP violation."""

from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from posventa.accounts.roles import Role
from posventa.cases.models import Case
from posventa.factories import CompanyFactory, ContactFactory, ProductFactory, UserFactory
from posventa.web.tests.browser import log_in, serious_violations
from posventa.workorders.models import WorkOrder

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

# (what is typed, the kind's title, the hit's label, the page it opens)
KEYS = [
    ("2026-000123", "Solicitudes", "PV-2026-000123", "/casos/PV-2026-000123/"),
    (
        "OT-2026-000045",
        "Órdenes de trabajo",
        "OT-2026-000045",
        "/ordenes-de-trabajo/OT-2026-000045/",
    ),
    ("1020703023", "Empresas", "Clínica Cala Cala S.R.L.", "/clientes/{company}/"),
    ("cala cala", "Empresas", "Clínica Cala Cala S.R.L.", "/clientes/{company}/"),
    ("Muyurina", "Empresas", "Hotel Muyurina", "/clientes/{hotel}/"),
    ("INT-3926297", "Productos", "INT-3926297", "/clientes/{company}/?seccion=productos"),
    ("ovando", "Contactos", "Carla Ovando Peña", "/clientes/{company}/"),
    ("70712345", "Contactos", "Carla Ovando Peña", "/clientes/{company}/"),
    ("carla.ovando@clinica", "Contactos", "Carla Ovando Peña", "/clientes/{company}/"),
]


@pytest.fixture
def world():
    executive = UserFactory(
        username="ejecutiva", role=Role.EXECUTIVE, first_name="Mariela", last_name="Rocha"
    )
    other = UserFactory(username="otra", role=Role.EXECUTIVE)
    UserFactory(
        username="responsable",
        role=Role.TEAM_LEAD,
        is_staff=True,
        first_name="María Fernanda",
        last_name="Gutiérrez Rojas",
    )
    company = CompanyFactory(
        executive=executive, nit="1020703023", legal_name="Clínica Cala Cala S.R.L."
    )
    hotel = CompanyFactory(
        executive=other,
        nit="3543668166",
        legal_name="Hotelera del Valle",
        trade_name="Hotel Muyurina",
    )
    ContactFactory(
        company=company,
        name="Carla Ovando Peña",
        phone="4-4251234",
        whatsapp="+591 70712345",
        email="carla.ovando@clinica.example",
    )
    ProductFactory(company=company, service_number="INT-3926297")
    Case.objects.create(
        number="PV-2026-000123",
        company=company,
        procedure="B",
        channel="email",
        received_at=datetime(2026, 3, 2, 14, 0, tzinfo=UTC),
        subject="Cambio de plan",
    )
    WorkOrder.objects.create(
        number="OT-2026-000045", kind="damage", company=company, address="Av. América 1"
    )
    return {"company": company, "hotel": hotel}


def suggest(page, text: str):
    """Type into the header's box and wait for htmx's answer to that text."""
    box = page.locator("#site-search-q")
    with page.expect_response(lambda r: "/buscar/sugerencias/" in r.url and r.ok):
        box.fill(text)
    return page.locator("#site-search-results")


def hit(results, title: str, label: str):
    group = results.locator("section.site-search-group").filter(
        has=results.page.locator(".site-search-kind", has_text=title)
    )
    return group.get_by_role("link").filter(has_text=label)


def header_violations(page) -> list[dict]:
    """axe's serious and critical findings in the header (the page under it
    belongs to its own app and its own tests)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context="header")
    return [v["id"] for v in results.response["violations"] if v["impact"] in SERIOUS]


SERIOUS = ("serious", "critical")


def assert_accessible(page):
    violations = serious_violations(page)
    assert violations == [], f"axe: serious or critical violations on {page.url}: {violations}"


def test_the_team_lead_finds_each_key_from_the_header(page, world):
    log_in(page, "responsable")
    page.goto("/buscar/")
    for text, title, label, url in KEYS:
        results = suggest(page, text)
        link = hit(results, title, label)
        link.wait_for()
        assert link.is_visible(), text
        expected = url.format(company=world["company"].pk, hotel=world["hotel"].pk)
        assert link.get_attribute("href").split("#")[0] == expected, text
    # The open list passes axe, and says how many it found to screen readers.
    suggest(page, "carla")
    hit(page.locator("#site-search-results"), "Contactos", "Carla Ovando Peña").wait_for()
    assert page.get_by_role("status").filter(has_text="1 resultado").count() == 1
    assert_accessible(page)


def test_the_keyboard_goes_from_the_box_to_a_hit_and_enter_opens_every_result(page, world):
    log_in(page, "responsable")
    page.goto("/buscar/")
    suggest(page, "2026-000123")
    hit(page.locator("#site-search-results"), "Solicitudes", "PV-2026-000123").wait_for()
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == (
        "/casos/PV-2026-000123/"
    )
    page.keyboard.press("Enter")
    page.wait_for_url("**/casos/PV-2026-000123/")

    # Enter in the box: the full page.
    page.locator("#site-search-q").fill("carla")
    page.locator("#site-search-q").press("Enter")
    page.wait_for_url("**/buscar/?q=carla")
    assert page.get_by_role("heading", name="Buscar", level=1).is_visible()
    assert page.locator("main").get_by_role("link", name="Carla Ovando Peña").is_visible()
    assert_accessible(page)

    # Leaving the box hides the list; Escape empties it.
    page.goto("/buscar/")
    suggest(page, "carla")
    # htmx swaps the answer in after the response event: the locator
    # assertions wait for the swap instead of racing it.
    results = page.locator("#site-search-results")
    expect(results).to_be_visible()
    page.mouse.click(5, 700)  # the page, away from the list
    expect(results).to_be_hidden()
    page.locator("#site-search-q").focus()
    with page.expect_response(lambda r: "/buscar/sugerencias/" in r.url):
        page.keyboard.press("Escape")
    assert page.locator("#site-search-q").input_value() == ""
    expect(page.locator(".site-search-panel")).to_have_count(0)


def test_an_executive_finds_her_customer_not_another_portfolio_on_a_phone(phone, world):
    page = phone
    log_in(page, "ejecutiva")
    page.goto("/buscar/")
    page.get_by_role("button", name="Abrir el menú").click()
    page.locator("#site-search-q").wait_for(state="visible")
    results = suggest(page, "Muyurina")  # another executive's customer
    results.get_by_text("No se encontró nada").wait_for()
    results = suggest(page, "OT-2026-000045")  # her role sees no work orders
    results.get_by_text("No se encontró nada").wait_for()
    for text, title, label, _url in KEYS:
        if title in ("Órdenes de trabajo",) or label == "Hotel Muyurina":
            continue
        results = suggest(page, text)
        hit(results, title, label).wait_for()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert_accessible(page)
    hit(results, "Contactos", "Carla Ovando Peña").click()
    page.wait_for_url(f"**/clientes/{world['company'].pk}/*")
    assert page.get_by_role("heading", name="Clínica Cala Cala S.R.L.").is_visible()


def test_a_hostile_text_in_the_box_answers_in_spanish(page, world):
    log_in(page, "responsable")
    page.goto("/buscar/")
    results = suggest(page, "ab")
    results.get_by_text("Escriba al menos tres letras, o un número.").wait_for()
    results = suggest(page, '" OR 1=1 -- %_*')
    results.get_by_text("No se encontró nada").wait_for()


@pytest.mark.parametrize("username", ["responsable", "ejecutiva"])
def test_the_menu_fits_one_line_at_1280_px(browser, live_server, world, username):
    context = browser.new_context(
        base_url=live_server.url, viewport={"width": 1280, "height": 800}, locale="es-BO"
    )
    from posventa.web.tests.browser import close_checking_csp, watch_csp

    violations = watch_csp(context)
    page = context.new_page()
    log_in(page, username)
    page.goto("/ordenes-de-trabajo/" if username == "responsable" else "/clientes/")
    navbar = page.locator("nav.navbar")
    brand = page.locator(".navbar-brand").bounding_box()
    # One line: the bar is as tall as its brand plus its padding, and every
    # entry, the search box and the user's menu sit on the brand's line.
    assert navbar.bounding_box()["height"] < 2 * brand["height"] + 8
    middle = brand["y"] + brand["height"] / 2
    for element in page.locator(".navbar-nav > .nav-item > .nav-link, #site-search-q").all():
        box = element.bounding_box()
        assert box["y"] < middle < box["y"] + box["height"], element.inner_text()
    assert page.evaluate("document.documentElement.scrollWidth") <= 1280

    if username == "responsable":
        follow_up = page.get_by_role("button", name="Seguimiento")
        assert "active" in follow_up.get_attribute("class")  # the current page is inside
        follow_up.click()
        current = page.get_by_role("link", name="Órdenes de trabajo")
        assert current.is_visible() and current.get_attribute("aria-current") == "page"
        assert page.get_by_role("link", name="Calendario de visitas").is_visible()
        assert header_violations(page) == []
        page.keyboard.press("Escape")
        page.get_by_role("button", name="Casos").click()
        page.get_by_role("link", name="Equipo").click()
        page.wait_for_url("**/equipo/")
    else:
        assert page.get_by_role("link", name="Mi cartera").get_attribute("aria-current") == "page"
        page.get_by_role("button", name="Casos").click()
        assert page.get_by_role("link", name="Lista de casos").is_visible()
        assert page.get_by_role("link", name="Equipo").count() == 0
        page.get_by_role("button", name="Mariela Rocha · Ejecutivo(a) de empresas").click()
        page.get_by_role("button", name="Cerrar sesión").click()
        page.wait_for_url("**/entrar/")
    close_checking_csp(context, violations)
