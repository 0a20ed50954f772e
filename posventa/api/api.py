"""The REST API (/api/v1/): everything a person does in the inbox, a script
can do. Token auth ("Authorization: Bearer pv_…"); OpenAPI at
/api/v1/openapi.json. The same services and forms as the web run behind it,
so the same rules and the same Spanish messages apply.

Errors have one shape (posventa/api/errors.py), declared as `Error` on every
operation:

    {"code": "<a stable word>", "detail": "<Spanish sentence>",
     "errors": {"<field>": ["<Spanish message>", …]}}

`errors` only when the refusal is about fields. 400 the body is not JSON;
401 no token or a bad one; 403 the role may not; 404 missing — or not
yours: another portfolio's customer, case, task or complaint answers exactly
as a missing one; 409 the task moved on meanwhile, a collision with an open
case, or an Idempotency-Key reused (posventa/api/idempotency.py); 413 the
body is too large; 422 a value is refused (field by field); 429 too many
requests (Retry-After); 503 the database is out of reach (Retry-After).

Input is bounded in the schemas (posventa/api/types.py): texts have a
maximum length and no NUL, ids are 1..2**63-1, moments fall in 2000–2100,
codes are one of a known set. Nothing a client sends is meant to give a 5xx.
"""

from uuid import UUID

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Status
from ninja.security import HttpBearer

from posventa.api import errors, idempotency, throttle
from posventa.api.cases import (
    COMPLETE_BODY,
    OPEN_CASE_BODY,
    CaseCancelIn,
    CaseListItemOut,
    CaseOut,
    ChannelCode,
    ClockCode,
    OutcomeFilter,
    ProcedureCode,
    Refused,
    SortCode,
    StateCode,
    TaskDetail,
    TaskOut,
    WaitingCode,
    case_out,
    case_request,
    case_row,
    json_form_data,
    multipart_form_data,
    my_task,
    task_out,
    visible_case,
)
from posventa.api.errors import responses
from posventa.api.pagination import DEFAULT_LIMIT, PAGED, Limit, Offset, page
from posventa.api.routers import ROUTERS
from posventa.api.services import token_user
from posventa.api.types import Day, Id, Text
from posventa.cases import selectors as case_selectors
from posventa.cases.models import Case, DocumentKind
from posventa.cases.selectors import DEFAULT_CASE_SORT
from posventa.cases.services import case_cancel, case_open
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
        "**Errors.** Every 4xx (and 503) answer is the `Error` object "
        '`{"code": "<palabra estable>", "detail": "<oración en español>", '
        '"errors": {"<campo>": ["<mensaje>", …]}}` — `code` for a program (its values '
        "and their meaning in the `Error` schema), `detail` for a person, `errors` only "
        "when the refusal is about fields (a body key, a dotted path into the body such as "
        "`data.new_plan`, a query or path parameter, or `__all__`). "
        "400 body not JSON; 401 no or bad token; 403 the role may not; 404 missing or "
        "not in your portfolio (the same answer for both); 409 the task moved on, a "
        "collision with an open case, or an Idempotency-Key reused; 413 body too large; "
        "422 a value refused; 429 too many requests (`Retry-After`); 503 the database is "
        "out of reach (`Retry-After`).\n\n"
        "**Lists.** `limit` (1–500) and `offset`; the headers `X-Total-Count` and `Link` "
        "(first, prev, next, last).\n\n"
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


# The schemas and the answers' shapes: posventa/api/cases.py.


# --- endpoints ------------------------------------------------------------------------


@api.get("/cases", response=responses({200: list[CaseListItemOut]}), openapi_extra=PAGED)
def list_cases(
    request,
    response: HttpResponse,
    procedure: ProcedureCode | None = None,
    status: StateCode | None = None,
    outcome: OutcomeFilter | None = None,
    received_from: Day | None = None,
    received_to: Day | None = None,
    executive_id: Id | None = None,
    company_id: Id | None = None,
    channel: ChannelCode | None = None,
    clock: ClockCode | None = None,
    waiting: WaitingCode | None = None,
    sort: SortCode = DEFAULT_CASE_SORT,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """The cases I may see, with the case list's filters (the web's /casos/):
    procedure; state (`cancelled`: closed by hand); outcome; the days received
    (`received_from`, `received_to`, both included, La Paz); the customer's
    executive (an executive asking for another's portfolio gets none of it);
    the customer; the channel; where its 24 hours stand (`clock`); whose step
    it waits for (`waiting`: a role, or `event` — a message or a timer); and
    `sort` (a column, `-column` the other way; the newest first by default)."""
    cases = case_selectors.case_list(
        user=request.user,
        procedure=procedure or "",
        status=status or "",
        outcome=outcome or "",
        received_from=received_from,
        received_to=received_to,
        executive_id=executive_id,
        company_id=company_id,
        channel=channel or "",
        clock=clock or "",
        waiting=waiting or "",
        sort=sort,
    )
    return [case_row(c) for c in page(request, response, cases, limit=limit, offset=offset)]


@api.post(
    "/cases",
    response=responses({201: CaseOut}, 403, 404, 409, body=True),
    openapi_extra=OPEN_CASE_BODY,
)
def open_case(request):
    """Open a case for a customer (by NIT or id) and start its procedure —
    as JSON, or as multipart/form-data with the documents the customer sent,
    kept with the case; 409 when the product has an open case the request
    collides with (one product, one change at a time: docs/collisions.md)."""
    try:
        payload, documents = case_request(request)
    except Refused as refusal:
        return Status(refusal.status, {"detail": refusal.detail})
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
        documents=[(DocumentKind.OTHER, document) for document in documents],
    )
    return Status(201, case_out(case))


@api.get("/cases/{number}", response=responses({200: CaseOut}, 404))
def get_case(request, number: Text(20)):
    """A case with its status, outcome, attended time, pending steps and history."""
    return case_out(visible_case(request, number))


@api.post("/cases/{number}/cancel", response=responses({200: CaseOut}, 403, 404, 409, body=True))
def cancel_case(request, number: Text(20), payload: CaseCancelIn):
    """End an open case at whatever step it stands (team lead, division head):
    its process stops, the case closes as cancelled with the reason, and the
    customer's interaction is recorded. 409 if the case is already closed."""
    case = case_cancel(
        case=visible_case(request, number),
        user=request.user,
        reason=payload.reason,
        channel=payload.channel or "",
    )
    return case_out(case)


@api.get("/tasks", response=responses({200: list[TaskOut]}), openapi_extra=PAGED)
def list_tasks(
    request,
    response: HttpResponse,
    procedure: ProcedureCode | None = None,
    company_id: Id | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """My inbox: my role's pending steps that are mine or nobody's, most urgent first."""
    tasks = case_selectors.inbox(
        user=request.user, procedure=procedure or "", company_id=company_id
    )
    return [task_out(t) for t in page(request, response, tasks, limit=limit, offset=offset)]


@api.get("/tasks/{task_id}", response=responses({200: TaskDetail}, 404))
def get_task(request, task_id: UUID):
    """A pending task, with its form as JSON Schema (a file field is a string of
    `format: binary`: complete the task with multipart/form-data to send it)."""
    task = my_task(request, task_id)
    form = engine.task_form(task)
    instructions = render_instructions(task.instructions, task_variables(task))
    return {**task_out(task), "instructions": instructions, "form": form_json_schema(form)}


@api.post("/tasks/{task_id}/claim", response=responses({200: TaskOut}, 403, 404, 409))
def claim_task(request, task_id: UUID):
    task = my_task(request, task_id)
    return task_out(engine.task_claim(task_id=task.task_id, user=request.user))


@api.post("/tasks/{task_id}/release", response=responses({200: TaskOut}, 403, 404, 409))
def release_task(request, task_id: UUID):
    task = my_task(request, task_id)
    return task_out(engine.task_release(task_id=task.task_id, user=request.user))


@api.post(
    "/tasks/{task_id}/complete",
    response=responses({200: CaseOut}, 403, 404, 409, body=True),
    openapi_extra=COMPLETE_BODY,
)
def complete_task(request, task_id: UUID):
    """Complete a task with its form's data — as JSON, or as multipart/form-data
    with the form's files, which are kept with the case — and move its
    process on; 422 with the field errors otherwise, and nothing is kept."""
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
    task = my_task(request, task_id)
    if request.content_type == "multipart/form-data":
        try:
            data, files = multipart_form_data(request, task)
        except Refused as refusal:
            return Status(refusal.status, {"detail": refusal.detail})
    else:
        data, files = json_form_data(request), None
    instance = engine.task_complete(task_id=task_id, user=request.user, data=data, files=files)
    return case_out(Case.objects.select_related("company").get(number=instance.business_key))


# The other topics, one module each (posventa/api/routers.py).
for prefix, router in ROUTERS:
    api.add_router(prefix, router)
