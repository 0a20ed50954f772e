"""The manual's two indicators (section III), and the team's own figures,
defined once.

Written out, with the reasons, in docs/indicators.md. Every figure of the
dashboard, the month's report and the API comes from these expressions; the
counting happens in the database.

The indicators count the requests "que realiza el cliente Empresas": a case
with `requested_at` (when the customer's request reached the team). The
cases the team starts itself (collections, loyalty calls, preventive
reviews: `catalog.TEAM_INITIATED`) have none, unless the customer reports a
damage in them; their work is counted apart (`TEAM_FIGURES`), never in the
indicators' denominator.
"""

from collections.abc import Callable
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
from django.db.models.lookups import GreaterThan
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from posventa.cases.models import Case, CaseStatus, Outcome
from posventa.cases.rules import ATTENTION_HOURS
from posventa.collections.models import PaymentPromise
from posventa.engine.models import TaskEvent
from posventa.procedures.catalog import TEAM_INITIATED
from posventa.reviews.models import Opportunity, OpportunityOutcome
from posventa.workorders.models import WorkOrder

# Accepted at or above (the manual leaves exactly 98 % / 95 % unassigned:
# PROCEDURES.md counts it as accepted).
EFFICACY_TARGET = Decimal("98")
TIMELINESS_TARGET = Decimal("95")

# The outcomes where the team gave the request its answer: done, retained,
# answered with the rule or the network's "no", answered and the customer
# chose not to go ahead (keeps the service rather than pay the penalty,
# declines an offer), or — for a debtor who did not promise to pay — the
# dunning letter delivered. A request that ended because the customer did not
# bring the requirements or gave up was not attended effectively.
EFFECTIVE_OUTCOMES = (
    Outcome.FULFILLED,
    Outcome.RETAINED,
    Outcome.REFUSED,
    Outcome.NOT_FEASIBLE,
    Outcome.DECLINED,
    Outcome.DUNNING_LETTER,
)

# The definition the month's figures are counted by, frozen with each closed
# month (`MonthClose.definition`): 1 counted every case received in the
# month; 2 counts the customers' requests (`requested_at`) and a customer's
# choice as an answer (docs/indicators.md, "Changes to the figures").
DEFINITION = 2

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


def requested_in_q(month: Month) -> Q:
    """The customers' requests of a month: those that reached the team in it
    (La Paz time). A case the team started with no request in it (I, J, K,
    `requested_at` empty) is in no month."""
    return Q(requested_at__gte=month.starts_at, requested_at__lt=month.ends_at)


def team_received_in_q(month: Month) -> Q:
    """The cases the team started in a month (I, J, K): what its own figures
    count, whether or not a damage made them customers' requests too."""
    return Q(
        procedure__in=TEAM_INITIATED,
        received_at__gte=month.starts_at,
        received_at__lt=month.ends_at,
    )


def deadline(*, exclude_wait: bool | None = None) -> ExpressionWrapper:
    """The end of a request's 24 hours: from the customer's request, plus the
    time it waited for the customer when the setting leaves that out."""
    if exclude_wait is None:
        exclude_wait = excludes_customer_wait()
    limit = F("requested_at") + timedelta(hours=ATTENTION_HOURS)
    if exclude_wait:
        limit = limit + F("customer_wait")
    return ExpressionWrapper(limit, output_field=DateTimeField())


def timely_q(as_of: datetime, *, exclude_wait: bool | None = None) -> Q:
    """Attended by `as_of`, in less than 24 hours from the customer's request
    (23:59:59 is in time, 24:00:00 is not)."""
    return Q(attended_at__lte=as_of, attended_at__lt=deadline(exclude_wait=exclude_wait))


def reiterated_q() -> Q:
    """A later request reiterates it within REITERATION_DAYS of its closing,
    or it needed a second visit itself (`second_visit_q`)."""
    window = ExpressionWrapper(
        OuterRef("closed_at") + timedelta(days=REITERATION_DAYS), output_field=DateTimeField()
    )
    later = Exists(
        Case.objects.filter(reiterates=OuterRef("pk"), requested_at__lte=window).only("pk")
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


def within_time_q(as_of: datetime, *, exclude_wait: bool | None = None) -> Q:
    """Still open at `as_of` and still inside its 24 hours: while the month
    runs, such a request neither passes nor fails yet — it leaves both
    indicators' "so far" figures (`Figures.judged`). A finished month has no
    "not yet": what is open at its end counts as neither effective nor timely."""
    return open_q(as_of) & Q(GreaterThan(deadline(exclude_wait=exclude_wait), Value(as_of)))


def late_q(as_of: datetime, *, exclude_wait: bool | None = None) -> Q:
    """Still open at `as_of` with its 24 hours passed."""
    return open_q(as_of) & ~Q(GreaterThan(deadline(exclude_wait=exclude_wait), Value(as_of)))


def closed_counted_q(as_of: datetime) -> Q:
    """Closed by `as_of`, and not by cancelling: judged on both indicators."""
    return Q(closed_at__lte=as_of) & ~cancelled_q(as_of)


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
    NOT_YET = "not_yet"  # live: every request still inside its 24 hours

    LABELS = {
        ACCEPTED: _("Accepted"),
        OBSERVED: _("Observed"),
        NO_REQUESTS: _("No requests"),
        NOT_YET: _("Nothing to judge yet"),
    }


def verdict(part: int, whole: int, target: Decimal, *, waiting: int = 0) -> str:
    """Accepted at or above the target (compared exactly, not on the rounded
    figure), observed below. `waiting`: requests left out because they are
    still inside their 24 hours (live): with none judged, it is "not yet"."""
    if not whole:
        return Verdict.NOT_YET if waiting else Verdict.NO_REQUESTS
    return Verdict.ACCEPTED if Decimal(part) * 100 >= target * whole else Verdict.OBSERVED


# --- the team's own work (I, J, K): counted apart, never in the indicators --------------

# The steps and the end whose completion a figure reads (BPMN ids in
# procedures/bpmn/): the engine's event log says when each was done.
COLLECTION_CALL_STEP = "call_debtor"  # I 5: the debtor called by protocol
LOYALTY_CALL_STEP = "call_customer"  # J 2: the call by protocol
REVIEW_STEP = "review_customer"  # K 2: services, technology and damages checked
MIGRATION_OFFER_STEP = "send_migration_offer"  # K 12: the offer, with the customer's answer
MIGRATED_END = "end_migrated"  # K 17: migrated, the service checked with the customer


def step_done_q(bpmn_id: str, as_of: datetime, **data) -> Q:
    """The case's process completed that step by `as_of` (and the step's form
    sent `data`, when given)."""
    done = TaskEvent.objects.filter(
        instance_id=OuterRef("instance_id"),
        bpmn_id=bpmn_id,
        cancelled=False,
        ended_at__lte=as_of,
        **{f"data__{key}": value for key, value in data.items()},
    )
    return Q(Exists(done.only("pk")))


def became_request_q(as_of: datetime) -> Q:
    """A damage the customer reported in the team's call was registered by
    `as_of`: the case is a customer's request from then on (it counts in the
    indicators, in the month of `requested_at`)."""
    return Q(requested_at__lte=as_of)


@dataclass(frozen=True)
class TeamFigure:
    """One figure of the team's own work: which procedure's cases it counts,
    what it is called, and the condition a case meets by the measuring
    instant."""

    name: str
    procedure: str
    label: Promise
    condition: Callable[[datetime], Q]  # what the case meets by the measuring instant

    def q(self, as_of: datetime) -> Q:
        """The cases of the month this figure counts: of its procedure, not
        cancelled by `as_of` (as in the indicators), meeting the condition."""
        return Q(procedure=self.procedure) & ~cancelled_q(as_of) & self.condition(as_of)


def _opportunity_q(as_of: datetime, **extra) -> Q:
    """The sales proposal was sent and the customer answered it (K 11) by
    `as_of`: the opportunity has its outcome."""
    decided = Opportunity.objects.filter(
        case=OuterRef("pk"), decided_at__lte=as_of, **extra
    ).exclude(outcome=OpportunityOutcome.PENDING)
    return Q(Exists(decided.only("pk")))


# Every figure counts cases (each links to its list), of the team's cases
# received in the month, as they stood at the measuring instant.
TEAM_FIGURES = {
    figure.name: figure
    for figure in (
        # I · Collections: one case per debtor.
        TeamFigure(
            "collections_called",
            "I",
            _("Debtors called"),
            lambda as_of: step_done_q(COLLECTION_CALL_STEP, as_of),
        ),
        TeamFigure(
            "collections_promised",
            "I",
            _("Debtors who promised to pay"),
            lambda as_of: Q(
                Exists(
                    PaymentPromise.objects.filter(case=OuterRef("pk"), created_at__lte=as_of).only(
                        "pk"
                    )
                )
            ),
        ),
        TeamFigure(
            "collections_kept",
            "I",
            _("Debtors who kept their promise"),
            lambda as_of: Q(
                Exists(
                    PaymentPromise.objects.filter(
                        case=OuterRef("pk"), kept=True, checked_at__lte=as_of
                    ).only("pk")
                )
            ),
        ),
        TeamFigure(
            "collections_letters",
            "I",
            _("Dunning letters delivered"),
            lambda as_of: Q(outcome=Outcome.DUNNING_LETTER, closed_at__lte=as_of),
        ),
        # J · Loyalty and quality calls: one case per call.
        TeamFigure(
            "loyalty_calls",
            "J",
            _("Calls made"),
            lambda as_of: step_done_q(LOYALTY_CALL_STEP, as_of),
        ),
        TeamFigure(
            "loyalty_damages",
            "J",
            _("Problems found (damage registered: a customer's request)"),
            became_request_q,
        ),
        # K · Preventive review: one case per finding of the review list.
        TeamFigure(
            "reviews",
            "K",
            _("Customers' products reviewed"),
            lambda as_of: step_done_q(REVIEW_STEP, as_of),
        ),
        TeamFigure(
            "sales_offers",
            "K",
            _("Sales proposals made"),
            lambda as_of: _opportunity_q(as_of),
        ),
        TeamFigure(
            "sales_accepted",
            "K",
            _("Sales proposals accepted (passed to sales)"),
            lambda as_of: _opportunity_q(as_of, outcome=OpportunityOutcome.TO_SALES),
        ),
        TeamFigure(
            "fiber_offers",
            "K",
            _("Fiber migration offers made"),
            lambda as_of: step_done_q(MIGRATION_OFFER_STEP, as_of),
        ),
        TeamFigure(
            "fiber_accepted",
            "K",
            _("Fiber migration offers accepted"),
            lambda as_of: step_done_q(MIGRATION_OFFER_STEP, as_of, offer_accepted=True),
        ),
        TeamFigure(
            "migrations",
            "K",
            _("Migrations to fiber done"),
            lambda as_of: Q(
                status=CaseStatus.CLOSED,
                closed_at__lte=as_of,
                instance__result__end_event=MIGRATED_END,
            ),
        ),
        TeamFigure(
            "review_damages",
            "K",
            _("Damages found (registered: a customer's request)"),
            became_request_q,
        ),
    )
}
