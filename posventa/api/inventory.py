"""The customers' installed products in the API (read): each with its plan,
its enabled supplementary services, its lent equipment and its temporary
suspensions — the customer page's products section.

A product of a customer the user may not see answers 404, exactly as a
missing one; the list is the portfolio's products (the web's products
download reads the same selector)."""

from datetime import date
from decimal import Decimal

from django.db.models import Prefetch
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema

from posventa.accounts.roles import sees_every_portfolio
from posventa.api.errors import responses
from posventa.api.pagination import DEFAULT_LIMIT, PAGED, Limit, Offset, page
from posventa.api.types import Choice, Id, Text
from posventa.catalog.models import EquipmentKind, ProductTypeCode, Technology
from posventa.customers.forms import SEARCH_MAX_LENGTH
from posventa.inventory.models import (
    Equipment,
    Product,
    ProductStatus,
    ProductSupplementaryService,
    ReturnCondition,
    Suspension,
)
from posventa.inventory.selectors import products_visible_to

router = Router(tags=["products"])

ProductTypeChoice = Choice(ProductTypeCode)
TechnologyCode = Choice(Technology)
StatusCode = Choice(ProductStatus)
EquipmentKindCode = Choice(EquipmentKind)
ReturnConditionCode = Choice(ReturnCondition)


class PlanOut(Schema):
    id: int
    code: str
    name: str
    product_type: ProductTypeChoice
    monthly_price: Decimal


class InstalledProductOut(Schema):
    id: int
    service_number: str
    company_id: int
    company: str
    plan: PlanOut
    technology: TechnologyCode | None = Field(description="None where the access has none.")
    installation_address: str
    zone: str
    neighbourhood: str
    installed_on: date
    minimum_permanence_months: int
    permanence_ends_on: date
    status: StatusCode
    withdrawn_on: date | None


class ServiceOut(Schema):
    code: str
    name: str
    enabled_on: date


class EquipmentOut(Schema):
    id: int
    serial: str
    kind: EquipmentKindCode
    returned_on: date | None
    return_condition: ReturnConditionCode | None
    return_note: str
    billed_on: date | None
    billed_amount: Decimal | None


class SuspensionOut(Schema):
    id: int
    starts_on: date
    ends_on: date
    reconnected_on: date | None


class InstalledProductDetail(InstalledProductOut):
    supplementary_services: list[ServiceOut]
    equipment: list[EquipmentOut]
    suspensions: list[SuspensionOut]


def _product_out(product: Product) -> dict:
    plan = product.plan
    return {
        "id": product.pk,
        "service_number": product.service_number,
        "company_id": product.company_id,
        "company": product.company.display_name,
        "plan": {
            "id": plan.pk,
            "code": plan.code,
            "name": plan.name,
            "product_type": plan.product_type.code,
            "monthly_price": plan.monthly_price,
        },
        "technology": product.technology or None,
        "installation_address": product.installation_address,
        "zone": product.zone,
        "neighbourhood": product.neighbourhood,
        "installed_on": product.installed_on,
        "minimum_permanence_months": product.minimum_permanence_months,
        "permanence_ends_on": product.permanence_ends_on,
        "status": product.status,
        "withdrawn_on": product.withdrawn_on,
    }


def _equipment_out(device: Equipment) -> dict:
    return {
        "id": device.pk,
        "serial": device.serial,
        "kind": device.kind,
        "returned_on": device.returned_on,
        "return_condition": device.return_condition or None,
        "return_note": device.return_note,
        "billed_on": device.billed_on,
        "billed_amount": device.billed_amount,
    }


@router.get("", response=responses({200: list[InstalledProductOut]}), openapi_extra=PAGED)
def list_products(
    request,
    response: HttpResponse,
    q: Text(SEARCH_MAX_LENGTH) = "",
    executive_id: Id | None = None,
    company_id: Id | None = None,
    product_type: ProductTypeChoice | None = None,
    technology: TechnologyCode | None = None,
    status: StatusCode | None = None,
    plan_id: Id | None = None,
    limit: Limit = DEFAULT_LIMIT,
    offset: Offset = 0,
):
    """The products of the customers I may see, by customer, then service
    number: `q` searches the customers (name, or a NIT's first digits);
    `executive_id` (for the roles that see every portfolio), a customer, a
    product type, a technology, a status, a plan narrow it."""
    if not sees_every_portfolio(request.user):
        executive_id = None
    products = products_visible_to(
        user=request.user,
        search=q,
        executive_id=executive_id,
        company_id=company_id,
        product_type=product_type or "",
        technology=technology or "",
        status=status or "",
        plan_id=plan_id,
    )
    return [_product_out(p) for p in page(request, response, products, limit=limit, offset=offset)]


@router.get("/{product_id}", response=responses({200: InstalledProductDetail}, 404))
def get_product(request, product_id: Id):
    """A product with its supplementary services, equipment and suspensions
    (the newest first)."""
    products = products_visible_to(user=request.user).prefetch_related(
        Prefetch(
            "enabled_services",
            queryset=ProductSupplementaryService.objects.select_related("service").order_by(
                "service__name"
            ),
        ),
        "equipment",
        Prefetch("suspensions", queryset=Suspension.objects.order_by("-starts_on", "-pk")),
    )
    product = get_object_or_404(products, pk=product_id)
    return {
        **_product_out(product),
        "supplementary_services": [
            {"code": s.service.code, "name": s.service.name, "enabled_on": s.enabled_on}
            for s in product.enabled_services.all()
        ],
        "equipment": [_equipment_out(e) for e in product.equipment.all()],
        "suspensions": [
            {
                "id": s.pk,
                "starts_on": s.starts_on,
                "ends_on": s.ends_on,
                "reconnected_on": s.reconnected_on,
            }
            for s in product.suspensions.all()
        ],
    }
