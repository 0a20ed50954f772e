"""The shared visit calendar in the API: the visits of a period (as the
web's week and month), one visit, and what the calendar's buttons do —
schedule a support visit (procedure L) or plan one's own commercial visit
(Annex 1), move, cancel, record the engineering service and the quality
call — and the two printable schedules: Annex 1 ("Cronograma de visitas a
empresas – ofertas de servicio", one executive's commercial visits) and the
analysts' support schedule, the same PDF the web serves.

The same services as the web write (posventa/visits/services.py), so the
same rules apply with the same Spanish messages: never two visits of one
person at once, only a scheduled visit moves, a visit of a case is recorded
in its case's step. Who may: as on the web (visits/views.py and the
services) — a visit the user may not see (another portfolio's customer,
another executive's commercial visit) is a 404, as a missing one; one she
sees but may not change, a 403."""

from datetime import date, datetime, timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from posventa.accounts.roles import Role
from posventa.api.errors import responses
from posventa.api.pagination import DEFAULT_LIMIT, PAGED, Limit, Offset, page
from posventa.api.types import Choice, Day, Id, Moment, Text
from posventa.common.downloads import attachment_response
from posventa.common.pdf import render_pdf
from posventa.customers.models import Company
from posventa.engine.services import FormInvalid
from posventa.inventory.models import Product
from posventa.visits import selectors, services
from posventa.visits.forms import (
    CancelForm,
    CommercialVisitForm,
    EngineeringServiceForm,
    QualityCallForm,
)
from posventa.visits.models import QualityResult, Visit, VisitKind, VisitState

router = Router(tags=["visits"])

KindCode = Choice(VisitKind)
StateCode = Choice(VisitState)
QualityCode = Choice(QualityResult)


# --- schemas ----------------------------------------------------------------------------


class EngineeringServiceOut(Schema):
    work_done: str
    recorded_by: str
    recorded_at: datetime


class VisitOut(Schema):
    id: int
    kind: KindCode
    state: StateCode
    company: str
    nit: str
    starts_at: datetime
    ends_at: datetime
    analyst_id: int | None = Field(description="A support visit's technical analyst.")
    analyst: str | None
    executive_id: int | None = Field(description="A commercial visit's executive.")
    executive: str | None
    person: str = Field(description="Whom to interview.")
    location: str
    reason: str
    observations: str
    product: str | None = Field(description="The product's service number.")
    work_order: str | None = Field(description="A support visit's work order.")
    case: str | None
    engineering_service: EngineeringServiceOut | None
    quality_result: QualityCode | None
    quality_notes: str
    quality_called_at: datetime | None
    changeable: bool = Field(description="Whether I may move or cancel it.")


class ScheduleIn(Schema):
    company_id: Id
    analyst_id: Id = Field(description="The technical analyst who goes.")
    starts_at: Moment
    ends_at: Moment
    person: Text(150) = Field(description="Whom the analyst will interview.")
    location: Text(250) = Field("", description="Where; the product's address by default.")
    product_id: Id | None = None
    reason: Text(2000) = ""
    observations: Text(2000) = ""


class CommercialIn(Schema):
    """The web's form of a commercial visit (Annex 1's row), field by field."""

    company_id: Id = Field(description="A company of my portfolio.")
    day: Text(10) = Field(description="The day, YYYY-MM-DD.")
    start: Text(8) = Field(description="From, HH:MM.")
    end: Text(8) = Field(description="To, HH:MM.")
    person: Text(150) = Field(description="Whom I will interview.")
    location: Text(250) = Field("", description="Where; the company's address by default.")
    observations: Text(2000) = ""


class MoveIn(Schema):
    starts_at: Moment
    ends_at: Moment | None = Field(None, description="The visit keeps its length by default.")
    analyst_id: Id | None = Field(
        None, description="A support visit goes to another analyst (the same by default)."
    )


class CancelIn(Schema):
    reason: Text(2000) = Field(description="Why it is cancelled.")


class EngineeringServiceIn(Schema):
    work_done: Text(4000) = Field(description="The work done on the visit.")
    resolved: bool = Field(True, description="Was the problem solved?")


class QualityCallIn(Schema):
    result: QualityCode = Field(description="How the customer rated the visit.")
    notes: Text(2000) = ""


# --- helpers -----------------------------------------------------------------------------


def _name(user) -> str | None:
    return (user.get_full_name() or user.username) if user is not None else None


def _out(visit: Visit, user) -> dict:
    record = getattr(visit, "engineering_service", None)
    return {
        "id": visit.pk,
        "kind": visit.kind,
        "state": visit.state,
        "company": visit.company.display_name,
        "nit": visit.company.nit,
        "starts_at": visit.starts_at,
        "ends_at": visit.ends_at,
        "analyst_id": visit.analyst_id,
        "analyst": _name(visit.analyst),
        "executive_id": visit.executive_id,
        "executive": _name(visit.executive),
        "person": visit.person,
        "location": visit.location,
        "reason": visit.reason,
        "observations": visit.observations,
        "product": visit.product.service_number if visit.product_id else None,
        "work_order": visit.work_order.number if visit.work_order_id else None,
        "case": visit.case.number if visit.case_id else None,
        "engineering_service": (
            {
                "work_done": record.work_done,
                "recorded_by": _name(record.recorded_by),
                "recorded_at": record.created_at,
            }
            if record is not None
            else None
        ),
        "quality_result": visit.quality_result or None,
        "quality_notes": visit.quality_notes,
        "quality_called_at": visit.quality_called_at,
        "changeable": services.may_change(user, visit),
    }


def _visible(request):
    return selectors.visible_visits(request.user).select_related(
        "analyst",
        "executive",
        "company",
        "product",
        "work_order",
        "case",
        "engineering_service__recorded_by",
    )


def _visit(request, visit_id: int) -> Visit:
    # Not hers to see: not found, as one that does not exist (visits/views.py).
    return get_object_or_404(_visible(request), pk=visit_id)


def _visit_out(request, visit_id: int) -> dict:
    return _out(_visit(request, visit_id), request.user)


def _renamed(error: ValidationError, names: dict) -> ValidationError:
    """The service names a field as the model does (`analyst`), the body as
    the API does (`analyst_id`)."""
    if not hasattr(error, "error_dict"):
        return error
    return ValidationError(
        {names.get(field, field): errors for field, errors in error.error_dict.items()}
    )


def _analyst(analyst_id: int | None, field: str = "analyst_id"):
    if analyst_id is None:
        return None
    analyst = selectors.analysts().filter(pk=analyst_id).first()
    if analyst is None:
        raise ValidationError({field: _("Choose a technical analyst.")})
    return analyst


def _form(form_class, data: dict, **kwargs) -> dict:
    """The calendar's form, judged as on the web: its Spanish messages by field."""
    form = form_class(data, **kwargs)
    if not form.is_valid():
        raise FormInvalid(form)
    return form.cleaned_data


def _period(start: date | None, end: date | None, message: str) -> tuple[date, date]:
    if start is None or end is None:
        missing = [name for name, value in (("start", start), ("end", end)) if value is None]
        raise ValidationError({name: message for name in missing})
    if end < start:
        raise ValidationError({"end": message})
    return start, end


def _pdf(template: str, *, filename: str, start: date, end: date, visits, **context):
    # What visits/views.py prints: the same template, the same rows.
    pdf = render_pdf(
        template,
        {
            **context,
            "start": start,
            "end": end,
            "visits": selectors.schedule_rows(visits),
            "printed_at": timezone.localtime(),
        },
    )
    return attachment_response(pdf, filename=filename, content_type="application/pdf")


PDF = {
    "responses": {
        "200": {
            "description": "The PDF, as a download.",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}


# --- the calendar ----------------------------------------------------------------------


@router.get("", response=responses({200: list[VisitOut]}, 403), openapi_extra=PAGED)
def list_visits(
    request,
    response: HttpResponse,
    start: Day | None = None,
    end: Day | None = None,
    analyst_id: Id | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """The calendar: the visits of the days start to end (both included;
    this week by default, a week from `start`), cancelled ones left out, in
    order — those the user may see, as the web's week and month show them;
    with `analyst_id`, that analyst's only."""
    if not services.may_view_calendar(request.user):
        raise PermissionDenied
    if start is None:
        start = (
            end - timedelta(days=6)
            if end is not None
            else selectors.week_of(timezone.localdate())[0]
        )
    if end is None:
        end = start + timedelta(days=6)
    if end < start:
        raise ValidationError({"end": _("The period ends before it starts.")})
    visits = selectors.calendar_visits(
        user=request.user,
        start=start,
        end=end + timedelta(days=1),
        analyst=_analyst(analyst_id),
    ).select_related("product", "engineering_service__recorded_by")
    return [
        _out(v, request.user) for v in page(request, response, visits, limit=limit, offset=offset)
    ]


@router.get("/annex-1", response=responses({}, 403), openapi_extra=PDF)
def annex_1(
    request,
    start: Day | None = None,
    end: Day | None = None,
    executive_id: Id | None = None,
):
    """Annex 1, "Cronograma de visitas a empresas – ofertas de servicio": one
    executive's commercial visits from start to end, the PDF the web prints.
    An executive prints her own; the team lead and the division head, any
    executive's (`executive_id`); the other roles, none (403)."""
    executives = selectors.annex1_executives(request.user)
    if not executives.exists():
        raise PermissionDenied
    message = _("Choose an executive and a period (from, to) for the form.")
    if executive_id is not None:
        # Another executive's id is as unknown to an executive as a wrong one.
        executive = executives.filter(pk=executive_id).first()
    else:
        executive = request.user if request.user.role == Role.EXECUTIVE else None
    if executive is None:
        raise ValidationError({"executive_id": message})
    start, end = _period(start, end, message)
    visits = selectors.schedule_for_executive(
        executive=executive, start=start, end=end + timedelta(days=1)
    )
    return _pdf(
        "visits/annex1.html",
        filename=f"cronograma-visitas-{executive.username}-{start:%Y%m%d}.pdf",
        start=start,
        end=end,
        visits=visits,
        executive=executive,
    )


@router.get("/support-schedule", response=responses({}, 403), openapi_extra=PDF)
def support_schedule(
    request,
    start: Day | None = None,
    end: Day | None = None,
    analyst_id: Id | None = None,
):
    """The analysts' support visits from start to end (all analysts, or one),
    the schedule sheet of procedure L's visits the web prints."""
    if not services.may_view_calendar(request.user):
        raise PermissionDenied
    analyst = _analyst(analyst_id)
    start, end = _period(start, end, _("Choose a period (from, to) for the support schedule."))
    visits = selectors.support_schedule(
        user=request.user, start=start, end=end + timedelta(days=1), analyst=analyst
    )
    who = analyst.username if analyst else "analistas"
    return _pdf(
        "visits/support_schedule.html",
        filename=f"cronograma-soporte-{who}-{start:%Y%m%d}.pdf",
        start=start,
        end=end,
        visits=visits,
        analyst=analyst,
    )


@router.post("", response=responses({201: VisitOut}, 403, 404, body=True))
def schedule_visit(request, payload: ScheduleIn):
    """Schedule a support visit (procedure L) in the shared calendar, with
    its work order given to the analyst (unit PAS) for that time: the
    technical analysts, the team lead and the technical manager. An analyst
    who already has a visit then is refused (422)."""
    # The service's refusal (403), before the company is looked up.
    services.require_planner(request.user)
    company = get_object_or_404(Company.objects.visible_to(request.user), pk=payload.company_id)
    product = None
    if payload.product_id is not None:
        product = Product.objects.filter(company=company, pk=payload.product_id).first()
        if product is None:
            raise ValidationError({"product_id": _("This customer has no such product.")})
    analyst = get_user_model().objects.filter(pk=payload.analyst_id, is_active=True).first()
    if analyst is None:
        raise ValidationError({"analyst_id": _("Choose a technical analyst.")})
    try:
        visit = services.visit_schedule(
            company=company,
            analyst=analyst,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            person=payload.person,
            location=payload.location,
            product=product,
            reason=payload.reason,
            observations=payload.observations,
            user=request.user,
        )
    except ValidationError as error:
        raise _renamed(error, {"analyst": "analyst_id", "product": "product_id"}) from None
    return Status(201, _visit_out(request, visit.pk))


@router.post("/commercial", response=responses({201: VisitOut}, 403, body=True))
def plan_commercial_visit(request, payload: CommercialIn):
    """Annex 1: an executive plans her own commercial visit ("oferta de
    servicio") to a company of her portfolio — the web's form, field by
    field. Never two of her visits at once (422)."""
    if not services.may_plan_commercial(request.user):
        raise PermissionDenied
    data = payload.dict()
    data["company"] = data.pop("company_id")
    try:
        cleaned = _form(CommercialVisitForm, data, user=request.user)
    except FormInvalid as error:
        form = error.form
        if "company" in form.errors:
            form.errors["company_id"] = form.errors.pop("company")
        raise
    try:
        visit = services.commercial_visit_plan(
            company=cleaned["company"],
            starts_at=cleaned["starts_at"],
            ends_at=cleaned["ends_at"],
            person=cleaned["person"],
            location=cleaned["location"],
            observations=cleaned["observations"],
            user=request.user,
        )
    except ValidationError as error:
        # The service names the moments; the form asks for a day and hours.
        names = {"starts_at": "start", "ends_at": "end", "company": "company_id"}
        raise _renamed(error, names) from None
    return Status(201, _visit_out(request, visit.pk))


@router.get("/{visit_id}", response=responses({200: VisitOut}, 404))
def get_visit(request, visit_id: Id):
    return _visit_out(request, visit_id)


@router.post("/{visit_id}/move", response=responses({200: VisitOut}, 403, 404, body=True))
def move_visit(request, visit_id: Id, payload: MoveIn):
    """Move a scheduled visit to another time (a support visit, to another
    analyst too; its work order is rescheduled with it). A support visit:
    its planners; a commercial one: only the executive whose visit it is."""
    visit = _visit(request, visit_id)
    try:
        services.visit_move(
            visit=visit,
            starts_at=payload.starts_at,
            ends_at=payload.ends_at,
            analyst=_analyst(payload.analyst_id),
            user=request.user,
        )
    except ValidationError as error:
        raise _renamed(error, {"analyst": "analyst_id"}) from None
    return _visit_out(request, visit_id)


@router.post("/{visit_id}/cancel", response=responses({200: VisitOut}, 403, 404, body=True))
def cancel_visit(request, visit_id: Id, payload: CancelIn):
    """Take a scheduled visit out of the calendar, with the reason; a
    support visit's work order closes attended without a field visit."""
    visit = _visit(request, visit_id)
    reason = _form(CancelForm, payload.dict())["reason"]
    services.visit_cancel(visit=visit, reason=reason, user=request.user)
    return _visit_out(request, visit_id)


@router.post(
    "/{visit_id}/engineering-service", response=responses({200: VisitOut}, 403, 404, body=True)
)
def record_engineering_service(request, visit_id: Id, payload: EngineeringServiceIn):
    """The visit was made: its analyst (or the technical manager) records
    the work done, and its work order closes — resolved, or attended without
    solution (`resolved: false`)."""
    visit = _visit(request, visit_id)
    work_done = _form(EngineeringServiceForm, {"work_done": payload.work_done})["work_done"]
    services.engineering_service_record(
        visit=visit, work_done=work_done, resolved=payload.resolved, user=request.user
    )
    return _visit_out(request, visit_id)


@router.post("/{visit_id}/quality-call", response=responses({200: VisitOut}, 403, 404, body=True))
def record_quality_call(request, visit_id: Id, payload: QualityCallIn):
    """The quality-control call after a support visit is done: how the
    customer rated it, with notes (the planners)."""
    visit = _visit(request, visit_id)
    notes = _form(QualityCallForm, {"notes": payload.notes})["notes"]
    services.quality_call_record(visit=visit, result=payload.result, notes=notes, user=request.user)
    return _visit_out(request, visit_id)
