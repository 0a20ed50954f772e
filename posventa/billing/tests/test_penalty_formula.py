"""H's penalty by the team's other formula (not the manual's, which gives
none): the whole months missing, then the last month by its days."""

from datetime import date
from decimal import Decimal as D

import pytest

from posventa.billing.final_invoice import early_termination_penalty, time_missing

PRORATED = [
    # (price, percent, permanence ends on, request date, months, days, of days, amount)
    ("250.00", "50", date(2026, 9, 10), date(2026, 3, 16), 5, 25, 31, "725.81"),
    ("300.00", "50", date(2026, 9, 15), date(2026, 8, 15), 1, 0, 30, "150.00"),  # one month
    ("300.00", "50", date(2026, 9, 15), date(2026, 9, 14), 0, 1, 30, "5.00"),  # a day: 1/30
    ("300.00", "50", date(2026, 9, 15), date(2026, 9, 15), 0, 0, 0, "0.00"),  # fulfilled
    ("300.00", "50", date(2026, 9, 15), date(2027, 1, 1), 0, 0, 0, "0.00"),
    # Month ends: 31/01 + 1 month is 28/02; 28/02 → 15/03 is 15 of the 31 days to 31/03.
    ("310.00", "100", date(2026, 3, 15), date(2026, 1, 31), 1, 15, 31, "460.00"),
    ("99.99", "33.33", date(2026, 4, 30), date(2026, 4, 1), 0, 29, 30, "32.22"),  # half up
]


@pytest.mark.parametrize(
    ("price", "percent", "ends_on", "on", "months", "days", "period", "amount"), PRORATED
)
def test_the_prorated_penalty_counts_the_last_month_by_its_days(
    price, percent, ends_on, on, months, days, period, amount
):
    assert time_missing(permanence_ends_on=ends_on, on=on) == (months, days, period)
    penalty = early_termination_penalty(
        monthly_price=D(price),
        percent=D(percent),
        permanence_ends_on=ends_on,
        on=on,
        prorated=True,
    )
    assert (penalty.months, penalty.days, penalty.amount) == (months, days, D(amount))
    assert penalty.prorated and penalty.applies is (D(amount) > 0)


def test_the_prorated_penalty_is_never_more_than_the_whole_months_one():
    for day in range(1, 29):
        on = date(2026, 2, day)
        args = {
            "monthly_price": D("250"),
            "percent": D("50"),
            "permanence_ends_on": date(2026, 9, 10),
            "on": on,
        }
        assert (
            early_termination_penalty(**args, prorated=True).amount
            <= early_termination_penalty(**args).amount
        )


def test_the_penalty_says_how_it_was_computed():
    penalty = early_termination_penalty(
        monthly_price=D("250.00"),
        percent=D("50"),
        permanence_ends_on=date(2026, 9, 10),
        on=date(2026, 3, 16),
        prorated=True,
    )
    assert penalty.as_text() == (
        "Penalidad por retiro anticipado: 50 % × Bs 250,00 × 5 mes(es) y 25/31 días que "
        "faltan para cumplir la permanencia mínima = Bs 725,81"
    )
    data = penalty.as_dict()
    assert (data["time_text"], data["days"], data["period_days"], data["prorated"]) == (
        "5 mes(es) y 25/31 días",
        25,
        31,
        True,
    )
