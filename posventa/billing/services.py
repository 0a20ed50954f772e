"""Writes on billing: one-off charges and the monthly invoice that carries them."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.billing.final_invoice import FinalInvoice, final_invoice
from posventa.billing.models import Charge, Invoice
from posventa.billing.rules import due_date_for
from posventa.catalog.models import Tariff
from posventa.common.money import bs, format_amount
from posventa.integrations.handback import charge_hand_back
from posventa.inventory.models import Equipment, Product, ProductStatus, ReturnCondition


@transaction.atomic
def charge_add(
    *,
    product: Product,
    concept: str,
    amount: Decimal | None = None,
    tariff: Tariff | None = None,
    quantity: Decimal | int = 1,
    user=None,
) -> Charge:
    """Add a one-off fee to the product's next recurring invoice. Without an
    amount, the tariff's amount times the quantity."""
    # Through str(): Decimal(12.3) would carry the float's binary tail.
    quantity = Decimal(str(quantity))
    if amount is None:
        if tariff is None:
            raise ValidationError({"amount": _("Give an amount or a tariff.")})
        amount = tariff.amount * quantity
    amount = bs(amount)
    if product.status == ProductStatus.WITHDRAWN:
        raise ValidationError({"product": _("A withdrawn product gets no new charges.")})
    # The database refuses it too, but its message only names the constraint.
    if amount <= 0:
        raise ValidationError({"amount": _("A charge must be more than Bs 0,00.")})
    charge = Charge(
        product=product,
        concept=concept.strip(),
        tariff=tariff,
        quantity=quantity,
        amount=amount,
        recorded_by=user,
    )
    charge.full_clean()
    charge.save()
    # The commercial system bills it (integrations.handback).
    charge_hand_back(charge)
    return charge


@transaction.atomic
def invoice_issue(*, product: Product, period: date, due_date: date | None = None) -> Invoice:
    """Issue the product's invoice for a month: the plan's price plus every
    charge not yet billed, which this invoice now carries."""
    period = period.replace(day=1)
    # Lock the product: two runs of the monthly billing for the same product
    # queue here instead of both passing the "not issued yet" check.
    Product.objects.select_for_update().filter(pk=product.pk).first()
    if Invoice.objects.filter(product=product, period=period).exists():
        raise ValidationError(
            {
                "period": _("The invoice of %(month)s is already issued.")
                % {"month": period.strftime("%m/%Y")}
            }
        )
    # The charges this invoice carries are exactly those it adds up: a charge
    # added meanwhile waits for the next invoice instead of being linked here
    # without being billed (a second "UPDATE … WHERE invoice IS NULL" would catch it).
    pending = list(Charge.objects.select_for_update().filter(product=product, invoice__isnull=True))
    extra = sum((charge.amount for charge in pending), Decimal("0"))
    invoice = Invoice(
        product=product,
        period=period,
        amount=bs(product.plan.monthly_price + extra),
        due_date=due_date or due_date_for(period),
    )
    invoice.full_clean()
    invoice.save()
    Charge.objects.filter(pk__in=[charge.pk for charge in pending]).update(
        invoice=invoice, updated_at=timezone.now()
    )
    return invoice


def _payment_errors(invoice: Invoice, paid_on: date) -> dict:
    if paid_on < invoice.period:
        return {"paid_on": _("A payment cannot precede the billed month.")}
    if paid_on > timezone.localdate():
        return {"paid_on": _("A payment cannot be recorded before it is made.")}
    return {}


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, paid_on: date) -> Invoice:
    """Record the payment of an invoice in full: what was still owed on it
    is paid on `paid_on`."""
    # Read it again, locked: a copy read before someone else recorded the
    # payment must not overwrite it.
    current = Invoice.objects.select_for_update().get(pk=invoice.pk)
    if current.paid_on is not None:
        raise ValidationError(_("This invoice is already paid."))
    errors = _payment_errors(current, paid_on)
    if errors:
        raise ValidationError(errors)
    invoice.paid_on = paid_on
    invoice.amount_paid = current.amount
    # Only the payment changes: update_fields leaves the rest as it is in the database.
    invoice.save(update_fields=["paid_on", "amount_paid", "updated_at"])
    return invoice


@transaction.atomic
def invoice_payment_record(*, invoice: Invoice, amount: Decimal, paid_on: date) -> Invoice:
    """Record a payment of part (or the rest) of an invoice: it then owes its
    remainder; the payment that completes it makes it paid on `paid_on`."""
    current = Invoice.objects.select_for_update().get(pk=invoice.pk)
    amount = bs(amount)
    owed = current.owed
    if owed <= 0:
        raise ValidationError(_("This invoice is already paid."))
    errors = _payment_errors(current, paid_on)
    if amount <= 0:
        errors["amount"] = _("A payment must be more than Bs 0,00.")
    elif amount > owed:
        errors["amount"] = _("The invoice owes only Bs %(owed)s.") % {"owed": format_amount(owed)}
    if errors:
        raise ValidationError(errors)
    invoice.amount_paid = current.amount_paid + amount
    invoice.paid_on = paid_on if invoice.amount_paid == current.amount else None
    invoice.save(update_fields=["paid_on", "amount_paid", "updated_at"])
    return invoice


# --- Procedure H, product withdrawal -------------------------------------------------------


def product_final_invoice(*, product: Product, request_date: date) -> FinalInvoice:
    """The final invoice of the product withdrawn at `request_date`, by the
    rule of its product type (`final_invoice`), line by line."""
    plan = product.plan
    return final_invoice(
        product_type=plan.product_type.code,
        plan_name=plan.name,
        monthly_price=plan.monthly_price,
        basic_telephony_amount=plan.basic_telephony_amount,
        request_date=request_date,
    )


@transaction.atomic
def equipment_bill(*, equipment: Equipment, amount, user=None) -> Charge:
    """Bill a damaged or missing device to the customer (procedure H, step
    13): a charge on the product's final invoice, and the device says so."""
    equipment = Equipment.objects.select_for_update().select_related("product").get(pk=equipment.pk)
    if equipment.return_condition not in (ReturnCondition.DAMAGED, ReturnCondition.MISSING):
        raise ValidationError(
            {
                "equipment": _("Only a damaged or missing device is billed: %(equipment)s.")
                % {"equipment": equipment}
            }
        )
    if equipment.billed_on is not None:
        raise ValidationError(
            {"equipment": _("%(equipment)s is already billed.") % {"equipment": equipment}}
        )
    condition = "no devuelto" if equipment.return_condition == ReturnCondition.MISSING else "dañado"
    charge = charge_add(
        product=equipment.product,
        concept=f"Equipo {condition}: {equipment.get_kind_display()} {equipment.serial}",
        amount=amount,
        user=user,
    )
    equipment.billed_on = timezone.localdate()
    equipment.billed_amount = charge.amount
    equipment.full_clean()
    equipment.save(update_fields=["billed_on", "billed_amount", "updated_at"])
    return charge


@transaction.atomic
def final_invoice_issue(*, product: Product, request_date: date) -> Invoice:
    """Issue the final invoice of a withdrawn product for the month of the
    request: the final-invoice lines plus every charge not yet billed (the
    early-termination penalty, the devices billed), which it now carries."""
    period = request_date.replace(day=1)
    Product.objects.select_for_update().filter(pk=product.pk).first()
    if Invoice.objects.filter(product=product, period=period).exists():
        raise ValidationError(
            {
                "period": _("The invoice of %(month)s is already issued.")
                % {"month": period.strftime("%m/%Y")}
            }
        )
    computed = product_final_invoice(product=product, request_date=request_date)
    pending = list(Charge.objects.select_for_update().filter(product=product, invoice__isnull=True))
    extra = sum((charge.amount for charge in pending), Decimal("0"))
    invoice = Invoice(
        product=product,
        period=period,
        amount=bs(computed.total + extra),
        due_date=due_date_for(period),
    )
    invoice.full_clean()
    invoice.save()
    Charge.objects.filter(pk__in=[charge.pk for charge in pending]).update(
        invoice=invoice, updated_at=timezone.now()
    )
    return invoice
