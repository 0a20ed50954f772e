"""Billing rules: when a month's invoice falls due, what an invoice still
owes, when it is overdue and how old its debt is.

"Overdue" is defined here once, in two forms that must agree (a test pins
them together): `is_overdue` for an invoice in hand, `overdue_q` for the
database. Every reader of debts — collections, procedure D's account check,
the customer page, the admin — goes through one of them.
"""

from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.db.models import DecimalField, ExpressionWrapper, F, Q
from django.utils.translation import gettext_lazy as _

from posventa.common.dates import add_months

# Invoices of a month fall due on this day of the following month.
DUE_DAY_OF_NEXT_MONTH = 20


def due_date_for(period: date) -> date:
    return add_months(period.replace(day=1), 1).replace(day=DUE_DAY_OF_NEXT_MONTH)


# --- What an invoice owes, and when it is overdue -------------------------------------------


def amount_owed(*, amount: Decimal, amount_paid: Decimal) -> Decimal:
    """What is still owed on an invoice: its amount less what was paid on it
    so far. A partly paid invoice owes its remainder; a paid one — on time or
    late — owes nothing."""
    return max(Decimal(amount) - Decimal(amount_paid), Decimal("0"))


def is_overdue(*, due_date: date, owed: Decimal, today: date) -> bool:
    """Overdue: something is still owed and the due date has passed. On its
    due date an invoice is still in time; the day after, it is overdue."""
    return owed > 0 and due_date < today


def days_overdue(*, due_date: date, today: date) -> int:
    """Days since the due date: 1 the day after it, 0 on it or before."""
    return max((today - due_date).days, 0)


def owed_expression() -> ExpressionWrapper:
    """`amount_owed` in the database, for annotations and sums."""
    return ExpressionWrapper(
        F("amount") - F("amount_paid"),
        output_field=DecimalField(max_digits=12, decimal_places=2),
    )


def owing_q(prefix: str = "") -> Q:
    """Invoices with something still owed (due or not yet due). The database
    keeps `paid_on` empty exactly while something is owed (a constraint), so
    `paid_on IS NULL` adds nothing to the answer; it lets the partial index
    of unpaid invoices serve the query."""
    return Q(**{f"{prefix}paid_on__isnull": True, f"{prefix}amount_paid__lt": F(f"{prefix}amount")})


def overdue_q(today: date, prefix: str = "") -> Q:
    """`is_overdue` in the database: owing and due before `today`.
    `prefix` reaches invoices through a relation ("invoices__")."""
    return owing_q(prefix) & Q(**{f"{prefix}due_date__lt": today})


# --- Ageing ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgeingBucket:
    """A band of days overdue, both ends included; `last` None: no upper end."""

    code: str
    label: str
    first: int
    last: int | None

    def holds(self, days: int) -> bool:
        return days >= self.first and (self.last is None or days <= self.last)

    def due_dates(self, today: date) -> tuple[date | None, date]:
        """The due dates whose invoices are in this band on `today`
        (earliest, latest; earliest None: no lower end)."""
        earliest = None if self.last is None else today - timedelta(days=self.last)
        return earliest, today - timedelta(days=self.first)


AGEING_BUCKETS = (
    AgeingBucket("1-30", _("1–30 days overdue"), 1, 30),
    AgeingBucket("31-60", _("31–60 days overdue"), 31, 60),
    AgeingBucket("61-90", _("61–90 days overdue"), 61, 90),
    AgeingBucket("90+", _("More than 90 days overdue"), 91, None),
)
AGEING_BY_CODE = {bucket.code: bucket for bucket in AGEING_BUCKETS}


def ageing_bucket(days: int) -> AgeingBucket | None:
    """The band of a debt `days` overdue; None when it is not overdue."""
    return next((bucket for bucket in AGEING_BUCKETS if bucket.holds(days)), None)
