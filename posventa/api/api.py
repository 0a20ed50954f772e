"""The REST API (/api/v1/): everything a person does in the inbox, a script
can do. Token auth ("Authorization: Bearer pv_…"); OpenAPI at
/api/v1/openapi.json. The same services and forms as the web run behind it,
so the same rules and the same Spanish messages apply.

Errors have one shape (posventa/api/errors.py), declared as `Error` on every
operation:

    {"detail": "<Spanish sentence>", "errors": {"<field>": ["<Spanish message>", …]}}

`errors` only when the refusal is about fields. 400 the body is not JSON;
401 no token or a bad one; 403 the role may not; 404 missing — or not
yours: another portfolio's customer, case, task or complaint answers exactly
as a missing one; 409 the task moved on meanwhile, or an Idempotency-Key
reused (posventa/api/idempotency.py); 413 the body is too large;
422 a value is refused (field by field); 429 too many requests (Retry-After).

Input is bounded in the schemas (posventa/api/types.py): texts have a
maximum length and no NUL, ids are 1..2**63-1, moments fall in 2000–2100,
codes are one of a known set. Nothing a client sends is meant to give a 5xx.
"""

from datetime import datetime
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Schema, Status
from ninja.security import HttpBearer

from posventa.api import errors, idempotency, throttle
from posventa.api.errors import responses
from posventa.api.routers import ROUTERS
from posventa.api.services import token_user
from posventa.api.types import LONG_TEXT, Choice, FormData, Id, Moment, Text
from posventa.cases import selectors as case_selectors
from posventa.cases.models import Case, Procedure
from posventa.cases.services import case_cancel, case_open
from posventa.common.models import Channel
from posventa.common.nit import normalize_nit
from posventa.customers.models import Company
from posventa.engine import services as engine
from posventa.engine.form_schema import form_json_schema
from posventa.engine.models import HumanTask
from posventa.engine.selectors import task_variables
from posventa.engine.templating import render_instructions
from posventa.inventory.models import Product


class BearerToken(HttpBearer):
    def __call__(self, request):
        # A locked-out address is refused before its token is read, good or
        # bad: no guessing while locked (posventa/api/throttle.py).
        throttle.check(request)
        return super().__call__(request)

    def authenticate(self, request, token):
        user = token_user(token)
        if user is not None:
            request.user = user
        else:
            throttle.failure_record(request)
        return user


# Every POST honours Idempotency-Key, every router's (posventa/api/idempotency.py).
api = idempotency.IdempotentAPI(
    title="Posventa API",
    version="1",
    description=(
        "Post-sale cases of the enterprise team: open cases, work the inbox.\n\n"
        "**Errors.** Every 4xx answer is the `Error` object "
        '`{"detail": "<oración en español>", "errors": {"<campo>": ["<mensaje>", …]}}` '
        "(`errors` only when the refusal is about fields: a body key, a dotted path "
        "into the body such as `data.new_plan`, a query or path parameter, or `__all__`). "
        "400 body not JSON; 401 no or bad token; 403 the role may not; 404 missing or "
        "not in your portfolio (the same answer for both); 409 the task moved on; "
        "413 body too large; 422 a value refused; 429 too many requests (`Retry-After`).\n\n"
        "**Retries.** Send an `Idempotency-Key` header with a POST to make it once: a retry "
        "with the same key and request gets the first answer again (`Idempotent-Replayed: "
        "true`); the same key with another request, or while the first runs, is a 409.\n\n"
        "**Bounds.** Texts have a `maxLength` and no NUL character; ids are 1 to "
        "2^63-1; moments are years 2000 to 2100 (without a time zone: America/La_Paz); "
        "codes are enums."
    ),
    auth=BearerToken(),
    urls_namespace="api",
)
# A locked-out address: 429 with Retry-After (posventa/api/throttle.py).
throttle.install(api)


# --- errors: one shape, in Spanish, never a 500 (posventa/api/errors.py) ---------------

errors.install(api)


# --- schemas ----------------------------------------------------------------------------


ProcedureCode = Choice(Procedure)
ChannelCode = Choice(Channel)


class CaseIn(Schema):
    nit: Text(32) | None = Field(None, description="The customer's NIT (or give company_id).")
    company_id: Id | None = None
    procedure: ProcedureCode
    channel: ChannelCode
    subject: Text(200, min_length=1)
    description: Text(LONG_TEXT) = ""
    product_id: Id | None = None
    received_at: Moment | None = Field(None, description="When it arrived; now by default.")
    acknowledge_open_cases: bool = Field(
        False,
        description="The product has an open case the request only warns about (409 names "
        "it): send true to open the request all the same. A refusal stays a 409.",
    )


class TaskOut(Schema):
    id: UUID
    case: str
    company: str
    procedure: str
    name: str
    role: str
    form_key: str
    assignee: str | None
    ready_since: datetime
    due_at: datetime | None


class StepOut(Schema):
    element: str
    name: str
    lane: str
    started_at: datetime
    ended_at: datetime | None
    completed_by: str | None


class CaseOut(Schema):
    number: str
    company: str
    nit: str
    procedure: str
    channel: str
    subject: str
    received_at: datetime
    status: str
    outcome: str
    attended_at: datetime | None
    closed_at: datetime | None
    current_tasks: list[TaskOut]
    history: list[StepOut]


class CancelIn(Schema):
    reason: Text(500, min_length=1) = Field(description="Why the case is cancelled.")
    channel: ChannelCode | None = Field(
        None, description="How the customer is told; the case's own channel by default."
    )


class TaskDetail(TaskOut):
    instructions: str
    form: dict


class CompleteIn(Schema):
    data: FormData = Field(
        {}, description="The task's form: field name → value, as its JSON Schema says."
    )


def _task_out(task: HumanTask) -> dict:
    case = task.instance.case
    return {
        "id": task.task_id,
        "case": case.number,
        "company": case.company.display_name,
        "procedure": case.procedure,
        "name": task.name,
        "role": task.role,
        "form_key": task.form_key,
        "assignee": task.assignee.username if task.assignee else None,
        "ready_since": task.created_at,
        "due_at": task.due_at,
    }


def _case_out(case: Case) -> dict:
    tasks = HumanTask.objects.filter(instance_id=case.instance_id).select_related(
        "instance__case__company", "assignee"
    )
    events = (
        case.instance.events.filter(kind__in=["UserTask", "ServiceTask"]).select_related("actor")
        if case.instance_id
        else []
    )
    return {
        "number": case.number,
        "company": case.company.display_name,
        "nit": case.company.nit,
        "procedure": case.procedure,
        "channel": case.channel,
        "subject": case.subject,
        "received_at": case.received_at,
        "status": case.status,
        "outcome": case.outcome,
        "attended_at": case.attended_at,
        "closed_at": case.closed_at,
        "current_tasks": [_task_out(t) for t in tasks],
        "history": [
            {
                "element": e.bpmn_id,
                "name": e.name,
                "lane": e.lane,
                "started_at": e.started_at,
                "ended_at": e.ended_at,
                "completed_by": e.actor.username if e.actor else None,
            }
            for e in events
        ],
    }


def _my_task(request, task_id: UUID) -> HumanTask:
    """A pending task the user may see (her role's, on a customer she sees)."""
    return get_object_or_404(case_selectors.inbox(user=request.user), task_id=task_id)


# --- endpoints ------------------------------------------------------------------------


@api.post("/cases", response=responses({201: CaseOut}, 403, 404, 409, body=True))
def open_case(request, payload: CaseIn):
    """Open a case for a customer (by NIT or id) and start its procedure; 409
    when the product has an open case the request collides with (one product,
    one change at a time: docs/collisions.md)."""
    if not payload.nit and payload.company_id is None:
        raise ValidationError({"nit": _("Give the customer's NIT or its id (company_id).")})
    companies = Company.objects.visible_to(request.user)
    company = get_object_or_404(
        companies,
        Q(nit=normalize_nit(payload.nit)) if payload.nit else Q(pk=payload.company_id),
    )
    product = None
    if payload.product_id is not None:
        # Only this customer's products: another's, in any portfolio, is as
        # unknown as one that does not exist.
        product = Product.objects.filter(company=company, pk=payload.product_id).first()
        if product is None:
            raise ValidationError({"product_id": _("This customer has no such product.")})
    case = case_open(
        company=company,
        procedure=payload.procedure,
        channel=payload.channel,
        subject=payload.subject,
        description=payload.description,
        product=product,
        received_at=payload.received_at,
        user=request.user,
        acknowledge_open_cases=payload.acknowledge_open_cases,
    )
    return Status(201, _case_out(case))


@api.get("/cases/{number}", response=responses({200: CaseOut}, 404))
def get_case(request, number: Text(20)):
    """A case with its status, outcome, attended time, pending steps and history."""
    case = get_object_or_404(
        case_selectors.cases_visible_to(request.user).select_related("company", "instance"),
        number=number,
    )
    return _case_out(case)


@api.post("/cases/{number}/cancel", response=responses({200: CaseOut}, 403, 404, 409, body=True))
def cancel_case(request, number: Text(20), payload: CancelIn):
    """End an open case at whatever step it stands (team lead, division head):
    its process stops, the case closes as cancelled with the reason, and the
    customer's interaction is recorded. 409 if the case is already closed."""
    case = get_object_or_404(case_selectors.cases_visible_to(request.user), number=number)
    case = case_cancel(
        case=case, user=request.user, reason=payload.reason, channel=payload.channel or ""
    )
    return _case_out(case)


@api.get("/tasks", response=responses({200: list[TaskOut]}))
def list_tasks(request, procedure: ProcedureCode | None = None, company_id: Id | None = None):
    """My inbox: my role's pending steps that are mine or nobody's, most urgent first."""
    tasks = case_selectors.inbox(
        user=request.user, procedure=procedure or "", company_id=company_id
    )
    return [_task_out(t) for t in tasks[:500]]


@api.get("/tasks/{task_id}", response=responses({200: TaskDetail}, 404))
def get_task(request, task_id: UUID):
    """A pending task, with its form as JSON Schema."""
    task = _my_task(request, task_id)
    form = engine.task_form(task)
    instructions = render_instructions(task.instructions, task_variables(task))
    return {**_task_out(task), "instructions": instructions, "form": form_json_schema(form)}


@api.post("/tasks/{task_id}/claim", response=responses({200: TaskOut}, 403, 404, 409))
def claim_task(request, task_id: UUID):
    task = _my_task(request, task_id)
    return _task_out(engine.task_claim(task_id=task.task_id, user=request.user))


@api.post("/tasks/{task_id}/release", response=responses({200: TaskOut}, 403, 404, 409))
def release_task(request, task_id: UUID):
    task = _my_task(request, task_id)
    return _task_out(engine.task_release(task_id=task.task_id, user=request.user))


@api.post("/tasks/{task_id}/complete", response=responses({200: CaseOut}, 403, 404, 409, body=True))
def complete_task(request, task_id: UUID, payload: CompleteIn):
    """Complete a task with its form's data; 422 with the field errors otherwise."""
    task = HumanTask.objects.filter(task_id=task_id).select_related("instance").first()
    if task is None:
        if (
            not case_selectors.cases_visible_to(request.user)
            .filter(instance__events__task_id=task_id)
            .exists()
        ):
            raise Http404
        raise engine.TaskAlreadyCompleted(
            _("This task is no longer pending: someone already completed it.")
        )
    _my_task(request, task_id)
    instance = engine.task_complete(task_id=task_id, user=request.user, data=payload.data)
    return _case_out(Case.objects.select_related("company").get(number=instance.business_key))


# The other topics, one module each (posventa/api/routers.py).
for prefix, router in ROUTERS:
    api.add_router(prefix, router)
