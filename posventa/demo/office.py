"""The team's office hours, for the demo's moments: calls, steps and requests
happen Monday to Friday, 08:30 to 18:30, La Paz time — never at 02:11."""

from datetime import datetime, time, timedelta

from django.utils import timezone

OPENS = time(8, 30)
CLOSES = time(18, 30)


def in_office_hours(moment: datetime) -> bool:
    local = timezone.localtime(moment)
    return local.weekday() < 5 and OPENS <= local.time() <= CLOSES


def _at(local: datetime, moment: time) -> datetime:
    return local.replace(hour=moment.hour, minute=moment.minute, second=0, microsecond=0)


def next_opening(moment: datetime) -> datetime:
    """The first opening (08:30 of a weekday) after `moment`."""
    local = timezone.localtime(moment)
    day = _at(local, OPENS)
    if day <= local:
        day += timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return _at(timezone.localtime(day), OPENS)


def last_closing(moment: datetime) -> datetime:
    """The last closing (18:30 of a weekday) before `moment`."""
    local = timezone.localtime(moment)
    day = _at(local, CLOSES)
    if day >= local:
        day -= timedelta(days=1)
    while day.weekday() >= 5:
        day -= timedelta(days=1)
    return _at(timezone.localtime(day), CLOSES)


def office_moment(moment: datetime, *, late_by: timedelta = timedelta(0)) -> datetime:
    """`moment` when the office is open then; else the next opening, plus
    `late_by` (the first minutes of a morning are not all at 08:30)."""
    if in_office_hours(moment):
        return moment
    return next_opening(moment) + late_by


def latest_office_moment(moment: datetime) -> datetime:
    """`moment` when the office is open then; else the last closing before it."""
    return moment if in_office_hours(moment) else last_closing(moment)


def office_hours_after(moment: datetime, hours: float) -> datetime:
    """The moment `hours` of office time after `moment` (itself taken to
    the next opening when the office is closed)."""
    cursor = office_moment(moment)
    left = timedelta(hours=hours)
    while True:
        closing = _at(timezone.localtime(cursor), CLOSES)
        if cursor + left <= closing:
            return cursor + left
        left -= closing - cursor
        cursor = next_opening(closing)


def office_hours_before(moment: datetime, hours: float) -> datetime:
    """The moment `hours` of office time before `moment` (itself taken back
    to the last closing when the office is closed)."""
    cursor = latest_office_moment(moment)
    left = timedelta(hours=hours)
    while True:
        opening = _at(timezone.localtime(cursor), OPENS)
        if cursor - left >= opening:
            return cursor - left
        left -= cursor - opening
        cursor = last_closing(opening)
