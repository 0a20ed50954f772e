"""Writes on the customer's installed products."""

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.catalog.models import Plan
from posventa.catalog.selectors import device_tariff, equipment_parts_by_kind
from posventa.common.money import bs
from posventa.customers.models import Company
from posventa.events import services as events
from posventa.inventory.models import (
    BILLABLE_CONDITIONS,
    Equipment,
    EquipmentMissingPart,
    Product,
    ProductStatus,
    ProductSupplementaryService,
    ReturnCondition,
    Suspension,
)
from posventa.inventory.rules import (
    charge_total,
    check_suspension,
    return_errors,
    supplementary_service_errors,
    technology_errors,
)
from posventa.inventory.selectors import equipment_return_charges


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
    events.product_changed_publish(product=product, change="installed")
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
    events.product_changed_publish(product=product, change="services")
    return product


@transaction.atomic
def product_change_plan(*, product: Product, plan: Plan) -> Product:
    """Move the product to another plan of the same kind (procedure B)."""
    # The product's row alone is locked; its current plan comes in the same read.
    product = (
        Product.objects.select_for_update(of=("self",)).select_related("plan").get(pk=product.pk)
    )
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
    events.product_changed_publish(product=product, change="plan")
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
    events.product_changed_publish(product=product, change="relocated")
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
    events.product_changed_publish(product=product, change="withdrawn")
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
        events.product_changed_publish(product=product, change="suspended")
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
        events.product_changed_publish(product=product, change="reconnected")
    return suspension


# --- Procedure H, product withdrawal: the equipment comes back ----------------------------


@transaction.atomic
def equipment_return_check(
    *,
    product: Product,
    conditions: dict[str, str],
    notes: dict[str, str] | None = None,
    missing_parts: dict[str, list[str]] | None = None,
    on: date,
    all_due: bool = True,
) -> list[Equipment]:
    """Record how each device of the product came back (procedure H, step 8;
    procedure C, step 4, after the old product's withdrawal), by serial:
    complete; incomplete, with the codes of its missing parts (of those the
    equipment catalogue lists for its kind); damaged, with a note saying what;
    or not returned. Devices already settled (back complete, or billed) keep
    what they have; each one not settled must be given a condition — unless
    not `all_due`: then those not named stay with the customer, to be
    returned later (procedure C). All or nothing: one wrong device and none
    is recorded. Returns the devices recorded."""
    notes = notes or {}
    missing_parts = missing_parts or {}
    product = Product.objects.select_for_update().get(pk=product.pk)
    pending = [e for e in product.equipment.select_for_update() if not e.return_settled]
    if not all_due:
        pending = [e for e in pending if e.serial in conditions]
    catalogue = equipment_parts_by_kind({e.kind for e in pending})
    errors = {}
    for equipment in pending:
        problems = return_errors(
            device=str(equipment),
            condition=conditions.get(equipment.serial, ""),
            missing_parts=missing_parts.get(equipment.serial) or [],
            allowed_parts=[part.code for part in catalogue[equipment.kind]],
            note=notes.get(equipment.serial, ""),
        )
        if problems:
            errors[equipment.serial] = " ".join(problems.values())
    unknown = (set(conditions) | set(missing_parts)) - {e.serial for e in pending}
    if unknown:
        errors["equipment"] = _("Not a device of this product to check: %(serials)s.") % {
            "serials": ", ".join(sorted(unknown))
        }
    if errors:
        raise ValidationError(errors)
    for equipment in pending:
        condition = conditions[equipment.serial]
        parts = [
            part
            for part in catalogue[equipment.kind]
            if part.code in set(missing_parts.get(equipment.serial) or [])
        ]
        equipment.return_condition = condition
        equipment.returned_on = None if condition == ReturnCondition.MISSING else on
        equipment.return_note = " ".join((notes.get(equipment.serial) or "").split())[:250]
        equipment.missing_part_count = len(parts)
        equipment.full_clean()
        equipment.missing_part_rows.all().delete()
        EquipmentMissingPart.objects.bulk_create(
            [EquipmentMissingPart(equipment=equipment, part=part) for part in parts]
        )
        equipment.save(
            update_fields=[
                "return_condition",
                "returned_on",
                "return_note",
                "missing_part_count",
                "updated_at",
            ]
        )
    return pending


@transaction.atomic
def equipment_return_bill(
    *,
    equipment: Equipment,
    amount: Decimal | None = None,
    charge_to: Product | None = None,
    on: date | None = None,
    user=None,
) -> list:
    """Bill what a device's return owes (procedure H, step 13; procedure C,
    step 4): each missing part at its tariff, or the damaged or missing device
    at `amount` (by default its tariff). The charges go on `charge_to`'s next
    invoice — the device's own product unless told (in a relocation with a
    technology change, the new product: the old one is withdrawn) — and the
    device says it is billed. A device whose missing parts cost nothing is
    billed Bs 0, with no charge. Returns the charges."""
    # Billing depends on the inventory, not the other way round: imported here.
    from posventa.billing.services import charge_add

    equipment = Equipment.objects.select_for_update().select_related("product").get(pk=equipment.pk)
    if equipment.return_condition not in BILLABLE_CONDITIONS:
        raise ValidationError(
            {
                "equipment": _(
                    "Only an incomplete, damaged or missing device is billed: %(equipment)s."
                )
                % {"equipment": equipment}
            }
        )
    if equipment.billed_on is not None:
        raise ValidationError(
            {"equipment": _("%(equipment)s is already billed.") % {"equipment": equipment}}
        )
    typed = amount is not None
    if typed and bs(amount) <= 0:
        raise ValidationError({"amount": _("A charge must be more than Bs 0,00.")})
    lines = equipment_return_charges(equipment, amount=amount)
    tariffs = {
        row.part.code: row.part.tariff
        for row in equipment.missing_part_rows.select_related("part__tariff")
    }
    # The device's charge names its tariff when that is what it charges.
    device = device_tariff(equipment.kind)
    if device is not None and typed and bs(amount) != device.amount:
        device = None
    charges = [
        charge_add(
            product=charge_to or equipment.product,
            concept=line.concept[:200],
            amount=line.amount,
            tariff=tariffs.get(line.part) if line.part else device,
            user=user,
        )
        for line in lines
    ]
    equipment.billed_on = on or timezone.localdate()
    equipment.billed_amount = charge_total(lines)
    equipment.full_clean()
    equipment.save(update_fields=["billed_on", "billed_amount", "updated_at"])
    return charges


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
