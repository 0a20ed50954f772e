"""Collections in the API (procedure I): the month's proforma run started
and followed (its chunks' progress), the proformas produced and their PDFs,
the debtors with the web's filters, the collection call, and the payment
promises — the same selectors and services as the collections pages, so the
same rules and Spanish messages apply: the roles that manage collections
(403 for the others); an executive sees her portfolio's debtors, proformas
and promises, and another portfolio's answers as a missing one (404).

A payment promise is recorded where the web records it: on the collection
call's step of the I case (`POST /tasks/{id}/complete` with `call_result`
"promise", `promised_on` and `promised_amount`), which the call endpoint
opens or finds."""

import re
from datetime import date, datetime
from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status

from posventa.accounts.roles import Capability, can
from posventa.api.campaigns import CaseOpened, case_opened
from posventa.api.errors import responses
from posventa.api.pagination import DEFAULT_LIMIT, PAGED, Limit, Offset, page
from posventa.api.types import Choice, Id, Text
from posventa.billing.rules import AGEING_BUCKETS
from posventa.cases.models import Case
from posventa.collections import selectors
from posventa.collections.forms import SEARCH_MAX_LENGTH
from posventa.collections.models import PaymentPromise, ProformaRun, RunStatus
from posventa.collections.proformas import proforma_rows, proformas_visible_to, run_summary
from posventa.collections.services import collection_call_open, proforma_run_request
from posventa.common.downloads import attachment_response
from posventa.common.models import Channel
from posventa.customers.models import Company

router = Router(tags=["collections"])

BucketCode = Choice([(b.code, b.label) for b in AGEING_BUCKETS])
Search = Text(SEARCH_MAX_LENGTH)
PromiseState = Choice(
    [
        ("pending", gettext_lazy("Not checked yet")),
        ("kept", gettext_lazy("Kept")),
        ("broken", gettext_lazy("Broken")),
    ]
)
# "2026-03": a month is seven characters.
MonthText = Text(7)


def _allowed(request) -> None:
    if not can(request.user, Capability.MANAGE_COLLECTIONS):
        raise PermissionDenied(_("Your role does not manage collections."))


# --- schemas -------------------------------------------------------------------------------


class ChunkOut(Schema):
    number: int
    companies_total: int
    companies_done: int
    proformas_created: int
    companies_failed: int
    attempts: int
    finished: bool
    gave_up: bool


class RunSummaryOut(Schema):
    proformas: int
    sent: int = Field(description="Proformas e-mailed.")
    on_paper_customers: int


class RunOut(Schema):
    id: int
    period: str = Field(description="The month, YYYY-MM.")
    status: Choice(RunStatus)
    percent: int
    companies_total: int
    companies_done: int
    companies_failed: int
    proformas_created: int
    chunks_total: int
    chunks_finished: int
    started_by: str | None
    started_at: datetime
    finished_at: datetime | None
    error: str
    summary: RunSummaryOut | None = Field(description="What it made, once it ended.")


class RunDetail(RunOut):
    chunks: list[ChunkOut]


class RunStarted(Schema):
    joined: bool = Field(description="True: a run of the month was already under way; this is it.")
    run: RunOut


class ProformaOut(Schema):
    id: int
    period: str = Field(description="The month, YYYY-MM.")
    company: str
    company_id: int
    nit: str
    product: str
    plan: str
    amount: Decimal
    pending_amount: Decimal
    channel: Choice(Channel)
    file: str = Field(description="Where to download its PDF.")


class DebtLineOut(Schema):
    product: str
    plan: str
    overdue_invoices: int
    owed: Decimal
    oldest_due_date: date
    days_overdue: int


class PromiseOut(Schema):
    id: int
    company: str
    company_id: int
    case: str
    promised_on: date
    amount: Decimal
    owed_when_promised: Decimal | None
    kept: bool | None = Field(description="Checked after its date; none: not yet.")
    checked_at: datetime | None
    recorded_by: str | None
    recorded_at: datetime


class DebtorOut(Schema):
    company: str
    company_id: int
    nit: str
    executive: str | None
    owed: Decimal
    overdue_invoices: int
    oldest_due_date: date
    days_overdue: int
    bucket: BucketCode | None
    products: list[DebtLineOut]
    open_case: str | None
    last_promise: PromiseOut | None


class CollectionCallOut(Schema):
    opened: bool = Field(description="True: the call opened a new case; false: the open one.")
    case: CaseOpened


def _run_out(run: ProformaRun) -> dict:
    chunks = run.chunks.aggregate(
        total=Count("pk"), finished=Count("pk", filter=Q(finished_at__isnull=False))
    )
    summary = run_summary(run) if run.status != RunStatus.RUNNING else None
    return {
        "id": run.pk,
        "period": f"{run.period:%Y-%m}",
        "status": run.status,
        "percent": run.percent,
        "companies_total": run.companies_total,
        "companies_done": run.companies_done,
        "companies_failed": run.companies_failed,
        "proformas_created": run.proformas_created,
        "chunks_total": chunks["total"],
        "chunks_finished": chunks["finished"],
        "started_by": run.started_by.username if run.started_by_id else None,
        "started_at": run.created_at,
        "finished_at": run.finished_at,
        "error": run.error,
        "summary": summary.__dict__ if summary else None,
    }


def _promise_out(promise: PaymentPromise) -> dict:
    return {
        "id": promise.pk,
        "company": promise.company.display_name,
        "company_id": promise.company_id,
        "case": promise.case.number,
        "promised_on": promise.promised_on,
        "amount": promise.amount,
        "owed_when_promised": promise.owed_when_promised,
        "kept": promise.kept,
        "checked_at": promise.checked_at,
        "recorded_by": promise.recorded_by.username if promise.recorded_by_id else None,
        "recorded_at": promise.created_at,
    }


def _month(month: str) -> date:
    match = re.fullmatch(r"(\d{4})-(\d{2})", month)
    if match and 2000 <= int(match[1]) <= 2100 and 1 <= int(match[2]) <= 12:
        return date(int(match[1]), int(match[2]), 1)
    raise ValidationError({"month": _("Give the month as YYYY-MM, e.g. 2026-11.")})


# --- the proforma runs ---------------------------------------------------------------------


@router.post("/proforma-runs", response=responses({202: RunStarted, 200: RunStarted}, 403))
def start_run(request):
    """Produce this month's proformas (steps 1–2): the run starts and its
    chunks are queued for the worker (202); when a run of the month is under
    way, that one (200, `joined`). Follow it at /collections/proforma-runs/{id}."""
    _allowed(request)
    run = proforma_run_request(user=request.user)
    joined = not getattr(run, "just_created", False)
    run = ProformaRun.objects.select_related("started_by").get(pk=run.pk)
    return Status(200 if joined else 202, {"joined": joined, "run": _run_out(run)})


@router.get("/proforma-runs", response=responses({200: list[RunOut]}, 403), openapi_extra=PAGED)
def list_runs(request, response: HttpResponse, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0):
    """The proforma runs with their progress, the latest first."""
    _allowed(request)
    runs = ProformaRun.objects.select_related("started_by").order_by("-created_at", "-pk")
    return [_run_out(r) for r in page(request, response, runs, limit=limit, offset=offset)]


@router.get("/proforma-runs/{run_id}", response=responses({200: RunDetail}, 403, 404))
def get_run(request, run_id: Id):
    """A run's progress, chunk by chunk (each a job of the worker)."""
    _allowed(request)
    run = get_object_or_404(ProformaRun.objects.select_related("started_by"), pk=run_id)
    return {
        **_run_out(run),
        "chunks": [
            {
                "number": c.number,
                "companies_total": c.companies_total,
                "companies_done": c.position,
                "proformas_created": c.proformas_created,
                "companies_failed": c.companies_failed,
                "attempts": c.attempts,
                "finished": c.finished_at is not None,
                "gave_up": c.gave_up,
            }
            for c in run.chunks.order_by("number")
        ],
    }


# --- the proformas produced ----------------------------------------------------------------


@router.get("/proformas", response=responses({200: list[ProformaOut]}, 403), openapi_extra=PAGED)
def list_proformas(
    request,
    response: HttpResponse,
    month: MonthText | None = None,
    q: Search = "",
    company_id: Id | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """The proformas of the customers you see, the latest month first: of a
    month (YYYY-MM), of a customer by name or NIT (`q`) or id."""
    _allowed(request)
    rows = proforma_rows(
        user=request.user,
        period=_month(month) if month else None,
        search=q.strip(),
        company_id=company_id,
    ).select_related("sending__company")
    return [
        {
            "id": p.pk,
            "period": f"{p.sending.period:%Y-%m}",
            "company": p.sending.company.display_name,
            "company_id": p.sending.company_id,
            "nit": p.sending.company.nit,
            "product": p.product.service_number,
            "plan": p.product.plan.name,
            "amount": p.amount,
            "pending_amount": p.pending_amount,
            "channel": p.sending.channel,
            "file": f"/api/v1/collections/proformas/{p.pk}/file",
        }
        for p in page(request, response, rows, limit=limit, offset=offset)
    ]


PDF = {
    "responses": {
        "200": {
            "description": "The proforma's PDF, as a download.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


@router.get(
    "/proformas/{proforma_id}/file",
    response=responses({}, 403, 404),
    openapi_extra=PDF,
)
def download_proforma(request, proforma_id: Id):
    """A proforma's PDF, the bytes the web gives; another portfolio's answers as missing."""
    _allowed(request)
    proforma = get_object_or_404(proformas_visible_to(request.user), pk=proforma_id)
    try:
        content = proforma.file.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None  # the row outlived its file: missing, not a server error
    name = f"proforma-{proforma.product.service_number}-{proforma.sending.period:%Y-%m}.pdf"
    return attachment_response(content, filename=name, content_type="application/pdf")


# --- the debtors and the call --------------------------------------------------------------


@router.get("/debtors", response=responses({200: list[DebtorOut]}, 403), openapi_extra=PAGED)
def list_debtors(
    request,
    response: HttpResponse,
    q: Search = "",
    executive_id: Id | None = None,
    bucket: BucketCode | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """The customers with overdue invoices, the most overdue first, with what
    each owes per product, its open collections case and its last promise:
    searched by name or NIT (`q`), by ageing band (of the oldest overdue
    invoice) and by executive (another portfolio's, or one that does not
    exist, gives an empty list: the same answer)."""
    _allowed(request)
    today = timezone.localdate()
    rows = selectors.debtor_rows(
        user=request.user,
        today=today,
        search=q.strip(),
        executive_id=executive_id,
        bucket=bucket or "",
    )
    debtors = selectors.debtors_of(
        page(request, response, rows, limit=limit, offset=offset), today=today
    )
    promises = PaymentPromise.objects.select_related("company", "case", "recorded_by").in_bulk(
        [d.last_promise.pk for d in debtors if d.last_promise]
    )
    return [
        {
            "company": d.company.display_name,
            "company_id": d.company.pk,
            "nit": d.company.nit,
            "executive": d.company.executive.username if d.company.executive_id else None,
            "owed": d.owed,
            "overdue_invoices": d.overdue_invoices,
            "oldest_due_date": d.oldest_due_date,
            "days_overdue": d.days_overdue,
            "bucket": d.bucket.code if d.bucket else None,
            "products": [
                {
                    "product": line.product.service_number,
                    "plan": line.product.plan.name,
                    "overdue_invoices": line.overdue_invoices,
                    "owed": line.owed,
                    "oldest_due_date": line.oldest_due_date,
                    "days_overdue": line.days_overdue,
                }
                for line in d.products
            ],
            "open_case": d.open_case.number if d.open_case else None,
            "last_promise": (_promise_out(promises[d.last_promise.pk]) if d.last_promise else None),
        }
        for d in debtors
    ]


class BandOut(Schema):
    bucket: BucketCode
    debtors: int
    owed: Decimal


@router.get("/debtors/ageing", response=responses({200: list[BandOut]}, 403), openapi_extra=PAGED)
def debtors_ageing(
    request,
    response: HttpResponse,
    q: Search = "",
    executive_id: Id | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """Per ageing band, how many of the debtors (by their oldest overdue
    invoice) are in it and what they owe past due: the debtors page's
    summary, with the same search and executive."""
    _allowed(request)
    today = timezone.localdate()
    rows = selectors.debtor_rows(
        user=request.user, today=today, search=q.strip(), executive_id=executive_id
    )
    bands = selectors.ageing_summary(rows, today=today)
    return [
        {"bucket": band.bucket.code, "debtors": band.debtors, "owed": band.owed}
        for band in page(request, response, bands, limit=limit, offset=offset)
    ]


@router.post(
    "/debtors/{company_id}/call",
    response=responses({201: CollectionCallOut, 200: CollectionCallOut}, 403, 404, 409),
)
def call_debtor(request, company_id: Id):
    """Call the debtor (step 5): the customer's open collections case, at its
    pending step (200), or a new one opened by phone (201). Its steps (the
    call's result, a payment promise) through /tasks."""
    _allowed(request)
    company = get_object_or_404(Company.objects.visible_to(request.user), pk=company_id)
    call = collection_call_open(company=company, user=request.user)
    case = Case.objects.select_related("company", "product").get(pk=call.case.pk)
    return Status(201 if call.opened else 200, {"opened": call.opened, "case": case_opened(case)})


# --- the payment promises ------------------------------------------------------------------


@router.get("/promises", response=responses({200: list[PromiseOut]}, 403), openapi_extra=PAGED)
def list_promises(
    request,
    response: HttpResponse,
    company_id: Id | None = None,
    state: PromiseState | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """The payment promises of the customers you see, the latest first: of a
    customer, and only those not checked yet (`pending`), kept or broken."""
    _allowed(request)
    promises = (
        PaymentPromise.objects.filter(company__in=Company.objects.visible_to(request.user))
        .select_related("company", "case", "recorded_by")
        .order_by("-created_at", "-pk")
    )
    if company_id is not None:
        promises = promises.filter(company_id=company_id)
    if state == "pending":
        promises = promises.filter(kept__isnull=True)
    elif state:
        promises = promises.filter(kept=state == "kept")
    return [_promise_out(p) for p in page(request, response, promises, limit=limit, offset=offset)]
