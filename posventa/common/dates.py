"""Calendar arithmetic the rules need (months, not 30-day blocks)."""

import calendar
from datetime import date, datetime

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime


def add_months(day: date, months: int) -> date:
    """The same day `months` later, or the month's last day when it is shorter
    (31 January + 1 month = 28/29 February)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def first_of_month(day: date) -> date:
    return day.replace(day=1)


# The years a date from a person may fall in: every database holds them and
# every moment of them converts to UTC and back (common/forms.py says why).
FIRST_YEAR, LAST_YEAR = 1900, 2100


def _in_years(value):
    return value if value is None or FIRST_YEAR <= value.year <= LAST_YEAR else None


def date_or_none(text: str | None) -> date | None:
    """A YYYY-MM-DD date from a query string; None when it is missing, badly
    written, not a real day (2026-02-30) or outside the years 1900–2100
    (0001-01-01: a week before it is no date at all)."""
    try:
        return _in_years(parse_date(text or ""))
    except ValueError:
        return None


def datetime_or_none(text: str | None) -> datetime | None:
    """A moment from a form field (2026-11-25T10:00), in La Paz time when it
    says no zone; None when it is missing, not a real moment or outside the
    years 1900–2100."""
    try:
        moment = _in_years(parse_datetime(text or ""))
    except ValueError:
        return None
    if moment is not None and timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment
