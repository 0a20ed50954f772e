"""Work orders: register, assign, close — and the process waiting for one."""

from datetime import timedelta

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.models import Case
from posventa.engine import services as engine
from posventa.engine.models import InstanceStatus
from posventa.factories import CompanyFactory, ProductFactory
from posventa.workorders.models import (
    FieldUnit,
    Prioritisation,
    Priority,
    WorkOrder,
    WorkOrderKind,
    WorkOrderState,
)
from posventa.workorders.selectors import FOLLOW, REGISTER, REITERATE, damage_way
from posventa.workorders.services import (
    damage_register,
    workorder_assign,
    workorder_close,
    workorder_create,
    workorder_follow,
    workorder_prioritise,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def product(team):
    return ProductFactory(
        company=CompanyFactory(executive=team[Role.EXECUTIVE]),
        installation_address="Av. Heroínas N° 450",
        zone="Zona Central",
        neighbourhood="Casco Viejo",
    )


@pytest.fixture
def manager(team):
    return team[Role.TECHNICAL_MANAGER]


def installation(product, manager, **extra):
    return workorder_create(
        kind=WorkOrderKind.INSTALLATION,
        company=product.company,
        product=product,
        user=manager,
        **extra,
    )


def assign(work_order, user, **extra):
    data = {
        "unit": FieldUnit.RESOURCES,
        "technician": "Téc. Juan Pérez",
        "scheduled_at": timezone.now() + timedelta(days=1),
        **extra,
    }
    return workorder_assign(work_order=work_order, user=user, **data)


def test_numbers_run_per_year_and_the_address_comes_from_the_product(product, manager):
    with time_machine.travel("2026-12-31 20:00 -04:00"):
        first = installation(product, manager)
        second = installation(product, manager)
    with time_machine.travel("2027-01-02 09:00 -04:00"):
        third = installation(product, manager)
    assert [first.number, second.number, third.number] == [
        "OT-2026-000001",
        "OT-2026-000002",
        "OT-2027-000001",
    ]
    assert (first.address, first.zone, first.neighbourhood) == (
        "Av. Heroínas N° 450",
        "Zona Central",
        "Casco Viejo",
    )
    assert first.state == WorkOrderState.REGISTERED and first.created_by == manager
    assert [c.state for c in first.changes.all()] == ["registered"]


def test_an_order_must_be_for_the_customer_and_somewhere(product, manager):
    other = CompanyFactory()
    with pytest.raises(ValidationError) as excinfo:
        workorder_create(kind=WorkOrderKind.VISIT, company=other, product=product, user=manager)
    assert "product" in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        workorder_create(kind=WorkOrderKind.VISIT, company=product.company, user=manager)
    assert "address" in excinfo.value.message_dict
    assert not WorkOrder.objects.exists()


def test_the_technical_manager_assigns_and_reassigns(product, manager):
    work_order = installation(product, manager)
    when = timezone.now() + timedelta(days=2)
    work_order = assign(work_order, manager, scheduled_at=when)
    work_order.refresh_from_db()
    assert (work_order.state, work_order.unit, work_order.technician) == (
        WorkOrderState.ASSIGNED,
        FieldUnit.RESOURCES,
        "Téc. Juan Pérez",
    )
    assert work_order.scheduled_at == when and work_order.assigned_by == manager
    assign(work_order, manager, technician="Téc. Ana Rojas", unit=FieldUnit.PAS)
    work_order.refresh_from_db()
    assert work_order.technician == "Téc. Ana Rojas" and work_order.unit == FieldUnit.PAS
    notes = [c.note for c in work_order.changes.all()]
    assert len(notes) == 3 and "Téc. Ana Rojas" in notes[-1]


@pytest.mark.parametrize(
    "role", [Role.EXECUTIVE, Role.COMMERCIAL_MANAGER, Role.TECHNICAL_ANALYST, Role.TEAM_LEAD]
)
def test_only_the_technical_manager_assigns_and_closes(product, manager, team, role):
    work_order = installation(product, manager)
    with pytest.raises(PermissionDenied):
        assign(work_order, team[role])
    assign(work_order, manager)
    with pytest.raises(PermissionDenied):
        workorder_close(
            work_order=work_order,
            state=WorkOrderState.CLOSED_RESOLVED,
            result="Hecho.",
            user=team[role],
        )
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.ASSIGNED


def test_a_visit_cannot_be_before_the_order_nor_without_a_technician(product, manager):
    work_order = installation(product, manager)
    with pytest.raises(ValidationError) as excinfo:
        assign(work_order, manager, scheduled_at=timezone.now() - timedelta(days=3), technician=" ")
    assert set(excinfo.value.message_dict) == {"scheduled_at", "technician"}
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.REGISTERED


def test_how_an_order_may_close(product, manager):
    work_order = installation(product, manager)
    # Nobody went yet: an installation cannot be closed, not even as unfounded.
    for state in (WorkOrderState.CLOSED_RESOLVED, WorkOrderState.UNFOUNDED):
        with pytest.raises(ValidationError) as excinfo:
            workorder_close(work_order=work_order, state=state, result="x", user=manager)
        assert "state" in excinfo.value.message_dict
    assign(work_order, manager)
    with pytest.raises(ValidationError) as excinfo:
        workorder_close(
            work_order=work_order, state=WorkOrderState.CLOSED_RESOLVED, result=" ", user=manager
        )
    assert "result" in excinfo.value.message_dict
    closing = workorder_close(
        work_order=work_order,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Instalado y probado.",
        user=manager,
    )
    work_order.refresh_from_db()
    assert (work_order.state, work_order.closed_by, work_order.result) == (
        WorkOrderState.CLOSED_RESOLVED,
        manager,
        "Instalado y probado.",
    )
    assert work_order.closed_at is not None
    assert not closing.process_moved
    with pytest.raises(ValidationError):
        workorder_close(
            work_order=work_order, state=WorkOrderState.CLOSED_RESOLVED, result="x", user=manager
        )
    with pytest.raises(ValidationError):
        assign(work_order, manager)


def test_a_damage_solved_remotely_closes_unfounded_without_a_visit(product, manager):
    damage = workorder_create(
        kind=WorkOrderKind.DAMAGE, company=product.company, product=product, user=manager
    )
    workorder_close(
        work_order=damage,
        state=WorkOrderState.UNFOUNDED,
        result="Se reinició el router por teléfono; el cliente navega.",
        user=manager,
    )
    damage.refresh_from_db()
    assert damage.state == WorkOrderState.UNFOUNDED and damage.unit == ""


def test_closing_delivers_the_message_to_the_process_waiting_for_that_order(
    product, manager, waiting_process
):
    work_order = installation(product, manager)
    other = installation(product, manager)
    instance = waiting_process(work_order.number)
    bystander = waiting_process(other.number)
    assert instance.waits_for_message

    assign(work_order, manager)
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.RUNNING  # assigning does not move it

    workorder_close(
        work_order=work_order,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Instalado.",
        user=manager,
    )
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.COMPLETED
    assert instance.result["outcome"] == "resolved"  # the payload's state reached the process
    bystander.refresh_from_db()
    assert bystander.status == InstanceStatus.RUNNING and bystander.waits_for_message


def test_closing_without_solution_tells_the_process_so(product, manager, waiting_process):
    work_order = installation(product, manager)
    instance = waiting_process(work_order.number)
    assign(work_order, manager)
    workorder_close(
        work_order=work_order,
        state=WorkOrderState.ATTENDED_WITHOUT_SOLUTION,
        result="Sin ducto libre en el edificio.",
        user=manager,
    )
    instance.refresh_from_db()
    assert instance.result["outcome"] == "unresolved"


def test_when_no_process_waits_the_order_closes_and_says_so(product, manager):
    work_order = installation(product, manager)
    assign(work_order, manager)
    closing = workorder_close(
        work_order=work_order,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Instalado.",
        user=manager,
    )
    assert not closing.process_moved and closing.cases == []
    assert work_order.number in closing.notice
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.CLOSED_RESOLVED


def test_if_the_waiting_process_cannot_advance_the_order_stays_open(
    product, manager, waiting_process
):
    work_order = installation(product, manager)
    instance = waiting_process(work_order.number, data={"work_order_id": work_order.number})
    assign(work_order, manager)
    with pytest.raises(engine.StepFailed):
        workorder_close(
            work_order=work_order,
            state=WorkOrderState.CLOSED_RESOLVED,
            result="Instalado.",
            user=manager,
        )
    work_order.refresh_from_db()
    assert work_order.state == WorkOrderState.ASSIGNED and work_order.closed_at is None
    assert [c.state for c in work_order.changes.all()] == ["registered", "assigned"]
    instance.refresh_from_db()
    assert instance.status == InstanceStatus.RUNNING and instance.waits_for_message


@pytest.mark.parametrize(
    "changes",
    [
        {"state": WorkOrderState.CLOSED_RESOLVED},  # closed without time nor result
        {"state": WorkOrderState.ASSIGNED},  # in the field without a unit
        {"result": "Hecho."},  # a result on an open order
        {"state": "lost"},
    ],
)
def test_the_database_keeps_the_states_honest(product, manager, changes):
    work_order = installation(product, manager)
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkOrder.objects.filter(pk=work_order.pk).update(**changes)


def damage(product, manager, **extra):
    return workorder_create(
        kind=WorkOrderKind.DAMAGE,
        company=product.company,
        product=product,
        damaged_service="internet",
        cause="outages",
        user=manager,
        **extra,
    )


def test_the_way_on_for_a_damage_step_is_step_2_read_again(product, manager):
    assert damage_way(product) == (REGISTER, None)
    first = damage(product, manager)
    assert damage_way(product) == (FOLLOW, first)  # in repair → follow it (step 8)
    assign(first, manager, unit=FieldUnit.USM)
    workorder_close(
        work_order=first,
        state=WorkOrderState.ATTENDED_WITHOUT_SOLUTION,
        result="Sin solución.",
        user=manager,
    )
    assert damage_way(product) == (REITERATE, first)  # closed without solution → 10
    first.refresh_from_db()
    second = damage(product, manager, reiterates=first)
    assign(second, manager, unit=FieldUnit.USM)
    workorder_close(
        work_order=second, state=WorkOrderState.CLOSED_RESOLVED, result="Listo.", user=manager
    )
    # Registered since the case looked and already closed: followed, with how it ended.
    assert damage_way(product, known={first.number}) == (FOLLOW, second)
    # Known to the case (it read them at step 2): nothing in repair, register.
    assert damage_way(product, known={first.number, second.number}) == (REGISTER, None)


def test_a_case_that_follows_another_cases_order_is_noted_once_in_its_history(
    product, manager, team
):
    def open_case(subject):
        return Case.objects.create(
            number=f"PV-T-{subject}",
            company=product.company,
            product=product,
            procedure="E",
            channel="phone",
            received_at=timezone.now(),
            subject=subject,
        )

    owner, follower = open_case("1"), open_case("2")
    order = damage(product, manager, case=owner)
    workorder_follow(work_order=order, case=owner, user=team[Role.EXECUTIVE])
    for _ in range(2):
        workorder_follow(work_order=order, case=follower, user=team[Role.EXECUTIVE])
    notes = [c.note for c in order.changes.all()]
    assert sum(follower.number in n for n in notes) == 1
    assert not any(owner.number in n for n in notes[1:])  # its own case is not "following"
    stranger = CompanyFactory()
    with pytest.raises(ValidationError):
        workorder_follow(
            work_order=order,
            case=Case(number="PV-T-3", company=stranger, procedure="E"),
            user=team[Role.EXECUTIVE],
        )


# --- prioritisation with the Operations Center ---------------------------------------


def damage_an_hour_ago(product, manager):
    """A damage registered an hour ago: the call to the Operations Center
    came after it."""
    with time_machine.travel(timezone.now() - timedelta(hours=1)):
        return damage(product, manager)


def prioritise(work_order, user, **extra):
    data = {
        "operations_contact": "Ing. Rosa Vargas",
        "called_at": timezone.now() - timedelta(minutes=3),
        "priority": Priority.URGENT,
        "agreement": "Cuadrilla de la tarde; atención en el día.",
        **extra,
    }
    return workorder_prioritise(work_order=work_order, user=user, **data)


def test_a_prioritisation_keeps_who_when_and_the_priority_and_the_order_carries_it(
    product, manager
):
    order = damage_an_hour_ago(product, manager)
    assert order.priority == Priority.NORMAL
    called = timezone.now() - timedelta(minutes=3)
    agreed = prioritise(order, manager, called_at=called, operations_contact="  Ing.  Rosa Vargas ")
    agreed.refresh_from_db()
    assert (agreed.operations_contact, agreed.called_at, agreed.priority, agreed.recorded_by) == (
        "Ing. Rosa Vargas",
        called,
        Priority.URGENT,
        manager,
    )
    order.refresh_from_db()
    assert order.priority == Priority.URGENT
    assert "Ing. Rosa Vargas" in order.changes.last().note
    # A later call agrees another priority: the order carries the latest.
    prioritise(order, manager, priority=Priority.HIGH, agreement="Se pasa a la mañana.")
    order.refresh_from_db()
    assert order.priority == Priority.HIGH
    assert order.prioritisations.count() == 2


@pytest.mark.parametrize(
    "bad, field, message",
    [
        ({"operations_contact": "  "}, "operations_contact", "con quién habló"),
        ({"agreement": ""}, "agreement", "qué se acordó"),
        ({"agreement": "x" * 1001}, "agreement", "1000"),
        ({"priority": "whenever"}, "priority", "prioridad"),
        ({"called_at": None}, "called_at", "cuándo"),
        ({"called_at": timezone.now() + timedelta(hours=1)}, "called_at", "futuro"),
    ],
)
def test_a_prioritisation_refuses_what_cannot_be_true_in_spanish(
    product, manager, bad, field, message
):
    order = damage_an_hour_ago(product, manager)
    with pytest.raises(ValidationError) as refused:
        prioritise(order, manager, **bad)
    assert message in " ".join(refused.value.message_dict[field])
    order.refresh_from_db()
    assert (order.priority, order.prioritisations.count()) == (Priority.NORMAL, 0)


def test_a_call_before_the_order_existed_or_on_a_closed_order_is_refused(product, manager):
    order = damage_an_hour_ago(product, manager)
    with pytest.raises(ValidationError, match="anterior a la fecha en que se registró la orden"):
        prioritise(order, manager, called_at=order.created_at - timedelta(minutes=5))
    workorder_close(work_order=order, state=WorkOrderState.UNFOUNDED, result="OK", user=manager)
    with pytest.raises(ValidationError, match="ya está cerrada"):
        prioritise(order, manager)


def test_a_call_is_recorded_when_it_is_made_not_weeks_later(product, manager):
    with time_machine.travel(timezone.now() - timedelta(days=10)):
        order = damage(product, manager)
    with pytest.raises(ValidationError, match="hace más de una semana"):
        prioritise(order, manager, called_at=timezone.now() - timedelta(days=8))
    prioritise(order, manager, called_at=timezone.now() - timedelta(days=6))


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.TECHNICAL_ANALYST, Role.TEAM_LEAD])
def test_only_the_technical_manager_prioritises(product, manager, team, role):
    order = damage_an_hour_ago(product, manager)
    with pytest.raises(PermissionDenied):
        prioritise(order, team[role])
    assert not Prioritisation.objects.exists()


@pytest.mark.parametrize(
    "changes",
    [
        {"operations_contact": ""},
        {"agreement": ""},
        {"priority": "whenever"},
        {"called_at": timezone.now() + timedelta(days=1)},
    ],
)
def test_the_database_keeps_a_prioritisation_honest(product, manager, changes):
    agreed = prioritise(damage_an_hour_ago(product, manager), manager)
    with pytest.raises(IntegrityError), transaction.atomic():
        Prioritisation.objects.filter(pk=agreed.pk).update(**changes)


# --- registering a damage once (E step 2/3/10; K step 8) ----------------------------


def test_registering_a_damage_reads_the_products_orders_as_step_2_does(product, manager, team):
    analyst = team[Role.TECHNICAL_ANALYST]
    place = {"address": "Av. Heroínas N° 450", "reference_phone": "70712345"}
    first = damage_register(
        product=product,
        case=None,
        damaged_service="internet",
        cause="outages",
        user=analyst,
        **place,
    )
    assert (first.way, first.work_order.cause, first.work_order.created_by) == (
        "register",
        "outages",
        analyst,
    )
    # One in repair: followed, not registered twice.
    again = damage_register(
        product=product, case=None, damaged_service="internet", cause="slow", user=analyst
    )
    assert (again.way, again.work_order) == ("follow", first.work_order)
    assign(first.work_order, manager, unit=FieldUnit.USM)
    workorder_close(
        work_order=first.work_order,
        state=WorkOrderState.ATTENDED_WITHOUT_SOLUTION,
        result="Sin solución.",
        user=manager,
    )
    # The last one closed without solution: reiterated with its cause, prioritised.
    third = damage_register(
        product=product, case=None, damaged_service="internet", cause="slow", user=analyst, **place
    )
    assert third.way == "reiterate"
    assert (third.work_order.reiterates, third.work_order.cause, third.work_order.priority) == (
        first.work_order,
        "outages",
        Priority.HIGH,
    )


def test_registering_a_damage_needs_its_service_and_cause(product, team):
    with pytest.raises(ValidationError) as refused:
        damage_register(
            product=product,
            case=None,
            damaged_service="",
            cause="",
            user=team[Role.TECHNICAL_ANALYST],
        )
    assert set(refused.value.message_dict) == {"damaged_service", "cause"}
    assert not WorkOrder.objects.exists()
