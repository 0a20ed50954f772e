"""Writes on the customer's installed products."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from posventa.catalog.models import Plan
from posventa.customers.models import Company
from posventa.inventory.models import (
    Equipment,
    Product,
    ProductStatus,
    ProductSupplementaryService,
    ReturnCondition,
    Suspension,
)
from posventa.inventory.rules import (
    check_suspension,
    supplementary_service_errors,
    technology_errors,
)


@transaction.atomic
def product_install(
    *,
    company: Company,
    service_number: str,
    plan: Plan,
    installed_on: date,
    installation_address: str,
    technology: str = "",
    zone: str = "",
    neighbourhood: str = "",
    minimum_permanence_months: int = 0,
) -> Product:
    """Record a product installed for the customer. Products on the access
    network say whether they run on copper or fiber; HSPA and long distance don't."""
    errors = technology_errors(product_type=plan.product_type, technology=technology)
    if errors:
        raise ValidationError(errors)
    product = Product(
        company=company,
        service_number=service_number.strip(),
        plan=plan,
        technology=technology,
        installation_address=installation_address.strip(),
        zone=zone.strip(),
        neighbourhood=neighbourhood.strip(),
        installed_on=installed_on,
        minimum_permanence_months=minimum_permanence_months,
    )
    product.full_clean()
    product.save()
    return product


@transaction.atomic
def equipment_add(*, product: Product, serial: str, kind: str) -> Equipment:
    """Record a device lent to the customer with the product."""
    equipment = Equipment(product=product, serial=serial.strip().upper(), kind=kind)
    equipment.full_clean()
    equipment.save()
    return equipment


@transaction.atomic
def suspension_record(*, product: Product, starts_on: date, ends_on: date, user=None) -> Suspension:
    """Record a temporary suspension, refused with the manual's reason when it
    breaks a rule (one a calendar year, four months at most)."""
    # Lock the product so two requests cannot both be "the first this year".
    product = Product.objects.select_for_update().get(pk=product.pk)
    check_suspension(product=product, starts_on=starts_on, ends_on=ends_on)
    suspension = Suspension(product=product, starts_on=starts_on, ends_on=ends_on, recorded_by=user)
    suspension.full_clean()
    suspension.save()
    return suspension


@transaction.atomic
def supplementary_services_change(*, product: Product, enable=(), disable=(), on: date) -> Product:
    """Enable and disable supplementary services on a line (procedure A)."""
    product = (
        Product.objects.select_for_update().select_related("plan__product_type").get(pk=product.pk)
    )
    errors = supplementary_service_errors(product=product, enable=enable, disable=disable)
    if errors:
        raise ValidationError(errors)
    product.enabled_services.filter(service__in=list(disable)).delete()
    ProductSupplementaryService.objects.bulk_create(
        [ProductSupplementaryService(product=product, service=s, enabled_on=on) for s in enable]
    )
    return product


@transaction.atomic
def product_change_plan(*, product: Product, plan: Plan) -> Product:
    """Move the product to another plan of the same kind (procedure B)."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    if plan.pk == product.plan_id:
        raise ValidationError({"plan": _("The product already has this plan.")})
    if plan.product_type_id != product.plan.product_type_id:
        raise ValidationError({"plan": _("The new plan is for another kind of product.")})
    if not plan.is_active:
        raise ValidationError({"plan": _("This plan is no longer offered.")})
    if product.status == ProductStatus.WITHDRAWN:
        raise ValidationError({"product": _("A withdrawn product cannot change plan.")})
    product.plan = plan
    product.save(update_fields=["plan", "updated_at"])
    return product


# --- Procedure C, product relocation ---------------------------------------------------


def is_same_place(product: Product, address: str, zone: str, neighbourhood: str) -> bool:
    """Whether this is where the product is installed already (case and
    spacing aside): moving it there is no relocation."""

    def norm(text: str) -> str:
        return " ".join((text or "").split()).casefold()

    here = (product.installation_address, product.zone, product.neighbourhood)
    there = (address, zone, neighbourhood)
    return [norm(t) for t in here] == [norm(t) for t in there]


@transaction.atomic
def product_relocate(
    *, product: Product, installation_address: str, zone: str = "", neighbourhood: str = ""
) -> Product:
    """Move the product to a new installation address on the same technology
    (procedure C, step 6); its number, plan and equipment stay."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.status == ProductStatus.WITHDRAWN:
        raise ValidationError({"product": _("A withdrawn product cannot be relocated.")})
    address = " ".join((installation_address or "").split())
    if not address:
        raise ValidationError({"installation_address": _("Give the new installation address.")})
    if is_same_place(product, address, zone, neighbourhood):
        raise ValidationError(
            {"installation_address": _("The product is already installed at this address.")}
        )
    product.installation_address = address
    product.zone = " ".join((zone or "").split())
    product.neighbourhood = " ".join((neighbourhood or "").split())
    product.full_clean()
    product.save(update_fields=["installation_address", "zone", "neighbourhood", "updated_at"])
    return product


@transaction.atomic
def product_withdraw(*, product: Product, on: date) -> Product:
    """Withdraw a product from the customer: it leaves the network, and its
    equipment is due back at the office (procedure C, step 4)."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.status == ProductStatus.WITHDRAWN:
        raise ValidationError({"product": _("The product is already withdrawn.")})
    if on < product.installed_on:
        raise ValidationError(
            {"withdrawn_on": _("A product cannot be withdrawn before it was installed.")}
        )
    product.status = ProductStatus.WITHDRAWN
    product.withdrawn_on = on
    product.full_clean()
    product.save(update_fields=["status", "withdrawn_on", "updated_at"])
    return product


@transaction.atomic
def product_activate(
    *,
    company: Company,
    service_number: str,
    plan: Plan,
    technology: str,
    installation_address: str,
    on: date,
    zone: str = "",
    neighbourhood: str = "",
    minimum_permanence_months: int = 0,
) -> Product:
    """Enter (activate) a new product for the customer, e.g. the same plan on
    fiber at the new address of a relocation with technology change (procedure
    C, step 5)."""
    service_number = (service_number or "").strip()
    errors = {}
    if not service_number:
        errors["service_number"] = _("Give the new product's service number.")
    elif Product.objects.filter(service_number=service_number).exists():
        errors["service_number"] = _("Service number %(number)s is already in use.") % {
            "number": service_number
        }
    if not plan.is_active:
        errors["plan"] = _("This plan is no longer offered.")
    if errors:
        raise ValidationError(errors)
    return product_install(
        company=company,
        service_number=service_number,
        plan=plan,
        installed_on=on,
        installation_address=installation_address,
        technology=technology,
        zone=zone,
        neighbourhood=neighbourhood,
        minimum_permanence_months=minimum_permanence_months,
    )


@transaction.atomic
def product_suspend(*, product: Product, on: date) -> Product:
    """The product's temporary suspension starts on `on`: it stops being
    active (procedure D). Only within a recorded suspension that covers that
    day and was not already ended; suspending a suspended product changes nothing."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.status == ProductStatus.WITHDRAWN:
        raise ValidationError({"product": _("A withdrawn product cannot be suspended.")})
    covering = product.suspensions.filter(
        starts_on__lte=on, ends_on__gte=on, reconnected_on__isnull=True
    ).exists()
    if not covering:
        raise ValidationError(
            {
                "product": _("No suspension of this product covers %(day)s.")
                % {"day": f"{on:%d/%m/%Y}"}
            }
        )
    if product.status != ProductStatus.SUSPENDED:
        product.status = ProductStatus.SUSPENDED
        product.save(update_fields=["status", "updated_at"])
    return product


@transaction.atomic
def product_reconnect(*, product: Product, on: date) -> Suspension:
    """The product's temporary suspension ends: from `on` it is active again
    and the suspension says when it was reconnected (procedure D). Returns the
    suspension ended: the latest one that had started by `on` and was not
    ended yet."""
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.status == ProductStatus.WITHDRAWN:
        raise ValidationError({"product": _("A withdrawn product cannot be reconnected.")})
    suspension = (
        product.suspensions.select_for_update()
        .filter(starts_on__lte=on, reconnected_on__isnull=True)
        .order_by("-starts_on")
        .first()
    )
    if suspension is None:
        raise ValidationError(
            {
                "product": _("The product has no suspension to end on %(day)s.")
                % {"day": f"{on:%d/%m/%Y}"}
            }
        )
    suspension.reconnected_on = on
    suspension.save(update_fields=["reconnected_on", "updated_at"])
    if product.status != ProductStatus.ACTIVE:
        product.status = ProductStatus.ACTIVE
        product.save(update_fields=["status", "updated_at"])
    return suspension


# --- Procedure H, product withdrawal: the equipment comes back ----------------------------


@transaction.atomic
def equipment_return_check(
    *, product: Product, conditions: dict[str, str], notes: dict[str, str] | None = None, on: date
) -> list[Equipment]:
    """Record how each device of the product came back (procedure H, step 8):
    complete, damaged or missing, by serial. Devices already settled (back
    complete, or billed) keep what they have; each one not settled must be
    given a condition."""
    notes = notes or {}
    product = Product.objects.select_for_update().get(pk=product.pk)
    if product.status == ProductStatus.WITHDRAWN:
        raise ValidationError({"product": _("The product is already withdrawn.")})
    pending = [e for e in product.equipment.select_for_update() if not e.return_settled]
    errors = {}
    for equipment in pending:
        condition = conditions.get(equipment.serial)
        if condition not in ReturnCondition.values:
            errors[equipment.serial] = _("Say how %(equipment)s came back.") % {
                "equipment": equipment
            }
    unknown = set(conditions) - {e.serial for e in pending}
    if unknown:
        errors["equipment"] = _("Not a device of this product to check: %(serials)s.") % {
            "serials": ", ".join(sorted(unknown))
        }
    if errors:
        raise ValidationError(errors)
    for equipment in pending:
        equipment.return_condition = conditions[equipment.serial]
        equipment.returned_on = (
            None if equipment.return_condition == ReturnCondition.MISSING else on
        )
        equipment.return_note = (notes.get(equipment.serial) or "").strip()[:250]
        equipment.full_clean()
        equipment.save(
            update_fields=["return_condition", "returned_on", "return_note", "updated_at"]
        )
    return pending


@transaction.atomic
def equipment_to_warehouse(*, product: Product, on: date, received_by: str) -> list[Equipment]:
    """Hand the devices that came back to the warehouse (procedure H, step 14)."""
    received_by = " ".join((received_by or "").split())
    if not received_by:
        raise ValidationError({"received_by": _("Say who received it at the warehouse.")})
    handed = list(
        product.equipment.select_for_update().filter(
            returned_on__isnull=False, warehouse_on__isnull=True
        )
    )
    for equipment in handed:
        equipment.warehouse_on = on
        equipment.warehouse_received_by = received_by[:150]
        equipment.save(update_fields=["warehouse_on", "warehouse_received_by", "updated_at"])
    return handed
