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
    TEAM_RULE_CHOICES,
    EquipmentPart,
    EquipmentType,
    Plan,
    ProductType,
    SupplementaryService,
    Tariff,
    TariffCode,
    TeamRule,
    TeamRuleCode,
)
from posventa.catalog.rules import plan_errors, team_rule_errors, team_rule_text
from posventa.catalog.services import team_rule_update
from posventa.common.admin import AuditedAdmin
from posventa.common.forms import BoundedModelForm
from posventa.common.money import format_bs

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
        fields = ("code", "unit", "from_manual", *AUDIT_FIELDS)
        if obj is not None and obj.code == TariffCode.EARLY_TERMINATION_PENALTY:
            # The penalty's percentage is the team rule's, edited there.
            fields = ("amount", *fields)
        return fields


# --- The equipment catalogue (procedures H and C: the equipment returned) ----------------


def _tariff_link(tariff: Tariff | None):
    if tariff is None:
        return "—"
    return format_html(
        '<a href="{}">{}</a>',
        reverse("admin:catalog_tariff_change", args=[tariff.pk]),
        format_bs(tariff.amount),
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
        self.fields["parts"].label_from_instance = lambda part: (
            f"{part.name} ({format_bs(part.price)})"
        )

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
        return format_html_join(
            ", ", "{} ({})", ((p.name, format_bs(p.tariff.amount)) for p in parts)
        )

    @admin.display(
        description=_("replacement price of the device"), ordering="replacement_tariff__amount"
    )
    def device_price(self, obj):
        return _tariff_link(obj.replacement_tariff)


# --- The team's own rules (not the manual's) -----------------------------------------------


def value_fields(code: str) -> tuple[str, ...]:
    """The fields that hold a team rule's value, by its code."""
    if code == TeamRuleCode.PROMISE_MAX_DAYS:
        return ("days",)
    if code == TeamRuleCode.PENALTY_FORMULA:
        return ("choice", "percent")
    return ("choice",)


class TeamRuleForm(BoundedModelForm):
    """A team rule's value, in the field its code types: the days of the
    promise's term; an option; an option and a percentage for the penalty."""

    choice = forms.ChoiceField(label=_("option"), required=False)

    class Meta:
        model = TeamRule
        fields = ("days", "choice", "percent", "note")
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        code = self.instance.code
        for name in ("days", "choice", "percent"):
            if name not in value_fields(code):
                self.fields.pop(name, None)
            elif name in self.fields:
                self.fields[name].required = True
        if "days" in self.fields:
            self.fields["days"].help_text = _(
                "A promised payment date may be at most this many days from the call."
            )
        if "choice" in self.fields:
            options = TEAM_RULE_CHOICES.get(code)
            self.fields["choice"].choices = options.choices if options is not None else []
        if "percent" in self.fields:
            self.fields["percent"].help_text = _(
                "Of the plan's monthly price: more than 0, at most 100."
            )

    def clean(self):
        cleaned = super().clean()
        errors = team_rule_errors(
            code=self.instance.code,
            days=cleaned.get("days"),
            choice=cleaned.get("choice") or "",
            percent=cleaned.get("percent"),
        )
        for field, message in errors.items():
            if field in self.fields and field not in self.errors:
                self.add_error(field, message)
            elif field not in self.fields:
                self.add_error(None, message)
        return cleaned


@admin.register(TeamRule)
class TeamRuleAdmin(ReferenceDataAdmin):
    """The team's own rules, each labelled "regla del equipo (no del manual)":
    what the procedures apply where the manual is silent. Their value is
    edited here (through the service, which checks it); the set is as loaded."""

    form = TeamRuleForm
    list_display = ("label", "procedure", "value", "source", "note")
    list_filter = ("procedure",)
    search_fields = ("label", "code", "note")

    def get_readonly_fields(self, request, obj=None):
        return ("code", "procedure", "label", "source", "applied", *AUDIT_FIELDS)

    def get_fields(self, request, obj=None):
        return (
            "code",
            "procedure",
            "label",
            "source",
            *value_fields(obj.code if obj is not None else ""),
            "note",
            "applied",
            *AUDIT_FIELDS,
        )

    @admin.display(description=_("source"))
    def source(self, obj):
        return _("team rule (not from the manual)")

    @admin.display(description=_("value"))
    def value(self, obj):
        if obj.code == TeamRuleCode.PROMISE_MAX_DAYS:
            return _("%(days)s days") % {"days": obj.days}
        label = TEAM_RULE_CHOICES[obj.code](obj.choice).label
        if obj.code == TeamRuleCode.PENALTY_FORMULA:
            return f"{obj.percent} % · {label}"
        return label

    @admin.display(description=_("as the steps show it"))
    def applied(self, obj):
        return team_rule_text(obj) if obj is not None and obj.pk else "—"

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        team_rule_update(
            rule=obj,
            days=data.get("days"),
            choice=data.get("choice") or "",
            percent=data.get("percent"),
            note=data.get("note", ""),
        )
