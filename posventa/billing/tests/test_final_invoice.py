"""Procedure H's money, table by table: the final invoice of each product type
on the 1st, the 15th and the last day of 28-, 30- and 31-day months; the
Multipack's Bs 70 charged whole; the early-termination penalty. Decimal in
Bs, half up to cents."""

from datetime import date
from decimal import Decimal

import pytest

from posventa.billing.final_invoice import (
    early_termination_penalty,
    final_invoice,
    months_missing,
)

D = Decimal
FEB, APR, JAN = (2026, 2, 28), (2026, 4, 30), (2026, 1, 31)  # 28-, 30-, 31-day months
DAYS = [(y, m, d) for y, m, last in (FEB, APR, JAN) for d in (1, 15, last)]

# Per product type: monthly price, basic telephony, and the expected final
# invoice on each of DAYS (Feb 1/15/28, Apr 1/15/30, Jan 1/15/31).
TABLE = {
    "fixed_line": (D("95.00"), D("0"), ["95.00"] * 9),
    "hspa": (D("150.00"), D("0"), ["150.00"] * 9),
    "internet": (
        D("300.00"),
        D("0"),
        ["10.71", "160.71", "300.00", "10.00", "150.00", "300.00", "9.68", "145.16", "300.00"],
    ),
    "pay_tv": (
        D("180.00"),
        D("0"),
        ["6.43", "96.43", "180.00", "6.00", "90.00", "180.00", "5.81", "87.10", "180.00"],
    ),
    "duo_pack": (
        D("400.00"),
        D("0"),
        ["14.29", "214.29", "400.00", "13.33", "200.00", "400.00", "12.90", "193.55", "400.00"],
    ),
    # (500 − 70) prorated + 70 whole
    "multipack": (
        D("500.00"),
        D("70.00"),
        ["85.36", "300.36", "500.00", "84.33", "285.00", "500.00", "83.87", "278.06", "500.00"],
    ),
}

CASES = [
    (code, date(*day), D(expected))
    for code, (_price, _basic, expected_row) in TABLE.items()
    for day, expected in zip(DAYS, expected_row, strict=True)
]


@pytest.mark.parametrize(("product_type", "request_date", "expected"), CASES)
def test_final_invoice_by_product_type_and_day(product_type, request_date, expected):
    price, basic, _ = TABLE[product_type]
    invoice = final_invoice(
        product_type=product_type,
        plan_name="Plan",
        monthly_price=price,
        basic_telephony_amount=basic,
        request_date=request_date,
    )
    assert invoice.total == expected
    assert isinstance(invoice.total, Decimal)
    assert all(line.amount == line.amount.quantize(D("0.01")) for line in invoice.lines)


def test_the_multipack_charges_its_bs_70_basic_telephony_whole_and_prorates_the_rest():
    invoice = final_invoice(
        product_type="multipack",
        plan_name="Multipack Empresa",
        monthly_price=D("500.00"),
        basic_telephony_amount=D("70.00"),
        request_date=date(2026, 4, 1),
    )
    prorated, basic = invoice.lines
    assert basic.amount == D("70.00")  # whole, even on the 1st
    assert "Telefonía básica" in basic.concept
    assert prorated.amount == D("14.33")  # 430 × 1/30
    assert prorated.detail == "(Bs 500,00 − Bs 70,00) × 1/30 días"
    assert invoice.as_dict()["total"] == "84.33"


def test_the_full_month_types_ignore_the_day():
    for product_type in ("fixed_line", "hspa", "boliviatel_ld"):
        invoice = final_invoice(
            product_type=product_type,
            plan_name="Plan",
            monthly_price=D("95.50"),
            request_date=date(2026, 2, 1),
        )
        assert invoice.total == D("95.50")
        assert invoice.days_billed == invoice.days_in_month == 28


def test_proration_rounds_half_up_to_cents():
    # 100.01 × 15/30 = 50.005 → 50.01 (half up; half-even would say 50.00)
    invoice = final_invoice(
        product_type="internet",
        plan_name="Plan",
        monthly_price=D("100.01"),
        request_date=date(2026, 4, 15),
    )
    assert invoice.total == D("50.01")


def test_an_unknown_product_type_or_a_basic_part_over_the_price_is_refused():
    with pytest.raises(ValueError):
        final_invoice(
            product_type="satellite", plan_name="x", monthly_price=D("1"), request_date=date.today()
        )
    with pytest.raises(ValueError):
        final_invoice(
            product_type="multipack",
            plan_name="x",
            monthly_price=D("60"),
            basic_telephony_amount=D("70"),
            request_date=date.today(),
        )


# --- the early-termination penalty ----------------------------------------------------

PENALTIES = [
    # (price, percent, permanence ends on, request on, months missing, penalty)
    ("300.00", "50", date(2026, 9, 15), date(2026, 3, 2), 7, "1050.00"),
    ("300.00", "50", date(2026, 9, 15), date(2026, 8, 15), 1, "150.00"),  # exactly one month
    ("300.00", "50", date(2026, 9, 15), date(2026, 9, 14), 1, "150.00"),  # a day begun: whole
    ("300.00", "50", date(2026, 9, 15), date(2026, 9, 15), 0, "0.00"),  # fulfilled that day
    ("300.00", "50", date(2026, 9, 15), date(2027, 1, 1), 0, "0.00"),
    ("99.99", "33.33", date(2026, 4, 30), date(2026, 4, 1), 1, "33.33"),  # 33.3266… half up
    ("250.00", "100", date(2026, 3, 31), date(2026, 1, 31), 2, "500.00"),  # month-end arithmetic
    ("250.00", "0", date(2026, 12, 31), date(2026, 1, 31), 11, "0.00"),  # a 0 % tariff
]


@pytest.mark.parametrize(("price", "percent", "ends_on", "on", "months", "amount"), PENALTIES)
def test_the_penalty_rule(price, percent, ends_on, on, months, amount):
    assert months_missing(permanence_ends_on=ends_on, on=on) == months
    penalty = early_termination_penalty(
        monthly_price=D(price), percent=D(percent), permanence_ends_on=ends_on, on=on
    )
    assert (penalty.months, penalty.amount) == (months, D(amount))
    assert penalty.applies is (D(amount) > 0)
