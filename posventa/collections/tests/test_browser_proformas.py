"""The monthly proformas in a real browser (desktop and a 390 px phone): the
team lead produces the month's proformas, the run's row ends saying what it
made with a link; the list shows them per month and customer, and a proforma
downloads as a PDF. The executive sees only her portfolio's."""

from datetime import date

import pytest

from posventa.accounts.roles import Role
from posventa.collections.services import proformas_for_company
from posventa.factories import CompanyFactory, ContactFactory, ProductFactory, UserFactory
from posventa.web.tests.browser import log_in, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture(params=["page", "phone"])
def screen(request):
    screen = request.getfixturevalue(request.param)
    screen.set_default_timeout(30_000)  # PDFs on a loaded machine
    return screen


@pytest.fixture
def customers(team, customer_product, media):
    ContactFactory(company=customer_product.company, is_primary=True, email="pagos@cliente.bo")
    other = UserFactory(username="otra", role=Role.EXECUTIVE)
    theirs = CompanyFactory(executive=other, legal_name="Ajena S.A.")
    ProductFactory(company=theirs, plan=customer_product.plan, service_number="INT-9999")
    return {"mine": customer_product.company, "theirs": theirs}


def test_the_run_ends_saying_what_it_made_and_its_proformas_download(
    screen, live_server, team, customers
):
    log_in(screen, team[Role.TEAM_LEAD].username)
    screen.goto("/cobranza/proformas/")
    # (The test's job queue runs the job within the request: the answer
    # comes once the run is over; the worker does it meanwhile in production.)
    screen.get_by_role("button", name="Producir ahora las proformas de este mes").click(
        timeout=90_000
    )
    outcome = screen.locator("[data-run-status] [data-run-outcome]").first
    outcome.get_by_text("Terminado: 2 proformas, 1 enviadas por correo.").wait_for()
    assert "Se están produciendo" not in screen.content()
    assert "1 cliente las recibe en papel" in outcome.inner_text()
    assert serious_violations(screen) == []

    outcome.get_by_role("link", name="Ver las proformas de").click()
    screen.wait_for_url("**/cobranza/proformas/lista/?month=*")
    rows = screen.locator("tr[data-proforma]")
    assert rows.count() == 2
    assert "Ajena S.A." in screen.locator("table").inner_text()
    screen.fill("#q", "Ajena")
    screen.get_by_role("button", name="Buscar").click()
    screen.wait_for_url("**q=Ajena**")
    assert rows.count() == 1
    assert serious_violations(screen) == []

    with screen.expect_download() as info:
        rows.first.get_by_role("link", name="Descargar la proforma de INT-9999").click()
    download = info.value
    assert download.suggested_filename.startswith("proforma-INT-9999-")
    with open(download.path(), "rb") as pdf:
        assert pdf.read(5) == b"%PDF-"


def test_an_executive_lists_only_her_portfolios_proformas(screen, live_server, team, customers):
    for company in customers.values():
        proformas_for_company(company=company, period=date.today())
    log_in(screen, team[Role.EXECUTIVE].username)
    screen.goto("/cobranza/proformas/lista/")
    table = screen.locator("table").inner_text()
    assert customers["mine"].legal_name in table and "Ajena" not in table
    assert screen.locator("tr[data-proforma]").count() == 1
    assert serious_violations(screen) == []
