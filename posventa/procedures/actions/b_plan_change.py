"""Procedure B, plan change: the system really changes the product's plan."""

from posventa.cases.selectors import case_for_instance
from posventa.catalog.models import Plan
from posventa.engine.registry import registry
from posventa.inventory.models import Product
from posventa.inventory.services import product_change_plan
from posventa.procedures.product_guard import changes_note, product_state


@registry.register_action("change_plan")
def change_plan(instance, product_id: int, plan_id: int) -> dict:
    product = Product.objects.select_related("plan").get(pk=product_id)
    old_plan = product.plan
    new_plan = Plan.objects.get(pk=plan_id)
    before = product_state(product)
    product_change_plan(product=product, plan=new_plan)
    changes_note(case=case_for_instance(instance), product=product, before=before)
    return {
        "old_plan": old_plan.name,
        "new_plan": new_plan.name,
        "summary": f"Cambio de plan: {old_plan.name} (Bs {old_plan.monthly_price}) → "
        f"{new_plan.name} (Bs {new_plan.monthly_price})",
    }
