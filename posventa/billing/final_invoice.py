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
fulfilled on the request date, a percentage of the monthly price for each
month still missing to fulfil it, a month begun counting whole — or, by the
other formula, for the time missing with the last month prorated by its
days. The manual gives neither: both, and the percentage, are the team's
rule (`catalog.TeamRule` `h_penalty_formula`), read by the procedure.

Every amount is a Decimal in Bs, rounded half up to cents.
"""

import calendar
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from posventa.common.dates import add_months
from posventa.common.money import bs, format_bs, format_number

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


def time_missing(*, permanence_ends_on: date, on: date) -> tuple[int, int, int]:
    """The time missing on `on` to reach `permanence_ends_on`: whole months,
    then the days left of the month after them and that month's length in
    days; (0, 0, 0) when the permanence is fulfilled."""
    if permanence_ends_on <= on:
        return 0, 0, 0
    months = 0
    while add_months(on, months + 1) <= permanence_ends_on:
        months += 1
    start, end = add_months(on, months), add_months(on, months + 1)
    return months, (permanence_ends_on - start).days, (end - start).days


@dataclass(frozen=True)
class Penalty:
    """The penalty: `months` missing (whole) times the percentage of the
    monthly price; prorated, plus `days` of the `period_days` of the last
    month."""

    months: int
    percent: Decimal
    monthly_price: Decimal
    amount: Decimal
    days: int = 0
    period_days: int = 0
    prorated: bool = False

    @property
    def applies(self) -> bool:
        return self.amount > 0

    @property
    def time_text(self) -> str:
        if self.prorated and self.days:
            return f"{self.months} mes(es) y {self.days}/{self.period_days} días"
        return f"{self.months} mes(es)"

    def as_text(self) -> str:
        return (
            f"Penalidad por retiro anticipado: {format_number(self.percent)} % × "
            f"{format_bs(self.monthly_price)} "
            f"× {self.time_text} que faltan para cumplir la permanencia mínima = "
            f"{format_bs(self.amount)}"
        )

    def as_dict(self) -> dict:
        return {
            "months": self.months,
            "days": self.days,
            "period_days": self.period_days,
            "prorated": self.prorated,
            "time_text": self.time_text,
            "percent": str(self.percent),
            "monthly_price": str(self.monthly_price),
            "amount": str(self.amount),
            "applies": self.applies,
            "text": self.as_text(),
        }


def early_termination_penalty(
    *,
    monthly_price: Decimal,
    percent: Decimal,
    permanence_ends_on: date,
    on: date,
    prorated: bool = False,
) -> Penalty:
    """`percent` of the monthly price for each month missing to fulfil the
    minimum permanence on `on`, a month begun counting whole; `prorated`, for
    the whole months missing plus the last month's days missing over its
    length."""
    percent = Decimal(percent)
    price = bs(monthly_price)
    if not prorated:
        months = months_missing(permanence_ends_on=permanence_ends_on, on=on)
        amount = bs(price * percent / 100 * months)
        return Penalty(months=months, percent=percent, monthly_price=price, amount=amount)
    months, days, period_days = time_missing(permanence_ends_on=permanence_ends_on, on=on)
    # One division at the end: the share of the last month is not rounded first.
    days_missing = months * period_days + days
    amount = bs(price * percent * days_missing / (100 * period_days)) if period_days else ZERO
    return Penalty(
        months=months,
        percent=percent,
        monthly_price=price,
        amount=amount,
        days=days,
        period_days=period_days,
        prorated=True,
    )
