"""Call campaigns in the API (procedure J): the campaigns with their progress,
one campaign and its calls, a new campaign with its worklist, and a call
started — the same selectors and services as the campaign pages, so the same
rules and Spanish messages apply: the executive her own campaigns, who
oversees the team every one (403 for the other roles); another executive's
campaign or call answers as a missing one (404); only the campaign's
executive makes its calls, and a call opens the J case the web opens.

The schemas of a case opened by an action (`CaseOpened`) and of a day
(`Day`) are shared with the reviews and collections routers."""

from datetime import date, datetime
from uuid import UUID

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from posventa.accounts.roles import Role
from posventa.api.errors import responses
from posventa.api.pagination import DEFAULT_LIMIT, PAGED, Limit, Offset, page
from posventa.api.types import Choice, Day, Id, Text
from posventa.campaigns import selectors, services
from posventa.campaigns.models import CallResult, Campaign, CampaignItem, CampaignKind
from posventa.cases.models import Case, CaseStatus, Procedure
from posventa.common.models import Channel
from posventa.customers.models import Company
from posventa.engine.models import HumanTask

router = Router(tags=["campaigns"])


# --- the case a call opens (also reviews.py's and collections.py's answer) -----------------


class OpenTaskOut(Schema):
    id: UUID
    name: str
    role: Choice(Role)
    form_key: str


class CaseOpened(Schema):
    """The case an action opened (or works in): where its work goes on."""

    number: str
    company: str
    procedure: Choice(Procedure)
    channel: Choice(Channel)
    subject: str
    status: Choice(CaseStatus)
    product: str | None = Field(description="The product's service number, if any.")
    received_at: datetime
    current_tasks: list[OpenTaskOut] = Field(
        description="Its pending steps: complete them through /tasks/{id}/complete."
    )


def case_opened(case: Case) -> dict:
    tasks = (
        HumanTask.objects.filter(instance_id=case.instance_id).order_by("created_at", "pk")
        if case.instance_id
        else []
    )
    return {
        "number": case.number,
        "company": case.company.display_name,
        "procedure": case.procedure,
        "channel": case.channel,
        "subject": case.subject,
        "status": case.status,
        "product": case.product.service_number if case.product_id else None,
        "received_at": case.received_at,
        "current_tasks": [
            {"id": t.task_id, "name": t.name, "role": t.role, "form_key": t.form_key} for t in tasks
        ],
    }


def renamed(error: ValidationError, fields: dict[str, str]) -> ValidationError:
    """A service's refusal with its fields named as the API's body names them."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {fields.get(field, field): messages for field, messages in error.error_dict.items()}
    )


# --- schemas -------------------------------------------------------------------------------

KindCode = Choice(CampaignKind)
ResultCode = Choice(CallResult)


class ProgressOut(Schema):
    total: int
    called: int = Field(description="Called, with or without a problem.")
    pending: int
    in_call: int
    with_problem: int
    percent: int = Field(description="Called, in percent of the worklist.")


class CampaignOut(Schema):
    id: int
    name: str
    kind: KindCode
    executive: str
    executive_id: int
    starts_on: date
    ends_on: date
    progress: ProgressOut


class CampaignIn(Schema):
    name: Text(150, min_length=1)
    kind: KindCode
    executive_id: Id | None = Field(
        None, description="The executive whose portfolio is called; yours by default."
    )
    starts_on: Day
    ends_on: Day
    company_ids: list[Id] = Field(
        [],
        max_length=1000,
        description="Only these customers of the portfolio; none: every customer.",
    )


class CallOut(Schema):
    id: int
    company: str
    company_id: int
    nit: str
    product: str
    work_order: str | None
    result: ResultCode
    case: str | None
    called_at: datetime | None
    note: str


class CallStarted(Schema):
    call: CallOut
    case: CaseOpened


def _progress(counts: dict) -> dict:
    total = counts["total"]
    return {**counts, "percent": round(100 * counts["called"] / total) if total else 0}


def _campaign_out(campaign: Campaign, progress: dict | None = None) -> dict:
    if progress is None:
        progress = _progress(
            {
                key: getattr(campaign, key)
                for key in ("total", "called", "pending", "in_call", "with_problem")
            }
        )
    return {
        "id": campaign.pk,
        "name": campaign.name,
        "kind": campaign.kind,
        "executive": campaign.executive.get_full_name() or campaign.executive.username,
        "executive_id": campaign.executive_id,
        "starts_on": campaign.starts_on,
        "ends_on": campaign.ends_on,
        "progress": progress,
    }


def _call_out(item: CampaignItem) -> dict:
    return {
        "id": item.pk,
        "company": item.company.display_name,
        "company_id": item.company_id,
        "nit": item.company.nit,
        "product": item.product.service_number,
        "work_order": item.work_order.number if item.work_order_id else None,
        "result": item.result,
        "case": item.case.number if item.case_id else None,
        "called_at": item.called_at,
        "note": item.note,
    }


def _may_manage(request) -> None:
    if not services.may_manage(request.user):
        raise PermissionDenied(_("Your role does not plan call campaigns."))


def _campaign(request, campaign_id: int) -> Campaign:
    _may_manage(request)
    # Another executive's campaign is not found, as one that does not exist.
    return get_object_or_404(selectors.campaigns_managed_by(request.user), pk=campaign_id)


# --- endpoints -----------------------------------------------------------------------------


@router.get("", response=responses({200: list[CampaignOut]}, 403), openapi_extra=PAGED)
def list_campaigns(
    request, response: HttpResponse, limit: Limit = DEFAULT_LIMIT, offset: Offset = 0
):
    """The campaigns with their progress, the latest first: an executive her
    own, who oversees the team every one."""
    _may_manage(request)
    campaigns = selectors.campaigns_for(request.user)
    return [
        _campaign_out(c) for c in page(request, response, campaigns, limit=limit, offset=offset)
    ]


@router.post("", response=responses({201: CampaignOut}, 403, body=True))
def create_campaign(request, payload: CampaignIn):
    """Plan a campaign and its worklist: every product in service of the
    portfolio (loyalty), or every damage order closed before it starts and not
    called yet (quality control). An executive plans her own portfolio's."""
    _may_manage(request)
    user = request.user
    executive_id = payload.executive_id or (user.pk if user.role == Role.EXECUTIVE else None)
    executive = (
        get_user_model()
        .objects.filter(pk=executive_id, role=Role.EXECUTIVE, is_active=True)
        .first()
        if executive_id
        else None
    )
    companies = []
    if payload.company_ids:
        wanted = set(payload.company_ids)
        companies = list(Company.objects.visible_to(user).filter(pk__in=wanted))
        unknown = sorted(wanted - {c.pk for c in companies})
        if unknown:
            raise ValidationError(
                {
                    "company_ids": _("There are no customers of yours with the ids %(ids)s.")
                    % {"ids": ", ".join(str(pk) for pk in unknown)}
                }
            )
    try:
        campaign = services.campaign_create(
            name=payload.name,
            kind=payload.kind,
            executive=executive,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            user=user,
            companies=companies,
        )
    except ValidationError as error:
        raise renamed(error, {"executive": "executive_id", "companies": "company_ids"}) from None
    campaign = Campaign.objects.select_related("executive").get(pk=campaign.pk)
    return Status(201, _campaign_out(campaign, selectors.progress(campaign)))


@router.get("/{campaign_id}", response=responses({200: CampaignOut}, 403, 404))
def get_campaign(request, campaign_id: Id):
    """A campaign and its progress; its calls at /campaigns/{id}/calls."""
    campaign = _campaign(request, campaign_id)
    return _campaign_out(campaign, selectors.progress(campaign))


@router.get(
    "/{campaign_id}/calls",
    response=responses({200: list[CallOut]}, 403, 404),
    openapi_extra=PAGED,
)
def list_calls(
    request,
    response: HttpResponse,
    campaign_id: Id,
    result: ResultCode | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """The campaign's worklist: one call per product (per closed order for
    quality control), those with one result if asked."""
    campaign = _campaign(request, campaign_id)
    items = selectors.worklist(campaign, result=result or "")
    return [_call_out(i) for i in page(request, response, items, limit=limit, offset=offset)]


@router.post(
    "/calls/{call_id}/start",
    response=responses({201: CallStarted}, 403, 404, 409),
)
def start_call(request, call_id: Id):
    """The executive makes a call of her campaign: its J case opens on the
    product, at the call's first step (complete it through /tasks). 422 when
    the customer was already called or the campaign has not started."""
    _may_manage(request)
    item = get_object_or_404(
        CampaignItem.objects.filter(campaign__in=selectors.campaigns_managed_by(request.user)),
        pk=call_id,
    )
    case = services.call_start(item=item, user=request.user)
    item = CampaignItem.objects.select_related("company", "product", "work_order", "case").get(
        pk=item.pk
    )
    case = Case.objects.select_related("company", "product").get(pk=case.pk)
    return Status(201, {"call": _call_out(item), "case": case_opened(case)})
