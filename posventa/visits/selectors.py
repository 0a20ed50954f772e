"""Reads of the visit calendar: which visits a person may see, the weeks and
months, an analyst's visits, the analysts' support schedule and an
executive's commercial schedule (Annex 1)."""

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from posventa.accounts.roles import Capability, Role, can
from posventa.customers.models import Company
from posventa.visits.models import Visit, VisitKind, VisitState


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def visible_visits(user):
    """The calendar's visits this user may see, in one place: the support
    visits to the customers she may open (an executive: her portfolio's);
    the commercial visits, every executive's for whoever oversees them (the
    team lead, the division head), an executive's own for her — never another
    executive's sales agenda."""
    seen = Q(kind=VisitKind.SUPPORT, company__in=Company.objects.visible_to(user))
    if can(user, Capability.VIEW_COMMERCIAL_VISITS):
        seen |= Q(kind=VisitKind.COMMERCIAL)
    elif can(user, Capability.PLAN_COMMERCIAL_VISITS):
        seen |= Q(kind=VisitKind.COMMERCIAL, executive_id=user.pk)
    return Visit.objects.filter(seen)


def visits_between(
    *, start: date, end: date, analyst=None, executive=None, kind: str | None = None, visits=None
):
    """Visits starting on start..end-1 (local days), cancelled ones left out;
    of `visits` (a scoped queryset) when given."""
    visits = (visits if visits is not None else Visit.objects.all()).filter(
        starts_at__gte=_aware(start), starts_at__lt=_aware(end)
    )
    visits = visits.exclude(state=VisitState.CANCELLED)
    if analyst is not None:
        visits = visits.filter(analyst=analyst)
    if executive is not None:
        visits = visits.filter(executive=executive)
    if kind is not None:
        visits = visits.filter(kind=kind)
    return visits.select_related("analyst", "executive", "company", "work_order", "case").order_by(
        "starts_at", "pk"
    )


def week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=7)


def next_visit_day(*, user, analyst=None, now: datetime | None = None) -> date | None:
    """The local day of the user's next visit, for the calendar to open on its
    week: her own (as the analyst who goes, or the executive who plans it)
    when she has one ahead, else the next one she may see (of `analyst`, when
    the calendar is filtered by one); None when none is ahead."""
    now = now or timezone.now()
    ahead = (
        visible_visits(user)
        .filter(starts_at__gte=now)
        .exclude(state=VisitState.CANCELLED)
        .order_by("starts_at", "pk")
    )
    if analyst is not None:
        ahead = ahead.filter(analyst=analyst)
    else:
        own = ahead.filter(Q(analyst_id=user.pk) | Q(executive_id=user.pk)).first()
        if own is not None:
            return timezone.localtime(own.starts_at).date()
    visit = ahead.first()
    return timezone.localtime(visit.starts_at).date() if visit is not None else None


# The grid's hours: the working day always, widened to any visit outside it.
GRID_FIRST_HOUR, GRID_LAST_HOUR = 8, 18


def week_grid(days: list[dict]) -> list[dict]:
    """The week as rows of hours (a visit in the row of its starting hour),
    each row with one cell per day: the calendar's grid on a wide screen."""
    hours = [timezone.localtime(visit.starts_at).hour for day in days for visit in day["visits"]]
    first = min([GRID_FIRST_HOUR, *hours])
    last = max([GRID_LAST_HOUR, *hours])
    rows = []
    for hour in range(first, last + 1):
        cells = [
            {
                "date": day["date"],
                "visits": [
                    v for v in day["visits"] if timezone.localtime(v.starts_at).hour == hour
                ],
            }
            for day in days
        ]
        rows.append({"hour": hour, "cells": cells})
    return rows


def month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following


def calendar_visits(*, user, start: date, end: date, analyst=None):
    """The visits of the calendar's period (start..end-1) the user may see
    (`visible_visits`); with an analyst, hers only: the calendar page's and
    its Excel download's."""
    return visits_between(start=start, end=end, analyst=analyst, visits=visible_visits(user))


def calendar_days(*, user, start: date, end: date, analyst=None) -> list[dict]:
    """Each day of the period with the visits the user may see
    (`calendar_visits`), for the calendar page; with an analyst, hers only."""
    visits = calendar_visits(user=user, start=start, end=end, analyst=analyst)
    by_day: dict[date, list] = {}
    for visit in visits:
        by_day.setdefault(timezone.localtime(visit.starts_at).date(), []).append(visit)
    days = []
    day = start
    while day < end:
        days.append({"date": day, "visits": by_day.get(day, [])})
        day += timedelta(days=1)
    return days


def analysts():
    return (
        get_user_model()
        .objects.filter(role=Role.TECHNICAL_ANALYST, is_active=True)
        .order_by("username")
    )


def annex1_executives(user):
    """Whose Annex 1 (commercial schedule) the user may print: an executive,
    her own; the team lead and the division head, every executive's; the
    other roles, none."""
    executives = get_user_model().objects.filter(role=Role.EXECUTIVE).order_by("username")
    if can(user, Capability.VIEW_COMMERCIAL_VISITS):
        return executives
    if can(user, Capability.PLAN_COMMERCIAL_VISITS):
        return executives.filter(pk=user.pk)
    return executives.none()


def schedule_for_executive(*, executive, start: date, end: date):
    """Annex 1, "Cronograma de visitas a empresas – ofertas de servicio": the
    executive's own commercial visits in the period."""
    return visits_between(start=start, end=end, executive=executive, kind=VisitKind.COMMERCIAL)


def support_schedule(*, user, start: date, end: date, analyst=None):
    """The analysts' support visits in the period that the user may see (one
    analyst's, when given): the support visits' own schedule sheet."""
    return visits_between(
        start=start,
        end=end,
        analyst=analyst,
        kind=VisitKind.SUPPORT,
        visits=visible_visits(user),
    )


def schedule_rows(visits) -> list[dict]:
    """The visits as the printed schedules list them (the web's and the
    API's): each with its start and end in La Paz time."""
    return [
        {
            "visit": visit,
            "local": timezone.localtime(visit.starts_at),
            "local_end": timezone.localtime(visit.ends_at),
        }
        for visit in visits
    ]
