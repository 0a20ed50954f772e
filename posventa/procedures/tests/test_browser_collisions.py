"""One product, one change at a time, in a real browser: an executive who
tries to open a second plan change on a product sees the open case as soon as
she picks the product, and submitting lands her on it."""

import pytest

from posventa.accounts.roles import Role
from posventa.cases.models import Case
from posventa.cases.services import case_open
from posventa.engine import runtime
from posventa.engine.deployment import deploy_files, read_directory
from posventa.factories import (
    CompanyFactory,
    PlanFactory,
    ProductFactory,
    UserFactory,
    product_type,
)
from posventa.procedures.apps import MODELS_DIR
from posventa.web.tests.browser import choose_procedure, log_in, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def open_plan_change(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    runtime.specs.clear()
    deploy_files(read_directory(MODELS_DIR))
    executive = UserFactory(username="ejecutiva", role=Role.EXECUTIVE)
    internet = product_type("internet")
    plan = PlanFactory(code="INT-50", name="Internet 50 Mbps", product_type=internet)
    company = CompanyFactory(executive=executive, legal_name="Hotel Muyurina S.R.L.")
    product = ProductFactory(company=company, plan=plan, service_number="INT-3926297")
    case = case_open(
        company=company,
        procedure="B",
        channel="email",
        subject="Quiere 100 Mbps",
        product=product,
        user=executive,
    )
    yield case
    runtime.specs.clear()


def test_a_second_plan_change_on_a_product_lands_on_the_open_case(
    page, live_server, open_plan_change
):
    case = open_plan_change
    log_in(page, "ejecutiva")
    page.goto(f"/clientes/{case.company.pk}/casos/nuevo/")
    choose_procedure(page, "B")
    page.fill("#id_subject", "Quiere 300 Mbps")
    with page.expect_response(lambda response: "casos/nuevo" in response.url):
        page.select_option("#id_product", str(case.product_id))
    stop = page.locator("[data-collisions]")
    stop.wait_for()
    assert case.number in stop.inner_text()
    assert "Verifica requisitos" in stop.inner_text()  # where it stands
    assert page.input_value("#id_subject") == "Quiere 300 Mbps"  # what she typed stays
    assert serious_violations(page) == []

    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url(f"**/casos/{case.number}/")
    assert "No se abrió la solicitud" in page.locator(".alert").first.inner_text()
    assert Case.objects.count() == 1
