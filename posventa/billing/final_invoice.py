"""Procedure H, product withdrawal: the final invoice and the early-termination
penalty, as pure functions of plain values (no database), line by line.

Final invoice of the month the customer asked for the withdrawal (manual,
procedure H step 7):

- fixed telephone line only, or HSPA — the full month (flat rate);
- internet, pay TV and Duo Pack — prorated up to the request date;
- Multipack — prorated, except its basic telephony part (Bs 70, carried by
  the plan as `basic_telephony_amount`), which is charged whole.

Prorated "up to the request date" counts the days from the 1st to the
request date, both included, over the days of that month: a request on the
1st pays 1 day, one on the last day pays the whole month. Boliviatel long
distance, which the manual does not name here, is billed like the fixed line
(its flat monthly plan, whole).

Early-termination penalty (step 5): when the minimum permanence is not
fulfilled on the request date, the tariff's percentage of the monthly price
for each month still missing to fulfil it, a month begun counting whole.

Every amount is a Decimal in Bs, rounded half up to cents.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from posventa.common.dates import add_months
from posventa.common.money import bs, format_bs

# Product types billed the whole month, whatever the request date.
FULL_MONTH_TYPES = ("fixed_line", "hspa", "boliviatel_ld")
# Product types prorated to the request date.
PRORATED_TYPES = ("internet", "pay_tv", "duo_pack")
MULTIPACK = "multipack"

ZERO = Decimal("0.00")


@dataclass(frozen=True)
class Line:
    """One line of the final invoice: what, how it is computed, how much."""

    concept: str
    detail: str
    amount: Decimal

    def as_text(self) -> str:
        return f"{self.concept}: {self.detail} = {format_bs(self.amount)}"


@dataclass(frozen=True)
class FinalInvoice:
    request_date: date
    days_in_month: int
    days_billed: int
    lines: list[Line] = field(default_factory=list)

    @property
    def total(self) -> Decimal:
        return bs(sum((line.amount for line in self.lines), ZERO))

    def as_dict(self) -> dict:
        """For the process variables and the order request (JSON-safe)."""
        return {
            "request_date": self.request_date.isoformat(),
            "days_in_month": self.days_in_month,
            "days_billed": self.days_billed,
            "lines": [
                {"concept": line.concept, "detail": line.detail, "amount": str(line.amount)}
                for line in self.lines
            ],
            "text": [line.as_text() for line in self.lines],
            "total": str(self.total),
        }


def days_in_month(day: date) -> int:
    return calendar.monthrange(day.year, day.month)[1]


def prorate(amount: Decimal, *, request_date: date) -> Decimal:
    """`amount` for the days from the 1st to `request_date`, both included."""
    return bs(Decimal(amount) * request_date.day / days_in_month(request_date))


def final_invoice(
    *,
    product_type: str,
    plan_name: str,
    monthly_price: Decimal,
    basic_telephony_amount: Decimal = ZERO,
    request_date: date,
) -> FinalInvoice:
    """The final invoice of a product withdrawn at `request_date`, line by line."""
    monthly_price = bs(monthly_price)
    basic = bs(basic_telephony_amount or 0)
    total_days = days_in_month(request_date)
    days = request_date.day
    month = f"{request_date:%m/%Y}"
    period = f"01/{month} – {request_date:%d/%m/%Y}"
    fraction = f"{days}/{total_days} días"
    if product_type in FULL_MONTH_TYPES:
        lines = [
            Line(
                f"{plan_name}, mes completo {month}",
                f"tarifa plana {format_bs(monthly_price)}",
                monthly_price,
            )
        ]
        days = total_days
    elif product_type in PRORATED_TYPES:
        lines = [
            Line(
                f"{plan_name}, prorrata {period}",
                f"{format_bs(monthly_price)} × {fraction}",
                prorate(monthly_price, request_date=request_date),
            )
        ]
    elif product_type == MULTIPACK:
        if basic > monthly_price:
            raise ValueError("the basic telephony part exceeds the plan's price")
        rest = monthly_price - basic
        lines = [
            Line(
                f"{plan_name} sin telefonía básica, prorrata {period}",
                f"({format_bs(monthly_price)} − {format_bs(basic)}) × {fraction}",
                prorate(rest, request_date=request_date),
            ),
            Line(
                f"Telefonía básica del Multipack, mes completo {month}",
                f"se cobra entera: {format_bs(basic)}",
                basic,
            ),
        ]
    else:
        raise ValueError(f"unknown product type {product_type!r}")
    return FinalInvoice(
        request_date=request_date, days_in_month=total_days, days_billed=days, lines=lines
    )


def months_missing(*, permanence_ends_on: date, on: date) -> int:
    """Months still missing on `on` to reach `permanence_ends_on`, a month
    begun counting whole; 0 when the permanence is fulfilled."""
    months = 0
    while add_months(on, months) < permanence_ends_on:
        months += 1
    return months


@dataclass(frozen=True)
class Penalty:
    months: int
    percent: Decimal
    monthly_price: Decimal
    amount: Decimal

    @property
    def applies(self) -> bool:
        return self.amount > 0

    def as_text(self) -> str:
        return (
            f"Penalidad por retiro anticipado: {self.percent} % × {format_bs(self.monthly_price)} "
            f"× {self.months} mes(es) que faltan para cumplir la permanencia mínima = "
            f"{format_bs(self.amount)}"
        )

    def as_dict(self) -> dict:
        return {
            "months": self.months,
            "percent": str(self.percent),
            "monthly_price": str(self.monthly_price),
            "amount": str(self.amount),
            "applies": self.applies,
            "text": self.as_text(),
        }


def early_termination_penalty(
    *, monthly_price: Decimal, percent: Decimal, permanence_ends_on: date, on: date
) -> Penalty:
    """The tariff's `percent` of the monthly price for each month missing to
    fulfil the minimum permanence on `on`."""
    months = months_missing(permanence_ends_on=permanence_ends_on, on=on)
    percent = Decimal(percent)
    price = bs(monthly_price)
    amount = bs(price * percent / 100 * months)
    return Penalty(months=months, percent=percent, monthly_price=price, amount=amount)
