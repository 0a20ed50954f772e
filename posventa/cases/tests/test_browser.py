"""Procedure B in a real browser: the executive opens the case, the commercial
manager completes it from the inbox, the executive makes the quality call, and
the case page draws the path taken."""

import pytest

from posventa.accounts.roles import Role
from posventa.cases.models import Case, CaseStatus
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
from posventa.procedures.tests.steps import attach_document
from posventa.web.tests.browser import choose_procedure, log_in, serious_violations

pytestmark = [
    pytest.mark.browser,
    # The live server needs committed data: a transactional database, with
    # the migrations' reference data loaded again after earlier flushes.
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def setting(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    runtime.specs.clear()
    deploy_files(read_directory(MODELS_DIR))
    executive = UserFactory(username="ejecutiva", role=Role.EXECUTIVE)
    UserFactory(username="gestor", role=Role.COMMERCIAL_MANAGER)
    internet = product_type("internet")
    slow = PlanFactory(
        code="INT-10", name="Internet 10 Mbps", product_type=internet, monthly_price=250
    )
    fast = PlanFactory(
        code="INT-50", name="Internet 50 Mbps", product_type=internet, monthly_price=520
    )
    company = CompanyFactory(executive=executive, legal_name="Hotel Muyurina S.R.L.")
    product = ProductFactory(company=company, plan=slow, service_number="INT-3926297")
    yield {"company": company, "product": product, "fast": fast}
    runtime.specs.clear()


def submit(page):
    page.locator("main form button[type=submit]").last.click()


def open_pending(page, step_name):
    page.goto("/bandeja/")
    page.get_by_role("link", name=step_name).first.click()
    page.wait_for_url("**/tareas/**")


def test_plan_change_from_intake_to_quality_call(page, browser, live_server, setting):
    company, product, fast = setting["company"], setting["product"], setting["fast"]
    log_in(page, "ejecutiva")
    page.goto(f"/clientes/{company.pk}/")
    page.get_by_role("link", name="Nueva solicitud").click()
    choose_procedure(page, "B")
    page.select_option("#id_channel", "whatsapp")
    page.select_option("#id_product", str(product.pk))
    page.fill("#id_subject", "Quiere 50 Mbps")
    submit(page)
    page.wait_for_url("**/casos/PV-**")
    case = Case.objects.get()

    open_pending(page, "Verifica requisitos")
    assert serious_violations(page) == []
    page.select_option("#id_new_plan", str(fast.pk))
    for requirement in ("request_letter", "nit_copy", "id_copy"):
        attach_document(page, requirement)
    submit(page)
    page.wait_for_url("**/bandeja/")
    assert page.get_by_role("link", name="Verifica requisitos").count() == 0

    manager = page.context.browser.new_context(base_url=live_server.url, locale="es-BO")
    manager_page = manager.new_page()
    log_in(manager_page, "gestor")
    open_pending(manager_page, "Registra el cambio de plan")
    submit(manager_page)
    manager_page.wait_for_url("**/bandeja/")
    manager.close()
    product.refresh_from_db()
    assert product.plan == fast

    open_pending(page, "Llamada de control de calidad")
    page.check("input[name=conform][value=yes]")
    page.fill("#id_interaction_summary", "El cliente confirma los 50 Mbps.")
    submit(page)
    page.wait_for_url("**/bandeja/")

    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.outcome == "fulfilled"
    page.goto(f"/casos/{case.number}/")
    page.locator("#diagram[data-rendered=true]").wait_for()
    done = page.locator("#diagram .djs-element.step-done")
    assert done.count() >= 7  # every step taken, gateways and events included
    assert page.locator("#diagram [data-element-id=ask_documents].step-done").count() == 0
    assert page.locator(".bjs-powered-by").is_visible()  # bpmn.io watermark stays
    order_request = page.get_by_role("link", name=f"Solicitud de pedido {case.number}").first
    assert order_request.get_attribute("href").startswith(f"/casos/{case.number}/documentos/")
    assert serious_violations(page) == []
