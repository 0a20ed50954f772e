"""The debtors list as an Excel file (common/exports.py): one row per
product of a debtor, with the debtor's own figures on each of its rows, so
that Excel's filters and pivot tables work on it as it comes."""

from collections.abc import Iterator
from datetime import date

from django.utils.translation import gettext_lazy as _

from posventa.collections.selectors import debtors_of
from posventa.common.exports import Column, Kind, dated_filename, xlsx_response

# Debtors read at a time: each chunk is four queries (`debtors_of`).
CHUNK = 500


def _debtor(getter):
    return lambda row: getter(row[0])


def _line(getter):
    return lambda row: getter(row[1])


def _promise(getter):
    def get(row):
        promise = row[0].last_promise
        return getter(promise) if promise is not None else None

    return get


DEBTOR_COLUMNS = [
    Column(_("NIT"), _debtor(lambda d: d.company.nit)),
    Column(_("Customer"), _debtor(lambda d: d.company.legal_name)),
    Column(_("Executive"), _debtor(lambda d: d.company.executive)),
    Column(_("Public institution"), _debtor(lambda d: d.company.is_public_institution), Kind.BOOL),
    Column(_("Customer owes past due (Bs)"), _debtor(lambda d: d.owed), Kind.MONEY),
    Column(_("Customer's days overdue"), _debtor(lambda d: d.days_overdue), Kind.INT),
    Column(_("Ageing band"), _debtor(lambda d: d.bucket.label if d.bucket else None)),
    Column(_("Contract (product)"), _line(lambda line: line.product.service_number)),
    Column(_("Plan"), _line(lambda line: line.product.plan.name)),
    Column(_("Overdue invoices"), _line(lambda line: line.overdue_invoices), Kind.INT),
    Column(_("Oldest due date"), _line(lambda line: line.oldest_due_date), Kind.DATE),
    Column(_("Days overdue"), _line(lambda line: line.days_overdue), Kind.INT),
    Column(_("Owed (Bs)"), _line(lambda line: line.owed), Kind.MONEY),
    Column(
        _("Open collections case"), _debtor(lambda d: d.open_case.number if d.open_case else None)
    ),
    Column(_("Last promise (Bs)"), _promise(lambda p: p.amount), Kind.MONEY),
    Column(_("Promised by"), _promise(lambda p: p.promised_on), Kind.DATE),
    Column(_("Promise kept"), _promise(lambda p: p.kept), Kind.BOOL),
]


def debtor_lines(rows, *, today: date) -> Iterator[tuple]:
    """(debtor, product line) for every debtor of `debtor_rows`, in its
    order, a chunk of debtors at a time."""
    start = 0
    while True:
        chunk = list(rows[start : start + CHUNK])
        for debtor in debtors_of(chunk, today=today):
            for line in debtor.products:
                yield debtor, line
        if len(chunk) < CHUNK:
            return
        start += CHUNK


def debtors_xlsx(rows, *, today: date):
    """The debtors page's customers (`collections.selectors.debtor_rows`),
    every page of them."""
    return xlsx_response(
        debtor_lines(rows, today=today),
        columns=DEBTOR_COLUMNS,
        filename=dated_filename("deudores", today),
        sheet=str(_("Debtors")),
    )
