"""The TMF688 hubs under /tmf-api/: the same listeners, TMF630's error shape."""

import pytest

from posventa.accounts.roles import Role
from posventa.api.services import token_create
from posventa.events.models import Subscription
from posventa.factories import UserFactory

HUBS = {
    "troubleTicket": "/tmf-api/troubleTicket/v4/hub",
    "productOrdering": "/tmf-api/productOrdering/v4/hub",
    "productInventory": "/tmf-api/productInventory/v4/hub",
}


@pytest.fixture
def headers(db):
    user = UserFactory(role=Role.EXECUTIVE, username="ejecutiva")
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='hooks')[1]}"}


@pytest.mark.parametrize("api", HUBS)
def test_each_tmf_hub_registers_and_unregisters_a_listener(client, headers, settings, api):
    settings.POSVENTA_WEBHOOK_ALLOW_PRIVATE = True  # 127.0.0.1 is the listener here
    answer = client.post(
        HUBS[api],
        {"callback": "http://127.0.0.1:9/hook", "query": "eventType=X"},
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    subscription = Subscription.objects.get(pk=int(body["id"]))
    assert subscription.api == api and body["secret"] == subscription.secret
    assert client.get(f"{HUBS[api]}/{body['id']}", **headers).json() == {
        "id": body["id"],
        "callback": "http://127.0.0.1:9/hook",
        "query": "eventType=X",
    }
    other = HUBS["productOrdering" if api != "productOrdering" else "troubleTicket"]
    assert client.get(f"{other}/{body['id']}", **headers).status_code == 404  # another hub's
    assert client.delete(f"{HUBS[api]}/{body['id']}", **headers).status_code == 204
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("api", HUBS)
def test_a_private_callback_is_a_tmf630_error_in_spanish(client, headers, settings, api):
    settings.POSVENTA_WEBHOOK_ALLOW_PRIVATE = False
    answer = client.post(
        HUBS[api],
        {"callback": "http://169.254.169.254/latest/meta-data/"},
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 422
    body = answer.json()
    assert body["@type"] == "Error" and body["status"] == "422"
    assert {"code", "reason", "message"} <= body.keys()
    assert "dirección de red privada" in body["message"]
    missing = client.get(f"{HUBS[api]}/12345", **headers)
    assert missing.status_code == 404 and missing.json()["@type"] == "Error"
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("api", HUBS)
@pytest.mark.parametrize("wrong", ["nada", "%00", "9" * 30])
def test_an_id_that_is_not_one_is_a_tmf630_400_naming_it(client, headers, api, wrong):
    """TMF630: a request parameter refused is a 400 invalidQuery (the native
    hub says 422), in Spanish, naming the parameter; never a 404."""
    for method in ("get", "delete"):
        answer = getattr(client, method)(f"{HUBS[api]}/{wrong}", **headers)
        assert answer.status_code == 400, (method, answer.content)
        body = answer.json()
        assert body["@type"] == "Error" and body["status"] == "400"
        assert body["code"] == "invalidQuery"
        assert "subscription_id: " in body["message"]
