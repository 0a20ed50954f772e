"""Cases and tasks in the API: the case list with the web's filters, a case
with its timeline and documents, opening and cancelling; the inbox, claiming,
releasing and completing a step — with its files, as the web's step page
takes them (multipart/form-data).

The same selectors, services and forms as the web run behind every
endpoint, so the same permissions and Spanish messages apply. Another
portfolio's case, document or task answers 404, exactly as a missing one.
"""

import json
from datetime import datetime
from uuid import UUID

from django import forms
from django.conf import settings
from django.core.exceptions import TooManyFilesSent, ValidationError
from django.http import Http404, HttpResponse
from django.http.multipartparser import MultiPartParserError
from django.shortcuts import get_object_or_404
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import TypeAdapter
from pydantic import ValidationError as PydanticValidationError

from posventa.accounts.roles import Role
from posventa.api.errors import responses
from posventa.api.pagination import DEFAULT_LIMIT, PAGED, Limit, Offset, page
from posventa.api.types import (
    LONG_TEXT,
    Choice,
    FormData,
    Id,
    Moment,
    Text,
)
from posventa.cases import selectors as case_selectors
from posventa.cases.list_filters import (
    CLOCK_CHOICES,
    SORT_LABELS,
    STATE_CHOICES,
    WAITING_CHOICES,
)
from posventa.cases.models import (
    Case,
    CaseDocument,
    CaseStatus,
    DocumentKind,
    DocumentStatus,
    Outcome,
    Procedure,
)
from posventa.cases.selectors import CASE_SORTS
from posventa.common.downloads import attachment_response
from posventa.common.models import Channel
from posventa.common.uploads import MultipleUploadField, content_type_for
from posventa.engine import services as engine
from posventa.engine.models import HumanTask

cases_router = Router(tags=["cases"])


# --- codes ------------------------------------------------------------------------------

ProcedureCode = Choice(Procedure)
ChannelCode = Choice(Channel)
StatusCode = Choice(CaseStatus)
RoleCode = Choice(Role)
# An open case has no outcome yet: "".
OutcomeCode = Choice([("", gettext_lazy("No outcome yet")), *Outcome.choices])
OutcomeFilter = Choice(Outcome)
DocumentKindCode = Choice(DocumentKind)
DocumentStatusCode = Choice(DocumentStatus)
ClockCode = Choice(CLOCK_CHOICES)
# The timeline's kinds of entry (cases.selectors.TimelineEntry).
TimelineKind = Choice(
    [
        ("step", gettext_lazy("Step completed")),
        ("pending", gettext_lazy("Step pending")),
        ("cancelled", gettext_lazy("Step cancelled")),
        ("interaction", gettext_lazy("Interaction")),
        ("document", gettext_lazy("Document")),
        ("email", gettext_lazy("E-mail")),
        ("notification", gettext_lazy("Notification")),
        ("change", gettext_lazy("Change")),
    ]
)
StateCode = Choice(STATE_CHOICES)
WaitingCode = Choice(WAITING_CHOICES)
# A column of the case list; "-column" the other way (newest first by default).
SortCode = Choice(
    [(key, format_lazy("{} ▲", SORT_LABELS[key])) for key in CASE_SORTS]
    + [(f"-{key}", format_lazy("{} ▼", SORT_LABELS[key])) for key in CASE_SORTS]
)


# --- schemas ----------------------------------------------------------------------------


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
    procedure: ProcedureCode
    name: str
    role: RoleCode
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
    procedure: ProcedureCode
    channel: ChannelCode
    subject: str
    received_at: datetime
    status: StatusCode
    outcome: OutcomeCode
    attended_at: datetime | None
    closed_at: datetime | None
    current_tasks: list[TaskOut]
    history: list[StepOut]


class PendingStepOut(Schema):
    name: str
    role: RoleCode
    assignee: str | None


class CaseListItemOut(Schema):
    """A row of the case list."""

    number: str
    company_id: int
    company: str
    nit: str
    executive: str
    procedure: ProcedureCode
    channel: ChannelCode
    subject: str
    service_number: str | None
    received_at: datetime
    status: StatusCode
    outcome: OutcomeCode
    attended_at: datetime | None
    closed_at: datetime | None
    due_at: datetime | None = Field(
        description="When its 24 hours end; none for the team's own work."
    )
    clock: ClockCode
    waiting_for: list[PendingStepOut]


class TimelineEntryOut(Schema):
    when: datetime
    kind: TimelineKind
    title: str
    who: str
    detail: str


class DocumentOut(Schema):
    id: int
    kind: DocumentKindCode
    title: str
    status: DocumentStatusCode
    generated: bool
    filename: str | None = Field(description="The stored file's name; none while generating.")
    content_type: str | None
    size: int | None
    uploaded_by: str | None
    created_at: datetime
    download: str | None = Field(description="Where to download it (GET); none until ready.")


class CaseCancelIn(Schema):
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


# --- answers ----------------------------------------------------------------------------


def task_out(task: HumanTask) -> dict:
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


def case_out(case: Case) -> dict:
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
        "current_tasks": [task_out(t) for t in tasks],
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


def case_row(case: Case) -> dict:
    clock = case_selectors.case_clock(case)
    pending = case.instance.human_tasks.all() if case.instance_id else []
    return {
        "number": case.number,
        "company_id": case.company_id,
        "company": case.company.display_name,
        "nit": case.company.nit,
        "executive": case.company.executive.username,
        "procedure": case.procedure,
        "channel": case.channel,
        "subject": case.subject,
        "service_number": case.product.service_number if case.product_id else None,
        "received_at": case.received_at,
        "status": case.status,
        "outcome": case.outcome,
        "attended_at": case.attended_at,
        "closed_at": case.closed_at,
        "due_at": clock.due_at if clock else None,
        "clock": clock.level if clock else "none",
        "waiting_for": [
            {
                "name": t.name,
                "role": t.role,
                "assignee": t.assignee.username if t.assignee_id else None,
            }
            for t in pending
        ],
    }


def document_out(request, case: Case, document: CaseDocument) -> dict:
    ready = document.is_ready
    name = document.file.name.rsplit("/", 1)[-1] if document.file else None
    size = None
    if ready and document.file:
        try:
            size = document.file.size
        except OSError:  # the row outlived its file: listed, its download a 404
            size = None
    return {
        "id": document.pk,
        "kind": document.kind,
        "title": document.title,
        "status": document.status,
        "generated": document.generated,
        "filename": name,
        "content_type": content_type_for(name) if name else None,
        "size": size,
        "uploaded_by": document.uploaded_by.username if document.uploaded_by_id else None,
        "created_at": document.created_at,
        "download": request.build_absolute_uri(
            f"/api/v1/cases/{case.number}/documents/{document.pk}/file"
        )
        if ready
        else None,
    }


def visible_case(request, number: str) -> Case:
    return get_object_or_404(
        case_selectors.cases_visible_to(request.user).select_related("company", "instance"),
        number=number,
    )


def my_task(request, task_id: UUID) -> HumanTask:
    """A pending task the user may see (her role's, on a customer she sees)."""
    return get_object_or_404(case_selectors.inbox(user=request.user), task_id=task_id)


# --- a case's timeline and documents (the rest: posventa/api/api.py) ---
# ---------------------------------------------------------------------------


@cases_router.get(
    "/{number}/timeline",
    response=responses({200: list[TimelineEntryOut]}, 404),
    openapi_extra=PAGED,
)
def case_timeline(
    request,
    response: HttpResponse,
    number: Text(20),
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """What happened in the case, oldest first: its steps, the interactions,
    documents, changes to the product, notifications and e-mails — the case
    page's timeline."""
    case = visible_case(request, number)
    entries = case_selectors.case_timeline(case)
    return [
        {
            "when": entry.when,
            "kind": entry.kind,
            "title": str(entry.title),
            "who": entry.who,
            "detail": str(entry.detail),
        }
        for entry in page(request, response, entries, limit=limit, offset=offset)
    ]


@cases_router.get(
    "/{number}/documents",
    response=responses({200: list[DocumentOut]}, 404),
    openapi_extra=PAGED,
)
def list_documents(
    request,
    response: HttpResponse,
    number: Text(20),
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """The documents kept with the case, oldest first: received from the
    customer, or made by the system (one still generating has no file yet)."""
    case = visible_case(request, number)
    documents = case.documents.select_related("uploaded_by").order_by("created_at", "pk")
    return [
        document_out(request, case, d)
        for d in page(request, response, documents, limit=limit, offset=offset)
    ]


@cases_router.get(
    "/{number}/documents/{document_id}/file",
    response=responses({200: None}, 404, 409),
    openapi_extra={
        "responses": {
            "200": {
                "description": "The file, as a download; its content type is its kind's "
                "(judged by content when it was received).",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download_document(request, number: Text(20), document_id: Id):
    """The document's file, the same bytes and content type as the case
    page's link; 409 while it is still being generated (or could not be)."""
    case = visible_case(request, number)
    document = get_object_or_404(CaseDocument, case=case, pk=document_id)
    if not document.is_ready:
        return Status(
            409,
            {
                "detail": _("“%(title)s” is not ready yet: %(status)s.")
                % {"title": document.title, "status": document.get_status_display().lower()}
            },
        )
    name = document.file.name.rsplit("/", 1)[-1]
    try:
        content = document.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None  # the row outlived its file: missing, not a server error
    return attachment_response(content, filename=name, content_type=content_type_for(name))


# --- completing a task with files ---------------------------------------------------

# What a multipart body may carry besides its files: the form's fields (a few
# kB), the parts' headers. Its files are bounded one by one too (accept_upload).
MULTIPART_FIELDS_MARGIN = 1024 * 1024

_FORM_DATA = TypeAdapter(FormData)

COMPLETE_BODY = {
    "requestBody": {
        "required": False,
        "description": 'The task\'s form. As JSON, `{"data": {field: value}}`. With files '
        "(a form field of `format: binary` in the task's JSON Schema), as multipart/form-data: "
        "each field a form part, each file a file part under its field's name — the file is "
        "judged by its content (PDF, images, Office documents) and kept with the case. A "
        "multipart body is at most POSVENTA_UPLOAD_MAX_BYTES per file field of the form, plus "
        "1 MiB for the other fields (413 beyond).",
        "content": {
            "application/json": {"schema": CompleteIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "description": "The form's fields by name; files as binary parts.",
                    "additionalProperties": {
                        "anyOf": [
                            {"type": "string", "maxLength": LONG_TEXT},
                            {"type": "string", "format": "binary"},
                        ]
                    },
                }
            },
        },
    }
}


def json_payload(request, schema: type[Schema]) -> Schema:
    """A JSON body read into `schema`, checked as ninja checks a body (for an
    operation that also takes multipart/form-data, which ninja cannot mix)."""
    if not request.body:
        raise NinjaValidationError(
            [{"type": "missing", "loc": ("body", "payload"), "msg": "Field required"}]
        )
    try:
        body = json.loads(request.body)
    except (ValueError, RecursionError) as err:  # not JSON; nested past the parser's depth
        raise HttpError(400, "Cannot parse request body") from err
    return _validated(schema, body)


def _validated(schema: type[Schema], values) -> Schema:
    try:
        return schema.model_validate(values)
    except PydanticValidationError as err:
        raise NinjaValidationError(
            [
                {**e, "loc": ("body", "payload", *e["loc"])}
                for e in err.errors(include_url=False, include_context=True)
            ]
        ) from None


def json_form_data(request) -> dict:
    """The `data` of a JSON body, checked as ninja checks a body."""
    return json_payload(request, CompleteIn).data


def _multipart(request, *, limit: int):
    """A multipart body's fields and files, refused before it is read when
    it is larger than `limit` bytes."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > limit:
        raise Refused(413, _("The request's body is too large."))
    try:
        return request.POST, request.FILES
    except (MultiPartParserError, TooManyFilesSent):
        raise Refused(400, _("The request's multipart/form-data body is malformed.")) from None


# --- opening a case with the documents received -----------------------------------------

# The documents a request arrives with (a letter, copies of the NIT and the ID…):
# the web's form takes any number; a script, at most this many at once.
CASE_DOCUMENTS_MAX = 10

OPEN_CASE_BODY = {
    "requestBody": {
        "required": True,
        "description": "The request. As JSON, the fields below. With the documents the "
        "customer sent (a letter, copies…), as multipart/form-data: the same fields as form "
        f"parts, and up to {CASE_DOCUMENTS_MAX} files under `documents`, each judged by its "
        "content (PDF, images, Office documents) and at most POSVENTA_UPLOAD_MAX_BYTES; they "
        "are kept with the case, as the web keeps them.",
        "content": {
            "application/json": {"schema": CaseIn.model_json_schema()},
            "multipart/form-data": {
                "schema": {
                    "allOf": [CaseIn.model_json_schema()],
                    "properties": {
                        "documents": {
                            "type": "array",
                            "maxItems": CASE_DOCUMENTS_MAX,
                            "items": {"type": "string", "format": "binary"},
                        }
                    },
                }
            },
        },
    }
}


def case_request(request) -> tuple[CaseIn, list]:
    """What POST /cases was given: the request's fields and, when it came as
    multipart/form-data, its documents — judged by content, as the web's
    form judges them (common.uploads.MultipleUploadField)."""
    if request.content_type != "multipart/form-data":
        return json_payload(request, CaseIn), []
    fields, files = _multipart(
        request,
        limit=CASE_DOCUMENTS_MAX * settings.POSVENTA_UPLOAD_MAX_BYTES + MULTIPART_FIELDS_MARGIN,
    )
    unknown = sorted(name for name in files if name != "documents")
    if unknown:
        raise ValidationError(
            {name: _("The documents go under the name documents.") for name in unknown}
        )
    payload = _validated(CaseIn, {key: value for key, value in fields.items()})
    uploads = files.getlist("documents")
    if len(uploads) > CASE_DOCUMENTS_MAX:
        raise ValidationError(
            {"documents": _("At most %(max)s documents at once.") % {"max": CASE_DOCUMENTS_MAX}}
        )
    try:
        return payload, MultipleUploadField(required=False).clean(uploads)
    except ValidationError as refused:
        raise ValidationError({"documents": refused.messages}) from None


class Refused(Exception):
    """A multipart body refused before it is read: its status and Spanish detail."""

    def __init__(self, status: int, detail: str):
        super().__init__(detail)
        self.status, self.detail = status, detail


def multipart_form_data(request, task: HumanTask):
    """The fields and files of a multipart body, bounded: the whole body by
    the form's file fields, each field as a JSON body's, each file part the
    name of one of the form's file fields."""
    file_fields = {
        name
        for name, field in engine.task_form(task).fields.items()
        if isinstance(field, forms.FileField)
    }
    fields, files = _multipart(
        request,
        limit=max(len(file_fields), 1) * settings.POSVENTA_UPLOAD_MAX_BYTES
        + MULTIPART_FIELDS_MARGIN,
    )
    unknown = sorted(name for name in files if name not in file_fields)
    if unknown:
        raise ValidationError(
            {name: _("This step takes no file under this name.") for name in unknown}
        )
    values = {key: items[0] if len(items) == 1 else items for key, items in fields.lists()}
    try:
        _FORM_DATA.validate_python(values)
    except PydanticValidationError as err:
        raise NinjaValidationError(
            [
                {**e, "loc": ("body", "form", *e["loc"][:1])}
                for e in err.errors(include_url=False, include_context=True)
            ]
        ) from None
    return fields, files
