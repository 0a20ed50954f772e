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
