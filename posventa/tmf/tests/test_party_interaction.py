# ruff: noqa: F811 — the fixtures imported from readonly.py are parameters here
"""TMF683 Party Interaction (/tmf-api/partyInteraction/v4/partyInteraction):
the contacts with the customers, read-only, scoped by portfolio, each full
answer valid against the official TMF683 v4 document."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from posventa.cases.models import Case
from posventa.common.models import Channel
from posventa.customers.models import Direction
from posventa.factories import (
    CompanyFactory,
    ContactFactory,
    InteractionFactory,
    ProductFactory,
)
from posventa.tmf.tests.official import assert_each_matches, assert_matches
from posventa.tmf.tests.readonly import (  # noqa: F401 — fixtures
    as_executive,
    as_other_executive,
    as_team_lead,
    assert_not_found,
    assert_tmf_error,
    ids,
)

URL = "/tmf-api/partyInteraction/v4/partyInteraction"
LA_PAZ = ZoneInfo("America/La_Paz")

pytestmark = pytest.mark.django_db


def _case(company, number: str, procedure: str) -> Case:
    return Case.objects.create(
        number=number,
        company=company,
        procedure=procedure,
        channel=Channel.EMAIL,
        received_at=timezone.now(),
        subject="Sin señal de internet",
    )


@pytest.fixture
def mine(executive):
    """Three contacts with one of the executive's companies, newest last:
    an e-mail from the customer's contact about a damage case, a phone call
    to the customer, and a WhatsApp from the customer."""
    company = CompanyFactory(executive=executive, trade_name="ACME")
    contact = ContactFactory(company=company, name="Rosa Quispe")
    damage = _case(company, "TMFB-0001", "E")
    start = datetime(2026, 11, 2, 9, 30, tzinfo=LA_PAZ)
    email = InteractionFactory(
        company=company,
        channel=Channel.EMAIL,
        direction=Direction.INBOUND,
        contact=contact,
        case=damage,
        summary="La cliente reporta el servicio caído.",
        occurred_at=start,
    )
    call = InteractionFactory(
        company=company,
        channel=Channel.PHONE,
        direction=Direction.OUTBOUND,
        summary="Llamada de seguimiento.",
        occurred_at=start + timedelta(hours=2),
    )
    whatsapp = InteractionFactory(
        company=company,
        channel=Channel.WHATSAPP,
        direction=Direction.INBOUND,
        summary="Confirma que ya funciona.",
        occurred_at=start + timedelta(days=1),
    )
    return {
        "company": company,
        "contact": contact,
        "case": damage,
        "email": email,
        "call": call,
        "whatsapp": whatsapp,
    }


@pytest.fixture
def theirs(other_executive):
    return InteractionFactory(company=CompanyFactory(executive=other_executive))


def _ids(mine, *names):
    return [str(mine[name].pk) for name in names]


def test_the_list_holds_only_the_portfolios_interactions_newest_first_each_valid(
    as_executive, mine, theirs
):
    response = as_executive.get(URL)
    assert ids(response) == _ids(mine, "whatsapp", "call", "email")
    assert_each_matches("TMF683", "PartyInteraction", response.json())
    assert response["X-Total-Count"] == "3"
    assert response["X-Result-Count"] == "3"


def test_the_team_lead_sees_every_portfolio(as_team_lead, mine, theirs):
    assert str(theirs.pk) in ids(as_team_lead.get(URL))


def test_an_interaction_reads_with_its_channel_direction_parties_and_case(
    as_executive, executive, mine
):
    email = mine["email"]
    response = as_executive.get(f"{URL}/{email.pk}")
    assert response.status_code == 200
    body = response.json()
    assert_matches("TMF683", "PartyInteraction", body)
    assert body["href"] == f"http://testserver{URL}/{email.pk}"
    assert body["description"] == "La cliente reporta el servicio caído."
    assert body["direction"] == "inbound"
    assert body["status"] == "completed"
    assert body["interactionDate"] == {"startDateTime": "2026-11-02T09:30:00-04:00"}
    assert body["channel"] == [
        {
            "id": "email",
            "href": "urn:posventa:channel:email",
            "name": "Correo electrónico",
            "role": "interactionChannel",
            "@referredType": "Channel",
        }
    ]
    parties = {party["role"]: party for party in body["relatedParty"]}
    company = mine["company"]
    assert parties["customer"]["id"] == str(company.pk)
    assert parties["customer"]["href"] == (
        f"http://testserver/tmf-api/party/v4/organization/{company.pk}"
    )
    assert parties["recordedBy"]["id"] == executive.username
    assert parties["contact"]["name"] == "Rosa Quispe"
    item = body["interactionItem"][0]["item"]
    assert item["id"] == "TMFB-0001"
    assert item["role"] == "relatedCase"
    assert item["@referredType"] == "TroubleTicket"
    assert item["href"] == "http://testserver/tmf-api/troubleTicket/v4/troubleTicket/TMFB-0001"


def test_an_interaction_without_case_or_contact_has_no_item_and_two_parties(as_executive, mine):
    body = as_executive.get(f"{URL}/{mine['call'].pk}").json()
    assert_matches("TMF683", "PartyInteraction", body)
    assert "interactionItem" not in body
    assert [party["role"] for party in body["relatedParty"]] == ["customer", "recordedBy"]


def test_a_case_no_tmf_api_exposes_is_referred_without_an_href(as_executive, mine):
    collections = _case(mine["company"], "TMFB-0002", "I")
    interaction = InteractionFactory(company=mine["company"], case=collections)
    body = as_executive.get(f"{URL}/{interaction.pk}").json()
    assert_matches("TMF683", "PartyInteraction", body)
    item = body["interactionItem"][0]["item"]
    assert item["@referredType"] == "Case"
    assert "href" not in item


def test_another_portfolios_interaction_is_a_404_exactly_like_a_missing_one(as_executive, theirs):
    assert_not_found(as_executive.get(f"{URL}/{theirs.pk}"))
    assert_not_found(as_executive.get(f"{URL}/999999"))
    assert_not_found(as_executive.get(f"{URL}/-1"))


def test_fields_selects_the_attributes_and_the_partial_answer_is_still_valid(as_executive, mine):
    items = as_executive.get(URL, fields="direction,channel").json()
    assert [sorted(item) for item in items] == [["@type", "channel", "direction", "href", "id"]] * 3
    assert_each_matches("TMF683", "PartyInteraction", items, fields="direction,channel")


def test_offset_and_limit_page_the_list(as_executive, mine):
    response = as_executive.get(URL, offset=2, limit=5)
    assert ids(response) == _ids(mine, "email")
    assert response["X-Total-Count"] == "3"
    assert response["X-Result-Count"] == "1"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"direction": "inbound"}, ["whatsapp", "email"]),
        ({"channel.id": "phone"}, ["call"]),
        ({"channel.id": "phone,whatsapp"}, ["whatsapp", "call"]),
        ({"interactionItem.item.id": "TMFB-0001"}, ["email"]),
        ({"relatedParty.id": "{contact}"}, ["email"]),
        ({"relatedParty.id": "{company}"}, ["whatsapp", "call", "email"]),
    ],
)
def test_filtering_by_attribute(as_executive, mine, params, expected):
    params = {
        k: v.format(contact=f"contact-{mine['contact'].pk}", company=mine["company"].pk)
        for k, v in params.items()
    }
    assert ids(as_executive.get(URL, **params)) == _ids(mine, *expected)


def test_filtering_by_the_team_member_who_recorded_it(as_executive, executive, mine, theirs):
    assert ids(as_executive.get(URL, **{"relatedParty.id": executive.username})) == _ids(
        mine, "whatsapp", "call", "email"
    )
    # Who recorded another portfolio's contact does not open it.
    assert ids(as_executive.get(URL, **{"relatedParty.id": theirs.recorded_by.username})) == []


def test_an_unknown_filter_or_value_is_refused_in_spanish(as_executive, mine):
    assert_tmf_error(
        as_executive.get(URL, summary="x"),
        400,
        "unknownFilter",
        "La lista no se puede filtrar por summary",
    )
    assert_tmf_error(
        as_executive.get(URL, direction="sideways"),
        400,
        "invalidQuery",
        "Valor desconocido sideways para direction. Puede ser: inbound, outbound.",
    )
    assert_tmf_error(
        as_executive.get(URL, **{"channel.id": "fax"}),
        400,
        "invalidQuery",
        "Valor desconocido fax para channel.id.",
    )


def test_without_a_token_the_answer_is_a_spanish_401(client, mine):
    assert_tmf_error(client.get(URL), 401, "unauthorized")


@pytest.mark.parametrize(
    ("procedure", "referred_type"), [("E", "TroubleTicket"), ("B", "ProductOrder")]
)
def test_the_related_cases_href_opens_it_in_its_own_facade(
    as_executive, mine, procedure, referred_type
):
    case = _case(mine["company"], f"TMFB-1{procedure}", procedure)
    if procedure == "B":
        case.product = ProductFactory(company=mine["company"])
        case.save()
    interaction = InteractionFactory(company=mine["company"], case=case)
    item = as_executive.get(f"{URL}/{interaction.pk}").json()["interactionItem"][0]["item"]
    assert item["@referredType"] == referred_type
    opened = as_executive.client.get(item["href"], headers=as_executive.headers)
    assert opened.status_code == 200, opened.content
    assert opened.json()["id"] == case.number
