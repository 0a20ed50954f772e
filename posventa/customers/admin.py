"""Back-office pages for companies, their contacts and the interactions with them.

The admin edits rows directly, so its forms repeat the services' checks that
the model alone does not make (an executive owns the portfolio, one primary
contact, a NIT typed with dots), with the same messages.
"""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from posventa.accounts.roles import Capability, can
from posventa.common.admin import AuditedAdmin, ReadOnlyInline
from posventa.common.forms import BoundedModelForm
from posventa.common.nit import normalize_nit
from posventa.customers.models import Company, Contact, Interaction
from posventa.inventory.models import Product, ProductStatus

AUDIT_FIELDS = ("created_at", "updated_at")


class CompanyForm(BoundedModelForm):
    class Meta:
        model = Company
        fields = (
            "nit",
            "legal_name",
            "trade_name",
            "is_public_institution",
            "address",
            "zone",
            "neighbourhood",
            "city",
            "executive",
        )

    def clean_nit(self):
        return normalize_nit(self.cleaned_data.get("nit", ""))

    def clean_executive(self):
        executive = self.cleaned_data.get("executive")
        if executive is not None and (
            executive.is_superuser or not can(executive, Capability.OWN_PORTFOLIO)
        ):
            raise ValidationError(_("The portfolio owner must be an executive."))
        return executive


class ContactInlineFormSet(forms.BaseInlineFormSet):
    """At most one primary contact; ticking a new one unticks the old one on save,
    as `contact_create` does, instead of failing on the database constraint."""

    def clean(self):
        super().clean()
        primaries = [
            form
            for form in self.forms
            if form.cleaned_data.get("is_primary") and not form.cleaned_data.get("DELETE")
        ]
        if len(primaries) > 1:
            raise ValidationError(_("Only one contact can be the primary contact."))

    def save(self, commit=True):
        chosen = [
            form.instance
            for form in self.forms
            if form.cleaned_data.get("is_primary") and not form.cleaned_data.get("DELETE")
        ]
        if chosen and self.instance.pk:
            demoted = self.instance.contacts.filter(is_primary=True)
            if chosen[0].pk:
                demoted = demoted.exclude(pk=chosen[0].pk)
            for contact in demoted:
                contact.is_primary = False
                contact.save(update_fields=["is_primary", "updated_at"])
        return super().save(commit=commit)


class ContactForm(BoundedModelForm):
    class Meta:
        model = Contact
        fields = (
            "company",
            "name",
            "position",
            "phone",
            "whatsapp",
            "email",
            "preferred_channel",
            "is_primary",
        )

    def _get_validation_exclusions(self):
        # Not the one-primary constraint: a new primary replaces the old one on
        # save (as contact_create does) instead of being refused for it.
        return {*super()._get_validation_exclusions(), "is_primary"}


class ContactInline(admin.TabularInline):
    model = Contact
    form = ContactForm
    formset = ContactInlineFormSet
    fields = ("name", "position", "phone", "whatsapp", "email", "preferred_channel", "is_primary")
    extra = 0


class ProductInline(ReadOnlyInline):
    """The company's products at a glance; each is edited on its own page."""

    model = Product
    fields = ("service_number", "plan", "technology", "status", "installed_on", "withdrawn_on")

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("plan")


def _nit_search(search_term: str) -> str:
    """A NIT typed with dots or dashes searches as its digits."""
    digits = normalize_nit(search_term)
    return digits if digits.isascii() and digits.isdigit() else search_term


@admin.register(Company)
class CompanyAdmin(AuditedAdmin, admin.ModelAdmin):
    form = CompanyForm
    list_display = (
        "legal_name",
        "trade_name",
        "nit",
        "executive",
        "city",
        "is_public_institution",
        "products_in_service",
    )
    list_filter = (
        ("executive", admin.RelatedOnlyFieldListFilter),
        "is_public_institution",
        "city",
    )
    search_fields = ("nit", "legal_name", "trade_name")
    list_select_related = ("executive",)
    autocomplete_fields = ("executive",)
    readonly_fields = AUDIT_FIELDS
    fieldsets = (
        (None, {"fields": ("nit", "legal_name", "trade_name", "is_public_institution")}),
        (_("address"), {"fields": ("address", "zone", "neighbourhood", "city")}),
        (_("executive"), {"fields": ("executive", *AUDIT_FIELDS)}),
    )
    inlines = (ContactInline, ProductInline)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                in_service=Count("products", filter=~Q(products__status=ProductStatus.WITHDRAWN))
            )
        )

    @admin.display(description=_("products"), ordering="in_service")
    def products_in_service(self, obj):
        return obj.in_service

    def get_search_results(self, request, queryset, search_term):
        return super().get_search_results(request, queryset, _nit_search(search_term))


@admin.register(Contact)
class ContactAdmin(AuditedAdmin, admin.ModelAdmin):
    form = ContactForm
    list_display = (
        "name",
        "company",
        "position",
        "phone",
        "whatsapp",
        "email",
        "preferred_channel",
        "is_primary",
    )
    list_filter = ("is_primary", "preferred_channel")
    search_fields = ("name", "email", "phone", "whatsapp", "company__nit", "company__legal_name")
    list_select_related = ("company",)
    autocomplete_fields = ("company",)
    readonly_fields = AUDIT_FIELDS

    def save_model(self, request, obj, form, change):
        if obj.is_primary:
            for contact in Contact.objects.filter(company=obj.company, is_primary=True).exclude(
                pk=obj.pk
            ):
                contact.is_primary = False
                contact.save(update_fields=["is_primary", "updated_at"])
        super().save_model(request, obj, form, change)


class InteractionForm(BoundedModelForm):
    class Meta:
        model = Interaction
        fields = ("company", "occurred_at", "channel", "direction", "contact", "summary")

    def clean(self):
        cleaned = super().clean()
        company, contact = cleaned.get("company"), cleaned.get("contact")
        if company and contact and contact.company_id != company.pk:
            self.add_error("contact", _("The contact does not belong to this customer."))
        return cleaned


@admin.register(Interaction)
class InteractionAdmin(AuditedAdmin, admin.ModelAdmin):
    form = InteractionForm
    list_display = (
        "occurred_at",
        "company",
        "channel",
        "direction",
        "contact",
        "recorded_by",
        "short_summary",
    )
    list_filter = (
        "channel",
        "direction",
        ("recorded_by", admin.RelatedOnlyFieldListFilter),
        ("company__executive", admin.RelatedOnlyFieldListFilter),
    )
    date_hierarchy = "occurred_at"
    search_fields = ("summary", "company__nit", "company__legal_name", "company__trade_name")
    list_select_related = ("company", "contact", "recorded_by")
    autocomplete_fields = ("company", "contact")
    readonly_fields = ("recorded_by", *AUDIT_FIELDS)
    fields = (
        "company",
        "occurred_at",
        "channel",
        "direction",
        "contact",
        "summary",
        "recorded_by",
        *AUDIT_FIELDS,
    )

    @admin.display(description=_("summary"))
    def short_summary(self, obj):
        return obj.summary if len(obj.summary) <= 80 else f"{obj.summary[:79]}…"

    def save_model(self, request, obj, form, change):
        # Who recorded it is whoever is logged in, never a choice in the form.
        if not change:
            obj.recorded_by = request.user
        super().save_model(request, obj, form, change)
