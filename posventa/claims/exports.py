"""The billing complaints as an Excel file (common/exports.py)."""

from django.utils.translation import gettext_lazy as _

from posventa.common.exports import Column, Kind, dated_filename, display, path, xlsx_response

COMPLAINT_COLUMNS = [
    Column(_("Number"), path("number")),
    Column(_("Registered at"), path("created_at"), Kind.DATETIME),
    Column(_("NIT"), path("invoice.product.company.nit")),
    Column(_("Customer"), path("invoice.product.company.display_name")),
    Column(_("Product"), path("invoice.product.service_number")),
    Column(_("Invoice number"), path("invoice.number")),
    Column(_("Invoice period"), path("invoice.period"), Kind.DATE),
    Column(_("Invoice amount (Bs)"), path("invoice_amount"), Kind.MONEY),
    Column(_("Disputed (Bs)"), path("disputed_amount"), Kind.MONEY),
    Column(_("What the customer disputes"), path("reason")),
    Column(_("State"), display("state")),
    Column(_("Assigned at"), path("assigned_at"), Kind.DATETIME),
    Column(_("Resolved at"), path("resolved_at"), Kind.DATETIME),
    Column(_("UTAR's resolution"), path("resolution")),
    Column(_("Customer accepted the resolution"), path("customer_accepted"), Kind.BOOL),
    Column(_("Times the customer disagreed"), path("disagreements"), Kind.INT),
    Column(_("Case"), path("case.number")),
]


def complaints_xlsx(complaints):
    """The list's complaints (`claims.selectors.complaints_for`)."""
    return xlsx_response(
        complaints,
        columns=COMPLAINT_COLUMNS,
        filename=dated_filename("reclamos"),
        sheet=str(_("Billing complaints")),
    )
