"""The TMF630 conventions every facade under /tmf-api/ shares: attribute
selection, filters declared or refused, the Error object in Spanish for
every refusal — the machinery reused from /api/v1/ included (unknown path,
wrong method, Idempotency-Key) — and an OpenAPI document of its own."""

import json

import pytest
from django.test import RequestFactory

from posventa.accounts.roles import Role
from posventa.api.services import token_create
from posventa.tmf import tmf630
from posventa.tmf.tests import official

pytestmark = pytest.mark.django_db

TICKETS = "/tmf-api/troubleTicket/v4/troubleTicket"


@pytest.fixture
def auth(team):
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=team[Role.EXECUTIVE], name='t')[1]}"}


def assert_error(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert body["code"] == code and body["status"] == str(status) and body["@type"] == "Error"
    official.assert_matches("TMF621", "Error", body)
    return body


RESOURCE = {
    "id": "PV-1",
    "href": "http://x/PV-1",
    "@type": "TroubleTicket",
    "status": "closed",
    "name": "n",
    "relatedParty": [
        {"id": "7", "name": "ACME", "role": "customer", "@referredType": "Organization"}
    ],
}


def test_fields_keeps_the_selection_and_the_envelope_only():
    assert tmf630.select_fields(RESOURCE, "status") == {
        "id": "PV-1",
        "href": "http://x/PV-1",
        "@type": "TroubleTicket",
        "status": "closed",
    }
    assert tmf630.select_fields(RESOURCE, None) is RESOURCE
    assert tmf630.select_fields(RESOURCE, "nothing,status")["status"] == "closed"
    # A dotted name keeps that part of each referred object, and the reference itself.
    assert tmf630.select_fields(RESOURCE, "relatedParty.name")["relatedParty"] == [
        {"id": "7", "name": "ACME", "role": "customer", "@referredType": "Organization"}
    ]


def test_a_query_parameter_not_declared_is_refused_in_spanish():
    request = RequestFactory().get("/", {"status": "a,b", "limit": "3", "fields": "x"})
    assert tmf630.check_query(request, ["status"]) == {"status": ["a", "b"]}
    with pytest.raises(tmf630.BadQuery) as refused:
        tmf630.check_query(RequestFactory().get("/", {"colour": "red"}), ["status"])
    assert refused.value.code == "unknownFilter"
    with pytest.raises(tmf630.BadQuery):
        tmf630.check_query(RequestFactory().get("/?status=a&status=b"), ["status"])
    with pytest.raises(tmf630.BadQuery):
        tmf630.check_query(RequestFactory().get("/?status=,"), ["status"])


def test_an_unknown_path_and_a_wrong_method_are_tmf_errors(client, auth):
    body = assert_error(client.get("/tmf-api/nothing/here", **auth), 404, "notFound")
    assert body["message"] == "No encontrado." and body["reason"] == "No encontrado"
    response = client.put(
        f"{TICKETS}/PV-2026-000001", "{}", content_type="application/json", **auth
    )
    body = assert_error(response, 405, "methodNotAllowed")
    assert "PUT" in body["message"] and "GET" in response["Allow"]


def test_no_token_and_a_bad_body_are_tmf_errors_in_spanish(client, auth):
    body = assert_error(client.get(TICKETS), 401, "unauthorized")
    assert "token" in body["message"] and body["reason"] == "No autenticado"
    body = assert_error(
        client.post(TICKETS, "{not json", content_type="application/json", **auth),
        400,
        "invalidBody",
    )
    assert "JSON" in body["message"]
    body = assert_error(client.get(TICKETS, {"offset": "-1"}, **auth), 400, "invalidQuery")
    assert "offset" in body["message"]


def test_idempotency_refusals_are_tmf_errors_too(client, auth):
    key = {"HTTP_IDEMPOTENCY_KEY": "one key"}  # a space: not a valid key
    body = assert_error(
        client.post(TICKETS, "{}", content_type="application/json", **auth, **key),
        422,
        "invalidValue",
    )
    assert "Idempotency-Key" in body["message"]
    key = {"HTTP_IDEMPOTENCY_KEY": "k-1"}
    first = client.post(TICKETS, "{}", content_type="application/json", **auth, **key)
    assert_error(first, 400, "invalidBody")
    again = client.post(TICKETS, "{}", content_type="application/json", **auth, **key)
    assert again.content == first.content and again["Idempotent-Replayed"] == "true"
    other = client.post(TICKETS, '{"a": 1}', content_type="application/json", **auth, **key)
    assert_error(other, 409, "conflict")


def test_the_openapi_document_is_the_tmf_apis_own(client):
    response = client.get("/tmf-api/openapi.json")
    assert response.status_code == 200
    schema = response.json()
    assert set(schema["paths"]) >= {
        "/tmf-api/troubleTicket/v4/troubleTicket",
        "/tmf-api/troubleTicket/v4/troubleTicket/{ticket_id}",
        "/tmf-api/productOrdering/v4/productOrder",
        "/tmf-api/productOrdering/v4/cancelProductOrder",
    }
    assert not any(path.startswith("/api/v1") for path in schema["paths"])
    error = schema["components"]["schemas"]["Error"]
    assert set(error["required"]) >= {"code", "reason"}
    listing = schema["paths"][TICKETS]["get"]
    names = {p["name"] for p in listing["parameters"]}
    assert {"fields", "offset", "limit", "status", "relatedParty.id"} <= names
    ok = listing["responses"]["200"]
    # The count headers stand beside the body's schema, not in its place.
    assert "X-Result-Count" in ok["headers"] and "X-Total-Count" in ok["headers"]
    items = ok["content"]["application/json"]["schema"]["items"]
    assert items == {"$ref": "#/components/schemas/TroubleTicketOut"}
    posting = schema["paths"][TICKETS]["post"]
    assert any(p["name"] == "Idempotency-Key" for p in posting["parameters"])
    json.dumps(schema)
    # Not the site's HTML: the Swagger page is off (it would load from a CDN).
    assert_error(client.get("/tmf-api/docs"), 404, "notFound")
