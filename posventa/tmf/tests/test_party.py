# ruff: noqa: F811 — the fixtures imported from readonly.py are parameters here
"""TMF632 Party Management, organizations (/tmf-api/party/v4/organization):
the companies, read-only, scoped by portfolio, each full answer valid against
the official TMF632 v4 document."""

import pytest

from posventa.common.models import Channel
from posventa.factories import CompanyFactory, ContactFactory
from posventa.tmf.tests.official import assert_each_matches, assert_matches
from posventa.tmf.tests.readonly import (  # noqa: F401 — fixtures
    as_executive,
    as_other_executive,
    as_team_lead,
    assert_not_found,
    assert_tmf_error,
    ids,
)

URL = "/tmf-api/party/v4/organization"

pytestmark = pytest.mark.django_db


@pytest.fixture
def mine(executive):
    acme = CompanyFactory(
        executive=executive,
        nit="1023456789",
        legal_name="Acme Bolivia S.A.",
        trade_name="ACME",
        address="Av. Heroínas 100",
        zone="Centro",
        neighbourhood="Casco Viejo",
    )
    ContactFactory(
        company=acme,
        name="Rosa Quispe",
        position="Gerente administrativa",
        email="rosa@acme.bo",
        phone="4-4250000",
        whatsapp="70700000",
        preferred_channel=Channel.WHATSAPP,
        is_primary=True,
    )
    town_hall = CompanyFactory(
        executive=executive,
        nit="1098765432",
        legal_name="Gobierno Autónomo Municipal",
        is_public_institution=True,
    )
    return {"acme": acme, "town_hall": town_hall}


@pytest.fixture
def theirs(other_executive):
    return CompanyFactory(executive=other_executive, legal_name="Ajena S.R.L.")


def test_the_list_holds_only_the_portfolios_companies_each_a_valid_tmf632_organization(
    as_executive, mine, theirs
):
    response = as_executive.get(URL)
    assert ids(response) == [str(mine["acme"].pk), str(mine["town_hall"].pk)]
    assert_each_matches("TMF632", "Organization", response.json())
    assert response["X-Total-Count"] == "2"


def test_the_team_lead_sees_every_portfolio(as_team_lead, mine, theirs):
    assert str(theirs.pk) in ids(as_team_lead.get(URL))


def test_an_organization_reads_with_its_nit_names_address_and_contacts(as_executive, mine):
    acme = mine["acme"]
    response = as_executive.get(f"{URL}/{acme.pk}")
    assert response.status_code == 200
    body = response.json()
    assert_matches("TMF632", "Organization", body)
    assert body["href"] == f"http://testserver{URL}/{acme.pk}"
    assert body["name"] == "Acme Bolivia S.A."
    assert body["tradingName"] == "ACME"
    assert body["organizationType"] == "company"
    assert body["status"] == "validated"
    assert body["organizationIdentification"] == [
        {
            "identificationId": "1023456789",
            "identificationType": "NIT",
            "issuingAuthority": "Servicio de Impuestos Nacionales",
        }
    ]
    assert body["externalReference"] == [{"externalReferenceType": "NIT", "name": "1023456789"}]
    media = {
        (m["mediumType"], m["characteristic"]["contactType"]): m for m in body["contactMedium"]
    }
    assert media[("postalAddress", "headOffice")]["characteristic"]["street1"] == (
        "Av. Heroínas 100"
    )
    assert media[("email", "email")]["characteristic"]["emailAddress"] == "rosa@acme.bo"
    assert media[("phone", "phone")]["characteristic"]["phoneNumber"] == "4-4250000"
    whatsapp = media[("phone", "whatsapp")]
    assert whatsapp["characteristic"]["phoneNumber"] == "70700000"
    # The primary contact prefers WhatsApp: that medium, and only it, is preferred.
    assert [
        m["characteristic"]["contactType"] for m in body["contactMedium"] if m["preferred"]
    ] == ["whatsapp"]
    parties = {p["role"]: p for p in body["relatedParty"]}
    assert parties["Gerente administrativa"]["name"] == "Rosa Quispe"
    assert parties["accountManager"]["id"] == acme.executive.username


def test_a_public_institution_has_its_type_and_no_trading_name(as_executive, mine):
    body = as_executive.get(f"{URL}/{mine['town_hall'].pk}").json()
    assert_matches("TMF632", "Organization", body)
    assert body["organizationType"] == "publicInstitution"
    assert "tradingName" not in body


def test_another_portfolios_company_is_a_404_exactly_like_a_missing_one(as_executive, theirs):
    assert_not_found(as_executive.get(f"{URL}/{theirs.pk}"))
    assert_not_found(as_executive.get(f"{URL}/999999"))
    assert_not_found(as_executive.get(f"{URL}/1023456789x"))


def test_fields_selects_the_attributes_and_the_partial_answer_is_still_valid(as_executive, mine):
    items = as_executive.get(URL, fields="name,organizationIdentification").json()
    assert [sorted(item) for item in items] == [
        ["@type", "href", "id", "name", "organizationIdentification"]
    ] * 2
    assert_each_matches("TMF632", "Organization", items, fields="name,organizationIdentification")


def test_offset_and_limit_page_the_list(as_executive, mine):
    response = as_executive.get(URL, offset=1, limit=1)
    assert ids(response) == [str(mine["town_hall"].pk)]
    assert response["X-Total-Count"] == "2"
    assert response["X-Result-Count"] == "1"


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"organizationIdentification.identificationId": "1023456789"}, ["acme"]),
        # The NIT as people write it, with separators.
        ({"externalReference.name": "1023-456-789"}, ["acme"]),
        ({"tradingName": "ACME"}, ["acme"]),
        ({"name": "Gobierno Autónomo Municipal"}, ["town_hall"]),
        ({"organizationType": "publicInstitution"}, ["town_hall"]),
        ({"organizationType": "company,publicInstitution"}, ["acme", "town_hall"]),
        ({"status": "validated"}, ["acme", "town_hall"]),
        ({"status": "closed"}, []),
    ],
)
def test_filtering_by_attribute(as_executive, mine, params, expected):
    assert ids(as_executive.get(URL, **params)) == [str(mine[name].pk) for name in expected]


def test_a_filter_cannot_reach_another_portfolio(as_executive, mine, theirs):
    assert ids(as_executive.get(URL, id=str(theirs.pk))) == []
    assert (
        ids(as_executive.get(URL, **{"organizationIdentification.identificationId": theirs.nit}))
        == []
    )


def test_an_unknown_filter_or_value_is_refused_in_spanish(as_executive, mine):
    assert_tmf_error(
        as_executive.get(URL, nit="1023456789"),
        400,
        "unknownFilter",
        "La lista no se puede filtrar por nit",
    )
    assert_tmf_error(
        as_executive.get(URL, organizationType="ngo"),
        400,
        "invalidQuery",
        "Valor desconocido ngo para organizationType. Puede ser: company, publicInstitution.",
    )


def test_without_a_token_the_answer_is_a_spanish_401(client, mine):
    assert_tmf_error(client.get(URL), 401, "unauthorized")
