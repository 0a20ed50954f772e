"""Invoices, by the commercial system's number: the product, the billed
month, the amount, when it falls due, and what was paid on it so far. An
invoice Posventa already holds for that product and month without a number
(one issued here, or loaded before numbers were kept) is the same invoice:
it takes the number. Every check constraint of billing.Invoice is checked
here first."""

from datetime import date
from decimal import Decimal
from types import SimpleNamespace

from django.db.models import F
from django.utils.translation import gettext as _

from posventa.billing.models import Invoice
from posventa.billing.rules import due_date_for
from posventa.billing.services import _payment_errors
from posventa.common.money import format_amount
from posventa.imports.entities.base import (
    KEEP,
    REQUIRED,
    Field,
    Phase,
    Row,
    Spec,
    Stored,
    among,
    apply_changes,
    changed_text,
    diff,
    write,
)
from posventa.imports.models import Entity, RowOutcome
from posventa.imports.values import a_date, a_month, amount, text
from posventa.inventory.models import Product


def _f(name):
    return Invoice._meta.get_field(name).verbose_name


# What is compared of a stored invoice (its stamps are not).
_STORED = ("id", "number", "product_id", "period", "amount", "due_date", "amount_paid", "paid_on")


def month_text(period: date) -> str:
    return period.strftime("%m/%Y")


class Invoices(Spec):
    entity = Entity.INVOICES
    model = Invoice
    key = ("number",)
    fields = (
        Field("number", _f("number"), text(32), True, REQUIRED),
        Field(
            "service_number",
            Product._meta.get_field("service_number").verbose_name,
            text(32),
            True,
            REQUIRED,
        ),
        Field("period", _f("period"), a_month, True, REQUIRED),
        Field("amount", _f("amount"), amount, True, REQUIRED),
        Field("due_date", _f("due_date"), a_date, empty=KEEP),
        Field("amount_paid", _f("amount_paid"), amount, empty_value=None),
        Field("paid_on", _f("paid_on"), a_date, empty_value=None),
    )

    def start(self, phase: Phase) -> None:
        from posventa.imports.engine import SeenKeys

        # (product, month) pairs rows of this file already are the invoice of.
        phase.memo["months"] = SeenKeys()

    def process(self, rows: list[Row], phase: Phase) -> None:
        live = [row for row in rows if not row.refused]
        products = dict(
            Product.objects.filter(
                among("service_number", {r.values["service_number"] for r in live})
            ).values_list("service_number", "id")
        )
        # Each invoice as plain values, with its product's number (a join).
        stored = Invoice.objects.values(*_STORED, product_number=F("product__service_number"))
        by_number = {
            i["number"]: Stored(**i)
            for i in phase.lock(
                # "not empty" lets both databases use the index of numbers
                # (partial: only numbered invoices); without it they read the table.
                stored.filter(among("number", {r.values["number"] for r in live})).exclude(
                    number=""
                )
            )
        }
        # The product's invoice of the month, only for the rows that are not
        # found by their number in that very month (a new invoice, one that
        # moves, one Posventa holds without a number).
        moving = [
            r
            for r in live
            if (i := by_number.get(r.values["number"])) is None or i.period != r.values["period"]
        ]
        by_month = {}
        if moving:
            by_month = {
                (i["product_id"], i["period"]): Stored(**i)
                for i in phase.lock(
                    stored.filter(
                        among(
                            "product_id",
                            {
                                products[r.values["service_number"]]
                                for r in moving
                                if r.values["service_number"] in products
                            },
                        ),
                        among("period", {r.values["period"] for r in moving}),
                    )
                )
            }
        creates, updates = [], []
        for row in live:
            values = row.values
            product_id = products.get(values["service_number"])
            if product_id is None:
                phase.problem(row, "service_number", _("no product has this service number."))
                continue
            period = values["period"]
            invoice = self._invoice(row, phase, by_number, by_month, product_id, period)
            if row.refused:
                continue
            if not phase.memo["months"].add((product_id, period)):
                phase.problem(
                    row,
                    "period",
                    _("another row of this file is the invoice of this product for %(month)s.")
                    % {"month": month_text(period)},
                )
                continue
            target = self._target(row, phase, invoice, product_id, period)
            if row.refused:
                continue
            if invoice is None:
                invoice = Invoice(**target)
                invoice.product_number = values["service_number"]
                creates.append(invoice)
                by_month[(product_id, period)] = invoice
                row.done(RowOutcome.CREATED)
                continue
            changes = diff(invoice, target)
            if not changes:
                row.done(RowOutcome.UNCHANGED)
                continue
            invoice = invoice.model(Invoice)
            apply_changes(invoice, changes)
            updates.append((invoice, changes))
            row.done(RowOutcome.UPDATED, changed_text(Invoice, changes))
        write(phase, Invoice, creates, updates, text=self._text)

    @staticmethod
    def _text(invoice: Invoice) -> str:
        """The invoice as its audit entry names it (Invoice.__str__), without
        loading its product: the row gave the product's number."""
        number = getattr(invoice, "product_number", "")
        return Invoice.__str__(
            SimpleNamespace(product=SimpleNamespace(service_number=number), period=invoice.period)
        )

    def _invoice(self, row, phase, by_number, by_month, product_id, period) -> Invoice | None:
        """The stored invoice the row is: by its number, else the product's
        invoice of that month that has no number yet."""
        number = row.values["number"]
        invoice = by_number.get(number)
        if invoice is not None:
            if invoice.product_id != product_id:
                phase.problem(
                    row,
                    "service_number",
                    _("invoice %(number)s is of product %(product)s.")
                    % {"number": number, "product": invoice.product_number},
                )
                return None
            other = by_month.get((product_id, period))
            if other is not None and other.pk != invoice.pk:
                phase.problem(
                    row,
                    "period",
                    _("the product already has invoice %(number)s for %(month)s.")
                    % {"number": other.number or "—", "month": month_text(period)},
                )
            return invoice
        other = by_month.get((product_id, period))
        if other is None:
            return None
        if other.number:
            phase.problem(
                row,
                "period",
                _("the product already has invoice %(number)s for %(month)s.")
                % {"number": other.number, "month": month_text(period)},
            )
            return None
        return other

    def _target(self, row, phase, invoice, product_id, period) -> dict:
        """The invoice as the row says it, every constraint of the table
        checked: the month's first day, due on or after it, paid within its
        amount, the payment date exactly when paid in full."""
        values = row.values
        total = values["amount"]
        due_date = values.get("due_date") or (
            invoice.due_date if invoice is not None else due_date_for(period)
        )
        if due_date < period:
            phase.problem(
                row,
                "due_date" if "due_date" in values else "period",
                _("an invoice cannot fall due before its month."),
            )
        paid = values.get("amount_paid", invoice.amount_paid if invoice else Decimal("0"))
        paid_on = values.get("paid_on", invoice.paid_on if invoice else None)
        paid_column = "amount_paid" if "amount_paid" in phase.columns else "amount"
        date_column = "paid_on" if "paid_on" in phase.columns else paid_column
        if paid is None:
            paid = total if paid_on is not None else Decimal("0")
        if paid > total:
            phase.problem(
                row,
                paid_column,
                _("more is paid than the invoice's amount (Bs %(amount)s).")
                % {"amount": format_amount(total)},
            )
        elif paid_on is not None and paid < total:
            phase.problem(
                row,
                date_column,
                _("a payment date goes with an invoice paid in full; Bs %(owed)s are still owed.")
                % {"owed": format_amount(total - paid)},
            )
        elif paid_on is None and paid == total and total > 0:
            phase.problem(
                row, date_column, _("the invoice is paid in full: give the date of its payment.")
            )
        if paid_on is not None and not row.refused:
            for problem in _payment_errors(Invoice(period=period), paid_on).values():
                phase.problem(row, date_column, problem)
        return {
            "number": values["number"],
            "product_id": product_id,
            "period": period,
            "amount": total,
            "due_date": due_date,
            "amount_paid": paid,
            "paid_on": paid_on,
        }
