"""The manual's two indicators (section III), defined once.

Written out, with the reasons, in docs/indicators.md. Every figure of the
dashboard, the month's report and the API comes from these expressions; the
counting happens in the database.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import (
    BooleanField,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Value,
    When,
)
from django.db.models import Case as Choose
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from posventa.cases.models import Case, CaseStatus, Outcome
from posventa.cases.rules import ATTENTION_HOURS
from posventa.workorders.models import WorkOrder

# Accepted at or above (the manual leaves exactly 98 % / 95 % unassigned:
# PROCEDURES.md counts it as accepted).
EFFICACY_TARGET = Decimal("98")
TIMELINESS_TARGET = Decimal("95")

# The outcomes where the team gave the request its answer: done, retained,
# answered with the rule or the network's "no", or — for a debtor who did not
# promise to pay — the dunning letter delivered. A request that ended because
# the customer did not bring the requirements or gave up was not attended
# effectively.
EFFECTIVE_OUTCOMES = (
    Outcome.FULFILLED,
    Outcome.RETAINED,
    Outcome.REFUSED,
    Outcome.NOT_FEASIBLE,
    Outcome.DUNNING_LETTER,
)

# A request repeated (e.g. the same damage again) within these days of the
# first one's closing makes the first one not effective.
REITERATION_DAYS = 30


def excludes_customer_wait() -> bool:
    """Whether the 24 hours leave out the time the case waited for the
    customer (setting POSVENTA_TIMELINESS_EXCLUDES_CUSTOMER_WAIT; default
    no, as the manual's formula reads)."""
    return bool(getattr(settings, "POSVENTA_TIMELINESS_EXCLUDES_CUSTOMER_WAIT", False))


@dataclass(frozen=True)
class Month:
    year: int
    month: int

    @classmethod
    def of(cls, moment: datetime | date) -> "Month":
        if isinstance(moment, datetime):
            moment = timezone.localtime(moment)
        return cls(moment.year, moment.month)

    @classmethod
    def parse(cls, text: str) -> "Month | None":
        """'2026-11' → Month(2026, 11); anything else → None."""
        try:
            year, month = (int(part) for part in (text or "").split("-"))
            date(year, month, 1)
        except ValueError:
            return None
        return cls(year, month) if 2000 <= year <= 2100 else None

    @property
    def starts_at(self) -> datetime:
        return timezone.make_aware(datetime(self.year, self.month, 1))

    @property
    def ends_at(self) -> datetime:
        """The first instant of the next month (exclusive)."""
        return self.next().starts_at

    def next(self) -> "Month":
        return Month(self.year + self.month // 12, self.month % 12 + 1)

    def previous(self) -> "Month":
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"


def measured_at(month: Month, now: datetime | None = None) -> datetime:
    """The instant a month is measured at: its end, or now while it runs."""
    now = now or timezone.now()
    return min(now, month.ends_at)


def timely_q(as_of: datetime, *, exclude_wait: bool | None = None) -> Q:
    """Attended by `as_of`, in less than 24 hours from its reception (23:59:59
    is in time, 24:00:00 is not)."""
    if exclude_wait is None:
        exclude_wait = excludes_customer_wait()
    limit = F("received_at") + timedelta(hours=ATTENTION_HOURS)
    if exclude_wait:
        limit = limit + F("customer_wait")
    deadline = ExpressionWrapper(limit, output_field=DateTimeField())
    return Q(attended_at__lte=as_of, attended_at__lt=deadline)


def reiterated_q() -> Q:
    """A later request reiterates it within REITERATION_DAYS of its closing,
    or it needed a second visit itself (`second_visit_q`)."""
    window = ExpressionWrapper(
        OuterRef("closed_at") + timedelta(days=REITERATION_DAYS), output_field=DateTimeField()
    )
    later = Exists(
        Case.objects.filter(reiterates=OuterRef("pk"), received_at__lte=window).only("pk")
    )
    return Q(later) | Q(second_visit_q())


def second_visit_q() -> Exists:
    """Procedure E (and J, K, which run it): a visit of the case failed and
    the case registered the damage again — one of its work orders reiterates
    another of its own, closed attended without solution. A failed visit
    inside the case counts as a reiteration; one after which the case ended
    counts only if a new request reiterates it within REITERATION_DAYS."""
    return Exists(
        WorkOrder.objects.filter(case=OuterRef("pk"), reiterates__case=OuterRef("pk")).only("pk")
    )


def effective_q(as_of: datetime) -> Q:
    """Closed by `as_of` with an effective outcome, its quality call not "not
    conform", and not reiterated within 30 days."""
    return (
        Q(status=CaseStatus.CLOSED, closed_at__lte=as_of, outcome__in=EFFECTIVE_OUTCOMES)
        & ~Q(quality_conform=False)
        & ~reiterated_q()
    )


def cancelled_q(as_of: datetime) -> Q:
    """Cancelled by hand by `as_of` (the team lead or the division head, with a
    reason): neither answered nor failed, it leaves both indicators — their
    numerators and their denominator — and is counted on its own."""
    return Q(outcome=Outcome.CANCELLED, closed_at__lte=as_of)


def open_q(as_of: datetime) -> Q:
    """Still open when measured: counts as neither effective nor timely."""
    return Q(closed_at__isnull=True) | Q(closed_at__gt=as_of)


def classified(cases, as_of: datetime, *, exclude_wait: bool | None = None):
    """The cases with how each counts: is_effective, is_timely, is_open,
    is_reiterated, is_cancelled (a cancelled one counts in neither indicator)."""

    def flag(condition):
        # CASE WHEN, not the bare condition: SQL's NULL (no attended time yet) is "no".
        return Choose(
            When(condition, then=Value(True)), default=Value(False), output_field=BooleanField()
        )

    return cases.annotate(
        is_effective=flag(effective_q(as_of)),
        is_timely=flag(timely_q(as_of, exclude_wait=exclude_wait) & ~cancelled_q(as_of)),
        is_open=flag(open_q(as_of)),
        is_reiterated=flag(Q(reiterated_q())),
        is_cancelled=flag(cancelled_q(as_of)),
    )


def percentage(part: int, whole: int) -> Decimal | None:
    if not whole:
        return None
    return (Decimal(part) * 100 / Decimal(whole)).quantize(Decimal("0.1"), ROUND_HALF_UP)


class Verdict:
    ACCEPTED = "accepted"
    OBSERVED = "observed"
    NO_REQUESTS = "no_requests"

    LABELS = {
        ACCEPTED: _("Accepted"),
        OBSERVED: _("Observed"),
        NO_REQUESTS: _("No requests"),
    }


def verdict(part: int, whole: int, target: Decimal) -> str:
    """Accepted at or above the target (compared exactly, not on the rounded
    figure), observed below."""
    if not whole:
        return Verdict.NO_REQUESTS
    return Verdict.ACCEPTED if Decimal(part) * 100 >= target * whole else Verdict.OBSERVED
