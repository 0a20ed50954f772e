"""Procedure L, technical support visits, walked branch by branch through the
services: remote fix (the case ends with the interaction), visit scheduled in
the shared calendar (a double booking refused, nothing changes), engineering
service closing the work order, quality-control call."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.cases.models import CaseStatus
from posventa.cases.services import case_open
from posventa.customers.models import Interaction
from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.engine.deployment import deploy_files, read_directory
from posventa.factories import CompanyFactory, UserFactory
from posventa.integrations.models import DiagnosisRecord
from posventa.procedures.apps import MODELS_DIR
from posventa.procedures.tests.steps import complete, pending
from posventa.visits.models import EngineeringService, QualityResult, Visit, VisitState
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
        team[Role.TEAM_LEAD],
        {
            "analyst": str(analyst.pk),
            "starts_at": start,
            "ends_at": end,
            "person": "Ing. Rocío Mamani",
            "location": "Av. Blanco Galindo km 4",
            "observations": "Llevar credencial",
        },
        step="schedule_visit",
        role=Role.TEAM_LEAD,
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
            team[Role.TEAM_LEAD],
            {
                "quality_result": QualityResult.SATISFIED,
                "interaction_channel": "phone",
                "interaction_summary": "El cliente está conforme con la visita",
            },
            step="quality_call",
            role=Role.TEAM_LEAD,
        )
    visit.refresh_from_db()
    assert visit.quality_result == QualityResult.SATISFIED
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert Interaction.objects.filter(
        case=case, summary__endswith="El cliente está conforme con la visita"
    ).exists()


def test_an_unresolved_visit_closes_its_order_as_attended_without_solution(request_case, team):
    case = request_case
    analyst = team[Role.TECHNICAL_ANALYST]
    diagnose(case, team, "visit")
    schedule(case, team, analyst)
    with time_machine.travel(at(25, 13), tick=False):
        complete(
            case,
            analyst,
            {"work_done": "Falta un repuesto del proveedor", "resolved": "no"},
            step="record_service",
            role=Role.TECHNICAL_ANALYST,
        )
    visit = Visit.objects.get()
    assert visit.work_order.state == WorkOrderState.ATTENDED_WITHOUT_SOLUTION


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
            user=team[Role.TEAM_LEAD],
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
            team[Role.TEAM_LEAD],
            {
                "quality_result": QualityResult.SATISFIED,
                "interaction_channel": "phone",
                "interaction_summary": "Conforme con la visita",
            },
            step="quality_call",
            role=Role.TEAM_LEAD,
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
    from django.urls import reverse

    case = request_case
    client.force_login(team[Role.TECHNICAL_ANALYST])
    page = client.get(reverse("cases:task", args=[pending(case).task_id]))
    assert page.status_code == 200 and 'name="diagnosis"' in page.text
    diagnose(case, team, "visit")
    client.force_login(team[Role.TEAM_LEAD])
    page = client.get(reverse("cases:task", args=[pending(case).task_id]))
    assert page.status_code == 200
    assert 'type="datetime-local"' in page.text and case.company.address in page.text
