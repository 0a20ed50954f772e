from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.billing import rules
from posventa.catalog.models import Tariff
from posventa.common.models import BaseModel
from posventa.inventory.models import Product


class Invoice(BaseModel):
    """The monthly (recurring) invoice of one product.

    It owes its amount less `amount_paid` (a payment may come in parts);
    `paid_on` is the day it was paid in full, empty while anything is owed.
    Overdue when it still owes after its due date (`rules.is_overdue`) —
    derived, never stored, so it cannot go stale.
    """

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="invoices"
    )
    # The commercial system's invoice number, when the invoice came from it
    # (an import matches on it); empty for one Posventa issued itself.
    number = models.CharField(_("invoice number"), max_length=32, blank=True, default="")
    period = models.DateField(_("period"), help_text=_("First day of the billed month."))
    amount = models.DecimalField(
        _("amount (Bs)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(0)]
    )
    due_date = models.DateField(_("due date"))
    paid_on = models.DateField(_("paid on"), null=True, blank=True)
    amount_paid = models.DecimalField(
        _("paid so far (Bs)"),
        max_digits=12,
        decimal_places=2,
        default=0,
        validators=[MinValueValidator(0)],
    )

    class Meta:
        verbose_name = _("invoice")
        verbose_name_plural = _("invoices")
        ordering = ["-period", "product_id"]
        constraints = [
            models.UniqueConstraint(fields=["product", "period"], name="invoice_one_per_month"),
            models.UniqueConstraint(
                fields=["number"], condition=~models.Q(number=""), name="invoice_number_unique"
            ),
            models.CheckConstraint(condition=models.Q(period__day=1), name="invoice_period_month"),
            models.CheckConstraint(condition=models.Q(amount__gte=0), name="invoice_not_negative"),
            models.CheckConstraint(
                condition=models.Q(due_date__gte=models.F("period")),
                name="invoice_due_after_period",
            ),
            models.CheckConstraint(
                condition=models.Q(amount_paid__gte=0, amount_paid__lte=models.F("amount")),
                name="invoice_paid_within_amount",
            ),
            # Paid in full exactly when the date of the payment is known (a free
            # month, Bs 0, owes nothing either way): `paid_on IS NULL` then
            # means "still owes", which the partial index below relies on.
            models.CheckConstraint(
                condition=models.Q(paid_on__isnull=False, amount_paid=models.F("amount"))
                | models.Q(paid_on__isnull=True, amount_paid__lt=models.F("amount"))
                | models.Q(paid_on__isnull=True, amount=0),
                name="invoice_paid_on_when_paid_in_full",
            ),
        ]
        indexes = [
            # Debts: a product's unpaid invoices ("is the account up to date?").
            models.Index(
                fields=["product", "due_date"],
                condition=models.Q(paid_on__isnull=True),
                name="invoice_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product.service_number} · {self.period:%m/%Y}"

    @property
    def is_paid(self) -> bool:
        return self.paid_on is not None

    @property
    def owed(self) -> Decimal:
        """What is still owed on it (`rules.amount_owed`)."""
        return rules.amount_owed(amount=self.amount, amount_paid=self.amount_paid)

    def is_overdue(self, today) -> bool:
        return rules.is_overdue(due_date=self.due_date, owed=self.owed, today=today)

    def days_overdue(self, today) -> int:
        if not self.is_overdue(today):
            return 0
        return rules.days_overdue(due_date=self.due_date, today=today)


class Payment(BaseModel):
    """A payment the commercial system received against an invoice (bank,
    web page, cashier, SIGEP), loaded by an import. Its reference (the
    receipt or transaction number) is unique, so loading the same payment
    twice adds nothing; the invoice's `amount_paid` and `paid_on` carry its sum."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="payments"
    )
    reference = models.CharField(_("payment reference"), max_length=64, unique=True)
    paid_on = models.DateField(_("paid on"))
    amount = models.DecimalField(_("amount (Bs)"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ["-paid_on", "-id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="payment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} · {self.paid_on:%d/%m/%Y}"


class Charge(BaseModel):
    """A one-off fee (a procedure's charge, a billing adjustment) that goes on
    the product's next recurring invoice."""

    product = models.ForeignKey(
        Product, verbose_name=_("product"), on_delete=models.PROTECT, related_name="charges"
    )
    concept = models.CharField(_("concept"), max_length=200)
    tariff = models.ForeignKey(
        Tariff, verbose_name=_("tariff"), on_delete=models.PROTECT, null=True, blank=True
    )
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=10,
        decimal_places=2,
        default=1,
        validators=[MinValueValidator(0)],
    )
    amount = models.DecimalField(_("amount (Bs)"), max_digits=12, decimal_places=2)
    invoice = models.ForeignKey(
        Invoice,
        verbose_name=_("billed on invoice"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charges",
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("charge")
        verbose_name_plural = _("charges")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="charge_positive"),
        ]
        indexes = [
            # The charges still waiting for the product's next invoice.
            models.Index(
                fields=["product"],
                condition=models.Q(invoice__isnull=True),
                name="charge_unbilled_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.concept
