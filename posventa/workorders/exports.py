"""The work orders as an Excel file (common/exports.py)."""

from django.utils.translation import gettext_lazy as _

from posventa.common.exports import Column, Kind, dated_filename, display, path, xlsx_response

WORK_ORDER_COLUMNS = [
    Column(_("Number"), path("number")),
    Column(_("Kind"), display("kind")),
    Column(_("NIT"), path("company.nit")),
    Column(_("Customer"), path("company.display_name")),
    Column(_("Product"), path("product.service_number")),
    Column(_("Case"), path("case.number")),
    Column(_("Address"), path("address")),
    Column(_("Zone"), path("zone")),
    Column(_("Neighbourhood"), path("neighbourhood")),
    Column(_("State"), display("state")),
    Column(_("Priority"), display("priority")),
    Column(_("Field unit"), display("unit")),
    Column(_("Technician"), path("technician")),
    Column(_("Visit scheduled for"), path("scheduled_at"), Kind.DATETIME),
    Column(_("Registered at"), path("created_at"), Kind.DATETIME),
    Column(_("Assigned at"), path("assigned_at"), Kind.DATETIME),
    Column(_("Closed at"), path("closed_at"), Kind.DATETIME),
    Column(_("Result"), path("result")),
]


def work_orders_xlsx(orders):
    """The list's work orders (`workorders.selectors.work_orders_for`)."""
    return xlsx_response(
        orders,
        columns=WORK_ORDER_COLUMNS,
        filename=dated_filename("ordenes-de-trabajo"),
        sheet=str(_("Work orders")),
    )
