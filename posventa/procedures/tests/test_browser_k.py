"""Procedure K in a real browser, across the inboxes: the analyst takes a
migration candidate from the review list, checks fiber feasibility and the
excess cable; the executive sends the offer and the customer accepts; the
commercial manager enters the migration, which issues the installation work
order; the technical manager closes it on its page (the product is on fiber,
the excess cable on its next invoice), then the copper's withdrawal order;
only then the executive verifies the service. And a damage the review finds:
the analyst registers it herself with her diagnosis, the technical manager
prioritises it with the Operations Center."""

from decimal import Decimal

import pytest

from posventa.accounts.roles import Role
from posventa.billing.models import Charge
from posventa.cases.models import Case, CaseStatus
from posventa.cases.tests.test_browser import open_pending, submit
from posventa.engine import runtime
from posventa.factories import ProductFactory
from posventa.integrations.models import Coverage
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import closed_damage_order, pending
from posventa.web.tests.browser import log_in, other_person, serious_violations
from posventa.workorders.models import Priority, WorkOrderKind, WorkOrderState

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "procedures"),
]


@pytest.fixture
def procedures(db, media):
    """K and E, the process K calls."""
    yield deploy_only("k_preventive_review.bpmn", "e_damage.bpmn")
    runtime.specs.clear()


def test_a_migration_to_fiber_from_the_review_list_through_its_work_orders_to_the_verification(
    page, live_server, team, internet_plans
):
    Coverage.objects.create(
        zone="Zona Norte", neighbourhood="Queru Queru", technology="fiber", spare_ports=8
    )
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=internet_plans[1],
        service_number="INT-4400100",
        technology="copper",
        zone="Zona Norte",
        neighbourhood="Queru Queru",
    )

    # 1-2. The analyst updates the list from the data and takes the candidate.
    log_in(page, team[Role.TECHNICAL_ANALYST].username)
    page.goto("/revision-preventiva/")
    page.locator("form[action$='/actualizar/'] button").click()
    row = page.locator("li[data-kind=migration][data-service='INT-4400100']")
    assert serious_violations(page) == []
    row.locator("button[type=submit]").click()
    page.wait_for_url("**/casos/PV-**")
    case = Case.objects.get(procedure="K")
    open_pending(page, "Revisa servicios, tecnología y daños del cliente")
    assert page.locator("input[name=finding][value=migration]").is_checked()
    submit(page)
    page.wait_for_url("**/bandeja/")

    # 4. Feasible, with 40 m of excess cable.
    open_pending(page, "Verifica la factibilidad técnica y el cable excedente")
    assert "Queru Queru" in page.locator("main").inner_text()
    page.check("input[name=feasible][value=yes]")
    page.fill("#id_excess_cable_metres", "40")
    submit(page)
    page.wait_for_url("**/bandeja/")

    # 12. The executive sends the offer with the charge; the customer accepts.
    executive = other_person(page, live_server, team[Role.EXECUTIVE].username)
    open_pending(executive, "Envía la oferta de migración a fibra")
    assert "40 m" in executive.locator("main").inner_text()
    executive.check("input[name=offer_accepted][value=yes]")
    executive.fill("#id_interaction_summary", "Acepta la migración y el cable excedente.")
    submit(executive)
    executive.wait_for_url("**/bandeja/")

    # 15-16. The commercial manager enters it: refused without the acceptance noted.
    manager = other_person(page, live_server, team[Role.COMMERCIAL_MANAGER].username)
    open_pending(manager, "Digita la migración con la aceptación del cable excedente")
    manager.fill("#id_migration_observations", "Migración por revisión preventiva")
    submit(manager)
    manager.locator("#id_customer_accepted_charge").wait_for()
    assert not case.work_orders.exists()
    manager.check("#id_customer_accepted_charge")
    submit(manager)
    manager.wait_for_url("**/bandeja/")
    manager.context.close()
    # The installation order is issued; the product is still on copper, nothing charged.
    installation = case.work_orders.get(kind=WorkOrderKind.INSTALLATION)
    product.refresh_from_db()
    assert product.technology == "copper" and not Charge.objects.exists()

    # The technical manager assigns and closes the installation on its page:
    # the product is on fiber, the excess cable on its next invoice.
    technician = other_person(page, live_server, team[Role.TECHNICAL_MANAGER].username)
    close_on_its_page(technician, installation, "Fibra instalada, ONT en servicio.")
    product.refresh_from_db()
    assert product.technology == "fiber"
    charge = Charge.objects.get(product=product)
    assert charge.quantity == Decimal("40") and charge.amount > 0

    # Then the copper's withdrawal order; the check call waits for it.
    withdrawal = case.work_orders.get(kind=WorkOrderKind.WITHDRAWAL)
    executive.goto("/bandeja/")
    assert "Verifica con el cliente" not in executive.locator("main").inner_text()
    close_on_its_page(technician, withdrawal, "Par de cobre liberado; módem retirado.")
    technician.context.close()

    # 17. The executive verifies the service.
    open_pending(executive, "Verifica con el cliente el funcionamiento del servicio")
    assert withdrawal.number in executive.locator("main").inner_text()
    executive.check("input[name=conform][value=yes]")
    executive.fill("#id_interaction_summary", "Navega bien por fibra.")
    submit(executive)
    executive.wait_for_url("**/bandeja/")
    executive.context.close()
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")


def close_on_its_page(person, work_order, result):
    """Assign the order to Resources management and close it resolved, on its page."""
    person.goto(f"/ordenes-de-trabajo/{work_order.number}/")
    assign = person.locator("form[data-form=assign]")
    assign.locator("#id_unit").select_option("resources")
    assign.locator("#id_technician").select_option("Téc. Juan Pérez")
    assign.locator("#id_scheduled_at").fill("2030-03-02T09:30")
    assign.locator("button[type=submit]").click()
    person.locator("form[data-form=close]").wait_for()
    close = person.locator("form[data-form=close]")
    close.locator("input[name=state][value=closed_resolved]").check()
    close.locator("#id_result").fill(result)
    close.locator("button[type=submit]").click()
    person.locator("[data-testid=work-order-state]").wait_for()
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.CLOSED_RESOLVED


def test_a_damage_found_in_a_review_is_registered_by_the_analyst_and_prioritised(
    page, live_server, team, internet_plans
):
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=internet_plans[1],
        service_number="INT-7700200",
        technology="fiber",
        installation_address="Calle Jordán N° 230",
    )
    closed_damage_order(team, product)  # a recent damage: a service check on the list

    # 1-2. The analyst takes the service check from the review list.
    log_in(page, team[Role.TECHNICAL_ANALYST].username)
    page.goto("/revision-preventiva/")
    page.locator("form[action$='/actualizar/'] button").click()
    page.locator("li[data-kind=service][data-service='INT-7700200'] button[type=submit]").click()
    page.wait_for_url("**/casos/PV-**")
    case = Case.objects.get(procedure="K")
    open_pending(page, "Revisa servicios, tecnología y daños del cliente")
    assert page.locator("input[name=finding][value=service]").is_checked()
    submit(page)
    page.wait_for_url("**/bandeja/")

    # 5-6. Problems; her diagnosis: not solvable remotely.
    open_pending(page, "Verifica el servicio de internet en Help Desk")
    page.check("input[name=has_problems][value=yes]")
    page.fill("#id_interaction_summary", "Help Desk: sin navegación desde la mañana.")
    submit(page)
    page.wait_for_url("**/bandeja/")
    open_pending(page, "Diagnostica el servicio de internet")
    page.check("#id_no_service")
    page.fill("#id_devices", "6")
    page.fill("#id_measured_mbps", "0")
    page.select_option("#id_router", "faulty")
    page.fill("#id_findings", "Router sin sincronía con la OLT.")
    page.check("input[name=solved_remotely][value=no]")
    submit(page)
    page.wait_for_url("**/bandeja/")

    # 8. She registers the damage herself, her diagnosis carried in.
    open_pending(page, "Digita el daño con su diagnóstico")
    assert serious_violations(page) == []
    assert "Router sin sincronía" in page.input_value("#id_problem")
    page.select_option("#id_cause", "no_service")
    page.fill("#id_reference_phone", "70755511")
    page.check("#id_address_checked")
    submit(page)
    page.wait_for_url("**/bandeja/")
    order = case.work_orders.get(state=WorkOrderState.REGISTERED)
    assert "Router sin sincronía" in order.description

    # 9.1, 14. The technical manager prioritises it with the Operations Center;
    # the work order carries the priority agreed.
    manager = other_person(page, live_server, team[Role.TECHNICAL_MANAGER].username)
    open_pending(manager, "Prioriza con el Centro de Operaciones")
    assert serious_violations(manager) == []
    manager.fill("#id_operations_contact", "Ing. Rosa Vargas (Centro de Operaciones)")
    manager.check("input[name=priority][value=urgent]")
    manager.fill("#id_agreement", "Cuadrilla de USM hoy por la tarde.")
    submit(manager)
    manager.wait_for_url("**/bandeja/")
    manager.context.close()
    order.refresh_from_db()
    assert order.priority == Priority.URGENT
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("coordinate_visit", Role.TECHNICAL_MANAGER)
    # Nothing was asked of the executive.
    assert not case.instance.events.filter(kind="UserTask", lane="Ejecutivo(a)").exists()
