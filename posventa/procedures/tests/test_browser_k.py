"""Procedure K in a real browser, across the inboxes: the analyst takes a
migration candidate from the review list, checks fiber feasibility and the
excess cable; the executive sends the offer and the customer accepts; the
commercial manager enters the migration, which issues the installation work
order; the technical manager closes it on its page (the product is on fiber,
the excess cable on its next invoice), then the copper's withdrawal order;
only then the executive verifies the service."""

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
from posventa.web.tests.browser import log_in, other_person, serious_violations
from posventa.workorders.models import WorkOrderKind, WorkOrderState

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
    assign.locator("#id_technician").fill("Téc. Juan Pérez")
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
