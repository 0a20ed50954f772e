"""Reads of procedure L: the calendar's weeks and months, an analyst's
visits, and the Annex 1 schedule of an executive's customers."""

from datetime import date, datetime, time, timedelta

from django.contrib.auth import get_user_model
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.customers.models import Company
from posventa.visits.models import Visit, VisitState


def _aware(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min))


def visits_between(*, start: date, end: date, analyst=None):
    """Visits starting on start..end-1 (local days), cancelled ones left out."""
    visits = Visit.objects.filter(starts_at__gte=_aware(start), starts_at__lt=_aware(end)).exclude(
        state=VisitState.CANCELLED
    )
    if analyst is not None:
        visits = visits.filter(analyst=analyst)
    return visits.select_related("analyst", "company", "work_order", "case").order_by("starts_at")


def week_of(day: date) -> tuple[date, date]:
    monday = day - timedelta(days=day.weekday())
    return monday, monday + timedelta(days=7)


def month_of(day: date) -> tuple[date, date]:
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return first, following


def calendar_days(*, user, start: date, end: date, analyst=None) -> list[dict]:
    """Each day of the period with the visits to the customers the user may
    see (an executive, her portfolio's), for the calendar page."""
    visits = visits_between(start=start, end=end, analyst=analyst).filter(
        company__in=Company.objects.visible_to(user)
    )
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


def schedule_for_executive(*, executive, start: date, end: date):
    """Annex 1: the visits to the executive's customers in the period."""
    return visits_between(start=start, end=end).filter(company__executive=executive)
