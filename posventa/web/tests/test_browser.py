"""A person's flows through the web shell, in a real browser."""

import pytest

from posventa.accounts.roles import Role
from posventa.customers.models import Interaction
from posventa.factories import CompanyFactory, ContactFactory, ProductFactory, UserFactory
from posventa.web.tests.browser import log_in, serious_violations

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
        executive=executive, nit="1020703023", legal_name="Clínica Cala Cala S.R.L."
    )
    ContactFactory(company=mine, name="Carla Ovando", is_primary=True)
    ProductFactory(company=mine)
    CompanyFactory(executive=executive, nit="3543668166", legal_name="Hotel Muyurina S.R.L.")
    CompanyFactory(executive=other, nit="7758462527", legal_name="Ajena S.A.")
    return {"executive": executive, "company": mine}


def test_executive_finds_a_customer_by_nit_and_records_an_interaction(page, portfolio):
    page.goto("/entrar/")
    assert serious_violations(page) == []
    log_in(page, "ejecutiva")

    page.goto("/clientes/")
    assert page.get_by_role("heading", name="Mi cartera").is_visible()
    assert page.get_by_text("Ajena S.A.").count() == 0  # another executive's customer
    assert serious_violations(page) == []
    page.get_by_placeholder("Buscar por NIT o nombre").fill("1020703023")
    page.get_by_role("button", name="Buscar").click()
    page.get_by_role("link", name="Clínica Cala Cala S.R.L.").click()
    assert page.get_by_role("heading", name="Clínica Cala Cala S.R.L.").is_visible()
    assert serious_violations(page) == []

    page.evaluate("window.notReloaded = true")
    page.get_by_label("Qué se habló").fill("Confirma el horario de la visita técnica.")
    page.get_by_role("button", name="Registrar interacción").click()
    entry = page.locator("#interaction-list li").filter(
        has_text="Confirma el horario de la visita técnica."
    )
    entry.wait_for()
    assert page.evaluate("window.notReloaded") is True  # htmx swapped, no page load
    assert Interaction.objects.get().recorded_by == portfolio["executive"]

    # An empty summary gets a Spanish message and saves nothing.
    page.get_by_role("button", name="Registrar interacción").click()
    page.get_by_text("Este campo es obligatorio.").wait_for()
    assert Interaction.objects.count() == 1


def test_on_a_phone_the_menu_folds_and_the_pages_read(phone, portfolio):
    log_in(phone, "ejecutiva")
    phone.goto("/clientes/")
    toggler = phone.get_by_role("button", name="Abrir el menú")
    assert toggler.is_visible()
    assert not phone.get_by_role("link", name="Mi cartera").is_visible()
    toggler.click()
    phone.get_by_role("link", name="Mi cartera").wait_for()
    phone.get_by_role("link", name="Clínica Cala Cala S.R.L.").click()
    assert phone.get_by_role("heading", name="Productos").is_visible()
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390  # nothing wider than the screen
