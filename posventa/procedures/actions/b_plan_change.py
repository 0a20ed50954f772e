"""Procedure B, plan change: the system really changes the product's plan."""

from django.utils import timezone

from posventa.cases.selectors import case_for_instance
from posventa.catalog.models import Plan
from posventa.common.money import format_bs
from posventa.engine.registry import registry
from posventa.integrations.handback import plan_change_hand_back
from posventa.inventory.models import Product
from posventa.inventory.services import product_change_plan
from posventa.procedures.product_guard import changes_note, product_state


@registry.register_action("change_plan")
def change_plan(instance, product_id: int, plan_id: int) -> dict:
    product = Product.objects.select_related("plan").get(pk=product_id)
    old_plan = product.plan
    new_plan = Plan.objects.get(pk=plan_id)
    before = product_state(product)
    product = product_change_plan(product=product, plan=new_plan)
    case = case_for_instance(instance)
    changes_note(case=case, product=product, before=before)
    plan_change_hand_back(
        product=product, old_plan=old_plan, on=timezone.localdate(), case=case, instance=instance
    )
    return {
        "old_plan": old_plan.name,
        "new_plan": new_plan.name,
        "summary": f"Cambio de plan: {old_plan.name} ({format_bs(old_plan.monthly_price)}) → "
        f"{new_plan.name} ({format_bs(new_plan.monthly_price)})",
    }
