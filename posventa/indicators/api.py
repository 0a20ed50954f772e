"""The indicators in the API: a month's figures with their break-downs, and
the cases behind any of them — the same selectors as the dashboard."""

from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from posventa.api.cases import ChannelCode, OutcomeCode, ProcedureCode
from posventa.api.errors import error_body, responses
from posventa.api.pagination import DEFAULT_LIMIT, PAGED, Limit, Offset, page
from posventa.api.types import Choice, Id, Text
from posventa.cases.models import Procedure
from posventa.common.models import Channel
from posventa.indicators import selectors
from posventa.indicators.definitions import EFFICACY_TARGET, TIMELINESS_TARGET, Month
from posventa.indicators.forms import INDICATOR_LABELS

router = Router(tags=["indicators"])


class FiguresOut(Schema):
    total: int
    effective: int
    timely: int
    open: int
    cancelled: int  # cancelled by hand: in neither indicator, counted apart
    efficacy: float | None
    timeliness: float | None
    efficacy_verdict: str
    timeliness_verdict: str
    # The live month's split (docs/indicators.md, "The live month"): closed,
    # open still inside its 24 hours (neither passes nor fails yet), open
    # with its 24 hours passed; the "so far" figures judge all but the
    # second. A finished month judges every request: there they equal the
    # figures above.
    closed: int
    within_time: int
    late: int
    judged: int
    efficacy_so_far: float | None
    timeliness_so_far: float | None
    efficacy_verdict_so_far: str  # accepted, observed, no_requests or not_yet
    timeliness_verdict_so_far: str


class BreakdownRowOut(Schema):
    key: str | int | None
    label: str
    figures: FiguresOut


class TeamFigureOut(Schema):
    key: str  # also the `indicator` of its cases (…/cases?indicator=key)
    procedure: ProcedureCode
    label: str
    count: int


class MonthOut(Schema):
    month: str
    measured_at: str
    running: bool
    excludes_customer_wait: bool
    efficacy_target: float
    timeliness_target: float
    figures: FiguresOut
    breakdowns: dict[str, list[BreakdownRowOut]]
    # The team's own work (I, J, K): never in the indicators' denominator.
    team: list[TeamFigureOut]


class CaseRowOut(Schema):
    number: str
    company: str
    procedure: ProcedureCode
    channel: ChannelCode
    received_at: str
    requested_at: str | None  # when the customer's request reached the team (none: the team's own)
    attended_at: str | None
    closed_at: str | None
    outcome: OutcomeCode
    quality_conform: bool | None
    cancel_reason: str  # why it was cancelled by hand (outcome "cancelled")


# Which cases behind a figure: an indicator's, or one of the team's own figures.
IndicatorCode = Choice([(name, INDICATOR_LABELS[name]) for name in selectors.CASE_LISTS])

# "2026-11": a month is seven characters; anything longer is not one.
MonthText = Text(7)


def _number(value) -> float | None:
    return float(value) if value is not None else None


def _figures(figures) -> dict:
    return {
        "total": figures.total,
        "effective": figures.effective,
        "timely": figures.timely,
        "open": figures.open,
        "cancelled": figures.cancelled,
        "efficacy": float(figures.efficacy) if figures.efficacy is not None else None,
        "timeliness": float(figures.timeliness) if figures.timeliness is not None else None,
        "efficacy_verdict": figures.efficacy_verdict,
        "timeliness_verdict": figures.timeliness_verdict,
        "closed": figures.closed,
        "within_time": figures.within_time,
        "late": figures.late,
        "judged": figures.judged,
        "efficacy_so_far": _number(figures.efficacy_so_far),
        "timeliness_so_far": _number(figures.timeliness_so_far),
        "efficacy_verdict_so_far": figures.efficacy_verdict_so_far,
        "timeliness_verdict_so_far": figures.timeliness_verdict_so_far,
    }


def _month(request, month: str) -> Month:
    if not selectors.may_see_indicators(request.user):
        raise PermissionDenied(_("Your role does not see the indicators."))
    parsed = Month.parse(month)
    if parsed is None:
        # Month.parse also keeps the year in 2000–2100, as the API's moments.
        raise ValueError(_("Give the month as YYYY-MM, e.g. 2026-11."))
    return parsed


def _refused(field: str, message: str) -> Status:
    return Status(422, error_body(422, message, {field: [message]}))


@router.get("/{month}", response=responses({200: MonthOut}, 403), url_name="indicators_month")
def month_indicators(request, month: MonthText):
    """Efficacy and timeliness of a month (YYYY-MM) — the customers' requests
    that reached the team in it — by procedure, executive, role and channel;
    and the team's own work (collections, loyalty calls, preventive reviews
    started in the month), counted apart."""
    try:
        parsed = _month(request, month)
    except ValueError as error:
        return _refused("month", str(error))
    report = selectors.month_report(request.user, parsed)
    team = selectors.team_figures(request.user, parsed)
    return {
        "month": str(parsed),
        "measured_at": report.as_of.isoformat(),
        "running": report.is_running,
        "excludes_customer_wait": report.excludes_customer_wait,
        "efficacy_target": float(EFFICACY_TARGET),
        "timeliness_target": float(TIMELINESS_TARGET),
        "figures": _figures(report.figures),
        "breakdowns": {
            name: [
                {"key": key, "label": str(label), "figures": _figures(figures)}
                for key, label, figures in rows
            ]
            for name, rows in report.breakdowns.items()
        },
        "team": [
            {"key": t.name, "procedure": t.procedure, "label": t.label, "count": t.count}
            for t in team
        ],
    }


@router.get(
    "/{month}/cases",
    response=responses({200: list[CaseRowOut]}, 403),
    url_name="indicators_cases",
    openapi_extra=PAGED,
)
def month_cases(
    request,
    response: HttpResponse,
    month: MonthText,
    indicator: IndicatorCode = "all",
    procedure: Choice(Procedure) | None = None,
    executive: Id | None = None,
    channel: Choice(Channel) | None = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
):
    """The cases behind a figure: indicator is all, effective, not_effective,
    timely, not_timely, open, cancelled, closed, within_time or late (the
    month's customers' requests; while the month runs, not_effective,
    timely and not_timely leave out those still inside their 24 hours,
    oldest request first), or the key of one of the team's own figures (the
    cases the team started in the month, oldest first); `limit` (at most
    500) cases from `offset`, X-Total-Count and Link telling the rest.
    Another portfolio's executive, as one that does not exist, gives no
    cases."""
    try:
        parsed = _month(request, month)
    except ValueError as error:
        return _refused("month", str(error))
    cases = selectors.cases_behind(
        request.user,
        parsed,
        indicator=indicator,
        procedure=procedure or "",
        executive=executive,
        channel=channel or "",
    )
    return [
        {
            "number": case.number,
            "company": case.company.legal_name,
            "procedure": case.procedure,
            "channel": case.channel,
            "received_at": case.received_at.isoformat(),
            "requested_at": case.requested_at.isoformat() if case.requested_at else None,
            "attended_at": case.attended_at.isoformat() if case.attended_at else None,
            "closed_at": case.closed_at.isoformat() if case.closed_at else None,
            "outcome": case.outcome,
            "quality_conform": case.quality_conform,
            "cancel_reason": case.cancel_reason,
        }
        for case in page(request, response, cases, limit=limit, offset=offset)
    ]
