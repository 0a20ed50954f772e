"""TMF683 Party Interaction v4, read-only, at
/tmf-api/partyInteraction/v4/partyInteraction: every contact with a customer
(posventa/customers `Interaction`: the manual's "ingresa interacción") as a
TMF `PartyInteraction`. The mapping, field by field, is in docs/tmf.md
("TMF683 Party Interaction"); every answer validates against the official
document (docs/tmf/TMF683-PartyInteraction-v4.json).

Only the interactions of the companies the caller may see exist for her:
another portfolio's interaction answers 404, exactly as a missing one.
"""

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Router

from posventa.common.models import Channel
from posventa.customers.models import Company, Direction, Interaction
from posventa.tmf import product_ordering, tmf630, trouble_ticket
from posventa.tmf.product_inventory import ORGANIZATION_PATH, PAGED, checked_query, moment

router = Router(tags=["TMF683 Party Interaction"])

PATH = "/tmf-api/partyInteraction/v4/partyInteraction"

# TMF683 v4 requires an `href` on a RelatedChannel and on a RelatedParty;
# channels, team members and contacts have no resource of their own under
# /tmf-api/, so theirs is a URN naming them (docs/tmf.md).
CHANNEL_URN = "urn:posventa:channel:"
USER_URN = "urn:posventa:user:"
CONTACT_URN = "urn:posventa:contact:"

# A recorded contact has happened: TMF683's "completed".
STATUS = "completed"

# The cases another facade under /tmf-api/ exposes, by procedure: the TMF
# resource the case is there, and its path (the case number is its id) —
# as those facades decide it.
CASE_RESOURCES = {
    **{p: ("TroubleTicket", trouble_ticket.PATH) for p in trouble_ticket.PROCEDURE_TYPES},
    **{p: ("ProductOrder", product_ordering.PATH) for p in product_ordering.PROCEDURE_CATEGORIES},
}

FILTERS = (
    "id",
    "direction",
    "channel.id",
    "relatedParty.id",
    "interactionItem.item.id",
)


def interactions_for(user) -> QuerySet[Interaction]:
    """The interactions of the companies `user` may see, newest first."""
    return (
        Interaction.objects.filter(company__in=Company.objects.visible_to(user))
        .select_related("company", "recorded_by", "contact", "case")
        .order_by("-occurred_at", "-pk")
    )


def representation(interaction: Interaction, base: str = "") -> dict:
    """TMF683's `PartyInteraction` for `interaction`."""
    company = interaction.company
    user = interaction.recorded_by
    parties = [
        {
            "id": str(company.pk),
            "href": f"{base}{ORGANIZATION_PATH}/{company.pk}",
            "name": company.display_name,
            "role": "customer",
            "@referredType": "Organization",
        },
        {
            "id": user.username,
            "href": f"{USER_URN}{user.username}",
            "name": user.get_full_name() or user.username,
            "role": "recordedBy",
            "@referredType": "Individual",
        },
    ]
    if interaction.contact_id:
        contact = interaction.contact
        parties.append(
            {
                "id": f"contact-{contact.pk}",
                "href": f"{CONTACT_URN}{contact.pk}",
                "name": contact.name,
                "role": "contact",
                "@referredType": "Individual",
            }
        )
    body = {
        "id": str(interaction.pk),
        "href": f"{base}{PATH}/{interaction.pk}",
        "creationDate": moment(interaction.created_at),
        "description": interaction.summary,
        "direction": interaction.direction,
        "status": STATUS,
        "statusChangeDate": moment(interaction.created_at),
        # A contact is a moment: only its start (TMF683 allows it).
        "interactionDate": {"startDateTime": moment(interaction.occurred_at)},
        "channel": [
            {
                "id": interaction.channel,
                "href": f"{CHANNEL_URN}{interaction.channel}",
                "name": str(Channel(interaction.channel).label),
                "role": "interactionChannel",
                "@referredType": "Channel",
            }
        ],
        "relatedParty": parties,
        "@type": "PartyInteraction",
    }
    if interaction.case_id:
        case = interaction.case
        # TMF683 v4 has no `relatedEntity`: the case the contact was part of
        # is the item of the interaction; a case no facade exposes (a
        # collections call, a visit…) is named without a link.
        item = {"id": case.number, "name": case.subject, "role": "relatedCase"}
        resource = CASE_RESOURCES.get(case.procedure)
        if resource:
            item["href"] = f"{base}{resource[1]}/{case.number}"
            item["@referredType"] = resource[0]
        else:
            item["@referredType"] = "Case"
        body["interactionItem"] = [{"id": "1", "item": item}]
    return body


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


def _pk(value: str) -> int | None:
    if value.isascii() and value.isdigit() and len(value) <= 18:
        return int(value)
    return None


def _one_of(name: str, values: list[str], known) -> None:
    unknown = [v for v in values if v not in known]
    if unknown:
        raise tmf630.BadQuery(
            _("Unknown value %(value)s for %(name)s. It can be: %(known)s.")
            % {"value": unknown[0][:50], "name": name, "known": ", ".join(known)}
        )


def filtered(
    interactions: QuerySet[Interaction], asked: dict[str, list[str]]
) -> QuerySet[Interaction]:
    """The TMF630 attribute filters (a comma is "any of")."""
    if "id" in asked:
        interactions = interactions.filter(
            pk__in=[pk for v in asked["id"] if (pk := _pk(v)) is not None]
        )
    if "direction" in asked:
        _one_of("direction", asked["direction"], Direction.values)
        interactions = interactions.filter(direction__in=asked["direction"])
    if "channel.id" in asked:
        _one_of("channel.id", asked["channel.id"], Channel.values)
        interactions = interactions.filter(channel__in=asked["channel.id"])
    if "relatedParty.id" in asked:
        # The customer's id (as in TMF632), the team member's username or "contact-<id>".
        values = asked["relatedParty.id"]
        companies = [pk for v in values if (pk := _pk(v)) is not None]
        contacts = [
            pk for v in values if v.startswith("contact-") and (pk := _pk(v[8:])) is not None
        ]
        interactions = interactions.filter(
            Q(company_id__in=companies)
            | Q(recorded_by__username__in=values)
            | Q(contact_id__in=contacts)
        )
    if "interactionItem.item.id" in asked:
        interactions = interactions.filter(case__number__in=asked["interactionItem.item.id"])
    return interactions


@router.get(
    "/partyInteraction",
    response=tmf630.responses({200: list[dict]}),
    summary="List party interactions",
    description="The contacts with the customers you may see, newest first (TMF683 "
    "`PartyInteraction`). Filters: " + ", ".join(FILTERS) + " (a comma means any of).",
    openapi_extra=PAGED,
)
def list_interactions(
    request,
    response: HttpResponse,
    fields: tmf630.Fields = None,
    offset: tmf630.Offset = 0,
    limit: tmf630.Limit = tmf630.DEFAULT_LIMIT,
):
    asked = checked_query(request, FILTERS)
    interactions = filtered(interactions_for(request.auth), asked)
    base = _base(request)
    return [
        tmf630.select_fields(representation(interaction, base), fields)
        for interaction in tmf630.page(response, interactions, limit=limit, offset=offset)
    ]


@router.get(
    "/partyInteraction/{id}",
    response=tmf630.responses({200: dict}, 404),
    summary="Retrieve a party interaction",
    description="One contact with a customer (TMF683 `PartyInteraction`); 404 when it "
    "does not exist or its customer is not in a portfolio you may see.",
)
def retrieve_interaction(request, id: str, fields: tmf630.Fields = None):
    tmf630.check_query(request, ())
    pk = _pk(id)
    found = interactions_for(request.auth).filter(pk=pk).first() if pk is not None else None
    if found is None:
        raise Http404
    return tmf630.select_fields(representation(found, _base(request)), fields)
