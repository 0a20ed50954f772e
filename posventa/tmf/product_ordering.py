"""TMF622 Product Ordering v4 over the post-sale changes to a product
(docs/tmf.md, "TMF622 Product Ordering"), at
/tmf-api/productOrdering/v4/productOrder: supplementary services (A), plan
change (B), relocation (C), suspension (D) and withdrawal (H) are product
orders, told apart by `category`, each with one item on the product (action
`modify`, or `delete` for a withdrawal).

An order *is* its case: `id` is the case number, POST opens the case with
`case_open` after the same collision check as the web (the same Spanish 409
and 422), and the state is read from the case and its process each time
(posventa/tmf/cases.py). What the case changed on the product (its
ProductChange rows) is the item's product characteristics.

Cancelling is TMF622's task resource /cancelProductOrder, mapped onto
`case_cancel`: the team lead or the division head, with a reason, on an open
order; it is done at once, and the cancellation is read back from the case
(who, why, when), so `id` of a cancellation is its order's.
"""

from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from posventa.api.types import LONG_TEXT, Choice, Text
from posventa.cases import selectors as case_selectors
from posventa.cases.models import Case, Outcome, Procedure
from posventa.cases.services import case_cancel, case_open
from posventa.common.models import Channel
from posventa.tmf import cases as tmf_cases
from posventa.tmf import tmf630
from posventa.tmf.tmf630 import (
    DEFAULT_LIMIT,
    PAGED,
    Fields,
    Limit,
    NoteOut,
    Offset,
    RefIn,
    RefOut,
    TMFIn,
    TMFOut,
    responses,
)

router = Router(tags=["TMF622 Product Ordering"])

PATH = "/tmf-api/productOrdering/v4/productOrder"
CANCEL_PATH = "/tmf-api/productOrdering/v4/cancelProductOrder"

# category ↔ procedure, and the item's action each one is.
CATEGORIES = {
    "supplementaryServices": "A",
    "planChange": "B",
    "relocation": "C",
    "suspension": "D",
    "withdrawal": "H",
}
PROCEDURE_CATEGORIES = {procedure: category for category, procedure in CATEGORIES.items()}
ACTIONS = {"A": "modify", "B": "modify", "C": "modify", "D": "modify", "H": "delete"}

STATES = (
    "acknowledged",
    "rejected",
    "pending",
    "held",
    "inProgress",
    "cancelled",
    "completed",
    "failed",
    "partial",
    "assessingCancellation",
    "pendingCancellation",
)
# A closed case's state by its outcome ("" for any other outcome).
CLOSED_STATE = {
    Outcome.FULFILLED: "completed",
    Outcome.CANCELLED: "cancelled",
    Outcome.WITHDRAWN_BY_CUSTOMER: "cancelled",
    Outcome.RETAINED: "cancelled",
    Outcome.DECLINED: "cancelled",
    Outcome.REFUSED: "rejected",
    Outcome.REQUIREMENTS_NOT_MET: "rejected",
    Outcome.NOT_FEASIBLE: "failed",
    "": "completed",
}
FILTERS = (
    "id",
    "state",
    "category",
    "relatedParty.id",
    "productOrderItem.product.id",
    "channel.id",
)

Category = Literal[tuple(CATEGORIES)]
ChannelCode = Choice(Channel)


# --- schemas ----------------------------------------------------------------------------


class CharacteristicOut(TMFOut):
    name: str
    value: str
    valueType: str | None = None
    type_: str | None = Field(None, alias="@type")


class ProductOut(RefOut):
    productCharacteristic: list[CharacteristicOut] | None = None


class ProductOrderItemOut(TMFOut):
    id: str
    action: Literal["add", "modify", "delete", "noChange"]
    state: str | None = None
    product: ProductOut | None = None
    type_: str | None = Field(None, alias="@type")


class ProductOrderOut(TMFOut):
    """TMF622 ProductOrder; only the attributes asked with `fields=` when given."""

    id: str
    href: str
    type_: str = Field("ProductOrder", alias="@type")
    category: str | None = None
    description: str | None = None
    state: Literal[STATES] | None = None
    orderDate: datetime | None = None
    completionDate: datetime | None = None
    cancellationDate: datetime | None = None
    cancellationReason: str | None = None
    channel: list[RefOut] | None = None
    relatedParty: list[RefOut] | None = None
    note: list[NoteOut] | None = None
    productOrderItem: list[ProductOrderItemOut] | None = None


class RelatedChannelIn(TMFIn):
    id: ChannelCode = Field(description="How the customer asked.")
    href: Text(500) | None = None
    name: Text(200) | None = None
    role: Text(100) | None = None
    referredType: Text(100) | None = Field(None, alias="@referredType")


class ProductOrderItemIn(TMFIn):
    id: Text(100, min_length=1)
    action: Literal["add", "modify", "delete", "noChange"]
    product: RefIn = Field(description="The customer's product, by its id or service number.")


class ProductOrderIn(TMFIn):
    """TMF622 ProductOrder_Create, the attributes a case is opened from."""

    category: Category = Field(
        description="supplementaryServices (A), planChange (B), relocation (C), "
        "suspension (D) or withdrawal (H)."
    )
    description: Text(LONG_TEXT) = Field(
        "", description="What the customer asks; its first line is the case's subject."
    )
    channel: list[RelatedChannelIn] = Field(min_length=1, max_length=1)
    relatedParty: list[RefIn] = Field(
        min_length=1,
        max_length=10,
        description="The customer: an Organization (TMF632) by its id or its NIT.",
    )
    productOrderItem: list[ProductOrderItemIn] = Field(
        min_length=1,
        max_length=1,
        description="One item: the product, with action modify (delete for a withdrawal).",
    )
    acknowledgeOpenCases: bool = Field(
        False,
        description="Extension: the product has an open case the request only warns "
        "about (409 names it): send true to open it all the same. A refusal stays a 409.",
    )


class ProductOrderRefIn(TMFIn):
    id: Text(20, min_length=1)
    href: Text(500) | None = None
    name: Text(200) | None = None
    referredType: Text(100) | None = Field(None, alias="@referredType")


class CancelProductOrderIn(TMFIn):
    productOrder: ProductOrderRefIn
    cancellationReason: Text(500, min_length=1) = Field(
        description="Why it is cancelled (told to the customer)."
    )


class ProductOrderRefOut(TMFOut):
    id: str
    href: str | None = None
    referredType: str | None = Field(None, alias="@referredType")


class CancelProductOrderOut(TMFOut):
    id: str
    href: str
    type_: str = Field("CancelProductOrder", alias="@type")
    productOrder: ProductOrderRefOut | None = None
    cancellationReason: str | None = None
    effectiveCancellationDate: datetime | None = None
    state: Literal["acknowledged", "terminatedWithError", "inProgress", "done"] | None = None


# --- the resource --------------------------------------------------------------------------


def cases_of(user):
    """The orders the user may see: her visible cases of procedures A, B, C, D and H."""
    return tmf_cases.with_facts(
        case_selectors.cases_visible_to(user).filter(procedure__in=CATEGORIES.values())
    ).order_by("-received_at", "-pk")


def state_of(case: Case) -> str:
    return tmf_cases.status_of(case, closed=CLOSED_STATE, resolved=False)


def product_order(case: Case, root: str) -> dict:
    """The case as TMF622's ProductOrder (`root`: scheme and host of the hrefs)."""
    state = state_of(case)
    channel = tmf_cases.channel_ref(case)
    body = {
        "id": case.number,
        "href": f"{root}{PATH}/{case.number}",
        "@type": "ProductOrder",
        "category": PROCEDURE_CATEGORIES[case.procedure],
        "description": case.description or case.subject,
        "state": state,
        "orderDate": case.received_at,
        "channel": [{**channel, "role": "intake"}],
        "relatedParty": [tmf_cases.organization_ref(case.company, root)],
        "note": tmf_cases.notes(case),
    }
    if state == "completed":
        body["completionDate"] = case.closed_at
    if state == "cancelled":
        body["cancellationDate"] = case.closed_at
        body["cancellationReason"] = case.cancel_reason or case.get_outcome_display()
    item = {"id": "1", "action": ACTIONS[case.procedure], "@type": "ProductOrderItem"}
    # The item's state: the order's (the order has one item); an item is never "partial".
    item["state"] = state
    if case.product is not None:
        product = {
            "id": str(case.product.pk),
            "href": tmf_cases.product_href(case.product, root),
            "name": case.product.service_number,
            "@referredType": "Product",
        }
        changes = list(case.product_changes.all())
        if changes:
            product["productCharacteristic"] = [
                {"name": change.field, "value": change.after, "valueType": "string"}
                for change in changes
            ]
        item["product"] = product
    body["productOrderItem"] = [item]
    return body


def cancellation(case: Case, root: str) -> dict:
    """The order's cancellation by hand, as TMF622's CancelProductOrder."""
    return {
        "id": case.number,
        "href": f"{root}{CANCEL_PATH}/{case.number}",
        "@type": "CancelProductOrder",
        "productOrder": {
            "id": case.number,
            "href": f"{root}{PATH}/{case.number}",
            "@referredType": "ProductOrder",
        },
        "cancellationReason": case.cancel_reason,
        "effectiveCancellationDate": case.closed_at,
        "state": "done",
    }


def _root(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _one(request, order_id: str) -> Case:
    return get_object_or_404(cases_of(request.user), number=order_id)


def _filtered(request, cases):
    asked = tmf630.check_query(request, FILTERS)
    for name, values in asked.items():
        if name == "id":
            cases = cases.filter(number__in=values)
        elif name == "state":
            unknown = [v for v in values if v not in STATES]
            if unknown:
                raise tmf630.BadQuery(
                    _("Unknown state %(value)s. Use one of: %(choices)s.")
                    % {"value": unknown[0][:50], "choices": ", ".join(STATES)}
                )
            condition = Q(pk__in=[])
            for value in values:
                condition |= tmf_cases.status_q(value, closed=CLOSED_STATE, resolved=False)
            cases = cases.filter(condition)
        elif name == "category":
            unknown = [v for v in values if v not in CATEGORIES]
            if unknown:
                raise tmf630.BadQuery(
                    _("Unknown category %(value)s. Use one of: %(choices)s.")
                    % {"value": unknown[0][:50], "choices": ", ".join(CATEGORIES)}
                )
            cases = cases.filter(procedure__in=[CATEGORIES[v] for v in values])
        elif name == "relatedParty.id":
            cases = cases.filter(tmf_cases.party_q(values))
        elif name == "productOrderItem.product.id":
            cases = cases.filter(tmf_cases.product_q(values))
        elif name == "channel.id":
            cases = cases.filter(channel__in=values)
    return cases


# --- endpoints -----------------------------------------------------------------------------

LIST_EXTRA = {**PAGED, "description": "Filters: " + ", ".join(FILTERS) + " (a comma: any of)."}


@router.get(
    "/productOrder",
    response=responses({200: list[ProductOrderOut]}),
    openapi_extra=LIST_EXTRA,
    by_alias=True,
    exclude_none=True,
)
def list_product_orders(
    request,
    response: HttpResponse,
    fields: Fields = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    id: Annotated[Text(100) | None, Query(description="Case numbers.")] = None,
    state: Annotated[Text(200) | None, Query(description="acknowledged, inProgress, …")] = None,
    category: Annotated[Text(200) | None, Query(description="planChange, withdrawal, …")] = None,
    related_party: Annotated[
        Text(200) | None, Query(alias="relatedParty.id", description="The customer's id or NIT.")
    ] = None,
    product: Annotated[
        Text(200) | None,
        Query(
            alias="productOrderItem.product.id",
            description="The product's id or service number.",
        ),
    ] = None,
    channel: Annotated[
        Text(100) | None, Query(alias="channel.id", description="email, phone, …")
    ] = None,
):
    """The product-change cases the user may see, newest first."""
    cases = _filtered(request, cases_of(request.user))
    root = _root(request)
    return [
        tmf630.select_fields(product_order(case, root), fields)
        for case in tmf630.page(response, cases, limit=limit, offset=offset)
    ]


@router.get(
    "/productOrder/{order_id}",
    response=responses({200: ProductOrderOut}, 404),
    by_alias=True,
    exclude_none=True,
)
def get_product_order(request, order_id: Text(20, min_length=1), fields: Fields = None):
    tmf630.check_query(request, ())
    return tmf630.select_fields(product_order(_one(request, order_id), _root(request)), fields)


CREATE_FIELDS = {
    "product": "productOrderItem.product",
    "subject": "description",
    "procedure": "category",
    "channel": "channel.id",
}


@router.post(
    "/productOrder",
    response=responses({201: ProductOrderOut}, 403, 409, body=True),
    by_alias=True,
    exclude_none=True,
)
def create_product_order(request, payload: ProductOrderIn):
    """Open the case of the order's category and start its process; 409 when
    the product has an open case it collides with (one product, one change at
    a time: docs/collisions.md)."""
    tmf630.check_query(request, ())
    procedure = CATEGORIES[payload.category]
    [item] = payload.productOrderItem
    if item.action != ACTIONS[procedure]:
        raise ValidationError(
            {
                "productOrderItem.action": _(
                    "An order of category %(category)s has one item with action %(action)s."
                )
                % {"category": payload.category, "action": ACTIONS[procedure]}
            }
        )
    company, product = tmf_cases.party_and_product(
        request.user, payload.relatedParty, [item.product]
    )
    description = payload.description.strip()
    subject = description.splitlines()[0][:200] if description else str(Procedure(procedure).label)
    try:
        case = case_open(
            company=company,
            procedure=procedure,
            channel=payload.channel[0].id,
            subject=subject,
            description=description,
            product=product,
            user=request.user,
            acknowledge_open_cases=payload.acknowledgeOpenCases,
        )
    except ValidationError as exc:
        raise tmf_cases.renamed(exc, CREATE_FIELDS) from exc
    case = tmf_cases.with_facts(Case.objects.filter(pk=case.pk)).get()
    return Status(201, product_order(case, _root(request)))


def _cancelled_orders(user):
    return cases_of(user).filter(outcome=Outcome.CANCELLED, cancelled_by__isnull=False)


@router.post(
    "/cancelProductOrder",
    response=responses({201: CancelProductOrderOut}, 403, 404, 409, body=True),
    by_alias=True,
    exclude_none=True,
)
def create_cancel_product_order(request, payload: CancelProductOrderIn):
    """Cancel an open order: its case is cancelled at whatever step it stands
    (team lead, division head; 403 otherwise; 409 if it is closed already)."""
    tmf630.check_query(request, ())
    case = _one(request, payload.productOrder.id)
    try:
        case = case_cancel(case=case, user=request.user, reason=payload.cancellationReason)
    except ValidationError as exc:
        raise tmf_cases.renamed(exc, {"reason": "cancellationReason"}) from exc
    return Status(201, cancellation(case, _root(request)))


@router.get(
    "/cancelProductOrder",
    response=responses({200: list[CancelProductOrderOut]}),
    openapi_extra=PAGED,
    by_alias=True,
    exclude_none=True,
)
def list_cancel_product_orders(
    request,
    response: HttpResponse,
    fields: Fields = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
):
    """The orders cancelled by hand, newest first."""
    tmf630.check_query(request, ())
    root = _root(request)
    cases = _cancelled_orders(request.user)
    return [
        tmf630.select_fields(cancellation(case, root), fields)
        for case in tmf630.page(response, cases, limit=limit, offset=offset)
    ]


@router.get(
    "/cancelProductOrder/{cancel_id}",
    response=responses({200: CancelProductOrderOut}, 404),
    by_alias=True,
    exclude_none=True,
)
def get_cancel_product_order(request, cancel_id: Text(20, min_length=1), fields: Fields = None):
    tmf630.check_query(request, ())
    case = _cancelled_orders(request.user).filter(number=cancel_id).first()
    if case is None:
        raise Http404
    return tmf630.select_fields(cancellation(case, _root(request)), fields)


# --- the event hub (TMF688, posventa/events/hub.py) -----------------------------------------

EVENT_TYPES = {
    "case.created": "ProductOrderCreateEvent",
    "case.state_changed": "ProductOrderStateChangeEvent",
    "case.closed": "ProductOrderStateChangeEvent",
    "case.attended": "ProductOrderAttributeValueChangeEvent",
    "task.created": "ProductOrderAttributeValueChangeEvent",
    "workorder.closed": "ProductOrderAttributeValueChangeEvent",
    "product.changed": "ProductOrderAttributeValueChangeEvent",
}


def hub_event(event, *, root: str | None = None) -> dict | None:
    """The TMF622 event body for `event` (a posventa.events Event), with the
    order as its case stands now; None when the event is not about an order
    (no case, a case of another procedure)."""
    kind = str(event.kind)
    case = getattr(event, "case", None)
    if case is None or case.procedure not in PROCEDURE_CATEGORIES or kind not in EVENT_TYPES:
        return None
    case = tmf_cases.with_facts(Case.objects.filter(pk=case.pk)).get()
    resource = ProductOrderOut.model_validate(
        product_order(case, tmf_cases.base_url() if root is None else root)
    ).model_dump(mode="json", by_alias=True, exclude_none=True)
    return {
        "eventId": str(event.pk),
        "eventTime": event.occurred_at.isoformat(),
        "eventType": EVENT_TYPES[kind],
        "event": {"productOrder": resource},
    }
