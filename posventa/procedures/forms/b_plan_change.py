"""Procedure B, plan change: the forms of its user tasks."""

from django import forms
from django.utils.translation import gettext_lazy as _

from posventa.catalog.models import Plan
from posventa.common.money import format_bs
from posventa.engine.registry import registry
from posventa.procedures.forms.common import CaseTaskForm, RequirementsFields


def _other_plans(case):
    """Plans of the same product type the customer may change to."""
    if case is None or case.product is None:
        return Plan.objects.none()
    return (
        Plan.objects.filter(is_active=True, product_type_id=case.product.plan.product_type_id)
        .exclude(pk=case.product.plan_id)
        .order_by("monthly_price")
    )


class PlanChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, plan):
        return f"{plan.name} — {format_bs(plan.monthly_price)}"


@registry.register_form("b/check_requirements")
class CheckRequirements(RequirementsFields):
    """Step 2: which plan the customer asks for, and which documents came."""

    new_plan = PlanChoiceField(label=_("Requested plan"), queryset=Plan.objects.none())

    field_order = ["new_plan"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_plan"].queryset = _other_plans(self.case)
        self.order_fields(self.field_order)


@registry.register_form("b/enter_plan_change")
class EnterPlanChange(CaseTaskForm):
    """Steps 5–6: the commercial manager enters the change; the system changes
    the product's plan and prints the order request."""

    new_plan = PlanChoiceField(label=_("New plan"), queryset=Plan.objects.none())

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["new_plan"].queryset = _other_plans(self.case)
        requested = self.variables.get("new_plan")
        if requested and not self.is_bound:
            self.initial["new_plan"] = requested
