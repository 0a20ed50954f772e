"""Procedure E, damage to product, walked branch by branch through the services."""

import threading
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.campaigns.models import CampaignKind
from posventa.campaigns.services import call_start, campaign_create
from posventa.cases.models import Alert, Case, CaseStatus
from posventa.cases.selectors import case_timeline
from posventa.cases.services import case_open
from posventa.customers.models import Interaction
from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.engine.models import MessageSubscription
from posventa.factories import ContactFactory, PlanFactory, ProductFactory, product_type
from posventa.indicators.definitions import classified
from posventa.integrations.models import DiagnosisRecord
from posventa.procedures import collisions
from posventa.procedures.actions import e_damage as e_actions
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import complete, pending
from posventa.workorders.models import (
    FieldUnit,
    Priority,
    WorkOrder,
    WorkOrderKind,
    WorkOrderState,
)
from posventa.workorders.services import workorder_assign, workorder_close, workorder_create

LA_PAZ = ZoneInfo("America/La_Paz")


@pytest.fixture
def procedures(db, media):
    """Only the models these tests run: E, and J, which calls it."""
    yield deploy_only("e_damage.bpmn", "j_loyalty_calls.bpmn")
    runtime.specs.clear()


@pytest.fixture(autouse=True)
def working_hours():
    """A weekday morning in Cochabamba: a visit two hours later is the same day."""
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=LA_PAZ), tick=True):
        yield


@pytest.fixture
def internet(team, internet_plans):
    """An internet access on fiber, Internet 30 Mbps, with its primary contact."""
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=internet_plans[1],
        service_number="INT-5512300",
        technology="fiber",
        installation_address="Av. Ballivián N° 520, of. 4",
        zone="Zona Central",
        neighbourhood="El Prado",
    )
    ContactFactory(
        company=product.company, name="Ing. Marco Rojas", phone="70755511", is_primary=True
    )
    return product


@pytest.fixture
def line(team):
    plan = PlanFactory(
        code="FIJA-1", name="Línea fija empresarial", product_type=product_type("fixed_line")
    )
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=plan,
        service_number="4251234",
        installation_address="Calle Jordán N° 230",
    )
    ContactFactory(
        company=product.company, name="Sra. Ana Mendoza", phone="4456789", is_primary=True
    )
    return product


def open_a_case(team, product, subject="El internet no navega"):
    return case_open(
        company=product.company,
        procedure="E",
        channel="phone",
        subject=subject,
        product=product,
        user=team[Role.EXECUTIVE],
    )


def receive(
    case, team, service="internet", cause="no_service", problem="No navega desde la mañana."
):
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("receive_report", Role.EXECUTIVE)
    complete(
        case,
        team[Role.EXECUTIVE],
        {"damaged_service": service, "cause": cause, "problem": problem},
    )


def register(case, team, **extra):
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("register_damage", Role.EXECUTIVE)
    form = engine.task_form(task)
    data = {
        "address": form.initial["address"],
        "zone": form.initial["zone"],
        "neighbourhood": form.initial["neighbourhood"],
        "reference_phone": form.initial["reference_phone"],
        "address_checked": "on",
        "interaction_channel": "phone",
        "interaction_summary": form.initial["interaction_summary"],
        **extra,
    }
    complete(case, team[Role.EXECUTIVE], data)


DIAGNOSIS = {
    "wifi_coverage": "weak",
    "devices": "14",
    "contracted_mbps": "30",
    "measured_mbps": "28.456",
    "amplifiers": "",
    "router": "misconfigured",
    "findings": "Canal wifi saturado; se cambió el canal y se reinició el router.",
}


def diagnose(case, team, solved, **extra):
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("remote_diagnosis", Role.TECHNICAL_ANALYST)
    data = {**DIAGNOSIS, "solved_remotely": "yes" if solved else "no", **extra}
    complete(case, team[Role.TECHNICAL_ANALYST], data)


def coordinate(case, team, *, when=None, technician="Téc. Luis Quiroga", **extra):
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("coordinate_visit", Role.TECHNICAL_MANAGER)
    when = when or timezone.localtime(timezone.now() + timedelta(hours=2))
    data = {
        "unit": FieldUnit.USM,
        "technician": technician,
        "visit_at": when.strftime("%Y-%m-%dT%H:%M"),
        **extra,
    }
    complete(case, team[Role.TECHNICAL_MANAGER], data)
    return when


def prioritise(case, team, *, priority="urgent", agreement="Cuadrilla prioritaria esta tarde."):
    """The technical manager's call to the Operations Center, just made."""
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("prioritise", Role.TECHNICAL_MANAGER)
    called = timezone.localtime().replace(second=0, microsecond=0)
    complete(
        case,
        team[Role.TECHNICAL_MANAGER],
        {
            "operations_contact": "Ing. Rosa Vargas (Centro de Operaciones)",
            "called_at": called.strftime("%Y-%m-%dT%H:%M"),
            "priority": priority,
            "agreement": agreement,
        },
    )


def the_order(case) -> WorkOrder:
    return case.work_orders.get(state__in=[WorkOrderState.REGISTERED, WorkOrderState.ASSIGNED])


def quality_call(case, team, step="quality_call"):
    task = pending(case)
    assert (task.bpmn_id, task.role) == (step, Role.EXECUTIVE)
    complete(
        case,
        team[Role.EXECUTIVE],
        {"conform": "yes", "interaction_channel": "phone", "interaction_summary": "Funciona bien."},
    )


def summaries(case) -> list[str]:
    return list(case.interactions.values_list("summary", flat=True))


# ------------------------------------------------------------------ branches


def test_an_internet_damage_solved_remotely_closes_the_work_order_as_unfounded(
    procedures, team, internet
):
    case = open_a_case(team, internet)
    form = engine.task_form(pending(case))
    assert [v for v, _l in form.fields["damaged_service"].choices] == ["internet"]
    assert "no tiene órdenes de trabajo por daño" in str(form.fields["damaged_service"].help_text)
    receive(case, team, cause="slow", problem="Navega muy lento en toda la oficina.")

    # Step 3: no damage open → the executive registers it; that answers the request.
    form = engine.task_form(pending(case))
    assert form.initial["address"] == "Av. Ballivián N° 520, of. 4"
    assert form.initial["reference_phone"] == "70755511"
    before = timezone.now()
    register(case, team)
    registered_at = case.attended_at
    assert before <= registered_at <= timezone.now()
    assert case.attended_role == Role.EXECUTIVE
    [order] = case.work_orders.all()
    assert (order.kind, order.state, order.product, order.damaged_service, order.cause) == (
        WorkOrderKind.DAMAGE,
        WorkOrderState.REGISTERED,
        internet,
        "internet",
        "slow",
    )
    assert (order.address, order.reference_phone, order.priority) == (
        "Av. Ballivián N° 520, of. 4",
        "70755511",
        Priority.NORMAL,
    )
    assert order.description == "Navega muy lento en toda la oficina."
    assert order.created_by == team[Role.EXECUTIVE] and order.reiterates is None

    # Step 4: the Help Desk readings prefill the analyst's diagnosis (30 Mbps from the plan).
    task = pending(case)
    assert task.role == Role.TECHNICAL_ANALYST
    form = engine.task_form(task)
    assert Decimal(str(form.initial["contracted_mbps"])) == Decimal("30.00")
    diagnose(case, team, solved=True)
    [record] = DiagnosisRecord.objects.all()
    assert (record.product, record.work_order, record.analyst) == (
        internet,
        order,
        team[Role.TECHNICAL_ANALYST],
    )
    assert record.contracted_mbps == Decimal("30.00")
    assert record.measured_mbps == Decimal("28.46")  # half-up to cents
    assert (record.wifi_coverage, record.devices, record.router) == ("weak", 14, "misconfigured")
    assert record.solved_remotely is True

    # Step 5: tests with the customer until conformity → closed as unfounded by the analyst.
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("test_with_customer", Role.TECHNICAL_ANALYST)
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        {
            "customer_conform": "yes",
            "interaction_channel": "phone",
            "interaction_summary": "Pruebas de velocidad con el cliente: 29 Mbps por wifi.",
        },
    )
    order.refresh_from_db()
    assert order.state == WorkOrderState.UNFOUNDED
    assert order.closed_by == team[Role.TECHNICAL_ANALYST]
    assert "Canal wifi saturado" in order.result and "29 Mbps" in order.result
    assert [c.state for c in order.changes.all()] == ["registered", "unfounded"]

    # Step 12: the quality call closes the case.
    quality_call(case, team, step="quality_call_remote")
    assert (case.status, case.outcome, case.quality_conform) == (
        CaseStatus.CLOSED,
        "fulfilled",
        True,
    )
    assert case.attended_at == registered_at
    said = summaries(case)
    assert any("se solucionará a la brevedad" in s for s in said)
    assert any("29 Mbps" in s for s in said)
    assert Interaction.objects.filter(case=case, recorded_by=team[Role.TECHNICAL_ANALYST]).exists()


def test_an_internet_damage_not_solvable_remotely_goes_to_usm_and_the_technical_manager(
    procedures, team, internet
):
    case = open_a_case(team, internet)
    receive(case, team)
    register(case, team)
    order = the_order(case)
    diagnose(case, team, solved=False, router="faulty", findings="Router sin sincronía.")
    assert DiagnosisRecord.objects.get().solved_remotely is False

    # Steps 6–8: the technical manager agrees a visit today and tells the executive.
    form = engine.task_form(pending(case))
    assert form.initial["unit"] == FieldUnit.USM
    assert form.shown_work_order == order  # the page's work-order card
    when = coordinate(case, team)
    order.refresh_from_db()
    assert (order.state, order.unit, order.technician) == (
        WorkOrderState.ASSIGNED,
        FieldUnit.USM,
        "Téc. Luis Quiroga",
    )
    assert timezone.localtime(order.scheduled_at).strftime("%H:%M") == when.strftime("%H:%M")
    assert order.assigned_by == team[Role.TECHNICAL_MANAGER]
    visit = Interaction.objects.get(case=case, recorded_by=team[Role.TECHNICAL_MANAGER])
    assert "Téc. Luis Quiroga" in visit.summary and when.strftime("%d/%m/%Y %H:%M") in visit.summary

    # The case waits for the work order's closing.
    assert not case.instance.human_tasks.exists()
    subscription = MessageSubscription.objects.get(instance=case.instance)
    assert subscription.message_name == "work_order_closed"
    assert subscription.correlation == f'{{"work_order_id": "{order.number}"}}'
    closing = workorder_close(
        work_order=order,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Se reemplazó el router.",
        user=team[Role.TECHNICAL_MANAGER],
    )
    assert closing.cases == [case.number]
    case.refresh_from_db()
    quality_call(case, team)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    order.refresh_from_db()
    assert [c.state for c in order.changes.all()] == ["registered", "assigned", "closed_resolved"]


def test_when_the_remote_tests_do_not_convince_the_customer_the_damage_goes_to_the_field(
    procedures, team, internet
):
    case = open_a_case(team, internet)
    receive(case, team)
    register(case, team)
    diagnose(case, team, solved=True)
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        {
            "customer_conform": "no",
            "interaction_channel": "phone",
            "interaction_summary": "Sigue cortándose.",
        },
    )
    assert pending(case).bpmn_id == "coordinate_visit"
    assert the_order(case).state == WorkOrderState.REGISTERED  # not closed as unfounded


def test_a_line_damage_goes_straight_to_the_technical_manager(procedures, team, line):
    case = open_a_case(team, line, "Sin tono")
    form = engine.task_form(pending(case))
    assert [v for v, _l in form.fields["damaged_service"].choices] == ["line"]
    receive(case, team, service="line", cause="no_dial_tone", problem="La línea no tiene tono.")
    register(case, team)
    order = the_order(case)
    assert (order.damaged_service, order.cause, order.reference_phone) == (
        "line",
        "no_dial_tone",
        "4456789",
    )
    # No analyst, no Help Desk: the technical manager coordinates the visit.
    assert pending(case).role == Role.TECHNICAL_MANAGER
    coordinate(case, team)
    assert not DiagnosisRecord.objects.exists()
    workorder_close(
        work_order=order,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Par reparado en la caja de distribución.",
        user=team[Role.TECHNICAL_MANAGER],
    )
    case.refresh_from_db()
    quality_call(case, team)
    assert case.outcome == "fulfilled"


def test_a_damage_already_in_repair_is_followed_not_registered_again(procedures, team, internet):
    manager = team[Role.TECHNICAL_MANAGER]
    earlier = workorder_create(
        kind=WorkOrderKind.DAMAGE,
        company=internet.company,
        product=internet,
        damaged_service="internet",
        cause="no_service",
        reference_phone="70755511",
        user=manager,
    )
    workorder_assign(
        work_order=earlier,
        unit=FieldUnit.USM,
        technician="Téc. Pablo Ríos",
        scheduled_at=timezone.now() + timedelta(days=1),
        user=manager,
    )
    case = open_a_case(team, internet, "Llama otra vez: sigue sin internet")
    receive(case, team)

    # Step 2 → 8: no new order; the technical manager brings the visit to today.
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("coordinate_visit", Role.TECHNICAL_MANAGER)
    form = engine.task_form(task)
    assert form.initial["technician"] == "Téc. Pablo Ríos"
    assert form.shown_work_order == earlier  # the page's work-order card
    coordinate(case, team, technician="Téc. Pablo Ríos")
    assert case.attended_at is not None and case.attended_role == Role.TECHNICAL_MANAGER
    assert WorkOrder.objects.filter(product=internet).count() == 1
    earlier.refresh_from_db()
    assert timezone.localdate(earlier.scheduled_at) == timezone.localdate()
    assert [c.state for c in earlier.changes.all()] == ["registered", "assigned", "assigned"]

    workorder_close(
        work_order=earlier,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Fibra empalmada.",
        user=manager,
    )
    case.refresh_from_db()
    quality_call(case, team)
    assert case.status == CaseStatus.CLOSED


def test_an_order_closed_on_its_page_before_the_visit_is_coordinated_moves_the_case_on(
    procedures, team, internet
):
    manager = team[Role.TECHNICAL_MANAGER]
    earlier = workorder_create(
        kind=WorkOrderKind.DAMAGE,
        company=internet.company,
        product=internet,
        damaged_service="internet",
        cause="no_service",
        user=manager,
    )
    case = open_a_case(team, internet)
    receive(case, team)
    assert pending(case).bpmn_id == "coordinate_visit"
    workorder_close(
        work_order=earlier,
        state=WorkOrderState.UNFOUNDED,
        result="El cliente reinició el equipo; navega.",
        user=manager,
    )
    # No process waited for it yet: the step says so and lets the case go on.
    task = pending(case)
    assert "reinició el equipo" in str(engine.task_form(task).fields["technician"].help_text)
    complete(case, manager, {})
    assert pending(case).bpmn_id == "quality_call"
    assert any("reinició el equipo" in s for s in summaries(case))
    quality_call(case, team)
    assert case.status == CaseStatus.CLOSED


def visit_without_solution(case, team, result="Cortes en la red troncal; no se pudo solucionar."):
    """The technical manager coordinates the visit; the field unit cannot
    solve the damage and the order is closed attended without solution."""
    coordinate(case, team)
    order = the_order(case)
    workorder_close(
        work_order=order,
        state=WorkOrderState.ATTENDED_WITHOUT_SOLUTION,
        result=result,
        user=team[Role.TECHNICAL_MANAGER],
    )
    case.refresh_from_db()
    return order


def tell_unsolved(case, team, *, second_visit, conform=None):
    """Step 12 after the failed visit: a second visit now, or the case closes."""
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("unsolved_visit", Role.EXECUTIVE)
    form = engine.task_form(task)
    data = {
        "second_visit": "yes" if second_visit else "no",
        "interaction_channel": "phone",
        "interaction_summary": form.initial["interaction_summary"],
    }
    if conform is not None:
        data["conform"] = "yes" if conform else "no"
    complete(case, team[Role.EXECUTIVE], data)


def reiterate(case, team):
    """Step 10 with the data its form proposes."""
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("register_reiteration", Role.EXECUTIVE)
    form = engine.task_form(task)
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "address": form.initial["address"],
            "zone": form.initial["zone"],
            "neighbourhood": form.initial["neighbourhood"],
            "reference_phone": form.initial["reference_phone"],
            "address_checked": "on",
            "way_seen": form.initial["way_seen"],
            "interaction_channel": "phone",
            "interaction_summary": form.initial["interaction_summary"],
        },
    )


def follow(case, team, step):
    """Steps 3 or 10 when another case registered the order first: link to it."""
    task = pending(case)
    assert (task.bpmn_id, task.role) == (step, Role.EXECUTIVE)
    form = engine.task_form(task)
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "follow_order": "on",
            "way_seen": form.initial["way_seen"],
            "interaction_channel": "phone",
            "interaction_summary": form.initial["interaction_summary"],
        },
    )


def ended_without_solution(team, product, *, conform=True):
    """An internet damage whose visit could not solve it; the customer closes
    the case with the order closed without solution."""
    case = open_a_case(team, product, "Cortes de internet")
    receive(case, team, cause="outages", problem="Se corta cada hora.")
    register(case, team)
    diagnose(case, team, solved=False, outages="on", findings="Cortes en la zona.")
    order = visit_without_solution(case, team)
    tell_unsolved(case, team, second_visit=False, conform=conform)
    return case, order


def how_it_counts(case):
    return (
        classified(Case.objects.filter(pk=case.pk), timezone.now())
        .values("is_effective", "is_reiterated")
        .get()
    )


@pytest.fixture
def door_lifted(monkeypatch):
    """Two damage reports open on one product at once, as on the demo where
    they were opened before case opening refused a second one (and as a
    procedure that runs E inside its case, J or K, still does)."""
    monkeypatch.setattr(collisions, "CHECKED", tuple(p for p in collisions.CHECKED if p != "E"))


def test_a_visit_without_solution_can_end_the_case_with_its_order_closed_without_solution(
    procedures, team, internet
):
    case = open_a_case(team, internet, "Cortes de internet")
    receive(case, team, cause="outages")
    register(case, team)
    diagnose(case, team, solved=False, outages="on", findings="Cortes en la zona.")
    order = visit_without_solution(case, team, result="Falla en la red troncal de la zona.")

    # Step 12 after the failed visit: the executive tells the customer how it ended.
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("unsolved_visit", Role.EXECUTIVE)
    form = engine.task_form(task)
    assert "Falla en la red troncal" in str(form.fields["second_visit"].help_text)
    assert order.number in form.initial["interaction_summary"]
    # Closing, the call is the quality call: the customer's answer is required.
    with pytest.raises(engine.FormInvalid) as refused:
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.EXECUTIVE],
            data={"second_visit": "no", "interaction_channel": "phone", "interaction_summary": "x"},
        )
    assert "conform" in refused.value.form.errors
    assert pending(case).bpmn_id == "unsolved_visit"

    tell_unsolved(case, team, second_visit=False, conform=True)
    assert (case.status, case.outcome, case.quality_conform) == (
        CaseStatus.CLOSED,
        "fulfilled",
        True,
    )
    order.refresh_from_db()
    assert order.state == WorkOrderState.ATTENDED_WITHOUT_SOLUTION
    assert case.work_orders.count() == 1  # no second visit
    assert case.instance.result["outcome"] == "fulfilled"
    assert how_it_counts(case) == {"is_effective": True, "is_reiterated": False}


def test_the_last_damage_closed_without_solution_is_reiterated_with_the_same_cause(
    procedures, team, internet
):
    first_case, earlier = ended_without_solution(team, internet)
    case = open_a_case(team, internet, "Vuelven los cortes")
    receive(case, team, cause="slow")

    # Step 2 → 10: the executive registers the reiteration, linked to the earlier order.
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("register_reiteration", Role.EXECUTIVE)
    form = engine.task_form(task)
    assert earlier.number in str(form.fields["address"].help_text)
    assert "follow_order" not in form.fields
    reiterate(case, team)
    assert case.attended_at is not None
    reiteration = the_order(case)
    assert reiteration.reiterates == earlier
    assert reiteration.cause == "outages"  # the earlier cause, not what was said today
    assert (reiteration.damaged_service, reiteration.priority) == ("internet", Priority.HIGH)
    assert list(earlier.reiterations.all()) == [reiteration]
    case.refresh_from_db()
    assert case.reiterates == first_case  # the indicators count it as a reiteration

    # Step 11: the technical manager prioritises it with the Operations Center.
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("prioritise", Role.TECHNICAL_MANAGER)
    prioritise(case, team, priority="urgent")
    [agreed] = reiteration.prioritisations.all()
    assert (agreed.case, agreed.priority, agreed.recorded_by) == (
        case,
        Priority.URGENT,
        team[Role.TECHNICAL_MANAGER],
    )
    reiteration.refresh_from_db()
    assert reiteration.priority == Priority.URGENT  # the order carries what was agreed
    # The case's timeline shows the call: whom, the priority, by whom.
    [entry] = [e for e in case_timeline(case) if e.title.startswith("Priorizada")]
    assert "Urgente" in entry.title and reiteration.number in entry.detail
    assert "Ing. Rosa Vargas" in entry.detail
    assert entry.who == str(team[Role.TECHNICAL_MANAGER])
    assert "Cuadrilla prioritaria esta tarde." in reiteration.changes.last().note
    coordinate(case, team)
    workorder_close(
        work_order=reiteration,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Se reparó el tramo troncal.",
        user=team[Role.TECHNICAL_MANAGER],
    )
    case.refresh_from_db()
    quality_call(case, team)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")


def test_a_failed_visit_inside_the_case_counts_as_a_reiteration(procedures, team, line):
    case = open_a_case(team, line, "Ruido en la línea")
    receive(case, team, service="line", cause="noise", problem="Mucho ruido.")
    register(case, team)
    first = visit_without_solution(
        case, team, "El ruido viene del cable aéreo; requiere cuadrilla."
    )
    tell_unsolved(case, team, second_visit=True)

    # A second visit: the damage is registered again in the same case (step 10).
    assert pending(case).bpmn_id == "register_reiteration"
    reiterate(case, team)
    second = the_order(case)
    assert (second.reiterates, second.cause, second.priority) == (first, "noise", Priority.HIGH)
    assert case.reiterates is None  # not another request: its own visit failed
    prioritise(case, team, agreement="Cuadrilla de cable aéreo.")
    coordinate(case, team)
    workorder_close(
        work_order=second,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Se cambió el cable aéreo.",
        user=team[Role.TECHNICAL_MANAGER],
    )
    case.refresh_from_db()
    quality_call(case, team)
    assert (case.status, case.outcome, case.quality_conform) == (
        CaseStatus.CLOSED,
        "fulfilled",
        True,
    )

    # Conform in the end, but it took a second visit: not attended effectively.
    assert how_it_counts(case) == {"is_effective": False, "is_reiterated": True}


@pytest.mark.parametrize(("days", "counted"), [(30, True), (31, False)])
def test_a_new_damage_within_30_days_of_a_case_ended_without_solution_is_a_reiteration(
    procedures, team, internet, days, counted
):
    first_case, earlier = ended_without_solution(team, internet, conform=True)
    assert how_it_counts(first_case) == {"is_effective": True, "is_reiterated": False}

    with time_machine.travel(first_case.closed_at + timedelta(days=days), tick=False):
        case = open_a_case(team, internet, "Otra vez sin internet")
        receive(case, team, cause="no_service")
        # Whatever the days, the manual's step 2 → 10: the damage is reiterated.
        assert pending(case).bpmn_id == "register_reiteration"
        reiterate(case, team)
        assert case.reiterates == first_case
        assert the_order(case).reiterates == earlier

        # Within 30 days of the first one's closing, the first was not effective.
        assert how_it_counts(first_case) == {"is_effective": not counted, "is_reiterated": counted}


def test_two_damage_reports_that_reach_the_reiteration_the_second_follows_the_first(
    procedures, team, line, door_lifted
):
    manager = team[Role.TECHNICAL_MANAGER]
    first = open_a_case(team, line, "Ruido en la línea")
    receive(first, team, service="line", cause="noise", problem="Mucho ruido.")
    register(first, team)
    failed = visit_without_solution(first, team, "El ruido viene del cable aéreo.")
    tell_unsolved(first, team, second_visit=True)

    # The customer calls again: a second report on the product, step 2 → 10 too.
    second = open_a_case(team, line, "Sigue el ruido")
    receive(second, team, service="line", cause="noise", problem="Sigue el ruido.")
    assert pending(first).bpmn_id == pending(second).bpmn_id == "register_reiteration"

    # The first registers the reiteration.
    reiterate(first, team)
    reiteration = the_order(first)
    assert reiteration.reiterates == failed

    # The second's step no longer waits for a damage closed without solution:
    # it shows the reiteration registered, with a link, and follows it.
    task = pending(second)
    form = engine.task_form(task)
    assert "address" not in form.fields and form.fields["follow_order"].required
    explanation = str(form.fields["follow_order"].help_text)
    assert reiteration.number in explanation and f'href="/casos/{first.number}/"' in explanation
    assert "/ordenes-de-trabajo/" not in explanation  # the executive does not see work orders
    follow(second, team, "register_reiteration")
    assert second.attended_at is not None
    assert WorkOrder.objects.filter(product=line).count() == 2  # not registered twice
    assert second.reiterates == first  # the second report reiterates the first
    assert not second.work_orders.exists()
    assert any(f"{second.number}" in c.note for c in reiteration.changes.all())

    # It follows the order as its own: the visit, then waiting for its closing.
    assert pending(second).bpmn_id == "coordinate_visit"
    prioritise(first, team, agreement="Cuadrilla de cable aéreo hoy.")
    coordinate(first, team)
    coordinate(second, team)
    assert not second.instance.human_tasks.exists()
    closing = workorder_close(
        work_order=reiteration,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Se cambió el cable aéreo.",
        user=manager,
    )
    assert closing.cases == sorted([first.number, second.number])
    for case in (first, second):
        case.refresh_from_db()
        quality_call(case, team)
        assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")


def test_a_loyalty_call_that_finds_the_damage_being_reiterated_follows_that_reiteration(
    procedures, team, line
):
    """No door stops a loyalty call (J) on a product with a damage case open:
    E runs inside the call's case and may meet the damage case at step 10."""
    manager = team[Role.TECHNICAL_MANAGER]
    damage = open_a_case(team, line, "Ruido en la línea")
    receive(damage, team, service="line", cause="noise")
    register(damage, team)
    failed = visit_without_solution(damage, team)
    tell_unsolved(damage, team, second_visit=True)

    campaign = campaign_create(
        name="Fidelización noviembre",
        kind=CampaignKind.LOYALTY,
        executive=team[Role.EXECUTIVE],
        starts_on=timezone.localdate(),
        ends_on=timezone.localdate() + timedelta(days=5),
        user=team[Role.EXECUTIVE],
    )
    call = call_start(item=campaign.items.get(product=line), user=team[Role.EXECUTIVE])
    complete(
        call,
        team[Role.EXECUTIVE],
        {"call_result": "problem", "interaction_channel": "phone", "interaction_summary": "Ruido."},
    )
    receive(call, team, service="line", cause="noise")
    assert pending(call).bpmn_id == pending(damage).bpmn_id == "register_reiteration"

    reiterate(damage, team)
    reiteration = the_order(damage)
    assert reiteration.reiterates == failed
    follow(call, team, "register_reiteration")
    assert call.reiterates == damage
    assert WorkOrder.objects.filter(product=line).count() == 2

    prioritise(damage, team)
    coordinate(damage, team)
    # J 5.1: the damage the call found goes through the prioritisation too.
    prioritise(call, team, agreement="Ya priorizada; se confirma la cuadrilla.")
    coordinate(call, team)
    workorder_close(
        work_order=reiteration,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Se cambió el cable aéreo.",
        user=manager,
    )
    for case in (damage, call):
        case.refresh_from_db()
        quality_call(case, team)
        assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")


def test_a_damage_registered_meanwhile_by_another_case_is_followed_not_registered_twice(
    procedures, team, line, door_lifted
):
    first = open_a_case(team, line, "Sin tono")
    receive(first, team, service="line", cause="no_dial_tone", problem="Sin tono.")
    second = open_a_case(team, line, "Sin tono en la central")
    receive(second, team, service="line", cause="no_dial_tone", problem="Sin tono.")
    assert pending(first).bpmn_id == pending(second).bpmn_id == "register_damage"
    register(first, team)
    order = the_order(first)

    # Step 2 read again: one in repair → 8, this case follows it.
    assert "follow_order" in engine.task_form(pending(second)).fields
    follow(second, team, "register_damage")
    assert second.reiterates is None  # the same report twice, not a reiteration
    assert WorkOrder.objects.filter(product=line).count() == 1
    coordinate(first, team)
    coordinate(second, team)
    workorder_close(
        work_order=order,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Par reparado.",
        user=team[Role.TECHNICAL_MANAGER],
    )
    for case in (first, second):
        case.refresh_from_db()
        quality_call(case, team)
        assert case.status == CaseStatus.CLOSED


def test_a_form_shown_before_another_case_registered_says_so_and_offers_the_way_on(
    procedures, team, line, door_lifted
):
    first = open_a_case(team, line, "Sin tono")
    receive(first, team, service="line", cause="no_dial_tone")
    second = open_a_case(team, line, "Sin tono")
    receive(second, team, service="line", cause="no_dial_tone")
    shown = engine.task_form(pending(second))  # as the executive opened it
    register(first, team)
    order = the_order(first)

    data = {
        "address": shown.initial["address"],
        "reference_phone": "4456789",
        "address_checked": "on",
        "way_seen": shown.initial["way_seen"],
        "interaction_channel": "phone",
        "interaction_summary": shown.initial["interaction_summary"],
    }
    with pytest.raises(engine.FormInvalid) as refused:
        engine.task_complete(task_id=pending(second).task_id, user=team[Role.EXECUTIVE], data=data)
    form = refused.value.form
    assert order.number in " ".join(form.non_field_errors())
    # Shown again, the form is the way on as it is now.
    assert form.data["way_seen"] == f"follow:{order.number}"
    assert "address" not in form.fields and order.number in form.data["interaction_summary"]
    assert pending(second).bpmn_id == "register_damage"
    assert WorkOrder.objects.count() == 1
    follow(second, team, "register_damage")
    assert pending(second).bpmn_id == "coordinate_visit"


def test_a_reiteration_registered_first_by_another_case_is_followed_by_the_older_model(
    procedures, team, line, door_lifted
):
    """A case still on the model without the way on (deployed before) goes
    from step 10 straight to registering: the action follows the reiteration
    another case registered instead of refusing for good."""
    first = open_a_case(team, line, "Ruido")
    receive(first, team, service="line", cause="noise")
    register(first, team)
    failed = visit_without_solution(first, team)
    tell_unsolved(first, team, second_visit=True)
    second = open_a_case(team, line, "Ruido otra vez")
    receive(second, team, service="line", cause="noise")
    reiterate(first, team)
    reiteration = the_order(first)

    number = e_actions.register_reiteration_order(
        second.instance, product_id=line.pk, reiterated=failed.number
    )
    assert number == reiteration.number
    assert WorkOrder.objects.filter(product=line).count() == 2
    second.refresh_from_db()
    assert second.reiterates == first
    # The test walked the second case by hand: its step is followed as usual.
    follow(second, team, "register_reiteration")


def test_remote_tests_on_an_order_closed_meanwhile_go_on_with_how_it_ended(
    procedures, team, internet
):
    case = open_a_case(team, internet)
    receive(case, team)
    register(case, team)
    diagnose(case, team, solved=True)
    order = the_order(case)
    workorder_close(
        work_order=order,
        state=WorkOrderState.UNFOUNDED,
        result="El cliente reinició el router; navega.",
        user=team[Role.TECHNICAL_MANAGER],
    )
    # Nothing left to close as unfounded: the step does not refuse for good.
    task = pending(case)
    assert "reinició el router" in str(engine.task_form(task).fields["customer_conform"].help_text)
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        {"customer_conform": "yes", "interaction_channel": "phone", "interaction_summary": "Ok."},
    )
    complete(case, team[Role.TECHNICAL_MANAGER], {})  # the order is closed: go on with it
    quality_call(case, team)
    assert case.status == CaseStatus.CLOSED


# ------------------------------------------------------------------ refusals


def test_bad_input_is_refused_with_its_reason_and_nothing_changes(procedures, team, internet):
    case = open_a_case(team, internet)
    task = pending(case)
    with pytest.raises(engine.FormInvalid) as refused:
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.EXECUTIVE],
            data={"damaged_service": "internet", "cause": "no_dial_tone", "problem": "x"},
        )
    assert "cause" in refused.value.form.errors
    assert pending(case).bpmn_id == "receive_report"
    receive(case, team)

    task = pending(case)
    with pytest.raises(engine.FormInvalid) as refused:
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.EXECUTIVE],
            data={
                "address": "Av. Ballivián N° 520",
                "reference_phone": "123",
                "address_checked": "on",
                "interaction_channel": "phone",
                "interaction_summary": "x",
            },
        )
    assert "reference_phone" in refused.value.form.errors
    assert not WorkOrder.objects.exists()
    register(case, team)

    task = pending(case)
    with pytest.raises(engine.FormInvalid) as refused:
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.TECHNICAL_ANALYST],
            data={**DIAGNOSIS, "router": "faulty", "solved_remotely": "yes"},
        )
    assert "solved_remotely" in refused.value.form.errors
    assert not DiagnosisRecord.objects.exists()
    diagnose(case, team, solved=False)

    # Same-day attention: another day needs a reason.
    task = pending(case)
    tomorrow = timezone.localtime(timezone.now() + timedelta(days=1))
    with pytest.raises(engine.FormInvalid) as refused:
        engine.task_complete(
            task_id=task.task_id,
            user=team[Role.TECHNICAL_MANAGER],
            data={
                "unit": "usm",
                "technician": "Téc. Luis Quiroga",
                "visit_at": tomorrow.strftime("%Y-%m-%dT%H:%M"),
            },
        )
    assert "not_today_reason" in refused.value.form.errors
    assert the_order(case).state == WorkOrderState.REGISTERED
    coordinate(case, team, when=tomorrow, not_today_reason="El cliente recibe mañana.")
    assert the_order(case).state == WorkOrderState.ASSIGNED


def test_a_product_has_one_damage_in_repair_at_a_time(db, team, internet):
    manager = team[Role.TECHNICAL_MANAGER]
    workorder_create(
        kind=WorkOrderKind.DAMAGE, company=internet.company, product=internet, user=manager
    )
    with pytest.raises(ValidationError) as refused:
        workorder_create(
            kind=WorkOrderKind.DAMAGE, company=internet.company, product=internet, user=manager
        )
    assert "ya tiene una orden de trabajo por daño" in str(refused.value)
    assert WorkOrder.objects.count() == 1


def test_the_database_itself_keeps_the_damage_rules(db, team, internet):
    manager = team[Role.TECHNICAL_MANAGER]
    first = workorder_create(
        kind=WorkOrderKind.DAMAGE, company=internet.company, product=internet, user=manager
    )
    fields = {
        "kind": WorkOrderKind.DAMAGE,
        "company": internet.company,
        "product": internet,
        "address": "x",
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkOrder.objects.create(number="OT-X-1", **fields)  # a second open damage
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkOrder.objects.create(
            number="OT-X-2",
            kind=WorkOrderKind.INSTALLATION,
            company=internet.company,
            address="x",
            cause="slow",
        )  # a cause on something that is not a damage
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkOrder.objects.create(
            number="OT-X-3",
            kind=WorkOrderKind.DAMAGE,
            company=internet.company,
            address="x",
            reiterates=first,
        )  # a reiteration without its cause
    assert WorkOrder.objects.count() == 1


def test_only_a_damage_closed_without_solution_can_be_reiterated(db, team, internet):
    manager = team[Role.TECHNICAL_MANAGER]
    resolved = workorder_create(
        kind=WorkOrderKind.DAMAGE,
        company=internet.company,
        product=internet,
        cause="slow",
        user=manager,
    )
    workorder_close(
        work_order=resolved, state=WorkOrderState.UNFOUNDED, result="Sin falla.", user=manager
    )
    with pytest.raises(ValidationError) as refused:
        workorder_create(
            kind=WorkOrderKind.DAMAGE,
            company=internet.company,
            product=internet,
            reiterates=resolved,
            user=manager,
        )
    assert "no hay nada que reiterar" in str(refused.value)
    assert WorkOrder.objects.count() == 1


def test_the_analyst_closes_only_as_unfounded(db, team, internet):
    analyst = team[Role.TECHNICAL_ANALYST]
    order = workorder_create(
        kind=WorkOrderKind.DAMAGE, company=internet.company, product=internet, user=analyst
    )
    with pytest.raises(PermissionDenied):
        workorder_assign(
            work_order=order,
            unit=FieldUnit.USM,
            technician="X",
            scheduled_at=timezone.now(),
            user=analyst,
        )
    with pytest.raises(PermissionDenied):
        workorder_close(
            work_order=order,
            state=WorkOrderState.ATTENDED_WITHOUT_SOLUTION,
            result="x",
            user=analyst,
        )
    with pytest.raises(PermissionDenied):
        workorder_close(
            work_order=order, state=WorkOrderState.UNFOUNDED, result="x", user=team[Role.EXECUTIVE]
        )
    workorder_close(
        work_order=order, state=WorkOrderState.UNFOUNDED, result="Sin falla.", user=analyst
    )
    order.refresh_from_db()
    assert order.state == WorkOrderState.UNFOUNDED


def test_the_team_lead_is_warned_when_24_hours_pass(procedures, team, internet):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        case = open_a_case(team, internet)
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        assert engine.timers_advance() == 1
    [alert] = Alert.objects.filter(case=case)
    assert alert.role == Role.TEAM_LEAD and "Recibe el reporte de daño" in alert.message
    assert pending(case).bpmn_id == "receive_report"


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks are tested on PostgreSQL")
def test_two_reports_registering_the_reiteration_at_the_same_moment_register_it_once(
    reference_data, procedures, team, line, door_lifted
):
    first = open_a_case(team, line, "Ruido")
    receive(first, team, service="line", cause="noise")
    register(first, team)
    visit_without_solution(first, team)
    tell_unsolved(first, team, second_visit=True)
    second = open_a_case(team, line, "Ruido otra vez")
    receive(second, team, service="line", cause="noise")
    shown = {}
    for case in (first, second):
        form = engine.task_form(pending(case))
        shown[case.number] = {
            "address": form.initial["address"],
            "reference_phone": "4456789",
            "address_checked": "on",
            "way_seen": form.initial["way_seen"],
            "interaction_channel": "phone",
            "interaction_summary": form.initial["interaction_summary"],
        }
    barrier = threading.Barrier(2)
    outcomes = {}

    def register_reiteration(case):
        try:
            barrier.wait(timeout=10)
            engine.task_complete(
                task_id=pending(case).task_id, user=team[Role.EXECUTIVE], data=shown[case.number]
            )
            outcomes[case.number] = "registered"
        except engine.FormInvalid as err:
            outcomes[case.number] = "refused: " + " ".join(err.form.non_field_errors())
        finally:
            connections.close_all()

    threads = [threading.Thread(target=register_reiteration, args=(c,)) for c in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(o.split(":")[0] for o in outcomes.values()) == ["refused", "registered"]
    [reiteration] = WorkOrder.objects.filter(product=line, reiterates__isnull=False)
    loser = next(c for c in (first, second) if outcomes[c.number].startswith("refused"))
    assert reiteration.number in outcomes[loser.number]
    follow(loser, team, "register_reiteration")
    assert pending(loser).bpmn_id == "coordinate_visit"


# ------------------------------------------------------------------ step 5.1 and step 11


def test_the_analyst_hands_the_contact_to_the_executive_and_the_tests_come_back_to_her(
    procedures, team, internet
):
    """Step 5.1: the analyst cannot reach the customer; the executive contacts
    him (an interaction) and the step returns to the analyst's tests."""
    executive, analyst = team[Role.EXECUTIVE], team[Role.TECHNICAL_ANALYST]
    case = open_a_case(team, internet)
    receive(case, team, cause="slow")
    register(case, team)
    diagnose(case, team, solved=True)
    said_before = Interaction.objects.filter(case=case).count()

    # The hand-over needs a request for the executive; it records no contact.
    task = pending(case)
    with pytest.raises(engine.FormInvalid) as refused:
        engine.task_complete(
            task_id=task.task_id, user=analyst, data={"customer_conform": "executive"}
        )
    assert "Indique qué debe decirle" in str(refused.value.form.errors["contact_request"])
    complete(
        case,
        analyst,
        {
            "customer_conform": "executive",
            "contact_request": "Que reinicie el router y me llame al 4456789 para las pruebas.",
        },
    )
    assert Interaction.objects.filter(case=case).count() == said_before

    task = pending(case)
    assert (task.bpmn_id, task.role) == ("contact_customer", Role.EXECUTIVE)
    form = engine.task_form(task)
    assert "reinicie el router" in str(form.fields["customer_reached"].help_text)
    complete(
        case,
        executive,
        {
            "customer_reached": "yes",
            "interaction_channel": "whatsapp",
            "interaction_summary": "Reinició el router; espera la llamada del analista.",
        },
    )
    [contact] = Interaction.objects.filter(case=case, recorded_by=executive, channel="whatsapp")
    assert "espera la llamada del analista" in contact.summary

    # Back to the analyst's tests, with what the customer said.
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("test_with_customer", Role.TECHNICAL_ANALYST)
    form = engine.task_form(task)
    assert "espera la llamada del analista" in str(form.fields["customer_conform"].help_text)
    complete(
        case,
        analyst,
        {
            "customer_conform": "yes",
            "interaction_channel": "phone",
            "interaction_summary": "Pruebas con el cliente: 29 Mbps por wifi.",
        },
    )
    assert the_order_closed(case).state == WorkOrderState.UNFOUNDED
    quality_call(case, team, step="quality_call_remote")
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")


def the_order_closed(case) -> WorkOrder:
    return case.work_orders.get()


def test_a_customers_own_report_goes_to_the_visit_without_the_prioritisation(
    procedures, team, line
):
    """E on its own prioritises only a reiteration (step 11): a damage the
    customer reports is coordinated the same day (steps 7 and 8)."""
    case = open_a_case(team, line, subject="La línea no tiene tono")
    receive(case, team, service="line", cause="no_dial_tone", problem="Sin tono.")
    register(case, team)
    assert pending(case).bpmn_id == "coordinate_visit"
    assert the_order(case).priority == Priority.NORMAL


def test_the_prioritisation_refuses_a_future_time_or_no_contact_and_nothing_changes(
    procedures, team, internet
):
    manager = team[Role.TECHNICAL_MANAGER]
    _first, earlier = ended_without_solution(team, internet)
    case = open_a_case(team, internet, subject="Otra vez se corta")
    receive(case, team, cause="outages", problem="Se sigue cortando.")
    reiterate(case, team)
    order = the_order(case)
    task = pending(case)
    assert task.bpmn_id == "prioritise"
    form = engine.task_form(task)
    assert earlier.number in str(form.fields["operations_contact"].help_text)
    later = timezone.localtime() + timedelta(hours=2)
    for data, field, message in (
        ({"operations_contact": ""}, "operations_contact", "Este campo es obligatorio"),
        (
            {"called_at": later.strftime("%Y-%m-%dT%H:%M")},
            "called_at",
            "no puede estar en el futuro",
        ),
        ({"priority": "mañana"}, "priority", "Escoja una opción válida"),
    ):
        called = timezone.localtime().replace(second=0, microsecond=0)
        sent = {
            "operations_contact": "Ing. Rosa Vargas",
            "called_at": called.strftime("%Y-%m-%dT%H:%M"),
            "priority": "urgent",
            "agreement": "Cuadrilla de la tarde.",
            **data,
        }
        with pytest.raises(engine.FormInvalid) as refused:
            engine.task_complete(task_id=task.task_id, user=manager, data=sent)
        assert message in str(refused.value.form.errors[field])
    assert pending(case).bpmn_id == "prioritise"
    order.refresh_from_db()
    assert (order.priority, order.prioritisations.count()) == (Priority.HIGH, 0)


# ------------------------------------------------------------ the damage registered by the caller
# The contract procedure K (step 8) builds on, pinned here with a caller of
# K's shape: the analyst registers the damage herself ("e/register_damage_found"),
# a service task registers the order (`register_damage_for_case`), then E.

CALLER = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:spiffworkflow="http://spiffworkflow.org/bpmn/schema/1.0/core"
  id="defs_caller" targetNamespace="http://posventa.example/bpmn">
  <bpmn:process id="k_preventive_review" name="Registers the damage" isExecutable="true">
    <bpmn:laneSet id="lanes"><bpmn:lane id="lane_analyst" name="Analista técnico">
      <bpmn:flowNodeRef>start</bpmn:flowNodeRef><bpmn:flowNodeRef>register_found</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>do_register_found</bpmn:flowNodeRef><bpmn:flowNodeRef>call_damage</bpmn:flowNodeRef>
      <bpmn:flowNodeRef>end</bpmn:flowNodeRef>
    </bpmn:lane></bpmn:laneSet>
    <bpmn:startEvent id="start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="register_found" name="Digita el daño">
      <bpmn:extensionElements><spiffworkflow:properties>
        <spiffworkflow:property name="formKey" value="e/register_damage_found" />
      </spiffworkflow:properties></bpmn:extensionElements>
      <bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:serviceTask id="do_register_found" name="Registra la orden de daño">
      <bpmn:extensionElements>
        <spiffworkflow:serviceTaskOperator id="register_damage_for_case"
          resultVariable="work_order_id">
          <spiffworkflow:parameters>
            <spiffworkflow:parameter id="product_id" type="int" value="product_id" />
            <spiffworkflow:parameter id="damaged_service" type="str" value="damaged_service" />
            <spiffworkflow:parameter id="cause" type="str" value="cause" />
            <spiffworkflow:parameter id="problem" type="str" value="problem" />
            <spiffworkflow:parameter id="reference_phone" type="str" value="reference_phone" />
            <spiffworkflow:parameter id="address" type="str" value="address" />
            <spiffworkflow:parameter id="zone" type="str" value="zone" />
            <spiffworkflow:parameter id="neighbourhood" type="str" value="neighbourhood" />
          </spiffworkflow:parameters>
        </spiffworkflow:serviceTaskOperator>
      </bpmn:extensionElements>
      <bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:serviceTask>
    <bpmn:callActivity id="call_damage" name="Procedimiento E" calledElement="e_damage">
      <bpmn:incoming>f3</bpmn:incoming><bpmn:outgoing>f4</bpmn:outgoing>
    </bpmn:callActivity>
    <bpmn:endEvent id="end" name="Daño atendido"><bpmn:incoming>f4</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="start" targetRef="register_found" />
    <bpmn:sequenceFlow id="f2" sourceRef="register_found" targetRef="do_register_found" />
    <bpmn:sequenceFlow id="f3" sourceRef="do_register_found" targetRef="call_damage" />
    <bpmn:sequenceFlow id="f4" sourceRef="call_damage" targetRef="end" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def caller(db, media):
    """E and a caller of K's shape, deployed as procedure K's model."""
    from posventa.engine.deployment import deploy_files, read_directory
    from posventa.procedures.apps import MODELS_DIR

    runtime.specs.clear()
    files = {"caller.bpmn": CALLER, "e_damage.bpmn": read_directory(MODELS_DIR)["e_damage.bpmn"]}
    yield deploy_files(files)
    runtime.specs.clear()


def register_found(case, team, **extra):
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("register_found", Role.TECHNICAL_ANALYST)
    form = engine.task_form(task)
    complete(
        case,
        team[Role.TECHNICAL_ANALYST],
        {
            "damaged_service": "internet",
            "cause": "outages",
            "problem": "Cortes cada hora; la red del sector no responde al reinicio.",
            "address": form.initial["address"],
            "zone": form.initial["zone"],
            "neighbourhood": form.initial["neighbourhood"],
            "reference_phone": form.initial["reference_phone"],
            "address_checked": "on",
            "interaction_channel": "phone",
            "interaction_summary": "Se le dijo que la unidad de campo lo atiende hoy.",
            **extra,
        },
    )


def test_e_called_with_the_damage_registered_goes_from_its_look_up_to_the_prioritisation(
    caller, team, internet
):
    analyst, manager = team[Role.TECHNICAL_ANALYST], team[Role.TECHNICAL_MANAGER]
    case = case_open(
        company=internet.company,
        procedure="K",
        channel="phone",
        subject="Revisión preventiva",
        product=internet,
        user=analyst,
    )
    assert case.requested_at is None  # the team's own review: not a request yet
    register_found(case, team)
    order = the_order(case)
    assert (order.case, order.cause, order.state) == (case, "outages", WorkOrderState.REGISTERED)
    # Registered once, by the analyst: the request is answered by her, now.
    case.refresh_from_db()
    assert case.requested_at is not None
    assert (case.attended_at, case.attended_role) == (case.requested_at, Role.TECHNICAL_ANALYST)
    # E neither asks the executive for the report nor the analyst to diagnose:
    # its look-up, then the technical manager's prioritisation (K 9.1, 14).
    task = pending(case)
    assert (task.bpmn_id, task.role) == ("prioritise", Role.TECHNICAL_MANAGER)
    done = set(
        case.instance.events.filter(ended_at__isnull=False).values_list("bpmn_id", flat=True)
    )
    assert {"do_open_request", "look_up_registered"} <= done
    assert not done & {"receive_report", "register_damage", "remote_diagnosis"}
    prioritise(case, team, priority="urgent")
    order.refresh_from_db()
    assert order.priority == Priority.URGENT
    [agreed] = order.prioritisations.all()
    assert (agreed.operations_contact, agreed.recorded_by, agreed.case) == (
        "Ing. Rosa Vargas (Centro de Operaciones)",
        manager,
        case,
    )
    assert agreed.called_at <= agreed.created_at
    coordinate(case, team)
    workorder_close(
        work_order=the_order(case),
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Empalme cambiado.",
        user=manager,
    )
    quality_call(case, team)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert WorkOrder.objects.filter(product=internet).count() == 1
