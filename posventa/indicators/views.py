"""The indicators dashboard and the cases behind every number."""

from datetime import timedelta

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from posventa.accounts.roles import Capability, can
from posventa.cases.models import Procedure
from posventa.cases.selectors import orphans as case_orphans
from posventa.common.downloads import attachment_response
from posventa.indicators import reports, selectors
from posventa.indicators.definitions import (
    DEFINITION,
    EFFICACY_TARGET,
    REITERATION_DAYS,
    TIMELINESS_TARGET,
)
from posventa.indicators.forms import (
    INDICATOR_LABELS,
    CasesBehindForm,
    MonthForm,
    TimeSpentForm,
)
from posventa.indicators.services import month_close
from posventa.indicators.templatetags.indicators import duration_hours
from posventa.indicators.time_spent import latest_diagram, step_times
from posventa.integrations.selectors import unconfirmed_for_watch
from posventa.web.errors import as_text

PAGE_SIZE = 50
BREAKDOWN_TITLES = {
    "procedure": _("By procedure"),
    "executive": _("By executive"),
    "role": _("By role that answered"),
    "channel": _("By channel"),
}


def _allowed(user) -> None:
    if not selectors.may_see_indicators(user):
        raise PermissionDenied(_("Your role does not see the indicators."))


def cases_url(month, **filters) -> str:
    query = {"month": str(month), **{k: v for k, v in filters.items() if v not in ("", None)}}
    return f"{reverse('indicators:cases')}?{urlencode(query)}"


def _chart(series) -> dict:
    """The 12-month trend for the chart (Chart.js, `indicators/dashboard.js`):
    plain numbers (never locale-formatted: they go to JavaScript), a label
    per month, the targets. A running month shows its figures so far."""

    def number(value):
        return None if value is None else float(value)

    return {
        "labels": [formats.date_format(month.starts_at, "M Y") for month, _f in series],
        "months": [str(month) for month, _f in series],
        "efficacy": [number(figures.efficacy_so_far) for _m, figures in series],
        "timeliness": [number(figures.timeliness_so_far) for _m, figures in series],
        "efficacy_target": float(EFFICACY_TARGET),
        "timeliness_target": float(TIMELINESS_TARGET),
        "names": {
            "efficacy": _("Efficacy"),
            "timeliness": _("Timeliness"),
            "efficacy_target": _("Efficacy target (%(target)s %%)")
            % {"target": formats.number_format(EFFICACY_TARGET, 0)},
            "timeliness_target": _("Timeliness target (%(target)s %%)")
            % {"target": formats.number_format(TIMELINESS_TARGET, 0)},
        },
    }


def _filter_value(name, key):
    return selectors.NO_ROLE if name == "role" and not key else key


def _team_blocks(counts, month) -> list:
    """The team's own figures, by procedure: (letter, name, [(figure, link)])."""
    names = dict(Procedure.choices)
    blocks = {}
    for figure in counts:
        blocks.setdefault(figure.procedure, []).append(
            (figure, cases_url(month, indicator=figure.name))
        )
    return [(code, names[code], rows) for code, rows in blocks.items()]


def _team_then_and_now(close, counts) -> list:
    """The team's own figures frozen at the close (None for a month closed
    before they existed) against today's: (figure, then, now)."""
    frozen = {name: count for name, _procedure, count in close.team}
    return [(figure, frozen.get(figure.name), figure.count) for figure in counts]


def _links(month, **filters) -> dict:
    return {
        indicator: cases_url(month, indicator=indicator, **filters)
        for indicator in selectors.INDICATOR_FILTERS
    }


@login_required
def dashboard(request):
    _allowed(request.user)
    form = MonthForm(request.GET or None)
    month = form.selected_month()
    report = selectors.month_report(request.user, month)
    team_work = selectors.team_figures(request.user, month)
    series = selectors.trend(request.user, month, last_figures=report.figures)
    team = can(request.user, Capability.VIEW_TEAM_INDICATORS)
    close = selectors.month_close_for(month) if team else None
    watching = selectors.watch_cases(request.user)
    breakdowns = [
        (
            BREAKDOWN_TITLES[name],
            [
                (label, figures, _links(month, **{name: _filter_value(name, key)}))
                for key, label, figures in rows
            ],
        )
        for name, rows in report.breakdowns.items()
        if team or name != "executive"  # an executive sees her own figures only
    ]
    return render(
        request,
        "indicators/dashboard.html",
        {
            "form": form,
            "month": month,
            "previous": month.previous(),
            "next": month.next() if month != selectors.current_month() else None,
            "report": report,
            "figures": report.figures,
            "links": _links(month),
            "series": series,
            "chart": _chart(series),
            "breakdowns": breakdowns,
            "team_work": _team_blocks(team_work, month),
            "team": team,
            "close": close,
            "watch": {name: cases.count() for name, cases in watching.items()},
            "may_close": close is None
            and can(request.user, Capability.CLOSE_MONTH)
            and timezone.now() >= month.ends_at,
            "targets": {"efficacy": EFFICACY_TARGET, "timeliness": TIMELINESS_TARGET},
            "reiteration_days": REITERATION_DAYS,
        },
    )


@login_required
def cases_behind(request):
    _allowed(request.user)
    form = CasesBehindForm(request.GET or None)
    month = form.selected_month()
    filters = form.filters()
    cases = selectors.cases_behind(request.user, month, **filters)
    page = Paginator(cases, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "indicators/cases.html",
        {
            "form": form,
            "month": month,
            "filters": filters,
            "indicator_label": INDICATOR_LABELS[filters["indicator"]],
            "page": page,
            "querystring": query.urlencode(),
        },
    )


def _closed_month(request):
    if not can(request.user, Capability.VIEW_TEAM_INDICATORS):
        raise PermissionDenied(
            _("Only the team lead and the division head see the monthly report.")
        )
    form = MonthForm(request.GET or None)
    month = form.selected_month()
    close = selectors.month_close_for(month)
    if close is None:
        raise Http404(_("That month has not been closed."))
    return month, close


def _month_to_close(request, data) -> tuple:
    """The month a close names, and its frozen-to-be report; or a redirect
    with the reason it cannot be closed."""
    if not can(request.user, Capability.CLOSE_MONTH):
        raise PermissionDenied(_("Only the team lead closes a month."))
    form = MonthForm(data)
    if not form.is_valid() or not form.cleaned_data.get("month"):
        messages.error(request, _("Give the month as YYYY-MM, e.g. 2026-11."))
        return None, redirect("indicators:dashboard")
    month = form.cleaned_data["month"]
    back = redirect(f"{reverse('indicators:dashboard')}?month={month}")
    if timezone.now() < month.ends_at:
        messages.error(
            request,
            _("%(month)s has not ended yet: it can be closed from the 1st of the next month.")
            % {"month": month.starts_at.strftime("%m/%Y")},
        )
        return None, back
    if selectors.month_close_for(month) is not None:
        messages.error(
            request,
            _("%(month)s is already closed.") % {"month": month.starts_at.strftime("%m/%Y")},
        )
        return None, back
    return month, back


@login_required
def close_month(request):
    """GET: what closing the month will freeze (its figures, break-downs and
    cases, the team's own work), with a button to confirm. POST with the
    confirmation: closes it. Nothing is frozen in one click."""
    data = request.POST if request.method == "POST" else request.GET
    month, back = _month_to_close(request, data)
    if month is None:
        return back
    if request.method == "POST" and request.POST.get("confirm") == "yes":
        try:
            month_close(month=month, user=request.user)
        except ValidationError as error:
            messages.error(request, as_text(error))
        else:
            messages.success(
                request, _("The month is closed: its figures are frozen in the monthly report.")
            )
        return back
    report = selectors.month_report(request.user, month)
    return render(
        request,
        "indicators/close_confirm.html",
        {
            "month": month,
            "report": report,
            "figures": report.figures,
            "breakdowns": [
                (BREAKDOWN_TITLES[name], len(rows)) for name, rows in report.breakdowns.items()
            ],
            "cases": report.figures.total + report.figures.cancelled,
            "team_work": _team_blocks(selectors.team_figures(request.user, month), month),
            "targets": {"efficacy": EFFICACY_TARGET, "timeliness": TIMELINESS_TARGET},
            "links": _links(month),
        },
    )


@login_required
def closed_month(request):
    """The closed month as it was, against the same month recomputed now."""
    month, close = _closed_month(request)
    now_figures, differences = selectors.month_close_differences(close, request.user)
    return render(
        request,
        "indicators/closed_month.html",
        {
            "month": month,
            "close": close,
            "earlier_definition": close.definition < DEFINITION,
            "team_work": _team_then_and_now(close, selectors.team_figures(request.user, month)),
            "summary": selectors.reason_summary(differences),
            "rows": [
                (
                    _("At the close"),
                    selectors.Figures(
                        total=close.total,
                        effective=close.effective,
                        timely=close.timely,
                        open=close.open,
                    ),
                ),
                (_("Recomputed today"), now_figures),
            ],
            "differences": differences,
        },
    )


@login_required
def report_pdf(request):
    _month, close = _closed_month(request)
    return attachment_response(
        reports.report_pdf(close),
        filename=reports.filename(close, "pdf"),
        content_type="application/pdf",
    )


@login_required
def report_xlsx(request):
    _month, close = _closed_month(request)
    return attachment_response(
        reports.report_xlsx(close),
        filename=reports.filename(close, "xlsx"),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@login_required
def watch(request):
    """The requests whose 24 hours are about to pass or passed without an
    answer; for the team lead and the division head, the stuck cases too."""
    _allowed(request.user)
    cases = selectors.watch_cases(request.user)
    team = can(request.user, Capability.VIEW_TEAM_INDICATORS)
    return render(
        request,
        "indicators/watch.html",
        {
            "sections": [
                ("at_risk", _("About to pass 24 hours"), cases["at_risk"][: PAGE_SIZE * 4]),
                ("late", _("24 hours passed without an answer"), cases["late"][: PAGE_SIZE * 4]),
            ],
            "counts": {name: qs.count() for name, qs in cases.items()},
            # Cases nothing moves any more (cases.selectors.orphans): never any, we hope.
            "orphans": case_orphans() if team else None,
            # Changes the commercial system has not confirmed a day after they were made.
            "unconfirmed": unconfirmed_for_watch(user=request.user) if team else None,
        },
    )


@login_required
def time_spent(request):
    """Where time goes: per step, waiting and working time and the 24-hour breaks."""
    if not can(request.user, Capability.VIEW_TEAM_INDICATORS):
        raise PermissionDenied(_("Only the team lead and the division head see where time goes."))
    form = TimeSpentForm(request.GET or None)
    period = form.period()
    steps = step_times(request.user, **period)
    return render(
        request,
        "indicators/time_spent.html",
        {
            "form": form,
            "steps": steps,
            "period": {**period, "last_day": period["end"] - timedelta(days=1)},
            "diagram": {
                "xml": latest_diagram(period["procedure"]),
                "heat": {step.bpmn_id: step.heat for step in steps},
                "outside": [step.bpmn_id for step in steps if step.outside_clock],
                "labels": {
                    step.bpmn_id: f"{duration_hours(step.total_median)} · p90 "
                    f"{duration_hours(step.total_p90)}"
                    + (f" · {_('after the 24 h')}" if step.outside_clock else "")
                    for step in steps
                },
            },
        },
    )
