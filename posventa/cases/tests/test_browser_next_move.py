"""The case page's next move in each kind of waiting state, on a desktop and
a 390 px phone: the viewer's own step as a primary button, someone else's
step, a work order to close (and the technical manager's inbox), a date,
a closed case. No serious axe finding, nothing to scroll sideways."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.services import case_open
from posventa.engine import runtime
from posventa.factories import ContactFactory, InvoiceFactory, PlanFactory, ProductFactory
from posventa.factories import product_type as a_product_type
from posventa.procedures.tests import test_e_damage as e
from posventa.procedures.tests import test_i_collections as i
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import complete
from posventa.web.tests.browser import log_in, serious_violations

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data"),
]

LA_PAZ = ZoneInfo("America/La_Paz")
DEVICES = ["page", "phone"]


@pytest.fixture
def cases(media, team, customer_product, internet_plans):
    """One case in each waiting state."""
    deploy_only("b_plan_change.bpmn", "e_damage.bpmn", "i_collections.bpmn")

    def plan_change():
        return case_open(
            company=customer_product.company,
            procedure="B",
            channel="email",
            subject="Cambio de plan",
            product=customer_product,
            user=team[Role.EXECUTIVE],
        )

    new = plan_change()
    # Closed: documents missing, and the customer gives up.
    closed = case_open(
        company=customer_product.company,
        procedure="B",
        channel="phone",
        subject="Cambio de plan (otro)",
        product=ProductFactory(company=customer_product.company, plan=internet_plans[0]),
        user=team[Role.EXECUTIVE],
        acknowledge_open_cases=True,
    )
    complete(closed, team[Role.EXECUTIVE], {"new_plan": internet_plans[1].pk, "has_nit_copy": "on"})
    complete(
        closed,
        team[Role.EXECUTIVE],
        {
            "completed": "no",
            "interaction_channel": "phone",
            "interaction_summary": "El cliente desiste del cambio.",
        },
    )
    closed.refresh_from_db()
    assert closed.status == "closed", closed.status

    # A damage whose visit is coordinated: it waits for its work order.
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=LA_PAZ), tick=True):
        plan = PlanFactory(
            code="FIJA-1", name="Línea fija empresarial", product_type=a_product_type("fixed_line")
        )
        line = ProductFactory(company=customer_product.company, plan=plan, service_number="4251234")
        ContactFactory(company=line.company, name="Sra. Ana Mendoza", phone="4456789")
        damage = e.open_a_case(team, line, "Sin tono")
        e.receive(damage, team, service="line", cause="no_dial_tone", problem="Sin tono.")
        e.register(damage, team)
        e.coordinate(damage, team, technician="Téc. Luis Quiroga")
    order = e.the_order(damage)

    # A payment promise: the case waits for its check day.
    today = timezone.localdate()
    InvoiceFactory(
        product=customer_product,
        period=(today - timedelta(days=60)).replace(day=1),
        due_date=today - timedelta(days=20),
    )
    collection = i.open_i_case(team, customer_product.company)
    complete(collection, team[Role.EXECUTIVE], i.promise(today + timedelta(days=3), "100.00"))
    check_day = today + timedelta(days=4)
    yield {
        "new": new,
        "closed": closed,
        "damage": damage,
        "order": order,
        "collection": collection,
        "check_day": check_day,
    }
    runtime.specs.clear()


def _fits(page, device):
    assert serious_violations(page) == []
    if device == "phone":
        assert page.evaluate("document.documentElement.scrollWidth") <= 390


@pytest.mark.parametrize("device", DEVICES)
def test_the_executive_sees_her_step_as_the_primary_button(request, cases, device):
    page = request.getfixturevalue(device)
    log_in(page, "executive")
    page.goto(f"/casos/{cases['new'].number}/")
    panel = page.get_by_test_id("next-move")
    button = panel.get_by_test_id("next-move-primary")
    assert button.inner_text().strip() == "Completar: Verifica requisitos"
    assert "btn-primary" in button.get_attribute("class")
    # Above the diagram: seen first, on the phone too.
    assert panel.bounding_box()["y"] < page.locator("#diagram").bounding_box()["y"]
    _fits(page, device)
    button.click()
    page.wait_for_url("**/tareas/**")


@pytest.mark.parametrize("device", DEVICES)
def test_another_role_sees_who_holds_the_step_and_since_when(request, cases, device):
    page = request.getfixturevalue(device)
    log_in(page, "commercial_manager")
    page.goto(f"/casos/{cases['new'].number}/")
    panel = page.get_by_test_id("next-move")
    assert panel.get_by_test_id("next-move-primary").count() == 0
    text = panel.get_by_test_id("move-others").inner_text()
    assert text.startswith("Espera a Ejecutivo(a): Verifica requisitos desde el ")
    assert panel.get_by_text("24 horas").count() == 1
    _fits(page, device)


@pytest.mark.parametrize("device", DEVICES)
def test_a_damage_names_its_work_order_and_the_technical_manager_closes_it_from_the_inbox(
    request, cases, device
):
    page = request.getfixturevalue(device)
    order = cases["order"]
    log_in(page, "technical_manager")
    page.goto(f"/casos/{cases['damage'].number}/")
    wait = page.get_by_test_id("move-work_order")
    assert f"Espera el cierre de la {order.number} (Gestor(a) técnico)" in wait.inner_text()
    assert "Téc. Luis Quiroga" in wait.inner_text()
    _fits(page, device)

    page.goto(reverse("cases:inbox"))
    section = page.get_by_test_id("inbox-work-orders")
    assert "Órdenes de trabajo por cerrar" in section.inner_text()
    row = section.locator(f"[data-work-order='{order.number}']")
    assert cases["damage"].number in row.inner_text()
    _fits(page, device)
    row.get_by_role("link", name=order.number).click()
    page.wait_for_url(f"**/{order.number}/")


@pytest.mark.parametrize("device", DEVICES)
def test_a_payment_promise_says_the_day_it_is_checked(request, cases, device):
    page = request.getfixturevalue(device)
    log_in(page, "executive")
    page.goto(f"/casos/{cases['collection'].number}/")
    text = page.get_by_test_id("move-timer").inner_text()
    assert f"se verifica el {cases['check_day']:%d/%m/%Y}" in text
    assert page.get_by_test_id("next-move-primary").count() == 0
    _fits(page, device)


@pytest.mark.parametrize("device", DEVICES)
def test_a_closed_case_says_when_and_how_it_ended(request, cases, device):
    page = request.getfixturevalue(device)
    log_in(page, "executive")
    page.goto(f"/casos/{cases['closed'].number}/")
    panel = page.get_by_test_id("next-move")
    assert panel.locator("h2").text_content().strip() == "Cómo terminó"
    closed_on = f"{timezone.localtime(cases['closed'].closed_at):%d/%m/%Y}"
    assert panel.get_by_test_id("move-closed").inner_text().strip() == (
        f"Cerrado el {closed_on} · resultado: Requisitos no cumplidos"
    )
    assert page.get_by_text("Nada: el caso está cerrado o espera un evento").count() == 0
    _fits(page, device)
