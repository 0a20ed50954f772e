"""The preventive review list as an Excel file (common/exports.py)."""

from django.utils.translation import gettext_lazy as _

from posventa.common.exports import Column, Kind, dated_filename, display, path, xlsx_response

REVIEW_COLUMNS = [
    Column(_("Kind"), display("kind")),
    Column(_("Product to offer"), display("offered_type")),
    Column(_("NIT"), path("company.nit")),
    Column(_("Customer"), path("company.display_name")),
    Column(_("Executive"), path("company.executive")),
    Column(_("Product"), path("product.service_number")),
    Column(_("Product type"), path("product.plan.product_type.name")),
    Column(_("Plan"), path("product.plan.name")),
    Column(_("Technology"), display("product.technology")),
    Column(_("Detail"), path("detail")),
    Column(_("Found on"), path("found_on"), Kind.DATE),
]


def review_items_xlsx(items):
    """The review list's items still to be worked (`reviews.selectors.worklist`)."""
    return xlsx_response(
        items,
        columns=REVIEW_COLUMNS,
        filename=dated_filename("revision-preventiva"),
        sheet=str(_("Preventive review")),
    )
