"""The visit calendar's period as an Excel file (common/exports.py)."""

from datetime import date

from django.utils.translation import gettext_lazy as _

from posventa.common.exports import Column, Kind, display, path, xlsx_response


def _who(visit):
    # A support visit is the analyst's; a commercial one, the executive's.
    return visit.analyst if visit.analyst_id else visit.executive


VISIT_COLUMNS = [
    Column(_("Starts at"), path("starts_at"), Kind.DATETIME),
    Column(_("Ends at"), path("ends_at"), Kind.DATETIME),
    Column(_("Kind"), display("kind")),
    Column(_("NIT"), path("company.nit")),
    Column(_("Customer"), path("company.display_name")),
    Column(_("Analyst or executive"), _who),
    Column(_("Person to interview"), path("person")),
    Column(_("Location"), path("location")),
    Column(_("State"), display("state")),
    Column(_("Work order"), path("work_order.number")),
    Column(_("Case"), path("case.number")),
    Column(_("Reason"), path("reason")),
    Column(_("Observations"), path("observations")),
    Column(_("Quality-control call"), display("quality_result")),
]


def visits_xlsx(visits, *, start: date, end: date):
    """The visits the calendar shows for its week or month, start to end
    (`visits.selectors.calendar_visits`)."""
    return xlsx_response(
        visits,
        columns=VISIT_COLUMNS,
        filename=f"visitas-{start:%Y-%m-%d}-a-{end:%Y-%m-%d}.xlsx",
        sheet=str(_("Visits")),
    )
