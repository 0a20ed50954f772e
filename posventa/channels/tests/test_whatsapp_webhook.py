"""WhatsApp's webhook URL: Meta's verification handshake, and deliveries
refused unless signed with the app secret, kept and handed to the worker
otherwise, never a server error whatever arrives."""

import json

import pytest
from django.urls import reverse

from posventa.channels.models import InboundMessage, WebhookDelivery
from posventa.channels.tests import graph_standin
from posventa.channels.tests.graph_standin import (
    VERIFY_TOKEN,
    post_webhook,
    sign,
    text_message,
    whatsapp_webhook_payload,
)

graph_api = graph_standin.graph_api  # the fixture

pytestmark = pytest.mark.django_db

URL = "/whatsapp/webhook/"


def _payload():
    return whatsapp_webhook_payload(messages=[text_message(sender="59171234567", body="Hola")])


def test_the_webhook_url_is_the_documented_one():
    assert reverse("whatsapp:webhook") == URL


def test_the_verification_echoes_the_challenge_for_our_verify_token(client, graph_api):
    response = client.get(
        URL,
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1158201444"},
    )

    assert response.status_code == 200
    assert response.content == b"1158201444"
    assert response["Content-Type"].startswith("text/plain")


@pytest.mark.parametrize(
    "query",
    [
        {"hub.mode": "subscribe", "hub.verify_token": "wrong", "hub.challenge": "1"},
        {"hub.mode": "unsubscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.challenge": "1"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "<script>"},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN, "hub.challenge": "9" * 500},
        {"hub.mode": "subscribe", "hub.verify_token": VERIFY_TOKEN},
        {},
    ],
)
def test_a_wrong_verification_is_refused(client, graph_api, query):
    response = client.get(URL, query)

    assert response.status_code == 403
    assert b"<script>" not in response.content


def test_without_whatsapp_configured_the_url_is_not_there(client, settings):
    settings.WHATSAPP_VERIFY_TOKEN = ""
    settings.WHATSAPP_APP_SECRET = ""
    body = json.dumps(_payload()).encode()

    assert client.get(URL, {"hub.mode": "subscribe", "hub.verify_token": ""}).status_code == 404
    assert post_webhook(client, None, raw=body, signature=sign(body, "")).status_code == 404
    assert not WebhookDelivery.objects.exists()


def test_a_signed_delivery_is_kept_answered_at_once_and_handed_to_the_worker(
    client, graph_api, django_capture_on_commit_callbacks
):
    payload = _payload()

    with django_capture_on_commit_callbacks() as hand_over:
        response = post_webhook(client, payload)

    # Answered before any work: the delivery waits, the hand-over is queued
    # for after the commit.
    assert response.status_code == 200
    delivery = WebhookDelivery.objects.get()
    assert delivery.payload == payload and delivery.processed_at is None
    assert len(hand_over) == 1
    assert not InboundMessage.objects.exists()

    hand_over[0]()  # the commit happens; the tests' worker runs the task at once

    delivery.refresh_from_db()
    assert delivery.processed_at is not None
    assert InboundMessage.objects.get().body == "Hola"


def test_a_queue_that_is_down_costs_the_delivery_nothing(
    client, graph_api, django_capture_on_commit_callbacks, monkeypatch
):
    from posventa.channels import views_whatsapp

    def queue_down(delivery_id):
        raise ConnectionError("redis is away")

    monkeypatch.setattr(views_whatsapp, "_enqueue", queue_down)

    with django_capture_on_commit_callbacks(execute=True):
        response = post_webhook(client, _payload())

    assert response.status_code == 200
    assert WebhookDelivery.objects.get().processed_at is None  # the job will take it


@pytest.mark.parametrize(
    "signature",
    [
        "",  # missing
        "sha256=",  # empty
        "sha1=0123456789abcdef0123456789abcdef01234567",  # another algorithm
        "sha256=not-hex-at-all",  # malformed
        "sha256=" + "0" * 64,  # well formed, wrong
        "wrong-secret",  # signed with another secret (set below)
    ],
)
def test_a_delivery_with_a_bad_missing_or_malformed_signature_is_refused_and_nothing_stored(
    client, graph_api, signature
):
    body = json.dumps(_payload()).encode()
    if signature == "wrong-secret":
        signature = sign(body, "another-app-secret")

    response = post_webhook(client, None, raw=body, signature=signature)

    assert response.status_code == 403
    assert not WebhookDelivery.objects.exists()


def test_a_signature_of_other_bytes_is_refused(client, graph_api):
    body = json.dumps(_payload()).encode()
    tampered = body.replace(b"Hola", b"Chau")

    response = post_webhook(client, None, raw=tampered, signature=sign(body))

    assert response.status_code == 403
    assert not WebhookDelivery.objects.exists()


@pytest.mark.parametrize(
    "body",
    [
        b"not json",
        b"[1, 2, 3]",
        b'"a string"',
        b"\xff\xfe\x00garbage",
        b"[" * 100_000 + b"]" * 100_000,
        b"",
    ],
)
def test_a_signed_delivery_that_is_not_a_json_object_is_a_400(client, graph_api, body):
    response = post_webhook(client, None, raw=body)

    assert response.status_code == 400
    assert not WebhookDelivery.objects.exists()


def test_a_delivery_over_three_megabytes_is_refused_unread(client, graph_api):
    body = json.dumps({"object": "whatsapp_business_account", "x": "a" * (3 * 1024 * 1024)})

    response = post_webhook(client, None, raw=body.encode())

    assert response.status_code == 413
    assert not WebhookDelivery.objects.exists()


def test_a_nul_character_in_a_signed_delivery_is_dropped_not_a_server_error(client, graph_api):
    payload = whatsapp_webhook_payload(
        messages=[text_message(sender="59171234567", body="Ho\x00la")]
    )

    response = post_webhook(client, payload)

    assert response.status_code == 200
    stored = WebhookDelivery.objects.get().payload
    assert stored["entry"][0]["changes"][0]["value"]["messages"][0]["text"]["body"] == "Hola"


def test_other_methods_are_not_allowed(client, graph_api):
    assert client.put(URL, b"{}", content_type="application/json").status_code == 405
    assert client.delete(URL).status_code == 405


def test_the_webhook_needs_no_login_nor_csrf_token(graph_api):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)

    assert post_webhook(strict, _payload()).status_code == 200
