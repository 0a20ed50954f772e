"""Procedure C in a real browser, across the inboxes: the executive receives
the relocation, the commercial manager checks the network and enters it, the
technical manager requests the installation and assigns and closes its work
order on the work order's page, and the executive makes the quality call."""

import pytest

from posventa.accounts.roles import Role
from posventa.cases.models import Case, CaseStatus
from posventa.cases.tests.test_browser import open_pending, submit
from posventa.engine import runtime
from posventa.engine.deployment import deploy_files, read_directory
from posventa.factories import (
    CompanyFactory,
    EquipmentFactory,
    PlanFactory,
    ProductFactory,
    UserFactory,
    product_type,
)
from posventa.integrations.models import Coverage
from posventa.procedures.apps import MODELS_DIR
from posventa.procedures.tests.steps import attach_document
from posventa.web.tests.browser import choose_procedure, log_in, other_person, serious_violations
from posventa.workorders.models import WorkOrderState

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "technicians"),
]


@pytest.fixture
def line(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    runtime.specs.clear()
    deploy_files(read_directory(MODELS_DIR))
    executive = UserFactory(username="ejecutiva", role=Role.EXECUTIVE)
    UserFactory(username="gestor", role=Role.COMMERCIAL_MANAGER)
    UserFactory(username="tecnico", role=Role.TECHNICAL_MANAGER)
    for technology, ports in (("copper", 14), ("fiber", 9)):
        Coverage.objects.create(
            zone="Zona Norte", neighbourhood="Queru Queru", technology=technology, spare_ports=ports
        )
    company = CompanyFactory(executive=executive, legal_name="Laboratorios Valle Andino S.A.")
    ProductFactory(  # HSPA is not on the access network: not offered for C
        company=company,
        service_number="HSPA-555",
        plan=PlanFactory(code="HSPA-5", product_type=product_type("hspa")),
        technology="",
    )
    product = ProductFactory(
        company=company,
        service_number="INT-4451200",
        technology="copper",
        installation_address="Calle España N° 345",
        zone="Zona Central",
        neighbourhood="Casco Viejo",
    )
    EquipmentFactory(product=product, serial="MDM-0001", kind="modem")
    yield product
    runtime.specs.clear()


def test_relocation_from_intake_to_quality_call(page, live_server, line):
    log_in(page, "ejecutiva")
    page.goto(f"/clientes/{line.company.pk}/casos/nuevo/")
    choose_procedure(page, "C")
    # Choosing the procedure redraws the form with the products it is about.
    page.locator("#id_product option", has_text="HSPA-555").wait_for(state="detached")
    assert page.locator("#id_product option", has_text="INT-4451200").count() == 1
    page.select_option("#id_channel", "letter")
    page.select_option("#id_product", str(line.pk))
    page.fill("#id_subject", "Traslado de la oficina a Queru Queru")
    submit(page)
    page.wait_for_url("**/casos/PV-**")
    case = Case.objects.get()

    # 1. The executive takes the new address.
    open_pending(page, "Recibe la solicitud de traslado")
    page.fill("#id_new_address", "Av. Santa Cruz N° 1280, piso 3")
    page.fill("#id_new_zone", "Zona Norte")
    page.fill("#id_new_neighbourhood", "Queru Queru")
    page.fill("#id_contact_name", "Lic. Rosa Vargas")
    page.fill("#id_contact_phone", "70712345")
    submit(page)
    page.wait_for_url("**/bandeja/")

    # 2, 6, 7. The commercial manager sees the network, enters and checks the relocation.
    manager = other_person(page, live_server, "gestor")
    open_pending(manager, "Verifica factibilidad y requisitos")
    assert "14" in manager.locator("#id_new_technology_help").inner_text()
    assert manager.locator("input[name=new_technology][value=copper]").is_checked()
    assert serious_violations(manager) == []
    for requirement in ("request_letter", "nit_copy", "id_copy", "other"):
        attach_document(manager, requirement)
    submit(manager)
    manager.wait_for_url("**/bandeja/")
    open_pending(manager, "Registra el traslado")
    assert manager.input_value("#id_new_neighbourhood") == "Queru Queru"
    submit(manager)
    manager.wait_for_url("**/bandeja/")
    open_pending(manager, "Verifica el registro del traslado")
    manager.check("#id_entry_checked")
    submit(manager)
    manager.wait_for_url("**/bandeja/")
    manager.context.close()
    line.refresh_from_db()
    assert line.installation_address == "Av. Santa Cruz N° 1280, piso 3"

    # 8. The technical manager requests the installation, then assigns and
    # closes the work order on its page.
    technician = other_person(page, live_server, "tecnico")
    open_pending(technician, "Solicita la instalación")
    assert "Lic. Rosa Vargas" in technician.input_value("#id_installation_notes")
    submit(technician)
    technician.wait_for_url("**/bandeja/")
    work_order = case.work_orders.get()
    technician.goto("/")
    technician.get_by_role("button", name="Seguimiento").click()  # the menu's group
    technician.locator("nav a[href='/ordenes-de-trabajo/']").click()
    technician.get_by_role("link", name=work_order.number).click()
    technician.wait_for_url(f"**/ordenes-de-trabajo/{work_order.number}/")
    assert serious_violations(technician) == []
    assign = technician.locator("form[data-form=assign]")
    assign.locator("#id_unit").select_option("resources")
    assign.locator("#id_technician").select_option("Téc. Juan Pérez")
    assign.locator("#id_scheduled_at").fill("2030-03-02T09:30")
    assign.locator("button[type=submit]").click()
    technician.locator("form[data-form=close]").wait_for()
    close = technician.locator("form[data-form=close]")
    close.locator("input[name=state][value=closed_resolved]").check()
    close.locator("#id_result").fill("Instalado; navegación verificada con el cliente.")
    close.locator("button[type=submit]").click()
    technician.locator("[data-testid=work-order-state]").wait_for()
    assert case.number in technician.locator(".alert-success").inner_text()
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.CLOSED_RESOLVED

    # 9. The result goes back to the executive as an interaction.
    open_pending(technician, "Registra el resultado de la instalación")
    assert "navegación verificada" in technician.input_value("#id_interaction_summary")
    submit(technician)
    technician.wait_for_url("**/bandeja/")
    technician.context.close()

    # 11. The quality call.
    open_pending(page, "Llamada de control de calidad")
    page.check("input[name=conform][value=yes]")
    page.fill("#id_interaction_summary", "Internet funcionando en la nueva oficina.")
    submit(page)
    page.wait_for_url("**/bandeja/")
    case.refresh_from_db()
    assert case.status == CaseStatus.CLOSED and case.outcome == "fulfilled"
    page.goto(f"/casos/{case.number}/")
    page.locator("#diagram[data-rendered=true]").wait_for()
    for element in ("check_network", "enter_relocation", "wait_installation", "quality_call"):
        assert page.locator(f"#diagram [data-element-id={element}].step-done").count() == 1
    assert page.locator("#diagram [data-element-id=enter_technology_change].step-done").count() == 0


def test_the_old_modem_comes_back_incomplete_and_its_part_is_charged(page, live_server, line):
    """Copper to fiber, walked to step 4 by the services; the executive then
    records in the browser that the modem came back without its power supply."""
    from django.contrib.auth import get_user_model

    from posventa.cases.services import case_open
    from posventa.inventory.models import Product
    from posventa.procedures.tests.steps import complete

    users = {u.username: u for u in get_user_model().objects.all()}
    case = case_open(
        company=line.company,
        procedure="C",
        channel="letter",
        subject="Traslado con cambio a fibra",
        product=line,
        user=users["ejecutiva"],
    )
    place = {
        "new_address": "Av. Santa Cruz N° 1280, piso 3",
        "new_zone": "Zona Norte",
        "new_neighbourhood": "Queru Queru",
    }
    complete(
        case,
        users["ejecutiva"],
        {**place, "contact_name": "Lic. Rosa Vargas", "contact_phone": "70712345"},
    )
    documents = {f"has_{kind}": "on" for kind in ("request_letter", "nit_copy", "id_copy", "other")}
    complete(case, users["gestor"], {"new_technology": "fiber", **documents})
    complete(
        case,
        users["gestor"],
        {
            **place,
            "new_service_number": "FO-7781200",
            "new_plan": line.plan_id,
            "confirm_withdrawal": "on",
        },
    )
    modem = line.equipment.get()

    log_in(page, "ejecutiva")
    open_pending(page, "Pide la devolución del equipo")
    assert serious_violations(page) == []
    # Left with the customer unless said otherwise; the modem's own parts as checkboxes.
    assert page.locator(f"input[name=condition_{modem.pk}][value='']").is_checked()
    assert page.locator(f"input[name=parts_{modem.pk}][type=checkbox]").count() == 3
    page.check(f"input[name=condition_{modem.pk}][value=incomplete]")
    submit(page)  # incomplete, but no part ticked: refused
    assert page.locator(f"#id_parts_{modem.pk}_errors").count() == 1
    modem.refresh_from_db()
    assert modem.return_condition == ""
    page.check(f"input[name=condition_{modem.pk}][value=incomplete]")
    page.check(f"input[name=parts_{modem.pk}][value=power_supply]")
    submit(page)
    page.wait_for_url("**/bandeja/")

    modem.refresh_from_db()
    assert modem.return_condition == "incomplete" and modem.billed_amount == 45
    new = Product.objects.get(service_number="FO-7781200")
    assert new.charges.filter(tariff__code="part_power_supply").count() == 1
    page.goto(f"/casos/{case.number}/")
    assert "Accesorio faltante: Fuente de poder" in page.locator("main").inner_text()
