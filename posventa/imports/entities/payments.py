"""Payments, by reference (the receipt or transaction number): the invoice
(by its number), the day and the amount. A new payment adds to what its
invoice has paid, and the one that completes it makes it paid on its day —
the rules and the messages of billing.services.invoice_payment_record. A
payment already loaded is never changed: the same reference with other
data is refused."""

from decimal import Decimal

from django.db.models import F
from django.utils.translation import gettext as _

from posventa.billing.models import Invoice, Payment
from posventa.billing.services import _payment_errors
from posventa.common.money import format_amount
from posventa.imports.entities.base import (
    REQUIRED,
    Field,
    Phase,
    Row,
    Spec,
    among,
    insert_many,
    update_many,
)
from posventa.imports.entities.invoices import Invoices
from posventa.imports.models import Entity, RowOutcome
from posventa.imports.values import a_date, amount, text


def _f(name):
    return Payment._meta.get_field(name).verbose_name


class Payments(Spec):
    entity = Entity.PAYMENTS
    model = Payment
    key = ("reference",)
    fields = (
        Field("reference", _f("reference"), text(64), True, REQUIRED),
        Field(
            "invoice_number",
            Invoice._meta.get_field("number").verbose_name,
            text(32),
            True,
            REQUIRED,
        ),
        Field("paid_on", _f("paid_on"), a_date, True, REQUIRED),
        Field("amount", _f("amount"), amount, True, REQUIRED),
    )

    def start(self, phase: Phase) -> None:
        # Dry run only: invoice id -> what earlier batches of the file paid on
        # it (the import has written them by then; the dry run has not).
        phase.memo["paid"] = {}

    def process(self, rows: list[Row], phase: Phase) -> None:
        live = [row for row in rows if not row.refused]
        invoices = {
            i.number: i
            for i in phase.lock(
                Invoice.objects.filter(among("number", {r.values["invoice_number"] for r in live}))
                .exclude(number="")
                .annotate(product_number=F("product__service_number"))
            )
        }
        stored = {
            p.reference: p
            for p in Payment.objects.filter(
                among("reference", {r.values["reference"] for r in live})
            )
        }
        paid_before = phase.memo["paid"] if not phase.apply else {}
        touched: dict[int, tuple[Invoice, Decimal, object]] = {}
        creates = []
        for row in live:
            values = row.values
            invoice = invoices.get(values["invoice_number"])
            if invoice is None:
                phase.problem(row, "invoice_number", _("no invoice has this number."))
                continue
            payment = stored.get(values["reference"])
            if payment is not None:
                if (payment.invoice_id, payment.paid_on, payment.amount) == (
                    invoice.pk,
                    values["paid_on"],
                    values["amount"],
                ):
                    row.done(RowOutcome.UNCHANGED)
                else:
                    phase.problem(
                        row,
                        "reference",
                        _(
                            "a payment with this reference is already recorded with another "
                            "invoice, date or amount; a recorded payment is not changed."
                        ),
                    )
                continue
            if invoice.pk not in touched:
                touched[invoice.pk] = (invoice, invoice.amount_paid, invoice.paid_on)
                invoice.amount_paid += paid_before.get(invoice.pk, Decimal("0"))
            self._check(row, phase, invoice)
            if row.refused:
                continue
            invoice.amount_paid += values["amount"]
            invoice.paid_on = values["paid_on"] if invoice.amount_paid == invoice.amount else None
            if not phase.apply:
                paid_before[invoice.pk] = (
                    paid_before.get(invoice.pk, Decimal("0")) + values["amount"]
                )
            payment = Payment(
                invoice=invoice,
                reference=values["reference"],
                paid_on=values["paid_on"],
                amount=values["amount"],
            )
            creates.append(payment)
            row.done(
                RowOutcome.CREATED,
                _("Invoice %(number)s paid in full.") % {"number": invoice.number}
                if invoice.paid_on
                else "",
            )
        if phase.apply:
            self._write(phase, creates, touched)

    def _check(self, row, phase, invoice) -> None:
        owed = invoice.amount - invoice.amount_paid
        if owed <= 0:
            phase.problem(row, "invoice_number", _("This invoice is already paid."))
            return
        for problem in _payment_errors(invoice, row.values["paid_on"]).values():
            phase.problem(row, "paid_on", problem)
        payment = row.values["amount"]
        if payment <= 0:
            phase.problem(row, "amount", _("A payment must be more than Bs 0,00."))
        elif payment > owed:
            phase.problem(
                row,
                "amount",
                _("The invoice owes only Bs %(owed)s.") % {"owed": format_amount(owed)},
            )

    def _write(self, phase, creates, touched) -> None:
        if not creates:
            return
        insert_many(Payment, creates)
        for payment in creates:
            phase.audit.created(payment)
        changed = []
        for invoice, paid_before, paid_on_before in touched.values():
            changes = {}
            if invoice.amount_paid != paid_before:
                changes["amount_paid"] = (paid_before, invoice.amount_paid)
            if invoice.paid_on != paid_on_before:
                changes["paid_on"] = (paid_on_before, invoice.paid_on)
            if changes:
                changed.append((invoice, changes))
        if changed:
            update_many(Invoice, [i for i, _c in changed], ["amount_paid", "paid_on"])
            for invoice, changes in changed:
                phase.audit.updated(invoice, changes, Invoices._text)
