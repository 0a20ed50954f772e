"""TMF621 Trouble Ticket v4 over the post-sale cases (docs/tmf.md, "TMF621
Trouble Ticket"): a damage to a product (procedure E) and a billing
complaint (procedure F) are trouble tickets, at
/tmf-api/troubleTicket/v4/troubleTicket.

A ticket *is* its case: `id` is the case number, POST opens the case with
`case_open` (the same checks as the web: the collision with an open case on
the product is the same Spanish 409, a refused value the same 422), and the
status is read from the case and its process each time (posventa/tmf/cases.py).
PATCH takes one change, the one a service exists for: `status: cancelled`
with its reason cancels the case (`case_cancel`: team lead or division head).
"""

from datetime import datetime
from typing import Annotated, Literal

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Status

from posventa.api.types import LONG_TEXT, Choice, Text
from posventa.cases import selectors as case_selectors
from posventa.cases.models import Case, Outcome
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
    StatusChangeOut,
    TMFIn,
    TMFOut,
    responses,
)

router = Router(tags=["TMF621 Trouble Ticket"])

PATH = "/tmf-api/troubleTicket/v4/troubleTicket"

# ticketType ↔ procedure.
TICKET_TYPES = {"damage": "E", "billingComplaint": "F"}
PROCEDURE_TYPES = {procedure: kind for kind, procedure in TICKET_TYPES.items()}

STATUSES = (
    "acknowledged",
    "rejected",
    "pending",
    "held",
    "inProgress",
    "cancelled",
    "closed",
    "resolved",
)
# A closed case's status by its outcome ("" for any other outcome).
CLOSED_STATUS = {
    Outcome.CANCELLED: "cancelled",
    Outcome.WITHDRAWN_BY_CUSTOMER: "cancelled",
    Outcome.REFUSED: "rejected",
    Outcome.REQUIREMENTS_NOT_MET: "rejected",
    "": "closed",
}
FILTERS = ("id", "status", "ticketType", "relatedParty.id", "relatedEntity.id", "channel.id")

TicketType = Literal["damage", "billingComplaint"]
ChannelCode = Choice(Channel)


# --- schemas ----------------------------------------------------------------------------


class TroubleTicketOut(TMFOut):
    """TMF621 TroubleTicket; only the attributes asked with `fields=` when given."""

    id: str
    href: str
    type_: str = Field("TroubleTicket", alias="@type")
    name: str | None = None
    description: str | None = None
    ticketType: str | None = None
    status: Literal[STATUSES] | None = None
    statusChangeDate: datetime | None = None
    statusChangeReason: str | None = None
    creationDate: datetime | None = None
    lastUpdate: datetime | None = None
    resolutionDate: datetime | None = None
    channel: RefOut | None = None
    relatedParty: list[RefOut] | None = None
    relatedEntity: list[RefOut] | None = None
    note: list[NoteOut] | None = None
    statusChange: list[StatusChangeOut] | None = None


class ChannelRefIn(TMFIn):
    id: ChannelCode = Field(description="How the customer reported it.")
    href: Text(500) | None = None
    name: Text(200) | None = None
    referredType: Text(100) | None = Field(None, alias="@referredType")


class TroubleTicketIn(TMFIn):
    """TMF621 TroubleTicket_Create, the attributes a case is opened from."""

    description: Text(LONG_TEXT, min_length=1) = Field(description="What the customer reports.")
    ticketType: TicketType = Field(
        description="damage (procedure E) or billingComplaint (procedure F)."
    )
    name: Text(200) | None = Field(
        None, description="The case's subject; the description's first line by default."
    )
    severity: Text(50) | None = Field(
        None,
        description="Accepted as TMF621 requires it, not kept: the procedures have no "
        "severity (the 24-hour promise is the same for every request).",
    )
    channel: ChannelRefIn
    relatedParty: list[RefIn] = Field(
        min_length=1,
        max_length=10,
        description="The customer: an Organization (TMF632) by its id or its NIT.",
    )
    relatedEntity: list[RefIn] = Field(
        min_length=1,
        max_length=10,
        description="The product (@referredType Product) by its id or its service number.",
    )
    acknowledgeOpenCases: bool = Field(
        False,
        description="Extension: the product has an open case the request only warns "
        "about (409 names it): send true to open it all the same. A refusal stays a 409.",
    )


class TroubleTicketUpdateIn(TMFIn):
    """The one change PATCH takes: cancel the ticket, with the reason."""

    status: Literal["cancelled"] = Field(description="Only cancelled.")
    statusChangeReason: Text(500, min_length=1) = Field(
        description="Why it is cancelled (told to the customer)."
    )
    channel: ChannelRefIn | None = Field(
        None, description="How the customer is told; the case's own channel by default."
    )


# --- the resource --------------------------------------------------------------------------


def cases_of(user):
    """The tickets the user may see: her visible cases of procedures E and F."""
    return tmf_cases.with_facts(
        case_selectors.cases_visible_to(user).filter(procedure__in=TICKET_TYPES.values())
    ).order_by("-received_at", "-pk")


def status_of(case: Case) -> str:
    return tmf_cases.status_of(case, closed=CLOSED_STATUS, resolved=True)


def ticket(case: Case, root: str) -> dict:
    """The case as TMF621's TroubleTicket (`root`: scheme and host of the hrefs)."""
    status = status_of(case)
    party = tmf_cases.organization_ref(case.company, root)
    body = {
        "id": case.number,
        "href": f"{root}{PATH}/{case.number}",
        "@type": "TroubleTicket",
        "name": case.subject,
        "description": case.description or case.subject,
        "ticketType": PROCEDURE_TYPES[case.procedure],
        "status": status,
        "statusChangeDate": tmf_cases.status_change_date(case),
        "creationDate": case.received_at,
        "lastUpdate": case.updated_at,
        "channel": tmf_cases.channel_ref(case),
        "relatedParty": [party],
        "note": tmf_cases.notes(case),
        "statusChange": tmf_cases.status_history(case, closed=CLOSED_STATUS, resolved=True),
    }
    if case.cancel_reason:
        body["statusChangeReason"] = case.cancel_reason
    elif case.outcome:
        body["statusChangeReason"] = case.get_outcome_display()
    if case.closed_at:
        body["resolutionDate"] = case.closed_at
    if case.product is not None:
        body["relatedEntity"] = [
            {
                "id": str(case.product.pk),
                "href": tmf_cases.product_href(case.product, root),
                "name": case.product.service_number,
                "role": "affectedProduct",
                "@type": "RelatedEntity",
                "@referredType": "Product",
            }
        ]
    return body


def _root(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _one(request, ticket_id: str) -> Case:
    return get_object_or_404(cases_of(request.user), number=ticket_id)


# --- filters -------------------------------------------------------------------------------


def _filtered(request, cases):
    asked = tmf630.check_query(request, FILTERS)
    for name, values in asked.items():
        if name == "id":
            cases = cases.filter(number__in=values)
        elif name == "status":
            unknown = [v for v in values if v not in STATUSES]
            if unknown:
                raise tmf630.BadQuery(
                    _("Unknown status %(value)s. Use one of: %(choices)s.")
                    % {"value": unknown[0][:50], "choices": ", ".join(STATUSES)}
                )
            condition = Q(pk__in=[])
            for value in values:
                condition |= tmf_cases.status_q(value, closed=CLOSED_STATUS, resolved=True)
            cases = cases.filter(condition)
        elif name == "ticketType":
            unknown = [v for v in values if v not in TICKET_TYPES]
            if unknown:
                raise tmf630.BadQuery(
                    _("Unknown ticket type %(value)s. Use one of: %(choices)s.")
                    % {"value": unknown[0][:50], "choices": ", ".join(TICKET_TYPES)}
                )
            cases = cases.filter(procedure__in=[TICKET_TYPES[v] for v in values])
        elif name == "relatedParty.id":
            cases = cases.filter(tmf_cases.party_q(values))
        elif name == "relatedEntity.id":
            cases = cases.filter(tmf_cases.product_q(values))
        elif name == "channel.id":
            cases = cases.filter(channel__in=values)
    return cases


# --- endpoints -----------------------------------------------------------------------------

LIST_EXTRA = {
    **PAGED,
    "description": "Filters: " + ", ".join(FILTERS) + " (a comma means any of).",
}


@router.get(
    "/troubleTicket",
    response=responses({200: list[TroubleTicketOut]}),
    openapi_extra=LIST_EXTRA,
    by_alias=True,
    exclude_none=True,
)
def list_trouble_tickets(
    request,
    response: HttpResponse,
    fields: Fields = None,
    offset: Offset = 0,
    limit: Limit = DEFAULT_LIMIT,
    id: Annotated[Text(100) | None, Query(description="Case numbers.")] = None,
    status: Annotated[Text(200) | None, Query(description="acknowledged, inProgress, …")] = None,
    ticketType: Annotated[Text(100) | None, Query(description="damage, billingComplaint")] = None,
    related_party: Annotated[
        Text(200) | None, Query(alias="relatedParty.id", description="The customer's id or NIT.")
    ] = None,
    related_entity: Annotated[
        Text(200) | None,
        Query(alias="relatedEntity.id", description="The product's id or service number."),
    ] = None,
    channel: Annotated[
        Text(100) | None, Query(alias="channel.id", description="email, phone, …")
    ] = None,
):
    """The damage and billing-complaint cases the user may see, newest first."""
    cases = _filtered(request, cases_of(request.user))
    root = _root(request)
    return [
        tmf630.select_fields(ticket(case, root), fields)
        for case in tmf630.page(response, cases, limit=limit, offset=offset)
    ]


@router.get(
    "/troubleTicket/{ticket_id}",
    response=responses({200: TroubleTicketOut}, 404),
    by_alias=True,
    exclude_none=True,
)
def get_trouble_ticket(request, ticket_id: Text(20, min_length=1), fields: Fields = None):
    tmf630.check_query(request, ())
    return tmf630.select_fields(ticket(_one(request, ticket_id), _root(request)), fields)


# case_open's fields → the ticket's attributes.
CREATE_FIELDS = {
    "product": "relatedEntity",
    "subject": "name",
    "procedure": "ticketType",
    "received_at": "creationDate",
    "channel": "channel.id",
}


@router.post(
    "/troubleTicket",
    response=responses({201: TroubleTicketOut}, 403, 409, body=True),
    by_alias=True,
    exclude_none=True,
)
def create_trouble_ticket(request, payload: TroubleTicketIn):
    """Open a damage (E) or billing-complaint (F) case and start its process;
    409 when the product has an open case it collides with."""
    tmf630.check_query(request, ())
    company, product = tmf_cases.party_and_product(
        request.user, payload.relatedParty, payload.relatedEntity
    )
    subject = payload.name or payload.description.strip().splitlines()[0][:200]
    try:
        case = case_open(
            company=company,
            procedure=TICKET_TYPES[payload.ticketType],
            channel=payload.channel.id,
            subject=subject,
            description=payload.description,
            product=product,
            user=request.user,
            acknowledge_open_cases=payload.acknowledgeOpenCases,
        )
    except ValidationError as exc:
        raise tmf_cases.renamed(exc, CREATE_FIELDS) from exc
    case = tmf_cases.with_facts(Case.objects.filter(pk=case.pk)).get()
    return Status(201, ticket(case, _root(request)))


@router.patch(
    "/troubleTicket/{ticket_id}",
    response=responses({200: TroubleTicketOut}, 403, 404, 409, body=True),
    by_alias=True,
    exclude_none=True,
)
def patch_trouble_ticket(
    request, ticket_id: Text(20, min_length=1), payload: TroubleTicketUpdateIn
):
    """Cancel the ticket: `{"status": "cancelled", "statusChangeReason": "…"}`
    cancels its case (team lead, division head; 403 otherwise, 409 if it is
    closed already). No other attribute can be changed (400)."""
    tmf630.check_query(request, ())
    case = _one(request, ticket_id)
    try:
        case_cancel(
            case=case,
            user=request.user,
            reason=payload.statusChangeReason,
            channel=payload.channel.id if payload.channel else "",
        )
    except ValidationError as exc:
        raise tmf_cases.renamed(
            exc, {"reason": "statusChangeReason", "channel": "channel.id"}
        ) from exc
    return ticket(_one(request, ticket_id), _root(request))


# --- the event hub (TMF688, posventa/events/hub.py) -----------------------------------------

EVENT_TYPES = {
    "case.created": "TroubleTicketCreateEvent",
    "case.state_changed": "TroubleTicketStatusChangeEvent",
    "case.closed": "TroubleTicketStatusChangeEvent",
    "case.attended": "TroubleTicketAttributeValueChangeEvent",
    "task.created": "TroubleTicketAttributeValueChangeEvent",
    "workorder.closed": "TroubleTicketAttributeValueChangeEvent",
}


def hub_event(event, *, root: str | None = None) -> dict | None:
    """The TMF621 event body for `event` (a posventa.events Event), with the
    ticket as its case stands now; None when the event is not about a ticket
    (no case, a case of another procedure, a kind TMF621 has no event for)."""
    kind = str(event.kind)
    case = getattr(event, "case", None)
    if case is None or case.procedure not in PROCEDURE_TYPES or kind not in EVENT_TYPES:
        return None
    case = tmf_cases.with_facts(Case.objects.filter(pk=case.pk)).get()
    resource = TroubleTicketOut.model_validate(
        ticket(case, tmf_cases.base_url() if root is None else root)
    ).model_dump(mode="json", by_alias=True, exclude_none=True)
    return {
        "eventId": str(event.pk),
        "eventTime": event.occurred_at.isoformat(),
        "eventType": EVENT_TYPES[kind],
        "event": {"troubleTicket": resource},
    }
