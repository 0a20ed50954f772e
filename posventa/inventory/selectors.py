"""Reads on the customer's installed products."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from posventa.catalog.selectors import device_tariff
from posventa.customers.models import Company
from posventa.customers.selectors import portfolio_companies
from posventa.inventory.models import (
    Equipment,
    Product,
    ProductSupplementaryService,
    ReturnCondition,
)
from posventa.inventory.rules import ChargeLine, PricedPart, return_charge_lines


def company_products(*, company: Company, include_withdrawn: bool = True) -> QuerySet[Product]:
    """The company's products with their plan, type and enabled services."""
    products = company.products.select_related("plan__product_type").prefetch_related(
        Prefetch(
            "enabled_services",
            queryset=ProductSupplementaryService.objects.select_related("service"),
        ),
        "equipment",
    )
    if not include_withdrawn:
        products = products.exclude(status="withdrawn")
    return products.order_by("status", "plan__product_type__name", "service_number")


def products_visible_to(
    *,
    user,
    search: str = "",
    executive_id: int | None = None,
    company_id: int | None = None,
    product_type: str = "",
    technology: str = "",
    status: str = "",
    plan_id: int | None = None,
) -> QuerySet[Product]:
    """The products of the companies the user may see (the portfolio's
    search and executive filter apply to their companies), by company, type,
    technology, status and plan if asked; by company, then service number."""
    companies = portfolio_companies(user=user, search=search, executive_id=executive_id)
    products = Product.objects.filter(company__in=companies)
    if company_id:
        products = products.filter(company_id=company_id)
    if product_type:
        products = products.filter(plan__product_type__code=product_type)
    if technology:
        products = products.filter(technology=technology)
    if status:
        products = products.filter(status=status)
    if plan_id:
        products = products.filter(plan_id=plan_id)
    return products.select_related("company__executive", "plan__product_type").order_by(
        "company__legal_name", "company_id", "service_number"
    )


def equipment_return_charges(
    equipment: Equipment,
    *,
    condition: str | None = None,
    missing_parts=None,
    amount: Decimal | None = None,
) -> list[ChargeLine]:
    """What the device's return charges the customer, line by line: its
    missing parts at their tariffs, or the device itself at `amount` (by
    default its tariff, if the table has one). The return as recorded, unless
    a `condition` and its `missing_parts` (catalogue parts) are given — a form
    shows what a return would charge before it is recorded. Raises
    ValidationError when a damaged or missing device has no amount and the
    table no price."""
    device = str(equipment)
    if condition is None:
        condition = equipment.return_condition
        missing_parts = [
            row.part for row in equipment.missing_part_rows.select_related("part__tariff")
        ]
    parts = [
        PricedPart(code=part.code, name=part.name, price=part.tariff.amount)
        for part in missing_parts or []
    ]
    if amount is None and condition in (ReturnCondition.DAMAGED, ReturnCondition.MISSING):
        tariff = device_tariff(equipment.kind)
        if tariff is None:
            raise ValidationError(
                {
                    "amount": _("The tariff table has no price for %(equipment)s: give the amount.")
                    % {"equipment": device}
                }
            )
        amount = tariff.amount
    return return_charge_lines(
        device=device, condition=condition, missing_parts=parts, device_amount=amount
    )
