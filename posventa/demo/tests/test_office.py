"""The demo's office hours: Monday to Friday, 08:30 to 18:30, La Paz."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from posventa.demo.office import (
    in_office_hours,
    latest_office_moment,
    office_hours_after,
    office_hours_before,
    office_moment,
)

LA_PAZ = ZoneInfo("America/La_Paz")


def at(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026: Friday the 4th, Saturday the 5th, Monday the 7th."""
    return datetime(2026, 12, day, hour, minute, tzinfo=LA_PAZ)


@pytest.mark.parametrize(
    "moment, open_",
    [
        (at(4, 8, 29), False),
        (at(4, 8, 30), True),
        (at(4, 18, 30), True),
        (at(4, 18, 31), False),
        (at(5, 11), False),  # Saturday
        (at(7, 2, 11), False),
    ],
)
def test_the_office_is_open_on_weekdays_from_half_past_eight_to_half_past_six(moment, open_):
    assert in_office_hours(moment) is open_


def test_a_moment_when_closed_moves_to_the_next_opening():
    assert office_moment(at(4, 11)) == at(4, 11)
    assert office_moment(at(4, 20)) == at(7, 8, 30)  # Friday night: Monday
    assert office_moment(at(7, 2, 11)) == at(7, 8, 30)


def test_the_latest_office_moment_is_the_last_closing():
    assert latest_office_moment(at(5, 23)) == at(4, 18, 30)
    assert latest_office_moment(at(7, 8)) == at(4, 18, 30)
    assert latest_office_moment(at(7, 9)) == at(7, 9)


def test_office_hours_are_counted_across_nights_and_weekends():
    assert office_hours_after(at(4, 17, 30), 2) == at(7, 9, 30)
    assert office_hours_before(at(7, 9, 30), 2) == at(4, 17, 30)
    assert office_hours_before(at(5, 12), 1) == at(4, 17, 30)
    assert office_hours_after(at(4, 9), 1.5) == at(4, 10, 30)
