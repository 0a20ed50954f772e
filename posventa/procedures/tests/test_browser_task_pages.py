"""Task pages in a real browser, on a desktop and on a 390 px phone: a call
step shows whom to call with a tap-to-call number; the visit step shows its
work order as a card and offers the technicians of the admin's list."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.services import case_open
from posventa.engine import runtime
from posventa.factories import ContactFactory, PlanFactory, ProductFactory, product_type
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import complete, pending
from posventa.web.tests.browser import log_in, serious_violations
from posventa.workorders.models import WorkOrderState

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "procedures"),
]


@pytest.fixture
def procedures(db, media):
    yield deploy_only("j_loyalty_calls.bpmn", "e_damage.bpmn")
    runtime.specs.clear()


@pytest.fixture
def line(team):
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        company__legal_name="Farmacias Cochabamba S.A.",
        plan=PlanFactory(
            code="FIJA-1", name="Línea fija empresarial", product_type=product_type("fixed_line")
        ),
        service_number="4251234",
        installation_address="Calle Jordán N° 230",
        zone="Zona Central",
    )
    ContactFactory(
        company=product.company,
        name="Sra. Ana Mendoza",
        position="Gerente administrativa",
        phone="4 445-6789",
        email="ana.mendoza@example.com",
        is_primary=True,
    )
    return product


def open_case(team, product, procedure, subject):
    return case_open(
        company=product.company,
        procedure=procedure,
        channel="phone",
        subject=subject,
        product=product,
        user=team[Role.EXECUTIVE],
    )


@pytest.mark.parametrize("device", ["page", "phone"])
def test_a_call_step_shows_the_phone_as_a_tap_to_call_link(request, device, team, line):
    browser_page = request.getfixturevalue(device)
    case = open_case(team, line, "J", "Llamada de fidelización")
    task = pending(case)
    assert task.bpmn_id == "call_customer"

    log_in(browser_page, team[Role.EXECUTIVE].username)
    browser_page.goto(f"/tareas/{task.task_id}/")
    card = browser_page.locator("[data-testid=call-card]")
    assert "Sra. Ana Mendoza" in card.inner_text()
    assert "Gerente administrativa" in card.inner_text()
    call = card.locator("a[href^='tel:']")
    assert call.get_attribute("href") == "tel:44456789"
    assert "4 445-6789" in call.inner_text()
    assert call.is_visible()
    box = call.bounding_box()
    assert box["height"] >= 24 and box["x"] + box["width"] <= browser_page.viewport_size["width"]
    # No sideways scroll on the phone.
    assert browser_page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert serious_violations(browser_page) == []


def test_the_visit_step_shows_its_order_and_picks_a_technician_from_the_list(page, team, line):
    case = open_case(team, line, "E", "Sin tono")
    complete(
        case,
        team[Role.EXECUTIVE],
        {"damaged_service": "line", "cause": "no_dial_tone", "problem": "Sin tono."},
    )
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "address": "Calle Jordán N° 230",
            "zone": "Zona Central",
            "reference_phone": "4 445-6789",
            "address_checked": "on",
            "interaction_channel": "phone",
            "interaction_summary": "Dirección confirmada.",
        },
    )
    task = pending(case)
    assert task.bpmn_id == "coordinate_visit"
    order = case.work_orders.get()

    log_in(page, team[Role.TECHNICAL_MANAGER].username)
    page.goto(f"/tareas/{task.task_id}/")
    card = page.locator("[data-testid=work-order-card]").inner_text()
    for shown in (order.number, "Calle Jordán N° 230", "Zona Central", "4 445-6789"):
        assert shown in card, shown
    assert page.locator("[data-testid=call-card]").count() == 0  # not a call step
    assert serious_violations(page) == []
    page.select_option("#id_technician", "Téc. Luis Quiroga")
    visit = timezone.localtime(timezone.now() + timedelta(hours=2))
    page.fill("#id_visit_at", visit.strftime("%Y-%m-%dT%H:%M"))
    if timezone.localdate(visit) != timezone.localdate():
        page.fill("#id_not_today_reason", "Fuera de horario.")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_url("**/bandeja/")
    order.refresh_from_db()
    assert (order.state, order.technician) == (WorkOrderState.ASSIGNED, "Téc. Luis Quiroga")
