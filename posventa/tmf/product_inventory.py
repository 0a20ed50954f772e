"""TMF637 Product Inventory v4, read-only, at /tmf-api/productInventory/v4/product:
the customers' installed products (posventa/inventory) as TMF `Product`
resources, and the TMF688 bodies of the product events for the hub
(`hub_event`). The mapping, field by field, is in docs/tmf.md ("TMF637
Product Inventory"); every answer validates against the official document
(docs/tmf/TMF637-ProductInventory-v4.json).

Only the products of the companies the caller may see exist for her: another
portfolio's product answers 404, exactly as a missing one.
"""

from datetime import date, datetime, time

from django.db.models import Prefetch, Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router

from posventa.customers.models import Company
from posventa.inventory.models import (
    Equipment,
    Product,
    ProductStatus,
    ProductSupplementaryService,
    Suspension,
)
from posventa.tmf import cases as tmf_cases
from posventa.tmf import tmf630

router = Router(tags=["TMF637 Product Inventory"])

PATH = "/tmf-api/productInventory/v4/product"
ORGANIZATION_PATH = "/tmf-api/party/v4/organization"

# Posventa's product status → TMF637's ProductStatusType.
STATUS = {
    ProductStatus.ACTIVE: "active",
    ProductStatus.SUSPENDED: "suspended",
    ProductStatus.WITHDRAWN: "terminated",
}
STATUS_FROM_TMF = {tmf: ours for ours, tmf in STATUS.items()}

# Product types sold as a bundle of several services (Duo Pack, Multipack).
BUNDLES = frozenset({"duo_pack", "multipack"})

FILTERS = (
    "id",
    "status",
    "name",
    "relatedParty.id",
    "productOffering.id",
    "productSpecification.id",
    "realizingResource.value",
)

# The list's X-Total-Count / X-Result-Count headers in the OpenAPI document.
PAGED = tmf630.PAGED

# product.changed's `change` (events.services.product_changed_publish) → the
# TMF637 event it is, and for an attribute change the attribute that changed.
STATE_CHANGES = frozenset({"withdrawn", "suspended", "reconnected"})
ATTRIBUTE_CHANGES = {
    "plan": "productOffering",
    "services": "realizingService",
    "relocated": "productCharacteristic",
}


def moment(value: datetime) -> str:
    """A stored (UTC) moment as ISO 8601 in La Paz, with its offset."""
    return timezone.localtime(value).isoformat()


def day_start(value: date) -> str:
    """A calendar date as the moment it starts in La Paz (TMF dates are date-times)."""
    return datetime.combine(value, time.min, tzinfo=timezone.get_default_timezone()).isoformat()


def products_for(user) -> QuerySet[Product]:
    """The products of the companies `user` may see, with what a representation reads."""
    return (
        Product.objects.filter(company__in=Company.objects.visible_to(user))
        .select_related("company", "company__executive", "plan__product_type")
        .prefetch_related(
            Prefetch(
                "enabled_services",
                queryset=ProductSupplementaryService.objects.select_related("service").order_by(
                    "service__name", "pk"
                ),
            ),
            Prefetch("equipment", queryset=Equipment.objects.order_by("kind", "serial")),
            Prefetch("suspensions", queryset=Suspension.objects.order_by("starts_on", "pk")),
        )
        .order_by("service_number", "pk")
    )


def _characteristic(name: str, value, value_type: str = "string") -> dict:
    return {"name": name, "valueType": value_type, "value": value}


def representation(product: Product, base: str = "") -> dict:
    """TMF637's `Product` for `product`. `base` is the scheme and host the
    hrefs start with (empty: hrefs are absolute paths, as in hub events)."""
    plan = product.plan
    product_type = plan.product_type
    company = product.company
    characteristics = [
        _characteristic("serviceNumber", product.service_number),
        _characteristic("installationAddress", product.installation_address),
    ]
    if product.technology:
        characteristics.append(_characteristic("technology", product.technology))
    if product.zone:
        characteristics.append(_characteristic("zone", product.zone))
    if product.neighbourhood:
        characteristics.append(_characteristic("neighbourhood", product.neighbourhood))
    characteristics += [
        _characteristic("minimumPermanenceMonths", product.minimum_permanence_months, "integer"),
        _characteristic("permanenceEndDate", product.permanence_ends_on.isoformat(), "date"),
    ]
    for suspension in product.suspensions.all():
        period = {"startDate": suspension.starts_on.isoformat()}
        period["endDate"] = suspension.ends_on.isoformat()
        if suspension.reconnected_on:
            period["reconnectionDate"] = suspension.reconnected_on.isoformat()
        characteristics.append(_characteristic("suspension", period, "object"))

    body = {
        "id": str(product.pk),
        "href": f"{base}{PATH}/{product.pk}",
        "name": plan.name,
        "description": f"{product_type.name} · {product.service_number}",
        "isBundle": product_type.code in BUNDLES,
        "isCustomerVisible": True,
        "startDate": day_start(product.installed_on),
        "status": STATUS[product.status],
        "productOffering": {
            "id": plan.code,
            "name": plan.name,
            "@referredType": "ProductOffering",
        },
        "productSpecification": {
            "id": product_type.code,
            "name": product_type.name,
            "@referredType": "ProductSpecification",
        },
        "productCharacteristic": characteristics,
        "productPrice": [
            {
                "name": _("Monthly charge of the plan"),
                "priceType": "recurring",
                "recurringChargePeriod": "month",
                "price": {"taxIncludedAmount": {"unit": "BOB", "value": float(plan.monthly_price)}},
                "productOfferingPrice": {
                    "id": plan.code,
                    "name": plan.name,
                    "@referredType": "ProductOfferingPrice",
                },
            }
        ],
        "realizingService": [
            {
                "id": str(enabled.pk),
                "name": enabled.service.name,
                "@referredType": "SupplementaryService",
            }
            for enabled in product.enabled_services.all()
        ],
        "realizingResource": [
            {
                "id": product.service_number,
                "name": _("Service number"),
                "value": product.service_number,
                "@referredType": "LogicalResource",
            },
            *(
                {
                    "id": device.serial,
                    "name": device.get_kind_display(),
                    "value": device.serial,
                    "@referredType": "PhysicalResource",
                }
                for device in product.equipment.all()
            ),
        ],
        "relatedParty": [
            {
                "id": str(company.pk),
                "href": f"{base}{ORGANIZATION_PATH}/{company.pk}",
                "name": company.display_name,
                "role": "customer",
                "@referredType": "Organization",
            },
            {
                "id": company.executive.username,
                "name": company.executive.get_full_name() or company.executive.username,
                "role": "accountManager",
                "@referredType": "Individual",
            },
        ],
        "@type": "Product",
    }
    if product.withdrawn_on:
        body["terminationDate"] = day_start(product.withdrawn_on)
    if not body["realizingService"]:
        del body["realizingService"]
    return body


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _pk(value: str) -> int | None:
    """A product id as the database holds it, or None: such an id names no product."""
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def checked_query(request: HttpRequest, filters) -> dict[str, list[str]]:
    """`tmf630.check_query`, and no control character in a value: PostgreSQL
    refuses NUL in a text, and no attribute here holds one (a 400 on every
    database, not PostgreSQL's refusal)."""
    asked = tmf630.check_query(request, filters)
    for name, values in asked.items():
        if any(ord(c) < 32 for value in values for c in value):
            raise tmf630.BadQuery(
                _("The filter %(name)s has a character that is not allowed.") % {"name": name}
            )
    return asked


def filtered(products: QuerySet[Product], asked: dict[str, list[str]]) -> QuerySet[Product]:
    """The TMF630 attribute filters (a comma is "any of")."""
    if "id" in asked:
        products = products.filter(pk__in=[pk for v in asked["id"] if (pk := _pk(v)) is not None])
    if "status" in asked:
        unknown = [v for v in asked["status"] if v not in STATUS_FROM_TMF]
        if unknown:
            raise tmf630.BadQuery(
                _("Unknown value %(value)s for %(name)s. It can be: %(known)s.")
                % {"value": unknown[0][:50], "name": "status", "known": ", ".join(STATUS_FROM_TMF)}
            )
        products = products.filter(status__in=[STATUS_FROM_TMF[v] for v in asked["status"]])
    if "name" in asked:
        products = products.filter(plan__name__in=asked["name"])
    if "relatedParty.id" in asked:
        # The customer's id (as in TMF632) or the account manager's username.
        ids = [pk for v in asked["relatedParty.id"] if (pk := _pk(v)) is not None]
        products = products.filter(
            Q(company_id__in=ids) | Q(company__executive__username__in=asked["relatedParty.id"])
        )
    if "productOffering.id" in asked:
        products = products.filter(plan__code__in=asked["productOffering.id"])
    if "productSpecification.id" in asked:
        products = products.filter(plan__product_type__code__in=asked["productSpecification.id"])
    if "realizingResource.value" in asked:
        values = asked["realizingResource.value"]
        products = products.filter(
            Q(service_number__in=values) | Q(equipment__serial__in=values)
        ).distinct()
    return products


@router.get(
    "/product",
    response=tmf630.responses({200: list[dict]}),
    summary="List products",
    description="The installed products of the customers you may see (TMF637 `Product`). "
    "Filters: " + ", ".join(FILTERS) + " (a comma means any of).",
    openapi_extra=PAGED,
)
def list_products(
    request,
    response: HttpResponse,
    fields: tmf630.Fields = None,
    offset: tmf630.Offset = 0,
    limit: tmf630.Limit = tmf630.DEFAULT_LIMIT,
):
    asked = checked_query(request, FILTERS)
    products = filtered(products_for(request.auth), asked)
    base = _base(request)
    return [
        tmf630.select_fields(representation(product, base), fields)
        for product in tmf630.page(response, products, limit=limit, offset=offset)
    ]


@router.get(
    "/product/{id}",
    response=tmf630.responses({200: dict}, 404),
    summary="Retrieve a product",
    description="One installed product (TMF637 `Product`); 404 when it does not exist "
    "or belongs to a customer you may not see.",
)
def retrieve_product(request, id: str, fields: tmf630.Fields = None):
    tmf630.check_query(request, ())
    pk = _pk(id)
    product = products_for(request.auth).filter(pk=pk).first() if pk is not None else None
    if product is None:
        raise Http404
    return tmf630.select_fields(representation(product, _base(request)), fields)


def hub_event(event) -> dict | None:
    """The TMF637 event body (TMF688 envelope) for a posventa Event, or None
    when it is not about a product's inventory: "product.changed" becomes a
    ProductStateChangeEvent (withdrawn, suspended, reconnected), a
    ProductCreateEvent (installed) or a ProductAttributeValueChangeEvent (plan,
    services, relocated — `fieldPath` names the attribute). Its `product` is the
    product as it stands when the event is published; an event has no request
    to take a host from: its hrefs are on POSVENTA_PUBLIC_URL (else paths)."""
    product = getattr(event, "product", None)
    if event.kind != "product.changed" or product is None:
        return None
    change = (getattr(event, "data", None) or {}).get("change", "")
    body = {
        "eventId": str(event.id),
        "eventTime": moment(event.occurred_at),
        "eventType": "ProductAttributeValueChangeEvent",
        "event": {"product": representation(product, tmf_cases.base_url())},
    }
    if change in STATE_CHANGES:
        body["eventType"] = "ProductStateChangeEvent"
    elif change == "installed":
        body["eventType"] = "ProductCreateEvent"
    elif change in ATTRIBUTE_CHANGES:
        body["fieldPath"] = ATTRIBUTE_CHANGES[change]
    return body
