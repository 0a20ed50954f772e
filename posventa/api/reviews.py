"""The preventive review in the API (procedure K): the review list with the
web's filters, its refresh, a review started (the K case the web opens), the
sales opportunities it left for the executives, and a technical analyst's
daily report — the same selectors and services as the review pages, so the
same rules and Spanish messages apply: the list for the analysts, the
executives (their portfolio's) and who oversees the team; the refresh for
the analysts and who oversees; a review started by an analyst only; the
daily report for the analysts (their own) and who oversees."""

from datetime import date, datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from ninja import Field, Router, Schema, Status

from posventa.accounts.roles import Capability, Role, can
from posventa.api.campaigns import CaseOpened, case_opened
from posventa.api.errors import responses
from posventa.api.pagination import DEFAULT_LIMIT, PAGED, Limit, Offset, page
from posventa.api.types import Choice, Day, Id
from posventa.cases.models import Case, Procedure
from posventa.catalog.models import ProductTypeCode
from posventa.customers.models import Company
from posventa.reviews import selectors, services
from posventa.reviews.models import DailyReport, ItemKind, Opportunity, OpportunityOutcome
from posventa.reviews.models import ReviewItem as Item

router = Router(tags=["reviews"])

KindCode = Choice(ItemKind)
OfferedCode = Choice([("", gettext_lazy("None")), *ProductTypeCode.choices])


def _is_analyst(user) -> bool:
    return user.role == Role.TECHNICAL_ANALYST


def _oversees(user) -> bool:
    return can(user, Capability.VIEW_TEAM_INDICATORS)


def _may_view(request) -> None:
    user = request.user
    if not (_is_analyst(user) or _oversees(user) or can(user, Capability.OWN_PORTFOLIO)):
        raise PermissionDenied(_("Your role does not work the review list."))


def _may_refresh(request) -> None:
    if not (_is_analyst(request.user) or _oversees(request.user)):
        raise PermissionDenied(_("Your role does not work the review list."))


# --- schemas -------------------------------------------------------------------------------


class ItemOut(Schema):
    id: int
    kind: KindCode
    company: str
    company_id: int
    nit: str
    executive: str | None
    product: str = Field(description="The product's service number.")
    plan: str
    offered_type: OfferedCode = Field(description="A sales opportunity: the product to offer.")
    detail: str
    found_on: date


class RefreshOut(Schema):
    added: int = Field(description="How many new items the data found.")
    pending: int = Field(description="How many items the list has now, every portfolio.")


class ReviewStarted(Schema):
    item: int
    case: CaseOpened


class OpportunityOut(Schema):
    id: int
    company: str
    company_id: int
    case: str
    offered_type: Choice(ProductTypeCode)
    note: str
    outcome: Choice(OpportunityOutcome)
    noted_at: datetime
    decided_at: datetime | None


class DayCaseOut(Schema):
    number: str
    company: str
    procedure: Choice(Procedure)
    subject: str


class DayDiagnosisOut(Schema):
    product: str
    company: str
    findings: str
    at: datetime


class DayOrderOut(Schema):
    number: str
    company: str
    product: str | None
    scheduled_at: datetime | None


class DailyReportOut(Schema):
    analyst: str
    analyst_id: int
    day: date
    sent_at: datetime | None = Field(description="When it was e-mailed; none: not (yet).")
    cases: list[DayCaseOut]
    diagnoses: list[DayDiagnosisOut]
    visits: list[DayOrderOut]
    damages: list[DayOrderOut]


def _item_out(item: Item) -> dict:
    executive = item.company.executive
    return {
        "id": item.pk,
        "kind": item.kind,
        "company": item.company.display_name,
        "company_id": item.company_id,
        "nit": item.company.nit,
        "executive": (executive.get_full_name() or executive.username) if executive else None,
        "product": item.product.service_number,
        "plan": item.product.plan.name,
        "offered_type": item.offered_type,
        "detail": item.detail,
        "found_on": item.found_on,
    }


def _order_out(order) -> dict:
    return {
        "number": order.number,
        "company": order.company.display_name,
        "product": order.product.service_number if order.product_id else None,
        "scheduled_at": order.scheduled_at,
    }


# --- endpoints -----------------------------------------------------------------------------


@router.get("/items", response=responses({200: list[ItemOut]}, 403), openapi_extra=PAGED)
def list_items(
    request,
    response: HttpResponse,
    executive_id: Id | None = None,
    kind: KindCode | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """The review list still to be worked (no case yet), of the portfolios you
    see: by executive and kind if asked."""
    _may_view(request)
    items = selectors.worklist(user=request.user, kind=kind or "")
    if executive_id is not None:
        # Another portfolio's executive, or one that does not exist: an
        # empty list, the same answer.
        items = items.filter(company__executive_id=executive_id)
    return [_item_out(i) for i in page(request, response, items, limit=limit, offset=offset)]


@router.post("/refresh", response=responses({200: RefreshOut}, 403))
def refresh(request):
    """Add to the list what the data finds now, drop what it no longer supports."""
    _may_refresh(request)
    added = services.worklist_refresh()
    return {"added": added, "pending": Item.objects.filter(case__isnull=True).count()}


@router.post("/items/{item_id}/start", response=responses({201: ReviewStarted}, 403, 404, 409))
def start_review(request, item_id: Id):
    """A technical analyst takes an item: its K case opens on the product (its
    steps through /tasks). 422 when it is already being reviewed or the
    product cannot be reviewed now."""
    _may_view(request)
    # An item of another portfolio is not found, as one that does not exist.
    item = get_object_or_404(
        Item.objects.filter(company__in=Company.objects.visible_to(request.user)), pk=item_id
    )
    case = services.review_start(item=item, user=request.user)
    case = Case.objects.select_related("company", "product").get(pk=case.pk)
    return Status(201, {"item": item.pk, "case": case_opened(case)})


@router.get(
    "/opportunities", response=responses({200: list[OpportunityOut]}, 403), openapi_extra=PAGED
)
def list_opportunities(
    request,
    response: HttpResponse,
    outcome: Choice(OpportunityOutcome) | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """The sales the analysts noted for the executives, of the portfolios you
    see, the latest first; those with one outcome if asked."""
    _may_view(request)
    rows = (
        Opportunity.objects.filter(company__in=Company.objects.visible_to(request.user))
        .select_related("company", "case")
        .order_by("-created_at", "-pk")
    )
    if outcome:
        rows = rows.filter(outcome=outcome)
    return [
        {
            "id": o.pk,
            "company": o.company.display_name,
            "company_id": o.company_id,
            "case": o.case.number,
            "offered_type": o.offered_type,
            "note": o.note,
            "outcome": o.outcome,
            "noted_at": o.created_at,
            "decided_at": o.decided_at,
        }
        for o in page(request, response, rows, limit=limit, offset=offset)
    ]


@router.get("/daily-report", response=responses({200: DailyReportOut}, 403, 404))
def daily_report(request, analyst_id: Id | None = None, day: Day | None = None):
    """A technical analyst's day (yours by default, an analyst; the first
    analyst's, who oversees): the cases she worked, her diagnoses, visits and
    damages, and when it was e-mailed. Another analyst's report is only for
    who oversees the team (404 otherwise); today by default."""
    user = request.user
    _may_refresh(request)
    analysts = selectors.technical_analysts()
    if not _oversees(user):
        analysts = analysts.filter(pk=user.pk)
    if analyst_id is not None:
        analyst = analysts.filter(pk=analyst_id).first()
    else:
        analyst = user if _is_analyst(user) else analysts.first()
    if analyst is None:
        raise Http404
    today = timezone.localdate()
    day = day or today
    if day > today:
        raise ValidationError({"day": _("A day in the future has no report yet.")})
    work = selectors.analyst_day(analyst=analyst, day=day)
    sent = DailyReport.objects.filter(analyst=analyst, day=day).select_related("email").first()
    return {
        "analyst": analyst.get_full_name() or analyst.username,
        "analyst_id": analyst.pk,
        "day": day,
        "sent_at": sent.email.created_at if sent and sent.email_id else None,
        "cases": [
            {
                "number": c.number,
                "company": c.company.display_name,
                "procedure": c.procedure,
                "subject": c.subject,
            }
            for c in work.cases
        ],
        "diagnoses": [
            {
                "product": d.product.service_number,
                "company": d.product.company.display_name,
                "findings": d.findings,
                "at": d.created_at,
            }
            for d in work.diagnoses
        ],
        "visits": [_order_out(o) for o in work.visits],
        "damages": [_order_out(o) for o in work.damages],
    }
