"""Procedure C, product relocation: what the system really does at each step —
asks the network, moves the product or replaces it on the new technology,
charges the relocation fee, registers the installation work order."""

from datetime import date

from django.utils import timezone

from posventa.billing.services import charge_add
from posventa.cases.selectors import case_for_instance
from posventa.catalog.models import Plan, TariffCode
from posventa.catalog.selectors import tariff_get
from posventa.common.dates import add_months
from posventa.engine.context import current_actor
from posventa.engine.registry import registry
from posventa.integrations import feasibility
from posventa.integrations.handback import (
    relocation_hand_back,
    technology_hand_back,
    withdrawal_hand_back,
)
from posventa.inventory.models import Product
from posventa.inventory.services import product_activate, product_relocate, product_withdraw
from posventa.procedures.h_withdrawal import devices_with_parts
from posventa.procedures.product_guard import (
    changes_note,
    product_added_note,
    product_state,
)
from posventa.workorders.models import WorkOrderKind
from posventa.workorders.services import workorder_create


def _place(address: str, zone: str, neighbourhood: str) -> str:
    return ", ".join(p for p in (address, neighbourhood, zone) if p)


def _relocation_fee(product: Product, concept: str):
    """The relocation fee on the product's next recurring invoice: the
    billing adjustment the manual asks to record."""
    return charge_add(
        product=product,
        concept=concept[:200],
        tariff=tariff_get(TariffCode.RELOCATION),
        user=current_actor(),
    )


def remaining_permanence_months(product: Product, on: date) -> int:
    """Whole months (rounded up) left of the product's minimum permanence on
    `on`. The product that replaces it carries them: a relocation neither
    restarts the customer's commitment nor forgives it."""
    ends = product.permanence_ends_on
    if ends <= on:
        return 0
    months = (ends.year - on.year) * 12 + ends.month - on.month
    if add_months(on, months) < ends:
        months += 1
    return months


@registry.register_action("network_feasibility")
def network_feasibility(instance, address: str, zone: str, neighbourhood: str) -> dict:
    """Step 2: can the network serve the new address, on what? (The adapter
    of settings.POSVENTA_FEASIBILITY_ADAPTER answers; by default the coverage table.)"""
    return feasibility.check(address=address, zone=zone, neighbourhood=neighbourhood).as_dict()


@registry.register_action("relocate_product")
def relocate_product(instance, product_id: int, address: str, zone: str, neighbourhood: str):
    """Step 6: the product moves to the new address on its technology; the
    relocation fee goes on its next invoice."""
    product = Product.objects.get(pk=product_id)
    old_place = _place(product.installation_address, product.zone, product.neighbourhood)
    before = product_state(product)
    old_address = product.installation_address
    product = product_relocate(
        product=product, installation_address=address, zone=zone, neighbourhood=neighbourhood
    )
    case = case_for_instance(instance)
    changes_note(case=case, product=product, before=before)
    relocation_hand_back(
        product=product,
        old_address=old_address,
        on=timezone.localdate(),
        case=case,
        instance=instance,
    )
    new_place = _place(product.installation_address, product.zone, product.neighbourhood)
    charge = _relocation_fee(product, f"Traslado del producto {product.service_number}")
    return {
        "product_id": product.pk,
        "old_address": old_place,
        "new_address": new_place,
        "fee": str(charge.amount),
        "summary": f"Traslado del producto {product.service_number} "
        f"({product.get_technology_display().lower()}) de {old_place} a {new_place}",
    }


@registry.register_action("withdraw_product")
def withdraw_product(instance, product_id: int) -> dict:
    """Step 4: the old product is withdrawn; its equipment is due back at the office."""
    product = Product.objects.get(pk=product_id)
    before = product_state(product)
    product = product_withdraw(product=product, on=timezone.localdate())
    case = case_for_instance(instance)
    changes_note(case=case, product=product, before=before)
    withdrawal_hand_back(
        product=product,
        reason="Traslado con cambio de tecnología",
        case=case,
        instance=instance,
    )
    # What the customer must bring back, each device with its parts.
    equipment = devices_with_parts(product.equipment.filter(returned_on__isnull=True))
    return {
        "product_id": product.pk,
        "service_number": product.service_number,
        "equipment": equipment,
        "summary": f"Retiro del producto {product.service_number} "
        f"({product.get_technology_display().lower()})",
    }


@registry.register_action("activate_product")
def activate_product(
    instance,
    product_id: int,
    service_number: str,
    plan_id: int,
    technology: str,
    address: str,
    zone: str,
    neighbourhood: str,
) -> dict:
    """Step 5: the new product — same customer, the plan chosen, the new
    technology, the new address — is entered and active; the relocation fee
    goes on its next invoice."""
    old = Product.objects.get(pk=product_id)
    today = timezone.localdate()
    new = product_activate(
        company=old.company,
        service_number=service_number,
        plan=Plan.objects.get(pk=plan_id),
        technology=technology,
        installation_address=address,
        zone=zone,
        neighbourhood=neighbourhood,
        on=today,
        minimum_permanence_months=remaining_permanence_months(old, today),
    )
    case = case_for_instance(instance)
    product_added_note(case=case, old=old, new=new)
    technology_hand_back(
        product=new,
        old_product=old,
        old_technology=old.technology,
        on=today,
        case=case,
        instance=instance,
    )
    charge = _relocation_fee(
        new, f"Traslado con cambio de tecnología: {old.service_number} → {new.service_number}"
    )
    return {
        "product_id": new.pk,
        "service_number": new.service_number,
        "fee": str(charge.amount),
        "summary": f"Alta del producto {new.service_number} ({new.plan.name}, "
        f"{new.get_technology_display().lower()}) en "
        f"{_place(new.installation_address, new.zone, new.neighbourhood)}, "
        f"en reemplazo de {old.service_number}",
    }


@registry.register_action("installation_work_order")
def installation_work_order(instance, product_id: int, notes: str = "") -> str:
    """Step 8: the installation work order for Resources management, on the
    case; its number is what the process then waits for."""
    case = case_for_instance(instance)
    product = Product.objects.get(pk=product_id)
    work_order = workorder_create(
        kind=WorkOrderKind.INSTALLATION,
        company=case.company,
        product=product,
        case=case,
        description=notes,
        user=current_actor(),
    )
    return work_order.number
