"""The preventive review list as an Excel file (common/exports.py)."""

from django.utils.translation import gettext_lazy as _

from posventa.common.exports import Column, Kind, dated_filename, path, xlsx_response

REVIEW_COLUMNS = [
    Column(_("Kind"), path("get_kind_display")),
    Column(_("Product to offer"), path("get_offered_type_display")),
    Column(_("NIT"), path("company.nit")),
    Column(_("Customer"), path("company.display_name")),
    Column(_("Executive"), path("company.executive")),
    Column(_("Product"), path("product.service_number")),
    Column(_("Product type"), path("product.plan.product_type.name")),
    Column(_("Plan"), path("product.plan.name")),
    Column(_("Technology"), path("product.get_technology_display")),
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
