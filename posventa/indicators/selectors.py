"""Reads for the indicators: a month's figures, their break-downs, the trend,
and the cases behind every number — scoped by who asks, counted in the database."""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.accounts.models import User
from posventa.accounts.roles import Capability, Role, can
from posventa.cases.models import Case, CaseStatus, Outcome, Procedure
from posventa.cases.rules import ATTENTION_HOURS, warning_hours
from posventa.common.models import Channel
from posventa.indicators.definitions import (
    DEFINITION,
    EFFICACY_TARGET,
    TEAM_FIGURES,
    TIMELINESS_TARGET,
    Month,
    cancelled_q,
    classified,
    closed_counted_q,
    effective_q,
    excludes_customer_wait,
    late_q,
    measured_at,
    open_q,
    percentage,
    requested_in_q,
    team_received_in_q,
    timely_q,
    verdict,
    within_time_q,
)
from posventa.indicators.models import MonthClose

logger = logging.getLogger(__name__)

# The break-downs of the dashboard: name → the case field they group by.
BREAKDOWNS = {
    "procedure": "procedure",
    "executive": "company__executive",
    "role": "attended_role",  # the role whose step answered the request
    "channel": "channel",
}
NO_ROLE = "-"  # the role filter for requests not answered yet

# What a number of the dashboard stands for → the cases behind it.
INDICATOR_FILTERS = (
    "all",
    "effective",
    "not_effective",
    "timely",
    "not_timely",
    "open",
    "cancelled",
    # The live month's split of the requests: closed, still inside their 24
    # hours (neither pass nor fail yet), open with their 24 hours passed.
    "closed",
    "within_time",
    "late",
)
# Every list a figure leads to: the indicators' and the team's own figures'.
CASE_LISTS = (*INDICATOR_FILTERS, *TEAM_FIGURES)


def may_see_indicators(user) -> bool:
    return can(user, Capability.VIEW_TEAM_INDICATORS) or can(user, Capability.OWN_PORTFOLIO)


def cases_measured_for(user) -> QuerySet[Case]:
    """The team's cases for the team lead and the division head; her own
    portfolio's for an executive; none for anyone else."""
    if can(user, Capability.VIEW_TEAM_INDICATORS):
        return Case.objects.all()
    if can(user, Capability.OWN_PORTFOLIO):
        return Case.objects.filter(company__executive=user)
    return Case.objects.none()


def month_cases(user, month: Month) -> QuerySet[Case]:
    """The requests a month counts: the customers' requests that reached the
    team in it (`requested_at`). The team's own cases with no request in them
    are in no month's indicators."""
    return cases_measured_for(user).filter(requested_in_q(month))


def team_month_cases(user, month: Month) -> QuerySet[Case]:
    """The cases the team started in the month (I, J, K), which its own
    figures count."""
    return cases_measured_for(user).filter(team_received_in_q(month))


@dataclass(frozen=True)
class Figures:
    """A month's counts and its two indicators. While the month runs (`live`),
    the requests still inside their 24 hours (`within_time`) neither pass nor
    fail yet: the "so far" figures judge the others (`judged`); measured at
    the month's end, every request is judged (what is still open fails)."""

    total: int  # the requests the indicators count: cancelled ones are not among them
    effective: int
    timely: int
    open: int
    cancelled: int = 0  # received in the month and cancelled by hand: counted apart
    within_time: int = 0  # open, still inside its 24 hours at the measuring instant
    within_time_timely: int = 0  # of those, already attended (in time)
    live: bool = False  # measured now, while the month runs

    @property
    def closed(self) -> int:
        """Closed by the measuring instant (not by cancelling)."""
        return self.total - self.open

    @property
    def late(self) -> int:
        """Open with its 24 hours passed."""
        return self.open - self.within_time

    @property
    def waiting(self) -> int:
        """Left out of the "so far" figures: inside their 24 hours, live only."""
        return self.within_time if self.live else 0

    @property
    def judged(self) -> int:
        """The requests the "so far" figures judge."""
        return self.total - self.waiting

    @property
    def timely_so_far(self) -> int:
        return self.timely - (self.within_time_timely if self.live else 0)

    @property
    def not_effective(self) -> int:
        return self.total - self.effective

    @property
    def not_timely(self) -> int:
        return self.total - self.timely

    @property
    def not_effective_so_far(self) -> int:
        return self.judged - self.effective

    @property
    def not_timely_so_far(self) -> int:
        return self.judged - self.timely_so_far

    @property
    def efficacy_so_far(self) -> Decimal | None:
        return percentage(self.effective, self.judged)

    @property
    def timeliness_so_far(self) -> Decimal | None:
        return percentage(self.timely_so_far, self.judged)

    @property
    def efficacy_verdict_so_far(self) -> str:
        return verdict(self.effective, self.judged, EFFICACY_TARGET, waiting=self.waiting)

    @property
    def timeliness_verdict_so_far(self) -> str:
        return verdict(self.timely_so_far, self.judged, TIMELINESS_TARGET, waiting=self.waiting)

    @property
    def efficacy(self) -> Decimal | None:
        return percentage(self.effective, self.total)

    @property
    def timeliness(self) -> Decimal | None:
        return percentage(self.timely, self.total)

    @property
    def efficacy_verdict(self) -> str:
        return verdict(self.effective, self.total, EFFICACY_TARGET)

    @property
    def timeliness_verdict(self) -> str:
        return verdict(self.timely, self.total, TIMELINESS_TARGET)


def _counts(as_of: datetime, exclude_wait: bool) -> dict:
    # A case cancelled by the measuring instant leaves every figure but its own
    # (an effective or open one cannot be cancelled: the conditions exclude it).
    counted = ~cancelled_q(as_of)
    return {
        "total": Count("pk", filter=counted),
        "effective": Count("pk", filter=effective_q(as_of)),
        "timely": Count("pk", filter=timely_q(as_of, exclude_wait=exclude_wait) & counted),
        "open": Count("pk", filter=open_q(as_of)),
        "cancelled": Count("pk", filter=cancelled_q(as_of)),
        "within_time": Count("pk", filter=within_time_q(as_of, exclude_wait=exclude_wait)),
        "within_time_timely": Count(
            "pk",
            filter=within_time_q(as_of, exclude_wait=exclude_wait)
            & timely_q(as_of, exclude_wait=exclude_wait),
        ),
    }


FIGURE_COUNTS = (
    "total",
    "effective",
    "timely",
    "open",
    "cancelled",
    "within_time",
    "within_time_timely",
)


@dataclass(frozen=True)
class MonthReport:
    month: Month
    as_of: datetime
    excludes_customer_wait: bool
    figures: Figures
    breakdowns: dict = field(default_factory=dict)  # name → [(key, label, Figures)]

    @property
    def is_running(self) -> bool:
        return self.as_of < self.month.ends_at


def month_figures(user, month: Month, *, now: datetime | None = None) -> Figures:
    as_of = measured_at(month, now)
    row = month_cases(user, month).aggregate(**_counts(as_of, excludes_customer_wait()))
    return Figures(**row, live=as_of < month.ends_at)


def month_report(user, month: Month, *, now: datetime | None = None) -> MonthReport:
    """The month's two indicators and their break-downs by procedure,
    executive, role and channel: the database counts the month once, grouped
    by all four at once (a few hundred groups), and the break-downs add those
    groups up."""
    as_of = measured_at(month, now)
    exclude_wait = excludes_customer_wait()
    groups = list(
        month_cases(user, month)
        .values(**{f"by_{name}": F(path) for name, path in BREAKDOWNS.items()})
        .annotate(**_counts(as_of, exclude_wait))
        .order_by()
    )
    live = as_of < month.ends_at
    figures = _sum(groups, live)
    breakdowns = {}
    for name in BREAKDOWNS:
        keys = sorted({g[f"by_{name}"] for g in groups}, key=lambda key: (key is None, key or ""))
        labels = _labels(name, keys)
        breakdowns[name] = [
            (key, labels.get(key, key), _sum((g for g in groups if g[f"by_{name}"] == key), live))
            for key in keys
        ]
    return MonthReport(month, as_of, exclude_wait, figures, breakdowns)


def _sum(groups, live: bool) -> Figures:
    totals = dict.fromkeys(FIGURE_COUNTS, 0)
    for group in groups:
        for name in totals:
            totals[name] += group[name]
    return Figures(**totals, live=live)


def _labels(name: str, keys: list) -> dict:
    if name == "procedure":
        return dict(Procedure.choices)
    if name == "channel":
        return dict(Channel.choices)
    if name == "role":
        return {**dict(Role.choices), "": _("Not answered yet")}
    users = User.objects.filter(pk__in=[k for k in keys if k is not None])
    return {user.pk: user.get_full_name() or user.username for user in users}


@dataclass(frozen=True)
class TeamCount:
    """One figure of the team's own work in a month (`definitions.TEAM_FIGURES`)."""

    name: str
    procedure: str
    label: str
    count: int


def team_figures(user, month: Month, *, now: datetime | None = None) -> list[TeamCount]:
    """The team's own work of the month — collections (I), loyalty calls (J),
    preventive reviews (K) — as it stood at the measuring instant: one
    aggregate query over the cases the team started in the month. Never part
    of the indicators' denominator."""
    as_of = measured_at(month, now)
    row = team_month_cases(user, month).aggregate(
        **{name: Count("pk", filter=figure.q(as_of)) for name, figure in TEAM_FIGURES.items()}
    )
    return [
        TeamCount(name, figure.procedure, str(figure.label), row[name])
        for name, figure in TEAM_FIGURES.items()
    ]


def trend(
    user,
    last: Month,
    *,
    months: int = 12,
    now: datetime | None = None,
    last_figures: Figures | None = None,
) -> list[tuple[Month, Figures]]:
    """The two indicators month by month, the oldest first. `last` is counted
    now (or taken from `last_figures`, the page's own count of it); the
    months before it, once ended, come from the cache when counted less than
    TREND_CACHE_SECONDS ago — one round trip for all of them."""
    now = now or timezone.now()
    before, month = [], last
    while len(before) < months - 1:
        month = month.previous()
        before.insert(0, month)
    scope = "team" if can(user, Capability.VIEW_TEAM_INDICATORS) else f"user-{user.pk}"
    prefix = f"indicators:month:{DEFINITION}:{excludes_customer_wait():d}:{scope}"
    keys = {m: f"{prefix}:{m}" for m in before if measured_at(m, now) >= m.ends_at}
    kept = _cache_call("get_many", list(keys.values())) or {}
    figures = {m: kept.get(keys.get(m)) or month_figures(user, m, now=now) for m in before}
    fresh = {key: figures[m] for m, key in keys.items() if key not in kept}
    if fresh:
        _cache_call("set_many", fresh, TREND_CACHE_SECONDS)
    this = last_figures or month_figures(user, last, now=now)
    return [*((m, figures[m]) for m in before), (last, this)]


# An ended month's figures change only when a case of it is changed after
# the fact (a request registered late, a reiteration within 30 days): the
# trend's past months may be this many seconds behind; the month the
# dashboard shows never is (`trend`'s `last`, counted now). Production
# shares the cache between its processes (Redis: settings.CACHES).
TREND_CACHE_SECONDS = 300


def _cache_call(method: str, *args):
    """The cache's answer, or None when it does not answer (Redis stopped):
    the figures are then counted anew, the page still answers."""
    try:
        return getattr(cache, method)(*args)
    except Exception as error:  # redis's ConnectionError, TimeoutError…
        logger.warning("Cache unavailable (%s): the trend is counted anew", error)
        return None


def cases_behind(
    user,
    month: Month,
    *,
    indicator: str = "all",
    procedure: str = "",
    executive: int | None = None,
    channel: str = "",
    role: str = "",
    now: datetime | None = None,
) -> QuerySet[Case]:
    """The cases a number of the dashboard counts: one of the indicators' or
    one of the team's own figures (`CASE_LISTS`)."""
    as_of = measured_at(month, now)
    if indicator in TEAM_FIGURES:
        cases = team_month_cases(user, month).filter(TEAM_FIGURES[indicator].q(as_of))
        return _filtered(cases, procedure, executive, channel, role).order_by("received_at", "pk")
    cases = month_cases(user, month)
    counted = ~cancelled_q(as_of)  # a cancelled case is behind no number but its own
    # While the month runs, the requests still inside their 24 hours are behind
    # neither an indicator's passes nor its failures: the "so far" figures.
    judged = counted
    if as_of < month.ends_at:
        judged = counted & ~within_time_q(as_of)
    conditions = {
        "all": counted,
        "effective": effective_q(as_of),
        "not_effective": ~effective_q(as_of) & judged,
        "timely": timely_q(as_of) & judged,
        "not_timely": (~timely_q(as_of) | Q(attended_at__isnull=True)) & judged,
        "open": open_q(as_of),
        "cancelled": cancelled_q(as_of),
        "closed": closed_counted_q(as_of),
        "within_time": within_time_q(as_of),
        "late": late_q(as_of),
    }
    if indicator in conditions:
        cases = cases.filter(conditions[indicator])
    return _filtered(cases, procedure, executive, channel, role).order_by("requested_at", "pk")


def _filtered(cases, procedure: str, executive: int | None, channel: str, role: str):
    if procedure:
        cases = cases.filter(procedure=procedure)
    if executive:
        cases = cases.filter(company__executive_id=executive)
    if channel:
        cases = cases.filter(channel=channel)
    if role:
        cases = cases.filter(attended_role="" if role == NO_ROLE else role)
    return cases.select_related("company__executive", "cancelled_by")


def current_month() -> Month:
    return Month.of(timezone.now())


# --- closed months ------------------------------------------------------------


@dataclass(frozen=True)
class Counted:
    """How a case counted in a month's indicators (a case outside the
    month's denominator has none: cancelled, or not among its requests)."""

    effective: bool
    timely: bool


@dataclass(frozen=True)
class Difference:
    """A case that counts differently today than when its month was closed."""

    case_number: str
    procedure: str
    then: Counted | None  # None: not in the month's denominator at the close
    now: Counted | None  # None: not in it today
    reasons: tuple[str, ...]  # codes of REASONS
    reason: str  # what the page says, with the case's dates


# Why a case counts differently today: code → what it says, without the
# case's own details (the summary of a recomputed month).
REASONS = {
    "team_initiated": gettext_lazy(
        "outside the indicators: the team started it (procedure I, J or K)"
    ),
    "request_elsewhere": gettext_lazy(
        "counted in the month the customer's request reached the team"
    ),
    "request_now": gettext_lazy("counted from the damage the customer reported in the team's call"),
    "registered_late": gettext_lazy("registered after the month was closed"),
    "declined": gettext_lazy("now counts as answered: the customer chose"),
    "quality_visit": gettext_lazy("quality call of the visit: not conform"),
    "quality": gettext_lazy("quality call result changed"),
    "reiterated": gettext_lazy("reiterated by a later request"),
    "outcome": gettext_lazy("outcome changed"),
    "from_request": gettext_lazy(
        "24 hours measured from the customer's request, not from the team's call"
    ),
    "attended": gettext_lazy("attended time changed"),
    "closed": gettext_lazy("closing time changed"),
    "wait": gettext_lazy("time waiting for the customer changed"),
    "wait_setting": gettext_lazy("the customer-wait setting changed"),
    "definitions": gettext_lazy("the definitions changed"),
}


def month_close_for(month: Month):
    return (
        MonthClose.objects.select_related("closed_by")
        .filter(year=month.year, month=month.month)
        .first()
    )


def _local(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%d/%m/%Y %H:%M")


def _detail(code: str, case) -> str:
    """A reason with the case's own details, where it has any."""
    if code == "team_initiated":
        return _("outside the indicators: the team started it (procedure %(procedure)s)") % {
            "procedure": case.procedure
        }
    if code == "request_elsewhere":
        return _("counted in %(month)s: the customer's request reached the team on %(when)s") % {
            "month": Month.of(case.requested_at).starts_at.strftime("%m/%Y"),
            "when": _local(case.requested_at),
        }
    if code in ("request_now", "from_request"):
        return _(
            "counted from the damage the customer reported on %(when)s, not from the call "
            "of %(call)s"
        ) % {"when": _local(case.requested_at), "call": _local(case.received_at)}
    return str(REASONS[code])


def _sentence(text: str) -> str:
    """The first letter upper case, the rest as written (a procedure's letter stays)."""
    return text[:1].upper() + text[1:]


def _text(codes: list[str], case) -> str:
    return _sentence("; ".join(_detail(code, case) for code in codes))


def _counted_then(row, as_of: datetime) -> Counted | None:
    if row.outcome == Outcome.CANCELLED and row.closed_at and row.closed_at <= as_of:
        return None
    return Counted(row.effective, row.timely)


def month_close_differences(close, user) -> tuple[Figures, list[Difference]]:
    """Recompute a closed month now: its figures today and, case by case, what
    counts differently from the close and why — the cases of the close no
    longer among the month's requests (the team's own, a request counted in
    another month), the ones among them now that were not then, and a
    verdict that changed."""
    month = Month(close.year, close.month)
    as_of = close.measured_at
    exclude_wait = excludes_customer_wait()
    now_cases = month_cases(user, month)
    now_figures = Figures(**now_cases.aggregate(**_counts(as_of, exclude_wait)))  # never live
    snapshot = {
        row.case_id: row
        for row in close.cases.filter(case__in=cases_measured_for(user)).select_related("case")
    }
    differences = []
    for case in classified(now_cases, as_of, exclude_wait=exclude_wait):
        now = None if case.is_cancelled else Counted(case.is_effective, case.is_timely)
        then_row = snapshot.pop(case.pk, None)
        if then_row is None:
            if now is not None:
                codes = _new_in_month(case, close, month)
                differences.append(
                    Difference(
                        case.number, case.procedure, None, now, tuple(codes), _new_text(codes, case)
                    )
                )
            continue
        then = _counted_then(then_row, as_of)
        if then != now:
            codes = _why(then_row, case, close, exclude_wait)
            differences.append(
                Difference(case.number, case.procedure, then, now, tuple(codes), _text(codes, case))
            )
    # The cases of the close that are no longer among the month's requests.
    for row in snapshot.values():
        then = _counted_then(row, as_of)
        if then is None:
            continue
        case = row.case
        codes = ["team_initiated" if case.requested_at is None else "request_elsewhere"]
        differences.append(
            Difference(case.number, case.procedure, then, None, tuple(codes), _text(codes, case))
        )
    differences.sort(key=lambda d: d.case_number)
    return now_figures, differences


def _new_in_month(case, close, month: Month) -> list[str]:
    received_in_month = month.starts_at <= case.received_at < month.ends_at
    if received_in_month and case.created_at > close.created_at:
        return ["registered_late"]
    if not received_in_month or case.requested_at != case.received_at:
        return ["request_now"]
    return ["definitions"]


def _new_text(codes: list[str], case) -> str:
    if codes == ["registered_late"]:
        return _("Registered after the month was closed.")
    return _text(codes, case)


def _why(then, case, close, exclude_wait) -> list[str]:
    reasons = []
    if then.reiterated != case.is_reiterated:
        reasons.append("reiterated")
    if then.quality_conform != case.quality_conform:
        not_conform_visit = case.procedure == "L" and case.quality_conform is False
        reasons.append("quality_visit" if not_conform_visit else "quality")
    if then.outcome != case.outcome:
        reasons.append("declined" if case.outcome == Outcome.DECLINED else "outcome")
    elif case.outcome == Outcome.DECLINED and then.effective != case.is_effective:
        reasons.append("declined")  # a customer's choice was not an answer then
    # A closed month of the first definition measured the 24 hours from the
    # reception (`ClosedCase.requested_at` empty).
    then_from = then.requested_at or case.received_at
    if then_from != case.requested_at:
        reasons.append("from_request")
    if then.attended_at != case.attended_at:
        reasons.append("attended")
    if then.closed_at != case.closed_at:
        reasons.append("closed")
    if then.customer_wait != case.customer_wait:
        reasons.append("wait")
    if close.excludes_customer_wait != exclude_wait:
        reasons.append("wait_setting")
    return reasons or ["definitions"]


def reason_summary(differences: list[Difference]) -> list[tuple[str, str, int]]:
    """How many cases each reason moved: (code, what it says, cases), in
    REASONS' order."""
    counts = dict.fromkeys(REASONS, 0)
    for difference in differences:
        for code in set(difference.reasons):
            counts[code] += 1
    return [(code, _sentence(str(REASONS[code])), n) for code, n in counts.items() if n]


# --- the 24-hour watch --------------------------------------------------------


def watch_cases(user, *, now: datetime | None = None) -> dict:
    """The customers' requests not answered yet whose 24 hours (from the
    request) are about to pass (`at_risk`, from the warning hour) or passed
    (`late`), oldest first. A case the team started with no request in it is
    never here."""
    now = now or timezone.now()
    unanswered = (
        cases_measured_for(user)
        .filter(attended_at__isnull=True)
        .exclude(status=CaseStatus.CLOSED)
        .filter(requested_at__lte=now - timedelta(hours=warning_hours()))
        .select_related("company__executive")
        .order_by("requested_at")
    )
    passed = now - timedelta(hours=ATTENTION_HOURS)
    return {
        "at_risk": unanswered.filter(requested_at__gt=passed),
        "late": unanswered.filter(requested_at__lte=passed),
    }
