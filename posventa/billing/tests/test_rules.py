from datetime import date

import pytest

from posventa.billing.rules import due_date_for


@pytest.mark.parametrize(
    ("period", "due"),
    [
        (date(2025, 1, 1), date(2025, 2, 20)),
        (date(2025, 1, 31), date(2025, 2, 20)),  # any day of the month means the month
        (date(2025, 12, 1), date(2026, 1, 20)),  # December falls due in January
        (date(2024, 2, 1), date(2024, 3, 20)),
    ],
)
def test_a_months_invoice_falls_due_on_the_20th_of_the_next_month(period, due):
    assert due_date_for(period) == due
