"""Procedure A in a real browser, across the executive's and the commercial
manager's inboxes."""

import pytest

from posventa.accounts.roles import Role
from posventa.cases.models import Case, CaseStatus
from posventa.cases.tests.test_browser import open_pending, submit
from posventa.catalog.models import SupplementaryService
from posventa.engine import runtime
from posventa.factories import (
    CompanyFactory,
    PlanFactory,
    ProductFactory,
    UserFactory,
    product_type,
)
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import attach_document
from posventa.web.tests.browser import choose_procedure, log_in

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]


@pytest.fixture
def line(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    deploy_only("a_supplementary_services.bpmn")
    executive = UserFactory(username="ejecutiva", role=Role.EXECUTIVE)
    UserFactory(username="gestor", role=Role.COMMERCIAL_MANAGER)
    company = CompanyFactory(executive=executive, legal_name="Colegio Los Álamos S.R.L.")
    ProductFactory(company=company, service_number="INT-777")  # not a line: not offered for A
    plan = PlanFactory(
        code="LF-EMP",
        name="Línea empresarial",
        product_type=product_type("fixed_line"),
        monthly_price=95,
    )
    yield ProductFactory(company=company, plan=plan, service_number="4-4251234")
    runtime.specs.clear()


def test_supplementary_services_from_intake_to_quality_call(page, live_server, line):
    centrex = SupplementaryService.objects.get(code="centrex")
    log_in(page, "ejecutiva")
    page.goto(f"/clientes/{line.company.pk}/casos/nuevo/")
    choose_procedure(page, "A")
    # Choosing the procedure redraws the form with the products it is about.
    page.locator("#id_product option", has_text="INT-777").wait_for(state="detached")
    assert page.locator("#id_product option", has_text="4-4251234").count() == 1
    page.select_option("#id_channel", "letter")
    page.select_option("#id_product", str(line.pk))
    page.fill("#id_subject", "Habilitar Centrex")
    submit(page)
    page.wait_for_url("**/casos/PV-**")

    open_pending(page, "Verifica requisitos")
    page.check(f"input[name=enable][value='{centrex.pk}']")
    for requirement in ("request_letter", "nit_copy", "id_copy"):
        attach_document(page, requirement)
    submit(page)
    page.wait_for_url("**/bandeja/")

    manager = page.context.browser.new_context(base_url=live_server.url, locale="es-BO")
    manager_page = manager.new_page()
    log_in(manager_page, "gestor")
    open_pending(manager_page, "Registra los servicios")
    assert manager_page.locator(f"input[name=enable][value='{centrex.pk}']").is_checked()
    submit(manager_page)
    manager_page.wait_for_url("**/bandeja/")
    manager.close()
    assert line.enabled_services.filter(service=centrex).exists()

    open_pending(page, "Llamada de control de calidad")
    page.check("input[name=conform][value=yes]")
    page.fill("#id_interaction_summary", "Centrex funcionando.")
    submit(page)
    page.wait_for_url("**/bandeja/")
    case = Case.objects.get()
    assert case.status == CaseStatus.CLOSED and case.outcome == "fulfilled"
    page.goto(f"/casos/{case.number}/")
    page.locator("#diagram[data-rendered=true]").wait_for()
    assert page.locator("#diagram .djs-element.step-done").count() >= 7


def test_the_customer_gives_up_and_the_case_page_shows_the_interaction(page, live_server, line):
    """A4: the requirements are not complete, the customer does not complete
    them: what was said is the case's interaction, and the case ends."""
    log_in(page, "ejecutiva")
    page.goto(f"/clientes/{line.company.pk}/casos/nuevo/")
    choose_procedure(page, "A")
    page.select_option("#id_channel", "letter")
    page.select_option("#id_product", str(line.pk))
    page.fill("#id_subject", "Habilitar Centrex")
    submit(page)
    page.wait_for_url("**/casos/PV-**")
    centrex = SupplementaryService.objects.get(code="centrex")
    open_pending(page, "Verifica requisitos")
    page.check(f"input[name=enable][value='{centrex.pk}']")
    attach_document(page, "nit_copy")  # no request letter
    submit(page)
    page.wait_for_url("**/bandeja/")

    open_pending(page, "Solicita documentos al cliente")
    page.check("input[name=completed][value=no]")
    submit(page)  # what was said is required
    page.locator("#id_interaction_summary_errors").wait_for()
    page.fill("#id_interaction_summary", "Ya no necesita Centrex; desiste del trámite.")
    submit(page)
    page.wait_for_url("**/bandeja/")

    case = Case.objects.get()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "requirements_not_met")
    assert case.interactions.filter(
        summary="Solicita documentos al cliente: Ya no necesita Centrex; desiste del trámite."
    ).exists()
    page.goto(f"/casos/{case.number}/")
    assert "Ya no necesita Centrex; desiste del trámite." in page.locator("main").inner_text()
    assert not line.enabled_services.filter(service=centrex).exists()
