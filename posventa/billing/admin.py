"""Back-office pages for invoices and the charges they carry.

Invoices are issued by `invoice_issue` (plan price plus unbilled charges), so
the admin does not add them nor change what they bill: it records payments.
A charge can be entered or corrected until an invoice carries it.
"""

from datetime import date
from decimal import Decimal

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from posventa.billing.models import Charge, Invoice
from posventa.billing.rules import overdue_q, owing_q
from posventa.billing.services import invoice_mark_paid
from posventa.common.admin import AuditedAdmin, ReadOnlyInline
from posventa.common.forms import BoundedModelForm
from posventa.common.money import bs, format_bs
from posventa.inventory.models import ProductStatus

AUDIT_FIELDS = ("created_at", "updated_at")


class PaymentFilter(admin.SimpleListFilter):
    title = _("payment")
    parameter_name = "payment"

    def lookups(self, request, model_admin):
        return (
            ("paid", _("Paid")),
            ("pending", _("Pending")),
            ("overdue", _("Overdue")),
        )

    def queryset(self, request, queryset):
        today = timezone.localdate()
        if self.value() == "paid":
            return queryset.exclude(owing_q())
        if self.value() == "pending":
            return queryset.filter(owing_q())
        if self.value() == "overdue":
            return queryset.filter(overdue_q(today))
        return queryset


class InvoiceChargeInline(ReadOnlyInline):
    """The charges this invoice carries, as billed."""

    model = Charge
    fields = ("concept", "tariff", "quantity", "amount", "recorded_by", "created_at")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("tariff", "recorded_by")


class InvoiceForm(BoundedModelForm):
    """The payment: the day it was paid in full, or what was paid so far."""

    amount_paid = forms.DecimalField(
        label=_("paid so far (Bs)"),
        required=False,
        max_digits=12,
        decimal_places=2,
        min_value=0,
        help_text=_("A part paid so far; with the date, the whole amount."),
    )

    class Meta:
        model = Invoice
        fields = ("paid_on", "amount_paid")
        help_texts = {
            "paid_on": _("The day it was paid in full; empty while something is owed."),
        }

    def clean_paid_on(self):
        paid_on = self.cleaned_data.get("paid_on")
        if paid_on is not None and paid_on < self.instance.period:
            raise ValidationError(_("A payment cannot precede the billed month."))
        return paid_on

    def clean(self):
        cleaned = super().clean()
        amount = self.instance.amount
        if amount is None:  # no invoice to pay
            return cleaned
        if cleaned.get("paid_on") is not None:
            # Paid on a date is paid in full (the database's constraint).
            cleaned["amount_paid"] = amount
            return cleaned
        if "amount_paid" in self.errors:
            return cleaned
        paid = cleaned.get("amount_paid") or Decimal("0")
        if paid > amount:
            self.add_error(
                "amount_paid", _("The invoice is of %(amount)s.") % {"amount": format_bs(amount)}
            )
        elif paid == amount and amount > 0:
            self.add_error("paid_on", _("Paid in full: give the day it was paid."))
        else:
            cleaned["amount_paid"] = paid
        return cleaned


@admin.register(Invoice)
class InvoiceAdmin(AuditedAdmin, admin.ModelAdmin):
    form = InvoiceForm
    list_display = (
        "product",
        "company",
        "month",
        "amount_bs",
        "due_date",
        "paid_on",
        "owed_bs",
        "overdue",
    )
    list_filter = (
        PaymentFilter,
        "product__plan__product_type",
        ("product__company__executive", admin.RelatedOnlyFieldListFilter),
        "product__company__is_public_institution",
    )
    date_hierarchy = "period"
    search_fields = (
        "product__service_number",
        "product__company__nit",
        "product__company__legal_name",
        "product__company__trade_name",
    )
    list_select_related = ("product__plan", "product__company")
    readonly_fields = ("product", "period", "amount", "due_date", *AUDIT_FIELDS)
    fields = ("product", "period", "amount", "due_date", "paid_on", "amount_paid", *AUDIT_FIELDS)
    inlines = (InvoiceChargeInline,)
    actions = ("mark_paid_today",)

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("company"), ordering="product__company__legal_name")
    def company(self, obj):
        return obj.product.company

    @admin.display(description=_("period"), ordering="period")
    def month(self, obj):
        return obj.period.strftime("%m/%Y")

    @admin.display(description=_("amount"), ordering="amount")
    def amount_bs(self, obj):
        return format_bs(obj.amount)

    @admin.display(description=_("still owed"))
    def owed_bs(self, obj):
        return format_bs(obj.owed)

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, obj):
        return obj.is_overdue(timezone.localdate())

    @admin.action(description=_("Mark the selected invoices as paid today"))
    def mark_paid_today(self, request, queryset):
        today: date = timezone.localdate()
        paid, refused = 0, []
        for invoice in queryset.select_related("product"):
            try:
                invoice_mark_paid(invoice=invoice, paid_on=today)
                paid += 1
            except ValidationError as error:
                refused.append(f"{invoice}: {' '.join(error.messages)}")
        if paid:
            self.message_user(
                request,
                ngettext(
                    "%(count)d invoice marked as paid.", "%(count)d invoices marked as paid.", paid
                )
                % {"count": paid},
                messages.SUCCESS,
            )
        for reason in refused:
            self.message_user(request, reason, messages.WARNING)


class BilledFilter(admin.SimpleListFilter):
    title = _("billed")
    parameter_name = "billed"

    def lookups(self, request, model_admin):
        return (("yes", _("On an invoice")), ("no", _("Waiting for the next invoice")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(invoice__isnull=False)
        if self.value() == "no":
            return queryset.filter(invoice__isnull=True)
        return queryset


class ChargeForm(BoundedModelForm):
    """As charge_add: without an amount, the tariff's amount times the quantity."""

    class Meta:
        model = Charge
        fields = ("product", "concept", "tariff", "quantity", "amount")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "amount" in self.fields:
            self.fields["amount"].required = False
            self.fields["amount"].help_text = _("Empty: the tariff's amount times the quantity.")

    def clean(self):
        cleaned = super().clean()
        if "amount" not in self.fields:  # a billed charge: nothing to recompute
            return cleaned
        product, tariff = cleaned.get("product"), cleaned.get("tariff")
        quantity = cleaned.get("quantity") or Decimal("0")
        amount = cleaned.get("amount")
        if product is not None and product.status == ProductStatus.WITHDRAWN:
            self.add_error("product", _("A withdrawn product gets no new charges."))
        if amount is None and "amount" not in self.errors:
            if tariff is None:
                self.add_error("amount", _("Give an amount or a tariff."))
                return cleaned
            amount = tariff.amount * quantity
        if amount is not None:
            amount = bs(amount)
            if amount <= 0:
                self.add_error("amount", _("A charge must be more than Bs 0,00."))
            else:
                cleaned["amount"] = amount
                self.instance.amount = amount
        return cleaned


@admin.register(Charge)
class ChargeAdmin(AuditedAdmin, admin.ModelAdmin):
    form = ChargeForm
    list_display = (
        "concept",
        "product",
        "company",
        "tariff",
        "quantity",
        "amount_bs",
        "invoice",
        "created_at",
        "recorded_by",
    )
    list_filter = (BilledFilter, "tariff", "product__plan__product_type")
    date_hierarchy = "created_at"
    search_fields = (
        "concept",
        "product__service_number",
        "product__company__nit",
        "product__company__legal_name",
    )
    list_select_related = (
        "product__plan",
        "product__company",
        "tariff",
        "invoice__product",
        "recorded_by",
    )
    autocomplete_fields = ("product",)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.invoice_id:
            # Billed: what the customer was charged is history.
            return (
                "product",
                "concept",
                "tariff",
                "quantity",
                "amount",
                "invoice",
                "recorded_by",
                *AUDIT_FIELDS,
            )
        return ("invoice", "recorded_by", *AUDIT_FIELDS)

    def has_delete_permission(self, request, obj=None):
        if obj is not None and obj.invoice_id:
            return False
        return super().has_delete_permission(request, obj)

    @admin.display(description=_("company"), ordering="product__company__legal_name")
    def company(self, obj):
        return obj.product.company

    @admin.display(description=_("amount"), ordering="amount")
    def amount_bs(self, obj):
        return format_bs(obj.amount)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
