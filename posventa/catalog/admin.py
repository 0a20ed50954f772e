"""Back-office pages for the catalogue.

Product types, supplementary services and tariffs are reference data loaded by
a migration and named in the rules by code: the admin edits their names and
amounts, never their codes, and neither adds nor deletes them.
"""

from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from posventa.catalog.models import Plan, ProductType, SupplementaryService, Tariff
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
