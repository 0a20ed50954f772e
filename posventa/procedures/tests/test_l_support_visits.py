"""Procedure L, technical support visits, walked branch by branch through the
services: remote fix (the case ends with the interaction), the analyst
scheduling the visit in the shared calendar (a double booking refused,
nothing changes), engineering service closing the work order, the analyst's
quality-control call feeding the case's quality verdict, and the unresolved
visit — back to scheduling until the customer is satisfied, or closed by the
team lead with a reason."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.cases.models import Case, CaseStatus
from posventa.cases.services import case_open
from posventa.customers.models import Interaction
from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.engine.deployment import deploy_files, read_directory
from posventa.factories import CompanyFactory, UserFactory
from posventa.indicators.definitions import classified
from posventa.integrations.models import DiagnosisRecord
from posventa.procedures.apps import MODELS_DIR
from posventa.procedures.tests.steps import complete, pending
from posventa.visits.models import (
    EngineeringService,
    QualityResult,
    Visit,
    VisitKind,
    VisitState,
)
from posventa.workorders.models import WorkOrderKind, WorkOrderState

LA_PAZ = ZoneInfo("America/La_Paz")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=LA_PAZ)


@pytest.fixture
def procedures(db, media):
    runtime.specs.clear()
    files = {
        name: xml
        for name, xml in read_directory(MODELS_DIR).items()
        if name == "l_support_visits.bpmn"
    }
    versions = deploy_files(files)
    yield {version.process_id: version for version, _ in versions}
    runtime.specs.clear()


@pytest.fixture(autouse=True)
def working_hours():
    with time_machine.travel(at(24, 9), tick=False):
        yield


@pytest.fixture
def request_case(procedures, team):
    company = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name="Minera Andina S.A.")
    return case_open(
        company=company,
        procedure="L",
        channel="phone",
        subject="El cliente pide una visita: la red interna falla",
        user=team[Role.EXECUTIVE],
    )


def diagnose(case, team, diagnosis):
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        {
            "diagnosis": diagnosis,
            "findings": "Pérdida de paquetes en la red interna del cliente",
            "interaction_channel": "phone",
            "interaction_summary": "Se revisa con el cliente por teléfono",
        },
        step="diagnose",
        role=Role.TECHNICAL_ANALYST,
    )


def schedule(case, team, analyst, start="2026-11-25T10:00", end="2026-11-25T12:00"):
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        {
            "analyst": str(analyst.pk),
            "starts_at": start,
            "ends_at": end,
            "person": "Ing. Rocío Mamani",
            "location": "Av. Blanco Galindo km 4",
            "observations": "Llevar credencial",
        },
        step="schedule_visit",
        role=Role.TECHNICAL_ANALYST,
    )


def service(case, team, *, resolved="yes", work_done="Cambio de switch", when=None):
    """Step 6–7 after the visit's time: the analyst records the work done."""
    with time_machine.travel(when or at(25, 13), tick=False):
        complete(
            case,
            team[Role.TECHNICAL_ANALYST],
            {"work_done": work_done, "resolved": resolved},
            step="record_service",
            role=Role.TECHNICAL_ANALYST,
        )


def quality(case, team, result, summary="Se llama al cliente", when=None):
    """Step 8: the analyst's quality-control call."""
    with time_machine.travel(when or at(26, 9), tick=False):
        complete(
            case,
            team[Role.TECHNICAL_ANALYST],
            {
                "quality_result": result,
                "interaction_channel": "phone",
                "interaction_summary": summary,
            },
            step="quality_call",
            role=Role.TECHNICAL_ANALYST,
        )


def decide(case, team, decision, reason=""):
    """The team lead's decision on a visit that left the customer unsatisfied."""
    with time_machine.travel(at(26, 10), tick=False):
        complete(
            case,
            team[Role.TEAM_LEAD],
            {"decision": decision, "close_reason": reason},
            step="decide_unresolved",
            role=Role.TEAM_LEAD,
        )


def how_it_counts(case) -> dict:
    return (
        classified(Case.objects.filter(pk=case.pk), at(30, 23))  # the month measured after it
        .values("is_effective", "is_open")
        .get()
    )


def test_a_remote_fix_ends_the_case_with_the_interaction(request_case, team):
    case = request_case
    diagnose(case, team, "remote_fix")
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert case.attended_role == Role.TECHNICAL_ANALYST and case.attended_at is not None
    assert Interaction.objects.filter(
        case=case, summary__endswith="Se revisa con el cliente por teléfono"
    ).exists()
    assert not Visit.objects.exists()


def test_the_remote_diagnosis_of_a_product_is_kept_in_the_help_desk(
    procedures, team, customer_product
):
    case = case_open(
        company=customer_product.company,
        procedure="L",
        channel="whatsapp",
        subject="Internet lento en la oficina",
        product=customer_product,
        user=team[Role.EXECUTIVE],
    )
    form = engine.task_form(pending(case))
    assert customer_product.service_number in str(form.fields["findings"].help_text)
    diagnose(case, team, "remote_fix")
    [record] = DiagnosisRecord.objects.filter(product=customer_product)
    assert record.solved_remotely and record.analyst == team[Role.TECHNICAL_ANALYST]
    assert record.findings == "Pérdida de paquetes en la red interna del cliente"
    assert case.status == CaseStatus.CLOSED


def test_a_visit_is_scheduled_done_closed_and_quality_called(request_case, team):
    case = request_case
    analyst = team[Role.TECHNICAL_ANALYST]
    diagnose(case, team, "visit")
    assert case.attended_role == Role.TECHNICAL_ANALYST
    schedule(case, team, analyst)
    [visit] = Visit.objects.all()
    assert (visit.case, visit.company, visit.analyst) == (case, case.company, analyst)
    assert (visit.starts_at, visit.ends_at) == (at(25, 10), at(25, 12))
    assert visit.reason == "Pérdida de paquetes en la red interna del cliente"
    order = visit.work_order
    assert (order.kind, order.state, order.case) == (
        WorkOrderKind.VISIT,
        WorkOrderState.ASSIGNED,
        case,
    )
    assert case.status != CaseStatus.CLOSED

    with time_machine.travel(at(25, 12, 30), tick=False):
        complete(
            case,
            analyst,
            {"work_done": "Cambio de switch; enlace probado con el cliente", "resolved": "yes"},
            step="record_service",
            role=Role.TECHNICAL_ANALYST,
        )
    visit.refresh_from_db()
    order.refresh_from_db()
    assert visit.state == VisitState.DONE
    assert EngineeringService.objects.get(visit=visit).work_done.startswith("Cambio de switch")
    assert order.state == WorkOrderState.CLOSED_RESOLVED

    with time_machine.travel(at(26, 9), tick=False):
        complete(
            case,
            analyst,
            {
                "quality_result": QualityResult.SATISFIED,
                "interaction_channel": "phone",
                "interaction_summary": "El cliente está conforme con la visita",
            },
            step="quality_call",
            role=Role.TECHNICAL_ANALYST,
        )
    visit.refresh_from_db()
    assert visit.quality_result == QualityResult.SATISFIED
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert case.quality_conform is True
    assert case.quality_note == "El cliente está conforme con la visita"
    assert Interaction.objects.filter(
        case=case, summary__endswith="El cliente está conforme con la visita"
    ).exists()


def test_an_unresolved_visit_closes_its_order_and_goes_to_the_team_leads_decision(
    request_case, team
):
    case = request_case
    analyst = team[Role.TECHNICAL_ANALYST]
    diagnose(case, team, "visit")
    schedule(case, team, analyst)
    service(case, team, resolved="no", work_done="Falta un repuesto del proveedor")
    visit = Visit.objects.get()
    assert visit.work_order.state == WorkOrderState.ATTENDED_WITHOUT_SOLUTION
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("decide_unresolved", Role.TEAM_LEAD)
    assert case.status != CaseStatus.CLOSED
    assert "Falta un repuesto del proveedor" in str(
        engine.task_form(task).fields["decision"].help_text
    )


def test_the_calendar_refuses_a_double_booking_and_nothing_changes(request_case, team):
    case = request_case
    analyst = team[Role.TECHNICAL_ANALYST]
    other_case = case_open(
        company=case.company,
        procedure="L",
        channel="email",
        subject="Otra solicitud",
        user=team[Role.EXECUTIVE],
    )
    diagnose(case, team, "visit")
    diagnose(other_case, team, "visit")
    schedule(case, team, analyst)
    task = pending(other_case)
    with pytest.raises(Exception, match="ya tiene una visita"):
        schedule(other_case, team, analyst, start="2026-11-25T11:00", end="2026-11-25T13:00")
    assert Visit.objects.count() == 1
    assert pending(other_case).task_id == task.task_id
    second = UserFactory(role=Role.TECHNICAL_ANALYST, username="analista2")
    schedule(other_case, team, second, start="2026-11-25T11:00", end="2026-11-25T13:00")
    assert Visit.objects.count() == 2


def test_bad_input_is_refused_and_nothing_changes(request_case, team):
    case = request_case
    diagnose(case, team, "visit")
    task = pending(case)
    with pytest.raises(engine.FormInvalid):
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.TECHNICAL_ANALYST],
            data={
                "analyst": str(team[Role.TECHNICAL_ANALYST].pk),
                "starts_at": "2026-11-25T10:00",
                "ends_at": "2026-11-25T09:00",
                "person": "P",
            },
        )
    assert not Visit.objects.exists()
    assert pending(case).task_id == task.task_id


def test_a_visit_of_a_case_is_recorded_in_its_steps_not_from_the_calendar(
    request_case, team, client
):
    from posventa.visits import services

    case = request_case
    analyst = team[Role.TECHNICAL_ANALYST]
    diagnose(case, team, "visit")
    schedule(case, team, analyst)
    visit = Visit.objects.get()
    client.force_login(analyst)
    page = client.get(reverse("visits:calendar"), {"day": "2026-11-25"}).text
    assert case.number in page and 'data-testid="visit-case"' in page
    with pytest.raises(ValidationError, match=case.number):  # its case waits for it
        services.visit_cancel(visit=visit, reason="No hace falta", user=team[Role.TEAM_LEAD])
    client.force_login(team[Role.TEAM_LEAD])
    page = client.get(reverse("visits:calendar"), {"day": "2026-11-25"}).text
    assert reverse("visits:cancel", args=[visit.pk]) not in page
    with time_machine.travel(at(25, 13), tick=False):
        with pytest.raises(ValidationError, match=case.number):
            services.engineering_service_record(visit=visit, work_done="Hecho", user=analyst)
        assert not EngineeringService.objects.exists()
        complete(
            case,
            analyst,
            {"work_done": "Hecho", "resolved": "yes"},
            step="record_service",
            role=Role.TECHNICAL_ANALYST,
        )
        with pytest.raises(ValidationError, match=case.number):
            services.quality_call_record(
                visit=visit, result=QualityResult.NOT_SATISFIED, user=team[Role.TEAM_LEAD]
            )
        complete(
            case,
            analyst,
            {
                "quality_result": QualityResult.SATISFIED,
                "interaction_channel": "phone",
                "interaction_summary": "Conforme con la visita",
            },
            step="quality_call",
            role=Role.TECHNICAL_ANALYST,
        )
    visit.refresh_from_db()
    assert visit.engineering_service.work_done == "Hecho"
    assert visit.quality_result == QualityResult.SATISFIED
    assert case.status == CaseStatus.CLOSED


def test_the_team_lead_is_warned_when_24_hours_pass(
    request_case, team, django_capture_on_commit_callbacks
):
    case = request_case
    with (
        time_machine.travel(case.received_at + timedelta(hours=24, minutes=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        assert engine.timers_advance() == 1
    alert = case.alerts.get()
    assert alert.role == Role.TEAM_LEAD and "Diagnostica la solicitud" in alert.message
    assert pending(case).bpmn_id == "diagnose"


def test_the_model_deploys_with_its_diagram(procedures):
    version = procedures["l_support_visits"]
    assert "bpmndi:BPMNDiagram" in version.diagram_xml


def test_the_task_pages_of_l_show_their_forms(client, request_case, team):
    case = request_case
    client.force_login(team[Role.TECHNICAL_ANALYST])
    page = client.get(reverse("cases:task", args=[pending(case).task_id]))
    assert page.status_code == 200 and 'name="diagnosis"' in page.text
    diagnose(case, team, "visit")
    page = client.get(reverse("cases:task", args=[pending(case).task_id]))
    assert page.status_code == 200
    assert 'type="datetime-local"' in page.text and case.company.address in page.text


# --- Every step in its role's lane (issue 13) -------------------------------------------


def test_the_analyst_completes_l5_scheduling_the_visit_the_team_lead_does_not(request_case, team):
    """Step 5 is the analyst's ("realiza el agendamiento de visitas en
    coordinación con Responsable … y Gestor(a) Técnico"): her inbox, her
    form, the diagnosing analyst proposed."""
    case = request_case
    analyst = team[Role.TECHNICAL_ANALYST]
    diagnose(case, team, "visit")
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("schedule_visit", Role.TECHNICAL_ANALYST)
    assert engine.task_form(task).initial["analyst"] == analyst.pk
    for other in (Role.TEAM_LEAD, Role.TECHNICAL_MANAGER):
        with pytest.raises(PermissionDenied):
            engine.task_complete(
                task_id=task.task_id,
                user=team[other],
                data={
                    "analyst": str(analyst.pk),
                    "starts_at": "2026-11-25T10:00",
                    "ends_at": "2026-11-25T12:00",
                    "person": "P",
                },
            )
    assert not Visit.objects.exists()
    schedule(case, team, analyst)
    visit = Visit.objects.get()
    assert (visit.analyst, visit.scheduled_by, visit.kind) == (analyst, analyst, VisitKind.SUPPORT)


def test_the_analyst_completes_l8_the_quality_call_from_the_calendar(request_case, team):
    case = request_case
    analyst = team[Role.TECHNICAL_ANALYST]
    diagnose(case, team, "visit")
    schedule(case, team, analyst)
    service(case, team)
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("quality_call", Role.TECHNICAL_ANALYST)
    quality(case, team, QualityResult.SATISFIED, "Funciona bien")
    visit = Visit.objects.get()
    assert visit.quality_result == QualityResult.SATISFIED and visit.quality_called_at
    assert case.status == CaseStatus.CLOSED


def test_the_team_lead_and_the_technical_manager_still_move_the_analysts_visit(
    request_case, team, client
):
    """The shared calendar is where the analyst's booking is coordinated:
    the team lead and the technical manager move it (another time, another
    analyst) as before; the order follows."""
    case = request_case
    diagnose(case, team, "visit")
    schedule(case, team, team[Role.TECHNICAL_ANALYST])
    visit = Visit.objects.get()
    client.force_login(team[Role.TEAM_LEAD])
    client.post(reverse("visits:move", args=[visit.pk]), {"starts_at": "2026-11-26T15:00"})
    visit.refresh_from_db()
    assert visit.starts_at == at(26, 15)
    second = UserFactory(role=Role.TECHNICAL_ANALYST, username="analista2")
    client.force_login(team[Role.TECHNICAL_MANAGER])
    client.post(
        reverse("visits:move", args=[visit.pk]),
        {"starts_at": "2026-11-27T09:00", "analyst": str(second.pk)},
    )
    visit.refresh_from_db()
    visit.work_order.refresh_from_db()
    assert (visit.starts_at, visit.analyst) == (at(27, 9), second)
    assert visit.work_order.scheduled_at == at(27, 9)
    assert pending(case).bpmn_id == "record_service"  # the case waits for the visit


# --- The quality verdict and "hasta la conformidad" -------------------------------------


def test_not_satisfied_at_the_quality_call_makes_the_case_not_effective(request_case, team):
    """L's quality call feeds the case as every quality call does: "not
    satisfied" is quality_conform False; closed so by the team lead, the case
    counts as not attended effectively."""
    case = request_case
    diagnose(case, team, "visit")
    schedule(case, team, team[Role.TECHNICAL_ANALYST])
    service(case, team, resolved="yes")
    quality(case, team, QualityResult.NOT_SATISFIED, "Sigue lento por las tardes")
    assert case.quality_conform is False
    assert case.quality_note == "Sigue lento por las tardes"
    assert Visit.objects.get().quality_result == QualityResult.NOT_SATISFIED
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("decide_unresolved", Role.TEAM_LEAD)
    decide(case, team, "close", "El cliente cambiará su red interna por su cuenta")
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert case.quality_conform is False
    assert case.quality_note == "El cliente cambiará su red interna por su cuenta"
    assert how_it_counts(case) == {"is_effective": False, "is_open": False}


def test_a_satisfied_customer_makes_the_case_effective(request_case, team):
    case = request_case
    diagnose(case, team, "visit")
    schedule(case, team, team[Role.TECHNICAL_ANALYST])
    service(case, team)
    quality(case, team, QualityResult.SATISFIED, "Todo funciona")
    assert case.instance.events.filter(bpmn_id="end_visited").exists()
    assert how_it_counts(case) == {"is_effective": True, "is_open": False}


def test_an_unresolved_visit_loops_back_to_the_analysts_l5_until_the_customer_is_satisfied(
    request_case, team
):
    case = request_case
    analyst = team[Role.TECHNICAL_ANALYST]
    diagnose(case, team, "visit")
    schedule(case, team, analyst)
    service(case, team, resolved="no", work_done="Falta un repuesto")
    decide(case, team, "new_visit")
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("schedule_visit", Role.TECHNICAL_ANALYST)
    form = engine.task_form(task)
    assert form.initial["analyst"] == analyst.pk  # the last visit's analyst, person, place
    assert form.initial["person"] == "Ing. Rocío Mamani"
    assert form.initial["location"] == "Av. Blanco Galindo km 4"
    assert case.quality_conform is None and case.status != CaseStatus.CLOSED
    schedule(case, team, analyst, start="2026-11-27T10:00", end="2026-11-27T11:00")
    service(case, team, resolved="yes", when=at(27, 11, 30))
    # Resolved, but the customer is still not satisfied: back again.
    quality(case, team, QualityResult.NOT_SATISFIED, "Aún falla", when=at(27, 15))
    assert case.quality_conform is False
    decide(case, team, "new_visit")
    schedule(case, team, analyst, start="2026-11-30T10:00", end="2026-11-30T11:00")
    service(case, team, resolved="yes", when=at(30, 11, 30))
    quality(case, team, QualityResult.SATISFIED, "Ahora sí funciona", when=at(30, 15))
    first, second, third = Visit.objects.filter(case=case).order_by("starts_at")
    assert first.work_order.state == WorkOrderState.ATTENDED_WITHOUT_SOLUTION
    assert second.quality_result == QualityResult.NOT_SATISFIED
    assert third.quality_result == QualityResult.SATISFIED
    assert (case.status, case.outcome, case.quality_conform) == (
        CaseStatus.CLOSED,
        "fulfilled",
        True,
    )
    assert case.instance.events.filter(bpmn_id="end_visited").exists()


def test_the_team_lead_closes_an_unresolved_visit_only_with_a_reason(request_case, team):
    case = request_case
    diagnose(case, team, "visit")
    schedule(case, team, team[Role.TECHNICAL_ANALYST])
    service(case, team, resolved="no", work_done="Cableado del edificio dañado")
    task = pending(case)
    with pytest.raises(engine.FormInvalid) as refused:
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.TEAM_LEAD],
            data={"decision": "close", "close_reason": "   "},
        )
    assert "close_reason" in refused.value.form.errors
    with pytest.raises(PermissionDenied):  # the team lead's decision, not the analyst's
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.TECHNICAL_ANALYST],
            data={"decision": "close", "close_reason": "x"},
        )
    assert pending(case).task_id == task.task_id
    decide(case, team, "close", "  El edificio debe recablear; el cliente lo asume  ")
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert case.quality_conform is False
    assert case.quality_note == "El edificio debe recablear; el cliente lo asume"
    assert case.instance.events.filter(bpmn_id="end_closed_unresolved").exists()
    assert how_it_counts(case)["is_effective"] is False


def test_the_team_leads_decision_page_shows_the_visit_and_both_answers(client, request_case, team):
    case = request_case
    diagnose(case, team, "visit")
    schedule(case, team, team[Role.TECHNICAL_ANALYST])
    service(case, team, resolved="no", work_done="Falta un repuesto")
    client.force_login(team[Role.TEAM_LEAD])
    inbox = client.get(reverse("cases:inbox")).text
    assert "Decide: otra visita o cierre sin conformidad" in inbox
    page = client.get(reverse("cases:task", args=[pending(case).task_id])).text
    order = Visit.objects.get().work_order.number
    for expected in ("Falta un repuesto", order, 'value="new_visit"', 'value="close"'):
        assert expected in page, expected


# --- The diagram --------------------------------------------------------------------------

BPMN = "{http://www.omg.org/spec/BPMN/20100524/MODEL}"


def _model():
    from xml.etree import ElementTree

    return ElementTree.parse(MODELS_DIR / "bpmn" / "l_support_visits.bpmn").getroot()


def test_l5_and_l8_sit_in_the_analysts_lane_and_the_decision_in_the_team_leads():
    lanes = {
        ref.text: lane.get("name")
        for lane in _model().iter(f"{BPMN}lane")
        for ref in lane.iter(f"{BPMN}flowNodeRef")
    }
    assert lanes["schedule_visit"] == "Analista técnico"
    assert lanes["quality_call"] == "Analista técnico"
    assert lanes["record_service"] == "Analista técnico"
    assert lanes["decide_unresolved"] == "Responsable de equipo"


def test_every_branch_of_l_is_labelled_and_every_end_event_named():
    model = _model()
    flows = {flow.get("id"): flow for flow in model.iter(f"{BPMN}sequenceFlow")}
    for gateway in model.iter(f"{BPMN}exclusiveGateway"):
        outgoing = [ref.text for ref in gateway.iter(f"{BPMN}outgoing")]
        if len(outgoing) > 1:
            assert all((flows[f].get("name") or "").strip() for f in outgoing), gateway.get("id")
    ends = {end.get("id"): end.get("name") for end in model.iter(f"{BPMN}endEvent")}
    assert all((name or "").strip() for name in ends.values()), ends
    assert "end_closed_unresolved" in ends
    shapes = {
        shape.get("bpmnElement")
        for shape in model.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNShape")
    }
    edges = {
        edge.get("bpmnElement")
        for edge in model.iter("{http://www.omg.org/spec/BPMN/20100524/DI}BPMNEdge")
    }
    nodes = {
        node.get("id")
        for node in model.find(f"{BPMN}process")
        if node.tag not in (f"{BPMN}laneSet", f"{BPMN}sequenceFlow")
    }
    assert nodes <= shapes and set(flows) == edges


def test_a_case_cancelled_at_the_team_leads_decision_leaves_nothing_waiting(request_case, team):
    from posventa.cases.models import Outcome
    from posventa.cases.selectors import orphans
    from posventa.cases.services import case_cancel

    case = request_case
    diagnose(case, team, "visit")
    schedule(case, team, team[Role.TECHNICAL_ANALYST])
    service(case, team, resolved="no")
    assert pending(case).bpmn_id == "decide_unresolved"
    case_cancel(case=case, user=team[Role.TEAM_LEAD], reason="El cliente contrató a otro")
    case.refresh_from_db()
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, Outcome.CANCELLED)
    assert not case.instance.human_tasks.exists() and orphans() == []
