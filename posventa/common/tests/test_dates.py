from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from posventa.common.dates import add_months, date_or_none, datetime_or_none, first_of_month


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2025, 1, 15), 1, date(2025, 2, 15)),
        (date(2025, 1, 31), 1, date(2025, 2, 28)),  # shorter month: its last day
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap year
        (date(2024, 2, 29), 12, date(2025, 2, 28)),  # leap day, next year has none
        (date(2024, 2, 29), 48, date(2028, 2, 29)),
        (date(2025, 3, 31), 1, date(2025, 4, 30)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 11, 30), 2, date(2026, 1, 30)),  # across the year
        (date(2025, 12, 31), 1, date(2026, 1, 31)),
        (date(2025, 12, 15), 13, date(2027, 1, 15)),
        (date(2025, 5, 20), 0, date(2025, 5, 20)),
        (date(2025, 3, 31), -1, date(2025, 2, 28)),  # backwards too
        (date(2025, 1, 10), -1, date(2024, 12, 10)),
        (date(2025, 1, 10), -13, date(2023, 12, 10)),
    ],
)
def test_add_months_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert add_months(day, months) == expected


def test_first_of_month():
    assert first_of_month(date(2025, 2, 28)) == date(2025, 2, 1)
    assert first_of_month(date(2025, 2, 1)) == date(2025, 2, 1)


@pytest.mark.parametrize("text", [None, "", "mañana", "2026-02-30", "2026-13-01"])
def test_a_date_that_is_not_a_real_day_is_none(text):
    assert date_or_none(text) is None


def test_dates_and_moments_from_a_query_string():
    assert date_or_none("2026-02-28") == date(2026, 2, 28)
    moment = datetime_or_none("2026-11-25T10:00")
    assert moment == datetime(2026, 11, 25, 10, tzinfo=ZoneInfo("America/La_Paz"))
    assert datetime_or_none("2026-02-30T10:00") is None and datetime_or_none(None) is None
