"""Back-office pages for the customers' installed products.

The forms apply the same rules as the services (copper or fiber only on the
access network, procedure D's suspension rules), with the same messages.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from posventa.common.admin import AuditedAdmin, ReadOnlyInline
from posventa.common.forms import BoundedModelForm
from posventa.inventory.models import (
    Equipment,
    Product,
    ProductStatus,
    ProductSupplementaryService,
    Suspension,
)
from posventa.inventory.rules import suspension_errors, technology_errors

AUDIT_FIELDS = ("created_at", "updated_at")


class ProductForm(BoundedModelForm):
    class Meta:
        model = Product
        fields = (
            "company",
            "service_number",
            "plan",
            "technology",
            "installation_address",
            "zone",
            "neighbourhood",
            "installed_on",
            "minimum_permanence_months",
            "status",
            "withdrawn_on",
        )

    def clean(self):
        cleaned = super().clean()
        plan = cleaned.get("plan")
        if plan is not None:
            for field, message in technology_errors(
                product_type=plan.product_type, technology=cleaned.get("technology", "")
            ).items():
                self.add_error(field, message)
        # The database refuses both, but its message only names the constraint.
        status, withdrawn_on = cleaned.get("status"), cleaned.get("withdrawn_on")
        if status == ProductStatus.WITHDRAWN and withdrawn_on is None:
            self.add_error("withdrawn_on", _("Say when the product was withdrawn."))
        if status and status != ProductStatus.WITHDRAWN and withdrawn_on is not None:
            self.add_error("withdrawn_on", _("Only a withdrawn product has a withdrawal date."))
        return cleaned


class EnabledServiceInline(admin.TabularInline):
    model = ProductSupplementaryService
    fields = ("service", "enabled_on")
    extra = 0


class EquipmentInline(admin.TabularInline):
    model = Equipment
    fields = ("kind", "serial", "returned_on")
    extra = 0


class SuspensionInline(ReadOnlyInline):
    """The product's suspensions at a glance; each is entered on its own page,
    where the one-a-year and four-month rules are checked."""

    model = Suspension
    fields = ("starts_on", "ends_on", "reconnected_on", "recorded_by")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("recorded_by")


@admin.register(Product)
class ProductAdmin(AuditedAdmin, admin.ModelAdmin):
    form = ProductForm
    list_display = (
        "service_number",
        "company",
        "plan",
        "product_type",
        "technology",
        "status",
        "installed_on",
        "withdrawn_on",
    )
    list_filter = (
        "plan__product_type",
        "technology",
        "status",
        ("company__executive", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = (
        "service_number",
        "company__nit",
        "company__legal_name",
        "company__trade_name",
        "equipment__serial",
    )
    list_select_related = ("company", "plan__product_type")
    autocomplete_fields = ("company", "plan")
    readonly_fields = ("permanence_ends_on", *AUDIT_FIELDS)
    date_hierarchy = "installed_on"
    fieldsets = (
        (None, {"fields": ("company", "service_number", "plan", "technology")}),
        (_("installation address"), {"fields": ("installation_address", "zone", "neighbourhood")}),
        (
            _("status"),
            {
                "fields": (
                    "installed_on",
                    "minimum_permanence_months",
                    "permanence_ends_on",
                    "status",
                    "withdrawn_on",
                    *AUDIT_FIELDS,
                )
            },
        ),
    )
    inlines = (EnabledServiceInline, EquipmentInline, SuspensionInline)

    @admin.display(description=_("product type"), ordering="plan__product_type__name")
    def product_type(self, obj):
        return obj.plan.product_type

    @admin.display(description=_("minimum permanence ends on"))
    def permanence_ends_on(self, obj):
        return obj.permanence_ends_on if obj.pk else "—"


class ReturnedFilter(admin.SimpleListFilter):
    title = _("returned")
    parameter_name = "returned"

    def lookups(self, request, model_admin):
        return (("yes", _("Returned")), ("no", _("With the customer")))

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(returned_on__isnull=False)
        if self.value() == "no":
            return queryset.filter(returned_on__isnull=True)
        return queryset


class EquipmentForm(BoundedModelForm):
    class Meta:
        model = Equipment
        fields = ("product", "serial", "kind", "returned_on")

    def clean_serial(self):
        # As equipment_add stores it, so "zte-01" and "ZTE-01" are one device.
        return self.cleaned_data.get("serial", "").strip().upper()


@admin.register(Equipment)
class EquipmentAdmin(AuditedAdmin, admin.ModelAdmin):
    form = EquipmentForm
    list_display = (
        "serial",
        "kind",
        "product",
        "company",
        "returned_on",
        "return_condition",
        "billed_amount",
        "warehouse_on",
    )
    list_filter = ("kind", ReturnedFilter, "return_condition")
    search_fields = (
        "serial",
        "product__service_number",
        "product__company__nit",
        "product__company__legal_name",
    )
    list_select_related = ("product__plan", "product__company")
    autocomplete_fields = ("product",)
    # The withdrawal's return (procedure H) is recorded by its process, not typed here.
    readonly_fields = (
        "return_condition",
        "missing_part_list",
        "return_note",
        "billed_on",
        "billed_amount",
        "warehouse_on",
        "warehouse_received_by",
        *AUDIT_FIELDS,
    )

    @admin.display(description=_("company"), ordering="product__company__legal_name")
    def company(self, obj):
        return obj.product.company

    @admin.display(description=_("missing parts"))
    def missing_part_list(self, obj):
        parts = [str(row.part) for row in obj.missing_part_rows.select_related("part")]
        return ", ".join(parts) or "—"


class SuspensionForm(BoundedModelForm):
    class Meta:
        model = Suspension
        fields = ("product", "starts_on", "ends_on", "reconnected_on")

    def clean(self):
        cleaned = super().clean()
        product = cleaned.get("product")
        starts_on, ends_on = cleaned.get("starts_on"), cleaned.get("ends_on")
        if product and starts_on and ends_on:
            errors = suspension_errors(
                product=product, starts_on=starts_on, ends_on=ends_on, ignore=self.instance
            )
            if errors:
                raise ValidationError(errors)
        return cleaned


@admin.register(Suspension)
class SuspensionAdmin(AuditedAdmin, admin.ModelAdmin):
    form = SuspensionForm
    list_display = ("product", "company", "starts_on", "ends_on", "reconnected_on", "recorded_by")
    list_filter = (("product__company__executive", admin.RelatedOnlyFieldListFilter),)
    date_hierarchy = "starts_on"
    search_fields = (
        "product__service_number",
        "product__company__nit",
        "product__company__legal_name",
    )
    list_select_related = ("product__plan", "product__company", "recorded_by")
    autocomplete_fields = ("product",)
    readonly_fields = ("recorded_by", *AUDIT_FIELDS)

    @admin.display(description=_("company"), ordering="product__company__legal_name")
    def company(self, obj):
        return obj.product.company

    def save_model(self, request, obj, form, change):
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
