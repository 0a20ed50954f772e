"""Procedure E in a real browser, across the inboxes: the executive receives an
internet damage and registers it, the technical analyst diagnoses it remotely
and cannot solve it, the technical manager coordinates the visit and closes
the work order on its page, and the executive makes the quality call."""

from datetime import timedelta

import pytest
from django.utils import timezone

from posventa.accounts.models import User
from posventa.accounts.roles import Role
from posventa.cases.models import Case, CaseStatus
from posventa.cases.services import case_open
from posventa.cases.tests.test_browser import open_pending, submit
from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.engine.deployment import deploy_files, read_directory
from posventa.factories import (
    CompanyFactory,
    ContactFactory,
    PlanFactory,
    ProductFactory,
    UserFactory,
    product_type,
)
from posventa.integrations.models import DiagnosisRecord
from posventa.procedures import collisions
from posventa.procedures.apps import MODELS_DIR
from posventa.procedures.tests.steps import complete, pending, talk
from posventa.web.tests.browser import choose_procedure, log_in, other_person, serious_violations
from posventa.workorders.models import FieldUnit, WorkOrderState
from posventa.workorders.services import workorder_close

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
    pytest.mark.usefixtures("reference_data", "technicians"),
]


@pytest.fixture
def internet(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    runtime.specs.clear()
    deploy_files({"e_damage.bpmn": read_directory(MODELS_DIR)["e_damage.bpmn"]})
    executive = UserFactory(username="ejecutiva", role=Role.EXECUTIVE)
    UserFactory(username="analista", role=Role.TECHNICAL_ANALYST)
    UserFactory(username="tecnico", role=Role.TECHNICAL_MANAGER)
    company = CompanyFactory(executive=executive, legal_name="Importadora Tunari S.R.L.")
    ContactFactory(company=company, name="Ing. Marco Rojas", phone="70755511", is_primary=True)
    product = ProductFactory(
        company=company,
        service_number="INT-5512300",
        plan=PlanFactory(
            code="INT-30", name="Internet 30 Mbps", product_type=product_type("internet")
        ),
        technology="fiber",
        installation_address="Av. Ballivián N° 520, of. 4",
        zone="Zona Central",
        neighbourhood="El Prado",
    )
    yield product
    runtime.specs.clear()


def test_internet_damage_from_report_to_quality_call(page, live_server, internet):
    log_in(page, "ejecutiva")
    page.goto(f"/clientes/{internet.company.pk}/casos/nuevo/")
    choose_procedure(page, "E")
    page.select_option("#id_channel", "phone")
    page.select_option("#id_product", str(internet.pk))
    page.fill("#id_subject", "El internet no navega")
    submit(page)
    page.wait_for_url("**/casos/PV-**")
    case = Case.objects.get()

    # 1–2. The executive takes the report; the product has no damage open.
    open_pending(page, "Recibe el reporte de daño")
    assert serious_violations(page) == []
    assert page.locator("input[name=damaged_service][value=internet]").is_checked()
    page.select_option("#id_cause", "no_service")
    page.fill("#id_problem", "Sin navegación desde las 8:00 en toda la oficina.")
    submit(page)
    page.wait_for_url("**/bandeja/")

    # 3. She checks the address and the reference phone and registers the damage.
    open_pending(page, "Registra el daño")
    assert page.input_value("#id_address") == "Av. Ballivián N° 520, of. 4"
    assert page.input_value("#id_reference_phone") == "70755511"
    page.check("#id_address_checked")
    submit(page)
    page.wait_for_url("**/bandeja/")
    work_order = case.work_orders.get()
    assert (work_order.cause, work_order.state) == ("no_service", WorkOrderState.REGISTERED)

    # 4, 6. The analyst diagnoses it in the Help Desk: not solvable remotely.
    analyst = other_person(page, live_server, "analista")
    open_pending(analyst, "Diagnostica el daño en forma remota")
    assert analyst.input_value("#id_contracted_mbps") == "30.00"
    assert serious_violations(analyst) == []
    analyst.check("#id_no_service")
    analyst.fill("#id_devices", "9")
    analyst.fill("#id_measured_mbps", "0")
    analyst.select_option("#id_router", "faulty")
    analyst.fill("#id_findings", "ONT sin señal óptica; router sin sincronía.")
    analyst.check("input[name=solved_remotely][value=no]")
    submit(analyst)
    analyst.wait_for_url("**/bandeja/")
    analyst.context.close()
    assert DiagnosisRecord.objects.get().solved_remotely is False

    # 7–8. The technical manager coordinates the visit and tells its time;
    # then closes the work order on its page.
    technician = other_person(page, live_server, "tecnico")
    open_pending(technician, "Coordina la visita técnica en el día")
    assert technician.input_value("#id_unit") == FieldUnit.USM
    visit = timezone.localtime(timezone.now() + timedelta(minutes=30))
    technician.select_option("#id_technician", "Téc. Luis Quiroga")
    technician.fill("#id_visit_at", visit.strftime("%Y-%m-%dT%H:%M"))
    # Late in the evening the visit falls on the next day and needs a reason.
    technician.fill("#id_not_today_reason", "Cuadrilla de turno.")
    submit(technician)
    technician.wait_for_url("**/bandeja/")
    work_order.refresh_from_db()
    assert (work_order.state, work_order.technician) == (
        WorkOrderState.ASSIGNED,
        "Téc. Luis Quiroga",
    )
    technician.goto(f"/ordenes-de-trabajo/{work_order.number}/")
    assert "70755511" in technician.locator("main").inner_text()
    close = technician.locator("form[data-form=close]")
    close.locator("input[name=state][value=closed_resolved]").check()
    close.locator("#id_result").fill("Se reemplazó la ONT; navega a 30 Mbps.")
    close.locator("button[type=submit]").click()
    technician.locator("[data-testid=work-order-state]").wait_for()
    assert case.number in technician.locator(".alert-success").inner_text()
    technician.context.close()

    # 12. The quality call.
    open_pending(page, "Llamada de control de calidad")
    page.check("input[name=conform][value=yes]")
    page.fill("#id_interaction_summary", "El internet funciona; cliente conforme.")
    submit(page)
    page.wait_for_url("**/bandeja/")
    case.refresh_from_db()
    assert (case.status, case.outcome, case.quality_conform) == (
        CaseStatus.CLOSED,
        "fulfilled",
        True,
    )
    summaries = " ".join(case.interactions.values_list("summary", flat=True))
    assert "Téc. Luis Quiroga" in summaries and visit.strftime("%d/%m/%Y %H:%M") in summaries
    page.goto(f"/casos/{case.number}/")
    page.locator("#diagram[data-rendered=true]").wait_for()
    for element in ("register_damage", "remote_diagnosis", "coordinate_visit", "quality_call"):
        assert page.locator(f"#diagram [data-element-id={element}].step-done").count() == 1
    assert page.locator("#diagram [data-element-id=test_with_customer].step-done").count() == 0


def test_a_visit_without_solution_and_a_second_report_that_follows_the_reiteration(
    page, live_server, internet, monkeypatch
):
    """The field unit could not solve the damage; the executive tells the
    customer and asks for a second visit. Meanwhile the customer reported the
    damage again (a second case, opened before the door refused two): when the
    first case registers the reiteration, the second links to it and follows it."""
    # Two reports open on the product at once, as on the demo.
    monkeypatch.setattr(collisions, "CHECKED", tuple(p for p in collisions.CHECKED if p != "E"))
    executive = User.objects.get(username="ejecutiva")
    manager = User.objects.get(username="tecnico")
    first = _reported(internet, executive, "Se corta el internet")
    complete(first, executive, _place(first))
    complete(first, User.objects.get(username="analista"), _no_remote_fix())
    when = timezone.localtime(timezone.now() + timedelta(minutes=30))
    complete(
        first,
        manager,
        {
            "unit": FieldUnit.USM,
            "technician": "Téc. Luis Quiroga",
            "visit_at": when.strftime("%Y-%m-%dT%H:%M"),
            "not_today_reason": "Cuadrilla de turno.",
        },
    )
    failed = first.work_orders.get()
    workorder_close(
        work_order=failed,
        state=WorkOrderState.ATTENDED_WITHOUT_SOLUTION,
        result="Cortes en la red troncal de la zona.",
        user=manager,
    )

    # 12. The executive tells the customer; a second visit is needed.
    log_in(page, "ejecutiva")
    page.goto(f"/tareas/{pending(first).task_id}/")
    assert "Cortes en la red troncal" in page.locator("main").inner_text()
    assert serious_violations(page) == []
    page.check("input[name=second_visit][value=yes]")
    submit(page)
    page.wait_for_url("**/bandeja/")
    assert pending(first).bpmn_id == "register_reiteration"

    # The customer calls again: the second report also reaches step 10.
    second = _reported(internet, executive, "Sigue cortándose")
    assert pending(second).bpmn_id == "register_reiteration"

    # 10. The first case registers the reiteration.
    page.goto(f"/tareas/{pending(first).task_id}/")
    assert failed.number in page.locator("main").inner_text()
    page.check("#id_address_checked")
    submit(page)
    page.wait_for_url("**/bandeja/")
    reiteration = first.work_orders.get(reiterates=failed)

    # The second case's step shows the reiteration, with links, and follows it.
    page.goto(f"/tareas/{pending(second).task_id}/")
    assert page.locator("#id_address").count() == 0
    assert reiteration.number in page.locator("main form").inner_text()
    assert page.locator(f"main form a[href='/casos/{first.number}/']").inner_text() == first.number
    assert serious_violations(page) == []
    page.check("#id_follow_order")
    submit(page)
    page.wait_for_url("**/bandeja/")
    second.refresh_from_db()
    assert second.reiterates == first
    assert pending(second).bpmn_id == "coordinate_visit"
    assert not second.work_orders.exists()
    # The technical manager sees, in the order's history, that the second case follows it.
    technician = other_person(page, live_server, "tecnico")
    technician.goto(f"/ordenes-de-trabajo/{reiteration.number}/")
    assert second.number in technician.locator("main").inner_text()
    technician.context.close()

    # 11. The technical manager prioritises the reiteration with the Operations
    # Center: whom she spoke to, when, the priority agreed, what was agreed.
    technician = other_person(page, live_server, "tecnico")
    open_pending(technician, "Prioriza con el Centro de Operaciones")
    assert failed.number in technician.locator("main form").inner_text()  # why: it reiterates
    assert serious_violations(technician) == []
    technician.fill("#id_operations_contact", "Ing. Rosa Vargas")
    later = timezone.localtime(timezone.now() + timedelta(hours=3))
    technician.fill("#id_called_at", later.strftime("%Y-%m-%dT%H:%M"))
    technician.check("input[name=priority][value=urgent]")
    technician.fill("#id_agreement", "Cuadrilla prioritaria esta tarde.")
    submit(technician)
    assert "futuro" in technician.locator("main form").inner_text()  # refused, in Spanish
    called = timezone.localtime().replace(second=0, microsecond=0)
    technician.fill("#id_called_at", called.strftime("%Y-%m-%dT%H:%M"))
    submit(technician)
    technician.wait_for_url("**/bandeja/")
    technician.goto(f"/ordenes-de-trabajo/{reiteration.number}/")
    assert "Urgente" in technician.locator("[data-testid=work-order-priority]").inner_text()
    agreed = technician.locator("[data-testid=prioritisations]").inner_text()
    assert "Ing. Rosa Vargas" in agreed and "Cuadrilla prioritaria esta tarde." in agreed
    technician.context.close()

    # Both cases go on to the follow-up steps; closing the order moves both.
    for case in (first, second):
        complete(
            case,
            manager,
            {
                "unit": FieldUnit.USM,
                "technician": "Téc. Luis Quiroga",
                "visit_at": when.strftime("%Y-%m-%dT%H:%M"),
                "not_today_reason": "Cuadrilla de turno.",
            },
        )
    closing = workorder_close(
        work_order=reiteration,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Se reparó la red troncal.",
        user=manager,
    )
    assert closing.cases == sorted([first.number, second.number])
    for case in (first, second):
        complete(case, executive, {"conform": "yes", **talk("Funciona.")})
        assert case.status == CaseStatus.CLOSED


def _reported(product, executive, subject):
    case = case_open(
        company=product.company,
        procedure="E",
        channel="phone",
        subject=subject,
        product=product,
        user=executive,
    )
    complete(
        case, executive, {"damaged_service": "internet", "cause": "outages", "problem": subject}
    )
    return case


def _place(case):
    form = engine.task_form(pending(case))
    return {
        "address": form.initial["address"],
        "reference_phone": form.initial["reference_phone"],
        "address_checked": "on",
        **talk(form.initial["interaction_summary"]),
    }


def _no_remote_fix():
    return {
        "outages": "on",
        "wifi_coverage": "good",
        "devices": "5",
        "contracted_mbps": "30",
        "measured_mbps": "2",
        "router": "ok",
        "findings": "Cortes en la zona.",
        "solved_remotely": "no",
    }


def test_the_analyst_asks_the_executive_to_reach_the_customer_for_the_tests(
    page, live_server, internet
):
    """Step 5.1: the analyst cannot reach the customer for the remote tests;
    the executive contacts him and the tests come back to the analyst."""
    executive = User.objects.get(username="ejecutiva")
    case = _reported(internet, executive, "Navega lento")
    complete(case, executive, _place(case))
    complete(
        case,
        User.objects.get(username="analista"),
        {**_no_remote_fix(), "outages": "", "router": "misconfigured", "solved_remotely": "yes"},
    )

    log_in(page, "analista")
    open_pending(page, "Prueba con el cliente hasta su conformidad")
    page.check("input[name=customer_conform][value=executive]")
    page.fill("#id_interaction_summary", "")
    submit(page)
    assert "Indique qué debe decirle" in page.locator("main form").inner_text()
    page.fill("#id_contact_request", "Que me llame al 4456789 para las pruebas de velocidad.")
    submit(page)
    page.wait_for_url("**/bandeja/")

    executive_page = other_person(page, live_server, "ejecutiva")
    open_pending(executive_page, "Contacta al cliente para las pruebas del analista")
    assert "4456789" in executive_page.locator("main form").inner_text()
    assert serious_violations(executive_page) == []
    executive_page.check("input[name=customer_reached][value=yes]")
    executive_page.fill("#id_interaction_summary", "Llamará al analista en diez minutos.")
    submit(executive_page)
    executive_page.wait_for_url("**/bandeja/")
    executive_page.context.close()

    open_pending(page, "Prueba con el cliente hasta su conformidad")
    assert "Llamará al analista" in page.locator("main form").inner_text()
    page.check("input[name=customer_conform][value=yes]")
    page.fill("#id_interaction_summary", "Pruebas con el cliente: 29 Mbps por wifi.")
    submit(page)
    page.wait_for_url("**/bandeja/")
    assert case.work_orders.get().state == WorkOrderState.UNFOUNDED
    assert pending(case).bpmn_id == "quality_call_remote"
    complete(case, executive, {"conform": "yes", **talk("Funciona.")})
