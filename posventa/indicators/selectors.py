"""Reads for the indicators: a month's figures, their break-downs, the trend,
and the cases behind every number — scoped by who asks, counted in the database."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.models import User
from posventa.accounts.roles import Capability, Role, can
from posventa.cases.models import Case, CaseStatus, Procedure
from posventa.cases.rules import ATTENTION_HOURS, warning_hours
from posventa.common.models import Channel
from posventa.indicators.definitions import (
    EFFICACY_TARGET,
    TIMELINESS_TARGET,
    Month,
    cancelled_q,
    classified,
    effective_q,
    excludes_customer_wait,
    measured_at,
    open_q,
    percentage,
    timely_q,
    verdict,
)
from posventa.indicators.models import MonthClose

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
)


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
    """The requests a month counts: those received in it."""
    return cases_measured_for(user).filter(
        received_at__gte=month.starts_at, received_at__lt=month.ends_at
    )


@dataclass(frozen=True)
class Figures:
    total: int  # the requests the indicators count: cancelled ones are not among them
    effective: int
    timely: int
    open: int
    cancelled: int = 0  # received in the month and cancelled by hand: counted apart

    @property
    def not_effective(self) -> int:
        return self.total - self.effective

    @property
    def not_timely(self) -> int:
        return self.total - self.timely

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
    }


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
    return Figures(**row)


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
    figures = _sum(groups)
    breakdowns = {}
    for name in BREAKDOWNS:
        keys = sorted({g[f"by_{name}"] for g in groups}, key=lambda key: (key is None, key or ""))
        labels = _labels(name, keys)
        breakdowns[name] = [
            (key, labels.get(key, key), _sum(g for g in groups if g[f"by_{name}"] == key))
            for key in keys
        ]
    return MonthReport(month, as_of, exclude_wait, figures, breakdowns)


def _sum(groups) -> Figures:
    totals = dict.fromkeys(("total", "effective", "timely", "open", "cancelled"), 0)
    for group in groups:
        for name in totals:
            totals[name] += group[name]
    return Figures(**totals)


def _labels(name: str, keys: list) -> dict:
    if name == "procedure":
        return dict(Procedure.choices)
    if name == "channel":
        return dict(Channel.choices)
    if name == "role":
        return {**dict(Role.choices), "": _("Not answered yet")}
    users = User.objects.filter(pk__in=[k for k in keys if k is not None])
    return {user.pk: user.get_full_name() or user.username for user in users}


def trend(user, last: Month, *, months: int = 12, now: datetime | None = None):
    """The two indicators month by month, the oldest first."""
    series, month = [], last
    for _index in range(months):
        series.append((month, month_figures(user, month, now=now)))
        month = month.previous()
    return list(reversed(series))


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
    """The cases a number of the dashboard counts."""
    as_of = measured_at(month, now)
    cases = month_cases(user, month)
    counted = ~cancelled_q(as_of)  # a cancelled case is behind no number but its own
    conditions = {
        "all": counted,
        "effective": effective_q(as_of),
        "not_effective": ~effective_q(as_of) & counted,
        "timely": timely_q(as_of) & counted,
        "not_timely": (~timely_q(as_of) | Q(attended_at__isnull=True)) & counted,
        "open": open_q(as_of),
        "cancelled": cancelled_q(as_of),
    }
    if indicator in conditions:
        cases = cases.filter(conditions[indicator])
    if procedure:
        cases = cases.filter(procedure=procedure)
    if executive:
        cases = cases.filter(company__executive_id=executive)
    if channel:
        cases = cases.filter(channel=channel)
    if role:
        cases = cases.filter(attended_role="" if role == NO_ROLE else role)
    return cases.select_related("company__executive", "cancelled_by").order_by("received_at", "pk")


def current_month() -> Month:
    return Month.of(timezone.now())


# --- closed months ------------------------------------------------------------


@dataclass(frozen=True)
class Difference:
    case_number: str
    indicator: str  # "effective" or "timely"
    then: bool
    now: bool
    reason: str


def month_close_for(month: Month):
    return (
        MonthClose.objects.select_related("closed_by")
        .filter(year=month.year, month=month.month)
        .first()
    )


def month_close_differences(close, user) -> tuple[Figures, list[Difference]]:
    """Recompute a closed month now: its figures today and, case by case, what
    counts differently from the close and why."""
    month = Month(close.year, close.month)
    as_of = close.measured_at
    exclude_wait = excludes_customer_wait()
    now_figures = Figures(**month_cases(user, month).aggregate(**_counts(as_of, exclude_wait)))
    snapshot = {row.case_id: row for row in close.cases.all()}
    differences = []
    for case in classified(month_cases(user, month), as_of, exclude_wait=exclude_wait):
        then = snapshot.get(case.pk)
        if then is None:
            reason = _("Registered after the month was closed.")
            for indicator in ("effective", "timely"):
                differences.append(
                    Difference(
                        case.number, indicator, False, getattr(case, f"is_{indicator}"), reason
                    )
                )
            continue
        for indicator in ("effective", "timely"):
            was, is_now = getattr(then, indicator), getattr(case, f"is_{indicator}")
            if was != is_now:
                differences.append(
                    Difference(
                        case.number, indicator, was, is_now, _why(then, case, close, exclude_wait)
                    )
                )
    return now_figures, differences


def _why(then, case, close, exclude_wait) -> str:
    reasons = []
    if then.reiterated != case.is_reiterated:
        reasons.append(_("reiterated by a later request"))
    if then.quality_conform != case.quality_conform:
        reasons.append(_("quality call result changed"))
    if then.outcome != case.outcome:
        reasons.append(_("outcome changed"))
    if then.attended_at != case.attended_at:
        reasons.append(_("attended time changed"))
    if then.closed_at != case.closed_at:
        reasons.append(_("closing time changed"))
    if then.customer_wait != case.customer_wait:
        reasons.append(_("time waiting for the customer changed"))
    if close.excludes_customer_wait != exclude_wait:
        reasons.append(_("the customer-wait setting changed"))
    if not reasons:
        reasons.append(_("the definitions changed"))
    return "; ".join(reasons).capitalize()


# --- the 24-hour watch --------------------------------------------------------


def watch_cases(user, *, now: datetime | None = None) -> dict:
    """The requests not answered yet whose 24 hours are about to pass
    (`at_risk`, from the warning hour) or passed (`late`), oldest first."""
    now = now or timezone.now()
    unanswered = (
        cases_measured_for(user)
        .filter(attended_at__isnull=True)
        .exclude(status=CaseStatus.CLOSED)
        .filter(received_at__lte=now - timedelta(hours=warning_hours()))
        .select_related("company__executive")
        .order_by("received_at")
    )
    passed = now - timedelta(hours=ATTENTION_HOURS)
    return {
        "at_risk": unanswered.filter(received_at__gt=passed),
        "late": unanswered.filter(received_at__lte=passed),
    }
