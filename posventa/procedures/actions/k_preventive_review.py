"""Procedure K, preventive technical review: what the system really does at
each step — asks the coverage table for fiber at the product's address, notes
the sales opportunity and its outcome, quotes the excess cable, issues the
migration's installation work order, migrates the product to fiber with the
charge on its invoice once installed, then issues the copper's withdrawal
order. The damage branch calls procedure E as a call activity (its actions,
driven by `product_id`)."""

from django.core.exceptions import ValidationError
from django.utils import timezone

from posventa.cases.selectors import case_for_instance
from posventa.catalog.models import Technology
from posventa.engine.context import current_actor
from posventa.engine.registry import registry
from posventa.integrations.handback import technology_hand_back
from posventa.inventory.models import Product
from posventa.procedures.product_guard import changes_note, product_state
from posventa.reviews.models import Opportunity
from posventa.reviews.selectors import step_completed_by
from posventa.reviews.services import (
    copper_withdrawal_order,
    excess_cable_quote,
    fiber_at,
    migration_installation_order,
    opportunity_decide,
    opportunity_note,
    product_migrate_to_fiber,
)
from posventa.workorders.models import WorkOrder


@registry.register_action("note_opportunity")
def note_opportunity(instance, offered_type: str, note: str = "") -> int:
    """Step 3: the opportunity, noted for the executive."""
    case = case_for_instance(instance)
    opportunity = opportunity_note(
        case=case, offered_type=offered_type, note=note, user=current_actor()
    )
    return opportunity.pk


@registry.register_action("record_proposal_outcome")
def record_proposal_outcome(instance, opportunity_id: int, wants_it: bool) -> str:
    """Step 11: the customer's answer; wanting it hands the sale to the sales team."""
    opportunity = opportunity_decide(
        opportunity=Opportunity.objects.get(pk=opportunity_id), wants_it=bool(wants_it)
    )
    return opportunity.outcome


@registry.register_action("fiber_feasibility")
def fiber_feasibility(instance, product_id: int) -> str:
    """Step 4: what the network has at the product's address (the adapter
    of settings.POSVENTA_FEASIBILITY_ADAPTER; by default the coverage table)."""
    return fiber_at(Product.objects.get(pk=product_id)).summary()


@registry.register_action("quote_excess_cable")
def quote_excess_cable(instance, metres: str) -> str:
    """Step 12.1: the excess-cable cost (Bs) the offer tells the customer."""
    return excess_cable_quote(metres)["amount"]


@registry.register_action("fiber_installation_order")
def fiber_installation_order(instance, product_id: int, metres: str, observations: str = "") -> str:
    """Step 15: the migration entered issues the fiber's installation work
    order on the case; its number is what the process then waits for."""
    work_order = migration_installation_order(
        case=case_for_instance(instance),
        product=Product.objects.get(pk=product_id),
        metres=metres,
        observations=observations,
        user=current_actor(),
    )
    return work_order.number


@registry.register_action("migrate_to_fiber")
def migrate_to_fiber(
    instance, product_id: int, work_order_id: str, metres: str, observations: str = ""
) -> dict:
    """The installation closed resolved: the product is on fiber (what changed
    kept with the case), the excess cable on the month's invoice, recorded by
    the commercial manager who entered the migration. If another case
    withdrew the product or took it off copper meanwhile, nothing changes and
    the process says why ({"migrated": False, "reason": …}): the closing of
    the order is never refused for it."""
    case = case_for_instance(instance)
    product = Product.objects.get(pk=product_id)
    before = product_state(product)
    try:
        result = product_migrate_to_fiber(
            product=product,
            installation=WorkOrder.objects.get(number=work_order_id),
            metres=metres,
            observations=observations,
            user=step_completed_by(case=case, bpmn_id="enter_migration"),
        )
    except ValidationError as error:
        return {"migrated": False, "reason": " ".join(error.messages), "summary": ""}
    changes_note(case=case, product=product, before=before)
    # K 15: the migration entered in the commercial system.
    technology_hand_back(
        product=product,
        old_technology=Technology.COPPER,
        on=timezone.localdate(),
        case=case,
        instance=instance,
    )
    return {"migrated": True, "reason": "", "summary": result["summary"]}


@registry.register_action("copper_withdrawal_order")
def copper_withdrawal_order_action(instance, product_id: int, installation_order_id: str) -> str:
    """With the fiber installed, the work order withdrawing the copper; issued
    again when a withdrawal closes without success. Its number is waited for."""
    work_order = copper_withdrawal_order(
        case=case_for_instance(instance),
        product=Product.objects.get(pk=product_id),
        installation=WorkOrder.objects.get(number=installation_order_id),
        user=current_actor(),
    )
    return work_order.number
