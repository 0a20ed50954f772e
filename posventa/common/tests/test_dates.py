from datetime import date

import pytest

from posventa.common.dates import add_months, first_of_month


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
