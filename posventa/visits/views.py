"""The shared visit calendar (week and month): moving or cancelling a visit,
the engineering service and quality call of a support visit, an executive
planning her commercial visit; the analyst's iCalendar feed; the two
schedules as PDF — Annex 1, an executive's commercial visits, and the
analysts' support visits."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from posventa.accounts.roles import Capability, Role, can
from posventa.common.dates import date_or_none, datetime_or_none
from posventa.common.downloads import attachment_response
from posventa.common.exports import wants_xlsx
from posventa.common.forms import query_id
from posventa.common.pdf import render_pdf
from posventa.visits import ical, selectors, services
from posventa.visits.exports import visits_xlsx
from posventa.visits.forms import (
    CancelForm,
    CommercialVisitForm,
    EngineeringServiceForm,
    QualityCallForm,
    cleaned,
)
from posventa.visits.models import QualityResult, Visit
from posventa.web.errors import add_to_form, as_text


@login_required
def calendar(request):
    if not services.may_view_calendar(request.user):
        raise PermissionDenied
    view = "month" if request.GET.get("view") == "month" else "week"
    analyst_id = query_id(request.GET, "analyst")
    analyst = selectors.analysts().filter(pk=analyst_id).first() if analyst_id else None
    today = timezone.localdate()
    # Without a day asked for, the calendar opens where there is something to
    # see: the week (or month) of the user's next visit; none ahead, today's.
    day = date_or_none(request.GET.get("day"))
    if day is None:
        day = selectors.next_visit_day(user=request.user, analyst=analyst) or today
    start, end = selectors.month_of(day) if view == "month" else selectors.week_of(day)
    if wants_xlsx(request):
        visits = selectors.calendar_visits(user=request.user, start=start, end=end, analyst=analyst)
        return visits_xlsx(visits, start=start, end=end - timedelta(days=1))
    step = timedelta(days=31) if view == "month" else timedelta(days=7)
    days = _with_permissions(
        selectors.calendar_days(user=request.user, start=start, end=end, analyst=analyst),
        request.user,
    )
    return render(
        request,
        "visits/calendar.html",
        {
            "view": view,
            "day": day,
            "today": today,
            "shows_today": start <= today < end,
            "grid": selectors.week_grid(days) if view == "week" else None,
            "start": start,
            "end": end - timedelta(days=1),
            "previous": (start - step if view == "week" else (start - timedelta(days=1))),
            "following": start + step if view == "week" else end,
            "days": days,
            "analyst": analyst,
            "analysts": selectors.analysts(),
            "may_plan": services.may_plan(request.user),
            "may_plan_commercial": services.may_plan_commercial(request.user),
            "subscription": _subscription_url(request),
            "may_see_feed": analyst is not None
            and (request.user == analyst or can(request.user, Capability.VIEW_ALL_PORTFOLIOS)),
            "quality_results": QualityResult.choices,
            "executives": selectors.annex1_executives(request.user),
        },
    )


def _with_permissions(days: list[dict], user) -> list[dict]:
    """Each visit says whether this user may move or cancel it."""
    for day in days:
        for visit in day["visits"]:
            visit.changeable = services.may_change(user, visit)
    return days


def _subscription_url(request) -> str:
    """An analyst's own feed address, to paste into a calendar app."""
    user = request.user
    if user.role != Role.TECHNICAL_ANALYST:
        return ""
    return request.build_absolute_uri(
        reverse("visits:subscribed_feed", args=[user.pk, ical.feed_token(user)])
    )


def _visit(request, pk) -> Visit:
    # A visit the user may not see (to another portfolio's customer, another
    # executive's commercial visit) is not found, as one that does not exist;
    # one the user sees but may not change is refused (403).
    return get_object_or_404(selectors.visible_visits(request.user), pk=pk)


def _on_the_calendar(day) -> HttpResponse:
    return redirect(f"{reverse('visits:calendar')}?day={day:%Y-%m-%d}")


@login_required
def plan_commercial(request):
    """Annex 1: the executive plans a commercial visit of her own."""
    if not services.may_plan_commercial(request.user):
        raise PermissionDenied
    day = date_or_none(request.GET.get("day")) or timezone.localdate()
    form = CommercialVisitForm(
        request.POST if request.method == "POST" else None,
        user=request.user,
        initial={"day": day},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            visit = services.commercial_visit_plan(
                company=data["company"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                person=data["person"],
                location=data["location"],
                observations=data["observations"],
                user=request.user,
            )
        except ValidationError as error:
            add_to_form(form, _on_the_form(error))
        else:
            messages.success(request, _("Commercial visit planned."))
            return _on_the_calendar(timezone.localtime(visit.starts_at).date())
    return render(request, "visits/commercial_new.html", {"form": form, "day": day})


def _on_the_form(error: ValidationError) -> ValidationError:
    """The service names the moments; the form asks for a day and hours."""
    if not hasattr(error, "error_dict"):
        return error
    fields = {"starts_at": "start", "ends_at": "end"}
    return ValidationError(
        {fields.get(name, name): errors for name, errors in error.error_dict.items()}
    )


@login_required
@require_POST
def move(request, pk: int):
    visit = _visit(request, pk)
    analyst_id = query_id(request.POST, "analyst")
    analyst = selectors.analysts().filter(pk=analyst_id).first() if analyst_id else None
    try:
        services.visit_move(
            visit=visit,
            starts_at=datetime_or_none(request.POST.get("starts_at")),
            analyst=analyst,
            user=request.user,
        )
    except ValidationError as error:
        messages.error(request, as_text(error))
    else:
        messages.success(request, _("Visit moved."))
    visit.refresh_from_db()
    return _on_the_calendar(timezone.localtime(visit.starts_at).date())


@login_required
@require_POST
def cancel(request, pk: int):
    visit = _visit(request, pk)
    try:
        reason = cleaned(CancelForm, request.POST)["reason"]
        services.visit_cancel(visit=visit, reason=reason, user=request.user)
    except ValidationError as error:
        messages.error(request, as_text(error))
    else:
        if visit.work_order_id is None:
            messages.success(request, _("Visit cancelled."))
        else:
            messages.success(request, _("Visit cancelled; its work order is closed."))
    return _on_the_calendar(timezone.localtime(visit.starts_at).date())


@login_required
@require_POST
def engineering_service(request, pk: int):
    visit = _visit(request, pk)
    try:
        services.engineering_service_record(
            visit=visit,
            work_done=cleaned(EngineeringServiceForm, request.POST)["work_done"],
            resolved=request.POST.get("resolved", "1") == "1",
            user=request.user,
        )
    except ValidationError as error:
        messages.error(request, as_text(error))
    else:
        messages.success(request, _("Engineering service recorded; the work order is closed."))
    return redirect("visits:calendar")


@login_required
@require_POST
def quality_call(request, pk: int):
    visit = _visit(request, pk)
    try:
        services.quality_call_record(
            visit=visit,
            result=request.POST.get("result", ""),
            notes=cleaned(QualityCallForm, request.POST)["notes"],
            user=request.user,
        )
    except ValidationError as error:
        messages.error(request, as_text(error))
    else:
        messages.success(request, _("Quality-control call recorded."))
    return redirect("visits:calendar")


def _feed_response(request, analyst) -> HttpResponse:
    today = timezone.localdate()
    visits = selectors.visits_between(
        start=today - timedelta(days=90), end=today + timedelta(days=366), analyst=analyst
    )
    body = ical.feed(analyst=analyst, visits=visits, host=request.get_host())
    # A download too: calendar apps read the body and ignore the disposition.
    return attachment_response(
        body,
        filename=f"visitas-{analyst.username}.ics",
        content_type="text/calendar; charset=utf-8",
    )


@login_required
def feed(request, analyst_id: int):
    # All of an analyst's visits, to every portfolio: for her and the team.
    # Judged before the look-up, so that the answer (403) is the same whether
    # or not that analyst exists.
    if not (request.user.pk == analyst_id or can(request.user, Capability.VIEW_ALL_PORTFOLIOS)):
        raise PermissionDenied
    analyst = get_object_or_404(selectors.analysts(), pk=analyst_id)
    return _feed_response(request, analyst)


def subscribed_feed(request, analyst_id: int, token: str):
    """The address a calendar app subscribes to: no session, the secret in
    the address instead (`ical.feed_token`). A wrong secret is not found."""
    analyst = get_object_or_404(selectors.analysts(), pk=analyst_id, is_active=True)
    if not constant_time_compare(token, ical.feed_token(analyst)):
        raise Http404
    return _feed_response(request, analyst)


def _period(request):
    start = date_or_none(request.GET.get("start"))
    end = date_or_none(request.GET.get("end"))
    if start is None or end is None or end < start:
        return None
    return start, end


@login_required
def schedule_form(request):
    """Annex 1, "Cronograma de visitas a empresas – ofertas de servicio": one
    executive's commercial visits in a period."""
    executives = selectors.annex1_executives(request.user)
    if not executives.exists():
        raise PermissionDenied
    executive_id = query_id(request.GET, "executive")
    if executive_id:
        # Another executive's id is as unknown to an executive as a wrong one.
        executive = executives.filter(pk=executive_id).first()
    else:
        executive = request.user if request.user.role == Role.EXECUTIVE else None
    period = _period(request)
    if executive is None or period is None:
        messages.error(request, _("Choose an executive and a period (from, to) for the form."))
        return redirect("visits:calendar")
    start, end = period
    visits = selectors.schedule_for_executive(
        executive=executive, start=start, end=end + timedelta(days=1)
    )
    pdf = render_pdf(
        "visits/annex1.html",
        {
            "executive": executive,
            "start": start,
            "end": end,
            "visits": selectors.schedule_rows(visits),
            "printed_at": timezone.localtime(),
        },
    )
    return attachment_response(
        pdf,
        filename=f"cronograma-visitas-{executive.username}-{start:%Y%m%d}.pdf",
        content_type="application/pdf",
    )


@login_required
def support_schedule(request):
    """The analysts' support visits in a period (all analysts, or one): the
    schedule sheet of procedure L's visits, apart from Annex 1."""
    if not services.may_view_calendar(request.user):
        raise PermissionDenied
    analyst_id = query_id(request.GET, "analyst")
    analyst = selectors.analysts().filter(pk=analyst_id).first() if analyst_id else None
    period = _period(request)
    if period is None or (analyst_id and analyst is None):
        messages.error(request, _("Choose a period (from, to) for the support schedule."))
        return redirect("visits:calendar")
    start, end = period
    visits = selectors.support_schedule(
        user=request.user, start=start, end=end + timedelta(days=1), analyst=analyst
    )
    pdf = render_pdf(
        "visits/support_schedule.html",
        {
            "analyst": analyst,
            "start": start,
            "end": end,
            "visits": selectors.schedule_rows(visits),
            "printed_at": timezone.localtime(),
        },
    )
    who = analyst.username if analyst else "analistas"
    return attachment_response(
        pdf,
        filename=f"cronograma-soporte-{who}-{start:%Y%m%d}.pdf",
        content_type="application/pdf",
    )
