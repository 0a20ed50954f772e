"""Procedure E, damage to product: what the system really does at each step —
reads the product's damage work orders, registers a damage or its
reiteration (or follows the one another case registered meanwhile), asks the
Help Desk, closes a damage solved remotely as unfounded,
gives the order to the technician for a visit the same day.

Everything is driven by the process variable `product_id`, so procedures that
call E as a call activity (J, K) reuse it as it is.

Calling E from a procedure the team started (`catalog.TEAM_INITIATED`: J, K)
— the contract, read by E's first gateways:

- E's start (`damage_request_opened`) makes the case a customer's request
  (`case_becomes_request`) and routes the damage through the technical
  manager's prioritisation with the Operations Center before the field visit
  (J 5.1, K 9.1 and 14).
- The caller sets `damage_registered`: False when E is to register the damage
  (J: the executive registers it in E), True when the caller registered it
  already (K step 8: the analyst, with `register_damage_for_case` as a service
  task of her step, which leaves `work_order_id`). Then E skips the
  report, the registration and the remote diagnosis and goes from its look-up
  straight to the prioritisation."""

from django.utils import timezone

from posventa.cases.models import Case
from posventa.cases.rules import attention_due
from posventa.cases.selectors import case_for_instance
from posventa.cases.services import case_becomes_request
from posventa.common.dates import datetime_or_none
from posventa.engine.context import current_actor
from posventa.engine.registry import registry
from posventa.integrations import helpdesk
from posventa.inventory.models import Product
from posventa.procedures.catalog import TEAM_INITIATED
from posventa.workorders.models import OPEN_STATES, WorkOrder, WorkOrderKind, WorkOrderState
from posventa.workorders.selectors import damage_orders_of, damage_situation
from posventa.workorders.services import (
    damage_register,
    workorder_assign,
    workorder_close,
    workorder_create,
    workorder_follow,
)


def _order_row(order: WorkOrder) -> dict:
    return {
        "number": order.number,
        "state": order.state,
        "state_label": str(order.get_state_display()),
        "damaged_service": order.damaged_service,
        "cause": order.cause,
        "cause_label": str(order.get_cause_display()) if order.cause else "",
        "registered_on": timezone.localtime(order.created_at).strftime("%d/%m/%Y"),
        "result": order.result,
        "reiterates": order.reiterates.number if order.reiterates_id else "",
    }


@registry.register_action("damage_orders")
def damage_orders(instance, product_id: int) -> dict:
    """Step 2: the product's damage work orders and what they say to do —
    none open (register), one in repair (follow it), the last closed without
    solution (reiterate)."""
    product = Product.objects.get(pk=product_id)
    situation, order = damage_situation(product)
    return {
        "situation": situation,
        "work_order_id": order.number if order else "",
        "state": order.state if order else "",
        "cause": order.cause if order else "",
        "orders": [_order_row(o) for o in damage_orders_of(product)[:10]],
    }


def _case(instance) -> Case | None:
    return case_for_instance(instance)


@registry.register_action("damage_request_opened")
def damage_request_opened(instance, attention_due_at: str = "") -> dict:
    """E's start. In a case the team started (a loyalty or quality call, a
    preventive review), the damage found makes it a customer's request from
    now on (`case_becomes_request`: the indicators count it, its 24 hours
    run from now, E's registration step answers it) — unless the caller
    already made it one. Such a damage is prioritised with the Operations
    Center before the field visit (J 5.1, K 9.1 and 14).

    Returns `team_initiated` (the prioritisation's branch) and
    `attention_due`, the request's 24 hours (the steps' SLA timers)."""
    case = _case(instance)
    if case is None:
        return {"team_initiated": False, "attention_due": attention_due_at}
    team_initiated = case.procedure in TEAM_INITIATED
    if team_initiated:
        case_becomes_request(case=case)
    requested_at = case.requested_at or case.received_at
    return {
        "team_initiated": team_initiated,
        "attention_due": attention_due(requested_at).isoformat(),
    }


@registry.register_action("register_damage_for_case")
def register_damage_for_case(
    instance,
    product_id: int,
    damaged_service: str,
    cause: str,
    problem: str = "",
    reference_phone: str = "",
    address: str = "",
    zone: str = "",
    neighbourhood: str = "",
) -> str:
    """The damage registered by whoever found it, before E is called with
    `damage_registered` (procedure K step 8: the technical analyst, once,
    with her diagnosis): a new damage order, the reiteration of the last one
    closed without solution, or the one in repair followed — read under the
    product's lock (`workorders.services.damage_register`). A case the team
    started becomes a customer's request answered now, by the role that
    registered it. Returns the order's number (`work_order_id`)."""
    product = Product.objects.get(pk=product_id)
    case = _case(instance)
    actor = current_actor()
    registration = damage_register(
        product=product,
        case=case,
        damaged_service=damaged_service,
        cause=cause,
        problem=problem,
        reference_phone=reference_phone,
        address=address,
        zone=zone,
        neighbourhood=neighbourhood,
        user=actor,
    )
    order = registration.work_order
    if case is not None:
        if registration.way == "reiterate":
            _link_reiteration(case, order.reiterates)
        if case.procedure in TEAM_INITIATED:
            case_becomes_request(case=case, answered_by_role=getattr(actor, "role", "") or "")
    return order.number


@registry.register_action("register_damage_order")
def register_damage_order(
    instance,
    product_id: int,
    damaged_service: str,
    cause: str,
    problem: str = "",
    reference_phone: str = "",
    address: str = "",
    zone: str = "",
    neighbourhood: str = "",
) -> str:
    """Step 3: the damage work order, at the checked address with the
    reference phone; its number is what the process then follows."""
    product = Product.objects.get(pk=product_id)
    work_order = workorder_create(
        kind=WorkOrderKind.DAMAGE,
        company=product.company,
        product=product,
        case=_case(instance),
        address=address,
        zone=zone,
        neighbourhood=neighbourhood,
        description=problem,
        damaged_service=damaged_service,
        cause=cause,
        reference_phone=reference_phone,
        user=current_actor(),
    )
    return work_order.number


@registry.register_action("register_reiteration_order")
def register_reiteration_order(
    instance,
    product_id: int,
    reiterated: str,
    problem: str = "",
    reference_phone: str = "",
    address: str = "",
    zone: str = "",
    neighbourhood: str = "",
) -> str:
    """Step 10: a new damage with the same cause, linked to the one closed
    without solution, and prioritised. The case is marked as reiterating the
    earlier order's case (the indicators count reiterations)."""
    product = Product.objects.get(pk=product_id)
    earlier = WorkOrder.objects.select_related("case").get(number=reiterated)
    case = _case(instance)
    already = damage_orders_of(product).filter(state__in=OPEN_STATES, reiterates=earlier).first()
    if already is not None:
        # Another case registered this reiteration first (a process deployed
        # before step 10 offered to follow it lands here): follow it.
        workorder_follow(work_order=already, case=case, user=current_actor())
        _link_reiteration(case, earlier)
        return already.number
    work_order = workorder_create(
        kind=WorkOrderKind.DAMAGE,
        company=product.company,
        product=product,
        case=case,
        address=address,
        zone=zone,
        neighbourhood=neighbourhood,
        description=problem,
        reference_phone=reference_phone,
        reiterates=earlier,
        user=current_actor(),
    )
    _link_reiteration(case, earlier)
    return work_order.number


def _link_reiteration(case: Case | None, earlier: WorkOrder | None) -> None:
    """The case repeats the request of the earlier order's case (the
    indicators count the earlier one as reiterated); a failed visit of the
    case itself is counted from its work orders instead."""
    if (
        case is not None
        and earlier is not None
        and earlier.case_id
        and earlier.case_id != case.pk
        and case.reiterates_id is None
    ):
        Case.objects.filter(pk=case.pk).update(reiterates=earlier.case_id)
        case.reiterates_id = earlier.case_id


@registry.register_action("follow_damage_order")
def follow_damage_order(
    instance, product_id: int, work_order_id: str, reiterated: str = ""
) -> dict:
    """Steps 3 and 10 when another case took their place: the product's
    damage or its reiteration is already registered, so this case follows
    that order as its own (step 2 → 8). A case that came to reiterate a
    damage closed without solution still reiterates its case."""
    order = WorkOrder.objects.get(
        number=work_order_id, product_id=product_id, kind=WorkOrderKind.DAMAGE
    )
    case = _case(instance)
    workorder_follow(work_order=order, case=case, user=current_actor())
    if reiterated:
        _link_reiteration(case, WorkOrder.objects.filter(number=reiterated).first())
    return {"work_order_id": order.number, "state": order.state, "open": order.is_open}


@registry.register_action("help_desk_readings")
def help_desk_readings(instance, product_id: int) -> dict:
    """Step 4: what the Help Desk shows of the product's browsing before the
    analyst diagnoses (the adapter of settings.POSVENTA_HELPDESK_ADAPTER)."""
    return helpdesk.readings(product=Product.objects.get(pk=product_id)).as_dict()


@registry.register_action("close_unfounded")
def close_unfounded(instance, work_order_id: str, result: str) -> dict:
    """Step 5: solved remotely with the customer's conformity — the analyst
    closes the work order as unfounded."""
    closing = workorder_close(
        work_order=WorkOrder.objects.get(number=work_order_id),
        state=WorkOrderState.UNFOUNDED,
        result=result,
        user=current_actor(),
    )
    return {"work_order_id": closing.work_order.number, "state": closing.work_order.state}


@registry.register_action("schedule_visit")
def schedule_visit(instance, work_order_id: str, unit: str, technician: str, visit_at: str) -> dict:
    """Steps 6–8: the order goes to the field unit's technician for the visit
    the technical manager agreed (the same day)."""
    work_order = workorder_assign(
        work_order=WorkOrder.objects.get(number=work_order_id),
        unit=unit,
        technician=technician,
        scheduled_at=datetime_or_none(visit_at),
        user=current_actor(),
    )
    return {
        "work_order_id": work_order.number,
        "unit": work_order.unit,
        "technician": work_order.technician,
        "at": timezone.localtime(work_order.scheduled_at).strftime("%d/%m/%Y %H:%M"),
    }
