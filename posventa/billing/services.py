"""Writes on billing: one-off charges and the monthly invoice that carries them."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils.translation import gettext as _

from posventa.billing.models import Charge, Invoice
from posventa.billing.rules import due_date_for
from posventa.catalog.models import Tariff
from posventa.common.money import bs
from posventa.inventory.models import Product, ProductStatus


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
    if amount is None:
        if tariff is None:
            raise ValidationError({"amount": _("Give an amount or a tariff.")})
        amount = tariff.amount * Decimal(quantity)
    if product.status == ProductStatus.WITHDRAWN:
        raise ValidationError({"product": _("A withdrawn product gets no new charges.")})
    charge = Charge(
        product=product,
        concept=concept.strip(),
        tariff=tariff,
        quantity=Decimal(quantity),
        amount=bs(amount),
        recorded_by=user,
    )
    charge.full_clean()
    charge.save()
    return charge


@transaction.atomic
def invoice_issue(*, product: Product, period: date, due_date: date | None = None) -> Invoice:
    """Issue the product's invoice for a month: the plan's price plus every
    charge not yet billed, which this invoice now carries."""
    period = period.replace(day=1)
    if Invoice.objects.filter(product=product, period=period).exists():
        raise ValidationError(
            {"period": _("The invoice of %(month)s is already issued.") % {
                "month": period.strftime("%m/%Y")
            }}
        )
    pending = Charge.objects.select_for_update().filter(product=product, invoice__isnull=True)
    extra = pending.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    invoice = Invoice(
        product=product,
        period=period,
        amount=bs(product.plan.monthly_price + extra),
        due_date=due_date or due_date_for(period),
    )
    invoice.full_clean()
    invoice.save()
    pending.update(invoice=invoice)
    return invoice


@transaction.atomic
def invoice_mark_paid(*, invoice: Invoice, paid_on: date) -> Invoice:
    """Record the payment of an invoice."""
    if invoice.paid_on is not None:
        raise ValidationError(_("This invoice is already paid."))
    if paid_on < invoice.period:
        raise ValidationError({"paid_on": _("A payment cannot precede the billed month.")})
    invoice.paid_on = paid_on
    invoice.save(update_fields=["paid_on", "updated_at"])
    return invoice
