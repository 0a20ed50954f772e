"""Procedure A, supplementary services: the forms of its user tasks."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from posventa.catalog.models import SupplementaryService
from posventa.engine.registry import registry
from posventa.inventory.rules import supplementary_service_errors
from posventa.procedures.forms.common import CaseTaskForm, RequirementsFields


class ServicesField(forms.ModelMultipleChoiceField):
    widget = forms.CheckboxSelectMultiple


def _services_choice(form, *, enabled: bool):
    """The services the case's line has (to disable) or lacks (to enable)."""
    case = form.case
    services = SupplementaryService.objects.order_by("name")
    if case is None or case.product is None:
        return services.none()
    ids = case.product.enabled_services.values_list("service_id", flat=True)
    return services.filter(pk__in=ids) if enabled else services.exclude(pk__in=ids)


class ServicesChange(CaseTaskForm):
    """Which services to enable and to disable on the case's line, checked
    against the line as it is now."""

    enable = ServicesField(
        label=_("Enable"), queryset=SupplementaryService.objects.none(), required=False
    )
    disable = ServicesField(
        label=_("Disable"), queryset=SupplementaryService.objects.none(), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enable"].queryset = _services_choice(self, enabled=False)
        self.fields["disable"].queryset = _services_choice(self, enabled=True)
        requested = self.variables
        if requested and not self.is_bound:
            self.initial.update(enable=requested.get("enable"), disable=requested.get("disable"))

    def clean(self):
        cleaned = super().clean()
        case = self.case
        if case is None or case.product is None:
            raise ValidationError(_("The case names no line to change."))
        errors = supplementary_service_errors(
            product=case.product,
            enable=list(cleaned.get("enable") or []),
            disable=list(cleaned.get("disable") or []),
        )
        for field, message in errors.items():
            self.add_error(field if field in self.fields else None, message)
        return cleaned


@registry.register_form("a/check_requirements")
class CheckRequirements(RequirementsFields, ServicesChange):
    """Step 3: what the customer asks to change, and which documents came."""

    field_order = ["enable", "disable"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.order_fields(self.field_order)


@registry.register_form("a/enter_services")
class EnterServices(ServicesChange):
    """Step 5: the commercial manager enters the change; the system applies it to
    the line, charges the fee to the next invoice and prints the order request."""
