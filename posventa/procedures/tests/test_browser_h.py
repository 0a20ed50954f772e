"""Procedure H in a real browser, across the inboxes: the executive receives
a withdrawal, sees the customer's history in numbers, the customer will not
stay and brings the signed letter; the commercial manager reviews the
contract, sees the final invoice line by line and enters the withdrawal, is
told that a damaged device needs its damage written, checks the equipment,
legalises the reception and hands it to the warehouse: the product ends
withdrawn with its final invoice."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.billing.final_invoice import final_invoice
from posventa.billing.models import Invoice
from posventa.cases.models import Case, CaseStatus
from posventa.cases.tests.test_browser import open_pending, submit
from posventa.common.money import format_bs
from posventa.engine import runtime
from posventa.factories import EquipmentFactory, ProductFactory
from posventa.inventory.models import ProductStatus
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import attach_document
from posventa.web.tests.browser import choose_procedure, log_in, other_person, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "procedures"),
]


@pytest.fixture
def procedures(db, media):
    """Only H's model."""
    yield deploy_only("h_withdrawal.bpmn")
    runtime.specs.clear()


def test_withdrawal_across_the_inboxes(page, live_server, team, customer_product):
    router = EquipmentFactory(product=customer_product, serial="RTR-7001", kind="router")
    executive = team[Role.EXECUTIVE].username
    log_in(page, executive)

    # 1. The executive receives the request on the product.
    page.goto(f"/clientes/{customer_product.company.pk}/casos/nuevo/")
    choose_procedure(page, "H")
    page.select_option("#id_channel", "letter")
    page.select_option("#id_product", str(customer_product.pk))
    page.fill("#id_subject", "Retiro de internet de la sucursal")
    submit(page)
    page.wait_for_url("**/casos/PV-**")
    case = Case.objects.latest("received_at")
    open_pending(page, "Recibe la solicitud de retiro")
    assert serious_violations(page) == []
    page.fill("#id_cause", "Cierran la sucursal de la zona Sur.")
    submit(page)
    page.wait_for_url("**/bandeja/")

    # 2. The history in numbers and the contract; 3. the customer will not stay; 4. the letter.
    open_pending(page, "Revisa el historial y el contrato")
    text = page.locator("main").inner_text()
    assert "interacción(es)" in text and "cumplida el" in text
    page.check("#id_history_reviewed")
    submit(page)
    page.wait_for_url("**/bandeja/")
    open_pending(page, "Negocia la retención")
    page.check("input[name=stays][value=no]")
    page.fill("#id_interaction_summary", "No acepta el descuento ofrecido.")
    submit(page)
    page.wait_for_url("**/bandeja/")
    open_pending(page, "Revisa los requisitos")
    for kind in ("request_letter", "nit_copy", "id_copy"):
        attach_document(page, kind)
    page.check("#id_original_request_letter")  # the manual asks for the letter on paper
    submit(page)
    page.wait_for_url("**/bandeja/")

    # 6–7. The commercial manager: contract, then the final invoice line by line.
    manager = other_person(page, live_server, team[Role.COMMERCIAL_MANAGER].username)
    open_pending(manager, "Revisa el contrato")
    manager.check("#id_contract_reviewed")
    submit(manager)
    manager.wait_for_url("**/bandeja/")
    open_pending(manager, "Registra el retiro e imprime la solicitud de pedido")
    today = timezone.localdate()
    expected = final_invoice(
        product_type="internet",
        plan_name=customer_product.plan.name,
        monthly_price=customer_product.plan.monthly_price,
        request_date=today,
    )
    text = manager.locator("main").inner_text()
    assert f"{today.day}/{expected.days_in_month} días" in text
    assert f"Total: {format_bs(expected.total)}" in text
    manager.check("#id_final_invoice_checked")
    submit(manager)
    manager.wait_for_url("**/bandeja/")
    case.refresh_from_db()
    assert case.attended_at is not None
    assert case.documents.filter(kind="order_request").count() == 1

    # 8. A damaged device must say what is damaged; it came back complete.
    open_pending(manager, "Revisa los equipos devueltos")
    manager.check(f"input[name=condition_{router.pk}][value=damaged]")
    submit(manager)
    assert manager.locator(f"#id_note_{router.pk}").count() == 1
    router.refresh_from_db()
    assert router.return_condition == ""
    # The router's parts are offered as checkboxes, each with its price; a
    # part ticked on a device that came back complete is refused.
    parts = manager.locator(f"input[name=parts_{router.pk}]")
    assert parts.count() == 3
    assert manager.locator(f"input[name=parts_{router.pk}][type=checkbox]").count() == 3
    assert "Bs 40,00" in manager.locator("main").inner_text()  # the antenna's tariff
    manager.check(f"input[name=condition_{router.pk}][value=complete]")
    manager.check(f"input[name=parts_{router.pk}][value=antenna]")
    submit(manager)
    assert manager.locator(f"#id_parts_{router.pk}_errors").count() == 1
    router.refresh_from_db()
    assert router.return_condition == "" and not router.missing_part_rows.exists()
    manager.uncheck(f"input[name=parts_{router.pk}][value=antenna]")
    manager.check(f"input[name=condition_{router.pk}][value=complete]")
    submit(manager)
    manager.wait_for_url("**/bandeja/")

    # 11–12 and 14: reception legalised, handed to the warehouse.
    open_pending(manager, "Registra la recepción y legaliza las órdenes")
    manager.check("#id_reception_legalised")
    submit(manager)
    manager.wait_for_url("**/bandeja/")
    open_pending(manager, "Entrega los equipos a almacén")
    manager.fill("#id_warehouse_received_by", "Juan Mamani")
    submit(manager)
    manager.wait_for_url("**/bandeja/")
    manager.context.close()

    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    customer_product.refresh_from_db()
    assert customer_product.status == ProductStatus.WITHDRAWN
    assert Invoice.objects.get(product=customer_product).amount == expected.total
    router.refresh_from_db()
    assert router.warehouse_received_by == "Juan Mamani"
    assert isinstance(expected.total, Decimal)
    page.goto(f"/casos/{case.number}/")
    page.locator("#diagram[data-rendered=true]").wait_for()
    assert page.locator("#diagram [data-element-id=hand_to_warehouse].step-done").count() == 1


def test_the_customer_keeps_the_service_rather_than_pay_the_penalty(
    page, live_server, team, customer_product
):
    """H5 in the browser: the permanence is not fulfilled, the step shows the
    penalty and the team's rule it follows; the customer will not pay: the
    interaction is recorded and the case ends `declined` (the customer chose)."""
    product = ProductFactory(
        company=customer_product.company,
        plan=customer_product.plan,
        installed_on=timezone.localdate() - timedelta(days=60),
        minimum_permanence_months=12,
    )
    log_in(page, team[Role.EXECUTIVE].username)
    page.goto(f"/clientes/{product.company.pk}/casos/nuevo/")
    choose_procedure(page, "H")
    page.select_option("#id_channel", "email")
    page.select_option("#id_product", str(product.pk))
    page.fill("#id_subject", "Retiro anticipado")
    submit(page)
    page.wait_for_url("**/casos/PV-**")
    case = Case.objects.get(product=product)
    open_pending(page, "Recibe la solicitud de retiro")
    page.fill("#id_cause", "Reducen personal.")
    submit(page)
    page.wait_for_url("**/bandeja/")
    open_pending(page, "Revisa el historial y el contrato")
    page.check("#id_history_reviewed")
    submit(page)
    page.wait_for_url("**/bandeja/")

    open_pending(page, "Informa la penalidad por retiro anticipado")
    text = page.locator("main").inner_text()
    assert "Penalidad por retiro anticipado: 50 %" in text
    assert "Regla del equipo (no del manual): penalidad del 50 % de la mensualidad" in text
    assert serious_violations(page) == []
    page.check("input[name=accepts_penalty][value=no]")
    page.fill("#id_interaction_summary", "Prefiere conservar el servicio.")
    submit(page)
    page.wait_for_url("**/bandeja/")

    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "declined")
    page.goto(f"/casos/{case.number}/")
    assert "Prefiere conservar el servicio." in page.locator("main").inner_text()
    product.refresh_from_db()
    assert product.status == ProductStatus.ACTIVE
