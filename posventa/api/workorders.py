"""Work orders in the API: the technical manager's list and page, and the
forms on it — give an order to a field unit, reschedule its visit, close it
with its result. The same forms as the web validate the input
(posventa/workorders/forms.py: the same Spanish messages), and the same
services write (posventa/workorders/services.py): an order closed here moves
the case waiting for it exactly as one closed on its page.

Who may: those who follow the work orders (the technical manager and
analyst, the team lead, the division head) read them; the technical manager
assigns, reschedules and closes (403 for anyone else, with the web's reason).
A visit of the shared calendar is moved and closed in the calendar
(/api/v1/visits), as on the web: here it is a 422 with the reason."""

from datetime import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema

from posventa.accounts.roles import Capability, can
from posventa.api.errors import responses
from posventa.api.pagination import DEFAULT_LIMIT, PAGED, Limit, Offset, page
from posventa.api.types import Choice, Moment, Text
from posventa.engine.services import FormInvalid
from posventa.workorders import selectors
from posventa.workorders.forms import AssignForm, CloseForm, WorkOrderFilterForm
from posventa.workorders.models import (
    CLOSED_STATES,
    DamageCause,
    DamagedService,
    FieldUnit,
    Priority,
    WorkOrder,
    WorkOrderKind,
    WorkOrderState,
)
from posventa.workorders.rules import closing_states, may_assign
from posventa.workorders.services import workorder_assign, workorder_close

router = Router(tags=["work orders"])

KindCode = Choice(WorkOrderKind)
StateCode = Choice(WorkOrderState)
UnitCode = Choice(FieldUnit)
PriorityCode = Choice(Priority)
ServiceCode = Choice(DamagedService)
CauseCode = Choice(DamageCause)
ClosingStateCode = Choice([c for c in WorkOrderState.choices if c[0] in CLOSED_STATES])
# The list's filter, as the web's (WorkOrderFilterForm): nothing → the open ones.
StateFilter = Choice(WorkOrderFilterForm.base_fields["state"].choices[1:])

Number = Text(20, min_length=1)


# --- schemas ----------------------------------------------------------------------------


class WorkOrderOut(Schema):
    number: str
    kind: KindCode
    state: StateCode
    priority: PriorityCode
    company: str
    nit: str
    product: str | None = Field(description="The product's service number.")
    case: str | None
    address: str
    zone: str
    neighbourhood: str
    description: str
    damaged_service: ServiceCode | None
    cause: CauseCode | None
    reference_phone: str
    reiterates: str | None
    unit: UnitCode | None
    technician: str
    scheduled_at: datetime | None
    assigned_at: datetime | None
    closed_at: datetime | None
    result: str
    visit_id: int | None = Field(
        description="The visit of the shared calendar this order belongs to: it is moved, "
        "cancelled and closed there."
    )
    registered_at: datetime


class ChangeOut(Schema):
    at: datetime
    state: StateCode
    by: str | None
    note: str


class PrioritisationOut(Schema):
    called_at: datetime
    operations_contact: str
    priority: PriorityCode
    agreement: str
    case: str | None
    recorded_by: str


class WorkOrderDetail(WorkOrderOut):
    log: list[ChangeOut] = Field(description="Its history: who did what, when.")
    prioritisations: list[PrioritisationOut]
    may_assign: bool = Field(description="Whether I may assign (or reschedule) it now.")
    may_close_as: list[ClosingStateCode] = Field(
        description="The states I may close it with now (none: I may not close it)."
    )


class AssignIn(Schema):
    unit: UnitCode
    technician: Text(150, min_length=1) = Field(
        description="An active technician's name, as the list of technicians has it."
    )
    scheduled_at: Moment = Field(description="When the field unit visits.")


class RescheduleIn(Schema):
    scheduled_at: Moment = Field(description="The visit's new moment.")


class CloseIn(Schema):
    state: ClosingStateCode = Field(description="How it ended.")
    result: Text(4000, min_length=1) = Field(description="What the field unit did and found.")


class ClosingOut(Schema):
    work_order: WorkOrderDetail
    cases: list[str] = Field(description="The cases that moved on.")
    notice: str


# --- helpers -----------------------------------------------------------------------------


def _allowed(request, capability: Capability) -> None:
    # The web's refusal, word for word (workorders/views.py).
    if not can(request.user, capability):
        raise PermissionDenied(_("Your role does not follow work orders."))


def _work_order(request, number: str) -> WorkOrder:
    work_order = selectors.work_order_for(user=request.user, number=number)
    if work_order is None:
        raise Http404
    return work_order


def _name(user) -> str | None:
    return (user.get_full_name() or user.username) if user is not None else None


def _out(work_order: WorkOrder) -> dict:
    visit = getattr(work_order, "visit", None)
    return {
        "number": work_order.number,
        "kind": work_order.kind,
        "state": work_order.state,
        "priority": work_order.priority,
        "company": work_order.company.display_name,
        "nit": work_order.company.nit,
        "product": work_order.product.service_number if work_order.product_id else None,
        "case": work_order.case.number if work_order.case_id else None,
        "address": work_order.address,
        "zone": work_order.zone,
        "neighbourhood": work_order.neighbourhood,
        "description": work_order.description,
        "damaged_service": work_order.damaged_service or None,
        "cause": work_order.cause or None,
        "reference_phone": work_order.reference_phone,
        "reiterates": work_order.reiterates.number if work_order.reiterates_id else None,
        "unit": work_order.unit or None,
        "technician": work_order.technician,
        "scheduled_at": work_order.scheduled_at,
        "assigned_at": work_order.assigned_at,
        "closed_at": work_order.closed_at,
        "result": work_order.result,
        "visit_id": visit.pk if visit is not None else None,
        "registered_at": work_order.created_at,
    }


def _detail(request, work_order: WorkOrder) -> dict:
    # What the web's page offers this user (workorders/views.py, _detail).
    manages = (
        can(request.user, Capability.MANAGE_WORK_ORDERS)
        and getattr(work_order, "visit", None) is None
    )
    return {
        **_out(work_order),
        "log": [
            {"at": c.at, "state": c.state, "by": _name(c.by), "note": c.note}
            for c in work_order.changes.select_related("by")
        ],
        "prioritisations": [
            {
                "called_at": p.called_at,
                "operations_contact": p.operations_contact,
                "priority": p.priority,
                "agreement": p.agreement,
                "case": p.case.number if p.case_id else None,
                "recorded_by": _name(p.recorded_by),
            }
            for p in work_order.prioritisations.select_related("case", "recorded_by")
        ],
        "may_assign": manages and may_assign(state=work_order.state),
        "may_close_as": (
            closing_states(kind=work_order.kind, state=work_order.state) if manages else []
        ),
    }


def _valid(form):
    """The web's form, judged as on the web: its Spanish messages by field."""
    if not form.is_valid():
        raise FormInvalid(form)
    return form.cleaned_data


def _assign(request, work_order: WorkOrder, data: dict) -> dict:
    cleaned = _valid(AssignForm(data, work_order=work_order))
    workorder_assign(work_order=work_order, user=request.user, **cleaned)
    return _detail(request, _work_order(request, work_order.number))


# --- endpoints ------------------------------------------------------------------------


@router.get(
    "",
    response=responses({200: list[WorkOrderOut]}, 403),
    openapi_extra=PAGED,
)
def list_work_orders(
    request,
    response: HttpResponse,
    state: StateFilter | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """The work orders, as the web's list: the open ones (registered or
    assigned) by default, oldest first; one state, or "all", newest first."""
    _allowed(request, Capability.VIEW_WORK_ORDERS)
    state = WorkOrderFilterForm({"state": state or ""}).selected_state()
    orders = selectors.work_orders_for(user=request.user, state=state).select_related(
        "reiterates", "visit"
    )
    return [_out(o) for o in page(request, response, orders, limit=limit, offset=offset)]


@router.get("/{number}", response=responses({200: WorkOrderDetail}, 403, 404))
def get_work_order(request, number: Number):
    """One work order with its history (log) and its calls to the Operations Center."""
    _allowed(request, Capability.VIEW_WORK_ORDERS)
    return _detail(request, _work_order(request, number))


@router.post("/{number}/assign", response=responses({200: WorkOrderDetail}, 403, 404, body=True))
def assign_work_order(request, number: Number, payload: AssignIn):
    """Give the order to a field unit (Resources, USM, PAS) and an active
    technician for a visit at a moment — the web's "Asignar" form. An order
    already assigned is handed over or rescheduled the same way."""
    _allowed(request, Capability.MANAGE_WORK_ORDERS)
    work_order = _work_order(request, number)
    return _assign(request, work_order, payload.dict())


@router.post(
    "/{number}/reschedule", response=responses({200: WorkOrderDetail}, 403, 404, body=True)
)
def reschedule_work_order(request, number: Number, payload: RescheduleIn):
    """Move an assigned order's visit to another moment, with the same field
    unit and technician. The web has no separate action for this: it is the
    assignment again with a new date (the "Asignar" form filled with the
    order's unit and technician), through the same form and service
    (`workorder_assign`), so its history says "Reasignado"."""
    _allowed(request, Capability.MANAGE_WORK_ORDERS)
    work_order = _work_order(request, number)
    if work_order.state == WorkOrderState.REGISTERED:
        raise ValidationError(
            _("Work order %(number)s is not assigned yet: assign it to a field unit first.")
            % {"number": work_order.number}
        )
    data = {
        "unit": work_order.unit,
        "technician": work_order.technician,
        "scheduled_at": payload.scheduled_at,
    }
    return _assign(request, work_order, data)


@router.post("/{number}/close", response=responses({200: ClosingOut}, 403, 404, 409, body=True))
def close_work_order(request, number: Number, payload: CloseIn):
    """Close the order with how it ended and what the field unit did — the
    web's "Cerrar" form: the case waiting for it moves on to its next step
    (`cases`), in the same transaction; 409 when that case could not advance
    (nothing is saved then)."""
    _allowed(request, Capability.MANAGE_WORK_ORDERS)
    work_order = _work_order(request, number)
    cleaned = _valid(CloseForm(payload.dict(), work_order=work_order))
    closing = workorder_close(work_order=work_order, user=request.user, **cleaned)
    return {
        "work_order": _detail(request, _work_order(request, number)),
        "cases": closing.cases,
        "notice": str(closing.notice),
    }
