"""The TMF688 hub at /api/v1/hub: register, read and unregister a listener;
callbacks to private networks refused in Spanish (SSRF)."""

import pytest

from posventa.accounts.roles import Role
from posventa.api.services import token_create
from posventa.events.models import Subscription
from posventa.factories import UserFactory

HUB = "/api/v1/hub"
PUBLIC = "https://hooks.example.com/posventa"


@pytest.fixture
def executive(db):
    return UserFactory(role=Role.EXECUTIVE, username="ejecutiva")


def auth(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Bearer {token_create(user=user, name='hooks')[1]}"}


def test_a_listener_is_registered_read_and_unregistered(client, executive, public_dns):
    headers = auth(executive)
    answer = client.post(
        HUB,
        {"callback": PUBLIC, "query": "eventType=case.created"},
        content_type="application/json",
        **headers,
    )
    assert answer.status_code == 201, answer.content
    body = answer.json()
    subscription = Subscription.objects.get()
    assert body == {
        "id": str(subscription.pk),
        "callback": PUBLIC,
        "query": "eventType=case.created",
        "secret": subscription.secret,
    }
    assert subscription.secret.startswith("whsec_") and len(subscription.secret) > 40
    assert (subscription.owner, subscription.api) == (executive, "posventa")

    again = client.get(f"{HUB}/{subscription.pk}", **headers)
    assert again.status_code == 200
    assert again.json() == {"id": str(subscription.pk), "callback": PUBLIC, "query": body["query"]}

    assert client.delete(f"{HUB}/{subscription.pk}", **headers).status_code == 204
    assert not Subscription.objects.exists()
    assert client.delete(f"{HUB}/{subscription.pk}", **headers).status_code == 404


def test_another_user_s_listener_answers_as_a_missing_one(client, executive, public_dns):
    answer = client.post(
        HUB, {"callback": PUBLIC}, content_type="application/json", **auth(executive)
    )
    mine = answer.json()["id"]
    other = auth(UserFactory(role=Role.EXECUTIVE, username="otra"))
    for path in (f"{HUB}/{mine}", f"{HUB}/999999"):
        got = client.get(path, **other)
        assert got.status_code == 404
        assert got.json() == {"code": "not_found", "detail": "No encontrado."}
    assert client.delete(f"{HUB}/{mine}", **other).status_code == 404
    assert Subscription.objects.count() == 1


@pytest.mark.parametrize("wrong", ["nada", "²", "9" * 30, "0", "-1", "%00"])
def test_an_id_that_is_not_one_is_a_422_naming_it_whoever_asks(client, executive, wrong):
    """Not a positive 64-bit integer: refused by its bounds before anything is
    looked up, so the answer says nothing about which listeners exist."""
    for method in ("get", "delete"):
        got = getattr(client, method)(f"{HUB}/{wrong}", **auth(executive))
        assert got.status_code == 422, (method, wrong, got.content)
        body = got.json()
        assert body["code"] == "invalid"
        assert set(body["errors"]) == {"subscription_id"}


def test_without_a_token_nothing_is_registered(client, db, public_dns):
    answer = client.post(HUB, {"callback": PUBLIC}, content_type="application/json")
    assert answer.status_code == 401
    assert not Subscription.objects.exists()


@pytest.mark.parametrize(
    ("callback", "says"),
    [
        ("http://127.0.0.1/hook", "dirección de red privada"),
        ("http://10.1.2.3:8080/hook", "dirección de red privada"),
        ("http://169.254.169.254/latest/meta-data/", "dirección de red privada"),
        ("http://[::1]/hook", "dirección de red privada"),
        ("http://[::ffff:127.0.0.1]/hook", "dirección de red privada"),
        ("http://[fd00::1]/hook", "dirección de red privada"),
        ("http://0.0.0.0/hook", "dirección de red privada"),
        ("http://224.0.0.1/hook", "dirección de red privada"),
        ("http://localhost:8000/hook", "dirección de red privada"),  # a name for loopback
        ("file:///etc/passwd", "http:// o https://"),
        ("gopher://hooks.example.com/", "http:// o https://"),
        ("https://user:clave@hooks.example.com/", "usuario ni contraseña"),
        ("http://no-such-host.invalid/hook", "no se puede resolver"),
    ],
)
def test_a_callback_to_a_private_network_or_another_scheme_is_refused_in_spanish(
    client, executive, settings, public_dns, callback, says
):
    settings.POSVENTA_WEBHOOK_ALLOW_PRIVATE = False
    answer = client.post(
        HUB, {"callback": callback}, content_type="application/json", **auth(executive)
    )
    assert answer.status_code == 422, answer.content
    body = answer.json()
    assert body["detail"] == "Los datos no son válidos."
    assert says in " ".join(body["errors"]["callback"])
    assert not Subscription.objects.exists()


def test_a_filter_that_is_not_pairs_is_refused(client, executive, public_dns):
    answer = client.post(
        HUB,
        {"callback": PUBLIC, "query": "eventType"},
        content_type="application/json",
        **auth(executive),
    )
    assert answer.status_code == 422
    assert "atributo=valor" in answer.json()["errors"]["query"][0]
    assert not Subscription.objects.exists()
