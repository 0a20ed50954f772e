"""Back-office pages for the catalogue.

Product types, supplementary services and tariffs are reference data loaded by
a migration and named in the rules by code: the admin edits their names and
amounts, never their codes, and neither adds nor deletes them.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from posventa.catalog.models import (
    EquipmentPart,
    EquipmentType,
    Plan,
    ProductType,
    SupplementaryService,
    Tariff,
)
from posventa.catalog.rules import plan_errors
from posventa.common.admin import AuditedAdmin
from posventa.common.forms import BoundedModelForm

AUDIT_FIELDS = ("created_at", "updated_at")


class ReferenceDataAdmin(AuditedAdmin, admin.ModelAdmin):
    """Rows the rules look up by code: edit them, but keep the set as loaded."""

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_readonly_fields(self, request, obj=None):
        return ("code", *AUDIT_FIELDS)


@admin.register(ProductType)
class ProductTypeAdmin(ReferenceDataAdmin):
    list_display = ("name", "code", "uses_access_network", "plan_count")
    list_filter = ("uses_access_network",)
    search_fields = ("name", "code")

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(plan_total=Count("plans"))

    @admin.display(description=_("plans"), ordering="plan_total")
    def plan_count(self, obj):
        return obj.plan_total


class PlanForm(BoundedModelForm):
    class Meta:
        model = Plan
        fields = (
            "code",
            "name",
            "product_type",
            "monthly_price",
            "basic_telephony_amount",
            "is_active",
        )

    def clean(self):
        cleaned = super().clean()
        errors = plan_errors(
            product_type=cleaned.get("product_type"),
            monthly_price=cleaned.get("monthly_price"),
            basic_telephony_amount=cleaned.get("basic_telephony_amount"),
        )
        if errors:
            raise ValidationError(errors)
        return cleaned


@admin.register(Plan)
class PlanAdmin(AuditedAdmin, admin.ModelAdmin):
    form = PlanForm
    list_display = (
        "code",
        "name",
        "product_type",
        "monthly_price",
        "basic_telephony_amount",
        "is_active",
    )
    list_filter = ("product_type", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("product_type",)
    readonly_fields = AUDIT_FIELDS
    ordering = ("product_type__name", "monthly_price", "code")


@admin.register(SupplementaryService)
class SupplementaryServiceAdmin(ReferenceDataAdmin):
    list_display = ("name", "code", "description")
    search_fields = ("name", "code", "description")


@admin.register(Tariff)
class TariffAdmin(ReferenceDataAdmin):
    list_display = ("code", "amount", "unit", "from_manual", "note")
    list_filter = ("from_manual", "unit")
    search_fields = ("code", "note")

    def get_readonly_fields(self, request, obj=None):
        # Whether a figure comes from the manual is a fact, not a setting.
        return ("code", "unit", "from_manual", *AUDIT_FIELDS)


# --- The equipment catalogue (procedures H and C: the equipment returned) ----------------


def _tariff_link(tariff: Tariff | None):
    if tariff is None:
        return "—"
    return format_html(
        '<a href="{}">Bs {}</a>',
        reverse("admin:catalog_tariff_change", args=[tariff.pk]),
        tariff.amount,
    )


@admin.register(EquipmentPart)
class EquipmentPartAdmin(ReferenceDataAdmin):
    """The parts a device is lent with; each is priced by its own tariff row,
    edited on the tariff's page."""

    list_display = ("name", "code", "price", "kinds")
    search_fields = ("name", "code")
    list_select_related = ("tariff",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("equipment_types")

    def get_readonly_fields(self, request, obj=None):
        return ("code", "price", *AUDIT_FIELDS)

    def get_fields(self, request, obj=None):
        return ("code", "name", "price", *AUDIT_FIELDS)

    @admin.display(description=_("replacement price"), ordering="tariff__amount")
    def price(self, obj):
        return _tariff_link(obj.tariff)

    @admin.display(description=_("devices"))
    def kinds(self, obj):
        return ", ".join(str(t) for t in obj.equipment_types.all()) or "—"


class EquipmentTypeForm(BoundedModelForm):
    class Meta:
        model = EquipmentType
        fields = ("parts", "replacement_tariff")
        widgets = {"parts": forms.CheckboxSelectMultiple}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        tariffs = self.fields["replacement_tariff"]
        # A device is priced by a device tariff, not by a fee or a part's.
        tariffs.queryset = Tariff.objects.filter(code__startswith="device_").order_by("code")
        self.fields["parts"].queryset = EquipmentPart.objects.select_related("tariff")
        self.fields["parts"].label_from_instance = lambda part: f"{part.name} (Bs {part.price})"

    def clean_replacement_tariff(self):
        tariff = self.cleaned_data.get("replacement_tariff")
        taken = (
            EquipmentType.objects.filter(replacement_tariff=tariff)
            .exclude(pk=self.instance.pk)
            .first()
            if tariff is not None
            else None
        )
        if taken is not None:
            raise ValidationError(_("This tariff already prices %(kind)s.") % {"kind": taken})
        return tariff


@admin.register(EquipmentType)
class EquipmentTypeAdmin(ReferenceDataAdmin):
    """The equipment catalogue: each kind of device and the parts it must come
    back with. A device returned without one of them is charged its tariff."""

    form = EquipmentTypeForm
    list_display = ("kind", "part_list", "device_price")
    list_select_related = ("replacement_tariff",)

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("parts__tariff")

    def get_readonly_fields(self, request, obj=None):
        return ("kind", *AUDIT_FIELDS)

    def get_fields(self, request, obj=None):
        return ("kind", "parts", "replacement_tariff", *AUDIT_FIELDS)

    @admin.display(description=_("parts"))
    def part_list(self, obj):
        parts = list(obj.parts.all())
        if not parts:
            return "—"
        return format_html_join(", ", "{} (Bs {})", ((p.name, p.tariff.amount) for p in parts))

    @admin.display(
        description=_("replacement price of the device"), ordering="replacement_tariff__amount"
    )
    def device_price(self, obj):
        return _tariff_link(obj.replacement_tariff)
