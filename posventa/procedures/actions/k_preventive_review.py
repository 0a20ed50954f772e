"""Procedure K, preventive technical review: what the system really does at
each step — asks the coverage table for fiber at the product's address, notes
the sales opportunity and its outcome, quotes the excess cable, migrates the
product to fiber with the charge on its invoice. The damage branch calls
procedure E as a call activity (its actions, driven by `product_id`)."""

from posventa.cases.selectors import case_for_instance
from posventa.engine.context import current_actor
from posventa.engine.registry import registry
from posventa.inventory.models import Product
from posventa.procedures.product_guard import changes_note, product_state
from posventa.reviews.models import Opportunity
from posventa.reviews.services import (
    excess_cable_quote,
    fiber_at,
    opportunity_decide,
    opportunity_note,
    product_migrate_to_fiber,
)


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


@registry.register_action("migrate_to_fiber")
def migrate_to_fiber(instance, product_id: int, metres: str, observations: str = "") -> str:
    """Step 15: the migration entered — the product is on fiber, the excess
    cable on the month's invoice."""
    product = Product.objects.get(pk=product_id)
    before = product_state(product)
    summary = product_migrate_to_fiber(
        product=product, metres=metres, observations=observations, user=current_actor()
    )["summary"]
    changes_note(case=case_for_instance(instance), product=product, before=before)
    return summary
