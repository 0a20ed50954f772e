"""The call campaigns and a campaign's calls as Excel files (common/exports.py)."""

from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from posventa.common.exports import Column, Kind, dated_filename, display, path, xlsx_response

CAMPAIGN_COLUMNS = [
    Column(_("Campaign"), path("name")),
    Column(_("Kind"), display("kind")),
    Column(_("Executive"), path("executive")),
    Column(_("Calls from"), path("starts_on"), Kind.DATE),
    Column(_("Calls until"), path("ends_on"), Kind.DATE),
    Column(_("Calls"), path("total"), Kind.INT),
    Column(_("Called"), path("called"), Kind.INT),
    Column(_("Pending"), path("pending"), Kind.INT),
    Column(_("Being called"), path("in_call"), Kind.INT),
    Column(_("With problem"), path("with_problem"), Kind.INT),
]


def _primary_contact(item):
    # From the prefetched contacts: no query per row.
    return next((c for c in item.company.contacts.all() if c.is_primary), None)


def _contact(getter):
    def get(item):
        contact = _primary_contact(item)
        return getter(contact) if contact is not None else None

    return get


CALL_COLUMNS = [
    Column(_("NIT"), path("company.nit")),
    Column(_("Customer"), path("company.display_name")),
    Column(_("Product"), path("product.service_number")),
    Column(_("Plan"), path("product.plan.name")),
    Column(_("Contact"), _contact(lambda c: c.name)),
    Column(_("Phone"), _contact(lambda c: c.phone)),
    Column(_("E-mail"), _contact(lambda c: c.email)),
    Column(_("Closed work order"), path("work_order.number")),
    Column(_("Result"), display("result")),
    Column(_("Called at"), path("called_at"), Kind.DATETIME),
    Column(_("Case"), path("case.number")),
    Column(_("Note"), path("note")),
]


def campaigns_xlsx(campaigns):
    """The campaigns the user manages, with their progress
    (`campaigns.selectors.campaigns_for`)."""
    return xlsx_response(
        campaigns,
        columns=CAMPAIGN_COLUMNS,
        filename=dated_filename("campanas"),
        sheet=str(_("Call campaigns")),
    )


def calls_xlsx(items, *, campaign):
    """A campaign's calls, with the page's result filter
    (`campaigns.selectors.worklist`)."""
    return xlsx_response(
        items,
        columns=CALL_COLUMNS,
        filename=dated_filename(f"llamadas-{slugify(campaign.name)[:60] or campaign.pk}"),
        sheet=campaign.name,
    )
