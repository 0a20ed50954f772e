"""Writes on work orders: register one, give it to a field unit, close it.

Closing an order tells the process that waits for it (a receive task on the
message `work_order_closed`, correlated by the order's number) in the same
transaction: the order is closed and the case moves on, or neither happens.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Capability, can
from posventa.cases.models import Case
from posventa.common.services import validated_save
from posventa.customers.models import Company
from posventa.engine import services as engine
from posventa.events import services as events
from posventa.inventory.models import Product
from posventa.workorders.models import (
    DamagedService,
    Prioritisation,
    Priority,
    WorkOrder,
    WorkOrderChange,
    WorkOrderKind,
    WorkOrderNumberCounter,
    WorkOrderState,
)
from posventa.workorders.rules import closing_states, may_assign

# The message a process waits on for an order, and the key it waits with.
CLOSED_MESSAGE = "work_order_closed"


def next_work_order_number(year: int) -> str:
    """OT-2026-000123: the year's next number, under a row lock."""
    counter, _created = WorkOrderNumberCounter.objects.select_for_update().get_or_create(year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return f"OT-{year}-{counter.last:06d}"


def _log(work_order: WorkOrder, *, user, note: str = "") -> None:
    WorkOrderChange.objects.create(
        work_order=work_order,
        at=timezone.now(),
        state=work_order.state,
        by=user if getattr(user, "is_authenticated", False) else None,
        note=note[:500],
    )


def _locked(work_order: WorkOrder) -> WorkOrder:
    """The order read again under a row lock: two people assigning or closing
    it at once queue here, and the second sees what the first did."""
    return WorkOrder.objects.select_for_update().get(pk=work_order.pk)


def _require(user, capability: Capability) -> None:
    if not can(user, capability):
        raise PermissionDenied(_("Only the technical manager assigns and closes work orders."))


def _calendar_visit(work_order: WorkOrder):
    """The visit of the shared calendar this order belongs to, if any
    (procedure L): such an order moves with its visit, not on its own."""
    return getattr(work_order, "visit", None)


def _refuse_outside_calendar(work_order: WorkOrder, *, from_calendar: bool) -> None:
    if not from_calendar and _calendar_visit(work_order) is not None:
        raise ValidationError(
            _(
                "Work order %(number)s is a visit of the visit calendar: move it or record "
                "its engineering service there."
            )
            % {"number": work_order.number}
        )


def _require_assigning(user, work_order: WorkOrder) -> None:
    """The technical manager assigns any order; whoever plans the visit
    calendar (the team lead too) gives a visit's order to its analyst."""
    if work_order.kind == WorkOrderKind.VISIT and can(user, Capability.PLAN_VISITS):
        return
    _require(user, Capability.MANAGE_WORK_ORDERS)


def _require_closing(user, *, work_order: WorkOrder, state: str) -> None:
    """The technical manager closes any order; the technical analyst only
    closes a damage as unfounded, once solved remotely (procedure E, step 5),
    and the visit they made with its engineering service (procedure L); the
    calendar's planners close a visit they cancel."""
    if state == WorkOrderState.UNFOUNDED and can(user, Capability.CLOSE_UNFOUNDED_DAMAGES):
        return
    if work_order.kind == WorkOrderKind.VISIT:
        visit = _calendar_visit(work_order)
        if can(user, Capability.PLAN_VISITS) or (
            visit is not None and visit.analyst_id == getattr(user, "pk", None)
        ):
            return
    _require(user, Capability.MANAGE_WORK_ORDERS)


def _reiteration_errors(*, earlier: WorkOrder, product: Product | None) -> dict:
    """A reiteration repeats the product's damage closed without solution."""
    if earlier.kind != WorkOrderKind.DAMAGE or earlier.product_id != getattr(product, "pk", None):
        return {"reiterates": _("A reiteration repeats an earlier damage of the same product.")}
    if earlier.state != WorkOrderState.ATTENDED_WITHOUT_SOLUTION:
        return {
            "reiterates": _(
                "Work order %(number)s was not closed without solution: there is nothing to "
                "reiterate."
            )
            % {"number": earlier.number}
        }
    return {}


@transaction.atomic
def workorder_create(
    *,
    kind: str,
    company: Company,
    user=None,
    product: Product | None = None,
    case: Case | None = None,
    address: str = "",
    zone: str = "",
    neighbourhood: str = "",
    description: str = "",
    damaged_service: str = "",
    cause: str = "",
    reference_phone: str = "",
    reiterates: WorkOrder | None = None,
    priority: str = Priority.NORMAL,
) -> WorkOrder:
    """Register a work order for a field unit. Without an address, the
    product's installation address. A damage says the failing service, its
    cause and the reference phone; a reiteration repeats the cause of the
    order it names and is prioritised."""
    errors = {}
    if reiterates is not None:
        errors.update(_reiteration_errors(earlier=reiterates, product=product))
        cause = reiterates.cause or cause
        damaged_service = damaged_service or reiterates.damaged_service
        priority = Priority.HIGH
    if product is not None and product.company_id != company.pk:
        errors["product"] = _("The product is not of this customer.")
    if case is not None and case.company_id != company.pk:
        errors["case"] = _("The case is not of this customer.")
    if product is not None and not (address or "").strip():
        address, zone, neighbourhood = (
            product.installation_address,
            product.zone,
            product.neighbourhood,
        )
    if not (address or "").strip():
        errors["address"] = _("Say where the field unit has to go.")
    if errors:
        raise ValidationError(errors)
    work_order = WorkOrder(
        number=next_work_order_number(timezone.localdate().year),
        kind=kind,
        company=company,
        product=product,
        case=case,
        address=address.strip(),
        zone=(zone or "").strip(),
        neighbourhood=(neighbourhood or "").strip(),
        description=(description or "").strip(),
        damaged_service=damaged_service or "",
        cause=cause or "",
        reference_phone=(reference_phone or "").strip(),
        reiterates=reiterates,
        priority=priority,
        created_by=user if getattr(user, "is_authenticated", False) else None,
    )
    validated_save(work_order)
    _log(work_order, user=user, note=work_order.description)
    return work_order


@transaction.atomic
def workorder_assign(
    *,
    work_order: WorkOrder,
    unit: str,
    technician: str,
    scheduled_at: datetime,
    user,
    from_calendar: bool = False,
) -> WorkOrder:
    """Give the order to a field unit and its technician for a visit at a
    given time; an order already assigned is rescheduled or handed over.
    A visit of the calendar is assigned by the calendar (`from_calendar`)."""
    work_order = _locked(work_order)
    _require_assigning(user, work_order)
    _refuse_outside_calendar(work_order, from_calendar=from_calendar)
    if not may_assign(state=work_order.state):
        raise ValidationError(
            _("Work order %(number)s is closed: it can no longer be assigned.")
            % {"number": work_order.number}
        )
    errors = {}
    if not (technician or "").strip():
        errors["technician"] = _("Say which technician goes.")
    if scheduled_at is None:
        errors["scheduled_at"] = _("Say when the visit is.")
    elif scheduled_at < work_order.created_at.replace(second=0, microsecond=0):
        errors["scheduled_at"] = _("The visit cannot be before the order was registered.")
    if errors:
        raise ValidationError(errors)
    again = work_order.state == WorkOrderState.ASSIGNED
    work_order.state = WorkOrderState.ASSIGNED
    work_order.unit = unit
    work_order.technician = technician.strip()
    work_order.scheduled_at = scheduled_at
    work_order.assigned_at = timezone.now()
    work_order.assigned_by = user
    validated_save(
        work_order,
        update_fields=[
            "state",
            "unit",
            "technician",
            "scheduled_at",
            "assigned_at",
            "assigned_by",
            "updated_at",
        ],
    )
    values = {
        "unit": work_order.get_unit_display(),
        "technician": work_order.technician,
        "when": timezone.localtime(scheduled_at).strftime("%d/%m/%Y %H:%M"),
    }
    if again:
        note = _("Reassigned: %(unit)s, %(technician)s, visit on %(when)s") % values
    else:
        note = _("%(unit)s, %(technician)s, visit on %(when)s") % values
    _log(work_order, user=user, note=note)
    return work_order


# How far back a call to the Operations Center may be recorded: the step is
# done as the call ends; a week covers a weekend and a forgotten entry.
PRIORITISATION_LOOKBACK = timedelta(days=7)
AGREEMENT_MAX_LENGTH = 1000


def prioritisation_errors(
    *,
    work_order: WorkOrder,
    operations_contact: str,
    called_at: datetime | None,
    priority: str,
    agreement: str,
    now: datetime | None = None,
) -> dict:
    """What is wrong with a call to the Operations Center as recorded, by
    field (the step's form shows them as the service refuses them): someone
    spoken to, something agreed, a known priority, and a time that is past,
    not before the order existed and not older than a week."""
    now = now or timezone.now()
    errors = {}
    if not " ".join((operations_contact or "").split()):
        errors["operations_contact"] = _("Say whom you spoke to at the Operations Center.")
    if not (agreement or "").strip():
        errors["agreement"] = _("Say what was agreed with the Operations Center.")
    elif len(agreement.strip()) > AGREEMENT_MAX_LENGTH:
        errors["agreement"] = _("Say what was agreed in at most %(max)s characters.") % {
            "max": AGREEMENT_MAX_LENGTH
        }
    if priority not in Priority.values:
        errors["priority"] = _("Choose the priority agreed.")
    if called_at is None:
        errors["called_at"] = _("Say when you called the Operations Center.")
    elif called_at > now:
        errors["called_at"] = _("The call to the Operations Center cannot be in the future.")
    elif called_at < work_order.created_at.replace(second=0, microsecond=0):
        errors["called_at"] = _("The call cannot be before the work order was registered.")
    elif called_at < now - PRIORITISATION_LOOKBACK:
        errors["called_at"] = _("The call was more than a week ago: record it when it is made.")
    return errors


@transaction.atomic
def workorder_prioritise(
    *,
    work_order: WorkOrder,
    operations_contact: str,
    called_at: datetime | None,
    priority: str,
    agreement: str,
    user,
    case: Case | None = None,
) -> Prioritisation:
    """The technical manager agreed with the Operations Center how soon the
    order is attended (procedure E step 11, J 5.1, K 9.1 and 14): the call is
    kept as a `Prioritisation` (whom she spoke to, when, the priority, what
    was agreed) and the order takes the priority agreed."""
    _require(user, Capability.MANAGE_WORK_ORDERS)
    work_order = _locked(work_order)
    if not work_order.is_open:
        raise ValidationError(
            _("Work order %(number)s is already closed.") % {"number": work_order.number}
        )
    now = timezone.now()
    operations_contact = " ".join((operations_contact or "").split())
    agreement = (agreement or "").strip()
    errors = prioritisation_errors(
        work_order=work_order,
        operations_contact=operations_contact,
        called_at=called_at,
        priority=priority,
        agreement=agreement,
        now=now,
    )
    if case is not None and case.company_id != work_order.company_id:
        errors["case"] = _("The case is not of this customer.")
    if errors:
        raise ValidationError(errors)
    prioritisation = Prioritisation(
        work_order=work_order,
        case=case,
        operations_contact=operations_contact,
        called_at=called_at,
        priority=priority,
        agreement=agreement,
        recorded_by=user,
        created_at=now,  # saved as the moment of saving, just after
    )
    validated_save(prioritisation)
    work_order.priority = priority
    validated_save(work_order, update_fields=["priority", "updated_at"])
    _log(
        work_order,
        user=user,
        note=_(
            "Prioritised with the Operations Center (%(contact)s, %(when)s): %(priority)s. "
            "%(agreement)s"
        )
        % {
            "contact": operations_contact,
            "when": timezone.localtime(called_at).strftime("%d/%m/%Y %H:%M"),
            "priority": prioritisation.get_priority_display(),
            "agreement": agreement,
        },
    )
    return prioritisation


@dataclass(frozen=True)
class DamageRegistration:
    """What registering a product's damage came to: the order the case now
    follows, and how — `register` (a new damage order), `reiterate` (the
    last one was closed without solution) or `follow` (one is in repair)."""

    work_order: WorkOrder
    way: str


@transaction.atomic
def damage_register(
    *,
    product: Product,
    case: Case | None,
    damaged_service: str,
    cause: str,
    user,
    problem: str = "",
    address: str = "",
    zone: str = "",
    neighbourhood: str = "",
    reference_phone: str = "",
) -> DamageRegistration:
    """Register a product's damage once, as procedure E's step 2 reads the
    product's damage orders — under the product's row lock, so two cases on
    the product meet here one after the other: one in repair is followed by
    this case (step 2 → 8), the last one closed without solution is
    reiterated with the same cause (step 10), otherwise a new damage order is
    registered at the checked address with the reference phone (step 3).

    The technical analyst registering the damage herself (procedure K, step
    8) calls this; the diagnoses she recorded on the product in this case
    (with no order yet) are linked to the order, so E never asks for them
    again."""
    from posventa.integrations.models import DiagnosisRecord
    from posventa.workorders.selectors import (
        DAMAGE_IN_REPAIR,
        LAST_UNSOLVED,
        damage_situation,
    )

    list(Product.objects.select_for_update().filter(pk=product.pk).values_list("pk"))
    situation, order = damage_situation(product)
    if situation == DAMAGE_IN_REPAIR:
        work_order, way = workorder_follow(work_order=order, case=case, user=user), "follow"
    else:
        errors = {}
        if situation != LAST_UNSOLVED and damaged_service not in DamagedService.values:
            errors["damaged_service"] = _("Say which service fails.")
        if situation != LAST_UNSOLVED and not cause:
            errors["cause"] = _("Say what happens.")
        if errors:
            raise ValidationError(errors)
        work_order = workorder_create(
            kind=WorkOrderKind.DAMAGE,
            company=product.company,
            product=product,
            case=case,
            address=address,
            zone=zone,
            neighbourhood=neighbourhood,
            description=problem,
            damaged_service=damaged_service,
            cause=cause,
            reference_phone=reference_phone,
            reiterates=order if situation == LAST_UNSOLVED else None,
            user=user,
        )
        way = "reiterate" if situation == LAST_UNSOLVED else "register"
    if case is not None:
        DiagnosisRecord.objects.filter(
            product=product, work_order=None, created_at__gte=case.received_at
        ).update(work_order=work_order)
    return DamageRegistration(work_order=work_order, way=way)


def closing_payload(work_order: WorkOrder) -> dict:
    """What the message `work_order_closed` says of a closed order — also
    what a case that finds the order already closed goes on with."""
    return {
        "work_order_id": work_order.number,
        "state": work_order.state,
        "state_label": str(work_order.get_state_display()),
        "result": work_order.result,
        "technician": work_order.technician,
        "closed_at": work_order.closed_at.isoformat(),
    }


@transaction.atomic
def workorder_follow(*, work_order: WorkOrder, case: Case | None, user=None) -> WorkOrder:
    """A case follows an order another case (or the technical manager)
    registered, as its own — the same damage reported twice (procedure E,
    step 2 → 8). Its history says so; once, however often the case reads it."""
    work_order = _locked(work_order)
    if case is None:
        return work_order
    if case.company_id != work_order.company_id:
        raise ValidationError({"case": _("The case is not of this customer.")})
    note = _("Case %(case)s follows this order too.") % {"case": case.number}
    if work_order.case_id != case.pk and not work_order.changes.filter(note=note).exists():
        _log(work_order, user=user, note=note)
    return work_order


@dataclass(frozen=True)
class Closing:
    """A closed order and what became of the process that waited for it."""

    work_order: WorkOrder
    cases: list = field(default_factory=list)  # the case numbers that moved on
    notice: str = ""  # said to the person who closed it

    @property
    def process_moved(self) -> bool:
        return bool(self.cases)


@transaction.atomic
def workorder_close(
    *, work_order: WorkOrder, state: str, result: str, user, from_calendar: bool = False
) -> Closing:
    """Close the order with how it ended, and deliver `work_order_closed` to
    the process waiting for it. No process waiting is not an error (an order
    registered by hand has none), but the person is told so. A visit of the
    calendar closes with its engineering service or its cancellation there."""
    work_order = _locked(work_order)
    _require_closing(user, work_order=work_order, state=state)
    _refuse_outside_calendar(work_order, from_calendar=from_calendar)
    if not work_order.is_open:
        raise ValidationError(
            _("Work order %(number)s is already closed.") % {"number": work_order.number}
        )
    allowed = closing_states(kind=work_order.kind, state=work_order.state)
    errors = {}
    if state not in allowed:
        errors["state"] = (
            _("A work order that is still registered must be assigned to a field unit first.")
            if not allowed
            else _("This order cannot be closed that way.")
        )
    if not (result or "").strip():
        errors["result"] = _("Write what the field unit did and found.")
    if errors:
        raise ValidationError(errors)
    work_order.state = state
    work_order.result = result.strip()
    work_order.closed_at = timezone.now()
    work_order.closed_by = user
    validated_save(
        work_order, update_fields=["state", "result", "closed_at", "closed_by", "updated_at"]
    )
    _log(work_order, user=user, note=work_order.result)
    events.workorder_closed_publish(work_order=work_order)

    payload = closing_payload(work_order)
    try:
        instances = engine.deliver_message(
            name=CLOSED_MESSAGE,
            correlation={"work_order_id": work_order.number},
            payload=payload,
        )
    except engine.NoInstanceWaiting:
        return Closing(
            work_order=work_order,
            notice=_(
                "Work order %(number)s is closed. No process was waiting for it, so no "
                "case moves on."
            )
            % {"number": work_order.number},
        )
    numbers = sorted(Case.objects.filter(instance__in=instances).values_list("number", flat=True))
    return Closing(
        work_order=work_order,
        cases=numbers,
        notice=_("Work order %(number)s is closed; case %(cases)s moves on to its next step.")
        % {"number": work_order.number, "cases": ", ".join(numbers)},
    )
