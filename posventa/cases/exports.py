"""The inbox and the cases as Excel files (common/exports.py)."""

from django.contrib.auth.decorators import login_required
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from posventa.cases import selectors
from posventa.cases.list_filters import CaseFilters
from posventa.cases.rules import attention_due
from posventa.common.exports import Column, Kind, dated_filename, display, path, xlsx_response


def _attention_due(task):
    requested_at = task.instance.case.requested_at
    return attention_due(requested_at) if requested_at else None


INBOX_COLUMNS = [
    Column(_("Case"), path("instance.case.number")),
    Column(_("Procedure"), display("instance.case.procedure")),
    Column(_("NIT"), path("instance.case.company.nit")),
    Column(_("Customer"), path("instance.case.company.display_name")),
    Column(_("Step"), path("name")),
    Column(_("Role"), path("get_role_label")),
    Column(_("Taken by"), path("assignee")),
    Column(_("Ready since"), path("created_at"), Kind.DATETIME),
    Column(_("Step due at"), path("due_at"), Kind.DATETIME),
    Column(_("Customer request at"), path("instance.case.requested_at"), Kind.DATETIME),
    Column(_("24 hours end at"), _attention_due, Kind.DATETIME),
]

CASE_COLUMNS = [
    Column(_("Number"), path("number")),
    Column(_("Procedure"), display("procedure")),
    Column(_("NIT"), path("company.nit")),
    Column(_("Customer"), path("company.legal_name")),
    Column(_("Executive"), path("company.executive")),
    Column(_("Product"), path("product.service_number")),
    Column(_("Channel"), display("channel")),
    Column(_("Subject"), path("subject")),
    Column(_("Received at"), path("received_at"), Kind.DATETIME),
    Column(_("Customer request at"), path("requested_at"), Kind.DATETIME),
    Column(_("Status"), display("status")),
    Column(_("Outcome"), display("outcome")),
    Column(_("Attended at"), path("attended_at"), Kind.DATETIME),
    Column(_("Closed at"), path("closed_at"), Kind.DATETIME),
    Column(_("Quality call: conform"), path("quality_conform"), Kind.BOOL),
]


def inbox_xlsx(tasks):
    """The inbox's pending steps (`cases.selectors.inbox`), every one of
    them: the page shows the first 200."""
    return xlsx_response(
        tasks, columns=INBOX_COLUMNS, filename=dated_filename("bandeja"), sheet=str(_("Inbox"))
    )


@login_required
@require_GET
def cases_xlsx(request):
    """/casos.xlsx: the cases of the case list (/casos/) with the same
    filters and sort (`list_filters.CaseFilters`, `selectors.cases_for`):
    procedure, state, outcome, received from/to (YYYY-MM-DD), executive,
    customer, channel, 24 hours, whose step, sort. A value that makes no
    sense filters nothing, as on the page."""
    filters = CaseFilters.from_query(request.GET)
    cases = selectors.cases_for(user=request.user, **filters.selector_kwargs())
    return xlsx_response(
        cases, columns=CASE_COLUMNS, filename=dated_filename("casos"), sheet=str(_("Cases"))
    )
