"""What a customer sends on WhatsApp, from the signed webhook to where it
lands: the executive's triage, its case (with its document or photo), kept
once however often Meta delivers it; the statuses of what we sent; and the
worker's retries, bounded."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from PIL import Image

from posventa.accounts.roles import Role
from posventa.cases.models import DocumentKind
from posventa.channels import whatsapp_in
from posventa.channels.models import (
    DeliveryStatus,
    InboundMessage,
    MessageState,
    Notification,
    NotificationEvent,
    WebhookDelivery,
)
from posventa.channels.tests import graph_standin
from posventa.channels.tests.graph_standin import (
    document_message,
    image_message,
    new_wamid,
    post_webhook,
    status_update,
    text_message,
    whatsapp_webhook_payload,
)
from posventa.common.models import Channel
from posventa.factories import CompanyFactory, ContactFactory

graph_api = graph_standin.graph_api  # the fixture

pytestmark = pytest.mark.django_db

NUMBER = "59170719988"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (4, 4), "blue").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def deliver(client, django_capture_on_commit_callbacks):
    """Meta posts a signed delivery; the hand-over to the worker runs (the
    tests' worker is synchronous)."""

    def post(payload):
        with django_capture_on_commit_callbacks(execute=True):
            response = post_webhook(client, payload)
        assert response.status_code == 200
        return WebhookDelivery.objects.order_by("-pk").first()

    return post


@pytest.fixture
def contact(team, media):
    company = CompanyFactory(executive=team[Role.EXECUTIVE])
    return ContactFactory(
        company=company, email="gerencia@cliente.bo", whatsapp="+591 7071-9988", phone=""
    )


@pytest.fixture
def case_contact(plan_change_case):
    return ContactFactory(
        company=plan_change_case.company,
        email="gerencia@cliente.bo",
        whatsapp="+591 7071-9988",
        phone="",
        preferred_channel=Channel.WHATSAPP,
    )


def _sent_notification(case, contact, **fields) -> Notification:
    values = {
        "company": case.company,
        "case": case,
        "contact": contact,
        "event": NotificationEvent.RECEIVED,
        "channel": Channel.WHATSAPP,
        "to": NUMBER,
        "subject": f"[{case.number}] Recibimos su solicitud",
        "text": f"Recibimos su solicitud {case.number}.",
        "status": DeliveryStatus.SENT,
        "sent_at": timezone.now() - timedelta(minutes=5),
        "external_id": new_wamid(),
    }
    return Notification.objects.create(**(values | fields))


def test_a_text_from_a_contact_lands_in_the_executives_triage(graph_api, deliver, contact, team):
    written = timezone.now().replace(microsecond=0) - timedelta(minutes=3)
    sent = text_message(sender=NUMBER, body="Quiero cambiar de plan", at=written.timestamp())

    delivery = deliver(whatsapp_webhook_payload(messages=[sent], names={NUMBER: "Ana Rojas"}))

    message = InboundMessage.objects.get()
    assert message.channel == Channel.WHATSAPP
    assert message.external_id == sent["id"]
    assert (message.sender, message.sender_name) == (NUMBER, "Ana Rojas")
    assert message.body == "Quiero cambiar de plan"
    assert message.received_at == written
    assert (message.company, message.contact) == (contact.company, contact)
    assert message.state == MessageState.TRIAGE
    assert message.triage_user == team[Role.EXECUTIVE]
    assert b'"Quiero cambiar de plan"' in message.raw.read()
    delivery.refresh_from_db()
    assert delivery.processed_at is not None and delivery.attempts == 1


def test_a_text_from_an_unknown_number_reaches_the_team_leads_triage(graph_api, deliver, media):
    deliver(whatsapp_webhook_payload(messages=[text_message(sender="59160000001", body="Hola")]))

    message = InboundMessage.objects.get()
    assert (message.company, message.triage_role, message.triage_user) == (
        None,
        Role.TEAM_LEAD,
        None,
    )


def test_a_pdf_sent_as_a_reply_to_our_notification_lands_on_the_case_as_a_document(
    graph_api, deliver, plan_change_case, case_contact
):
    notification = _sent_notification(plan_change_case, case_contact)
    media_id = graph_api.register_media(PDF, "application/pdf")
    sent = document_message(
        sender=NUMBER,
        media_id=media_id,
        filename="carta firmada.pdf",
        content=PDF,
        caption="La carta firmada",
        context_id=notification.external_id,
    )

    deliver(whatsapp_webhook_payload(messages=[sent]))

    message = InboundMessage.objects.get()
    assert message.state == MessageState.THREADED
    assert message.case == plan_change_case
    assert message.thread_ids == [notification.external_id]
    assert message.body == "La carta firmada"
    attachment = message.attachments.get()
    assert attachment.refused_reason == ""
    document = attachment.document
    assert (document.case, document.kind) == (plan_change_case, DocumentKind.OTHER)
    assert document.file.read() == PDF
    assert message.interaction.case == plan_change_case


def test_a_photo_with_the_case_number_in_its_caption_lands_on_the_case(
    graph_api, deliver, plan_change_case, case_contact
):
    png = _png()
    media_id = graph_api.register_media(png, "image/png")
    sent = image_message(
        sender=NUMBER,
        media_id=media_id,
        mime_type="image/png",
        content=png,
        caption=f"Foto del equipo, caso {plan_change_case.number}",
    )

    deliver(whatsapp_webhook_payload(messages=[sent]))

    message = InboundMessage.objects.get()
    assert (message.state, message.case) == (MessageState.THREADED, plan_change_case)
    attachment = message.attachments.get()
    assert attachment.filename.endswith(".png")
    assert attachment.document.case == plan_change_case
    assert attachment.document.file.read() == png


def test_the_same_webhook_delivered_twice_gives_one_message_and_one_download(
    graph_api, deliver, contact
):
    media_id = graph_api.register_media(PDF, "application/pdf")
    payload = whatsapp_webhook_payload(
        messages=[document_message(sender=NUMBER, media_id=media_id, filename="nit.pdf")]
    )

    first, second = deliver(payload), deliver(payload)

    assert first.pk != second.pk
    assert InboundMessage.objects.count() == 1
    assert InboundMessage.objects.get().attachments.count() == 1
    downloads = [r for r in graph_api.requests if r.path.startswith("/media-files/")]
    assert len(downloads) == 1
    assert WebhookDelivery.objects.filter(processed_at__isnull=False).count() == 2
    # and the job finds nothing left to do
    assert whatsapp_in.webhooks_process_pending() == 0


@pytest.mark.parametrize(
    ("kind", "content", "expected"),
    [
        ("audio", {"id": "1", "mime_type": "audio/ogg; codecs=opus", "voice": True}, "audio"),
        ("video", {"id": "1", "mime_type": "video/mp4"}, "videos"),
        ("sticker", {"id": "1", "mime_type": "image/webp", "animated": False}, "Sticker"),
        (
            "location",
            {"latitude": -17.3935, "longitude": -66.157, "name": "Oficina", "address": "Ayacucho"},
            "Oficina, Ayacucho (-17.393500, -66.157000)",
        ),
        ("unsupported", {}, "could not pass on"),
        ("order", {"catalog_id": "x"}, "“order”"),
    ],
)
def test_a_message_whose_content_is_not_kept_is_kept_with_a_note(
    graph_api, deliver, contact, kind, content, expected, settings
):
    settings.LANGUAGE_CODE = "en-us"  # the notes' English words, to compare
    sent = {
        "from": NUMBER,
        "id": new_wamid(),
        "timestamp": "1764979200",
        "type": kind,
        kind: content,
    }

    deliver(whatsapp_webhook_payload(messages=[sent]))

    message = InboundMessage.objects.get()
    assert message.state == MessageState.TRIAGE
    assert expected in message.body
    assert not message.attachments.exists()
    assert not any(r.path.startswith("/media-files/") for r in graph_api.requests)


def test_a_contact_card_is_kept_with_its_names_and_numbers(graph_api, deliver, contact):
    sent = {
        "from": NUMBER,
        "id": new_wamid(),
        "timestamp": "1764979200",
        "type": "contacts",
        "contacts": [
            {"name": {"formatted_name": "Luis Vargas"}, "phones": [{"phone": "+591 72222222"}]}
        ],
    }

    deliver(whatsapp_webhook_payload(messages=[sent]))

    assert "Luis Vargas +591 72222222" in InboundMessage.objects.get().body


def test_a_reaction_is_kept_as_automatic_and_opens_nothing(
    graph_api, deliver, plan_change_case, case_contact
):
    notification = _sent_notification(plan_change_case, case_contact)
    sent = {
        "from": NUMBER,
        "id": new_wamid(),
        "timestamp": "1764979200",
        "type": "reaction",
        "reaction": {"message_id": notification.external_id, "emoji": "👍"},
    }

    deliver(whatsapp_webhook_payload(messages=[sent]))

    message = InboundMessage.objects.get()
    assert message.state == MessageState.AUTOMATIC
    assert "👍" in message.automatic_reason
    assert message.interaction is None


def test_a_template_quick_reply_is_kept_with_its_button_text(graph_api, deliver, contact):
    sent = {
        "from": NUMBER,
        "id": new_wamid(),
        "timestamp": "1764979200",
        "type": "button",
        "button": {"payload": "SI", "text": "Sí, confirmo"},
        "context": {"from": "59122150000", "id": "wamid.TEMPLATE"},
    }

    deliver(whatsapp_webhook_payload(messages=[sent]))

    message = InboundMessage.objects.get()
    assert message.body == "Sí, confirmo"
    assert message.thread_ids == ["wamid.TEMPLATE"]


def test_statuses_move_a_notification_from_sent_to_delivered_to_read(
    graph_api, deliver, plan_change_case, case_contact
):
    notification = _sent_notification(plan_change_case, case_contact)
    wamid = notification.external_id
    delivered_at = timezone.now().replace(microsecond=0) - timedelta(minutes=2)
    read_at = delivered_at + timedelta(minutes=1)

    deliver(
        whatsapp_webhook_payload(
            statuses=[status_update(wamid=wamid, status="sent", recipient=NUMBER)]
        )
    )
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.SENT

    deliver(
        whatsapp_webhook_payload(
            statuses=[
                status_update(
                    wamid=wamid, status="delivered", recipient=NUMBER, at=delivered_at.timestamp()
                )
            ]
        )
    )
    notification.refresh_from_db()
    assert (notification.status, notification.delivered_at) == (
        DeliveryStatus.DELIVERED,
        delivered_at,
    )

    deliver(
        whatsapp_webhook_payload(
            statuses=[
                status_update(wamid=wamid, status="read", recipient=NUMBER, at=read_at.timestamp())
            ]
        )
    )
    notification.refresh_from_db()
    assert (notification.status, notification.read_at) == (DeliveryStatus.READ, read_at)
    assert notification.delivered_at == delivered_at


def test_statuses_out_of_order_never_move_a_notification_backwards(
    graph_api, deliver, plan_change_case, case_contact
):
    notification = _sent_notification(plan_change_case, case_contact)
    wamid = notification.external_id

    deliver(
        whatsapp_webhook_payload(
            statuses=[
                status_update(wamid=wamid, status="read", recipient=NUMBER),
                status_update(wamid=wamid, status="delivered", recipient=NUMBER),
                status_update(wamid=wamid, status="sent", recipient=NUMBER),
                status_update(wamid=wamid, status="failed", recipient=NUMBER),
            ]
        )
    )

    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.READ
    assert notification.read_at is not None and notification.delivered_at is not None
    assert not Notification.objects.filter(fallback_of=notification).exists()


def test_a_failed_status_gives_the_notification_up_and_sends_it_again_by_email(
    graph_api, deliver, plan_change_case, case_contact
):
    notification = _sent_notification(plan_change_case, case_contact)
    failed = status_update(
        wamid=notification.external_id,
        status="failed",
        recipient=NUMBER,
        error_code=131047,
        error_title="Re-engagement message",
    )

    deliver(whatsapp_webhook_payload(statuses=[failed]))
    deliver(whatsapp_webhook_payload(statuses=[failed]))  # Meta delivers it again

    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.GAVE_UP
    assert "131047" in notification.last_error and "Re-engagement" in notification.last_error
    fallback = Notification.objects.get(fallback_of=notification)
    assert (fallback.channel, fallback.to) == (Channel.EMAIL, "gerencia@cliente.bo")
    assert fallback.text == notification.text


def test_a_status_that_comes_before_its_message_id_is_saved_is_applied_on_a_later_try(
    graph_api, deliver, plan_change_case, case_contact
):
    wamid = new_wamid()

    delivery = deliver(
        whatsapp_webhook_payload(
            statuses=[status_update(wamid=wamid, status="delivered", recipient=NUMBER)]
        )
    )

    delivery.refresh_from_db()
    assert delivery.processed_at is None and delivery.attempts == 1
    assert "no notification" in delivery.last_error
    notification = _sent_notification(plan_change_case, case_contact, external_id=wamid)
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        updated_at=timezone.now() - whatsapp_in.BACKOFF[0]
    )

    assert whatsapp_in.webhooks_process_pending() == 1

    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.DELIVERED


def test_a_status_of_a_message_we_did_not_send_is_left_once_the_delivery_is_old(
    graph_api, deliver, media
):
    delivery = deliver(
        whatsapp_webhook_payload(
            statuses=[status_update(wamid=new_wamid(), status="read", recipient=NUMBER)]
        )
    )
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(hours=1),
        updated_at=timezone.now() - timedelta(hours=1),
    )

    assert whatsapp_in.webhooks_process_pending() == 1


def test_a_file_whatsapp_is_busy_for_is_fetched_on_a_later_try(graph_api, deliver, contact):
    media_id = graph_api.register_media(PDF, "application/pdf")
    graph_api.fail_next(131000, status=500, message="Something went wrong")

    delivery = deliver(
        whatsapp_webhook_payload(
            messages=[document_message(sender=NUMBER, media_id=media_id, filename="nit.pdf")]
        )
    )

    delivery.refresh_from_db()
    assert delivery.processed_at is None and "131000" in delivery.last_error
    assert not InboundMessage.objects.exists()
    assert whatsapp_in.webhooks_process_pending() == 0  # not its turn yet
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        updated_at=timezone.now() - whatsapp_in.BACKOFF[0]
    )
    assert whatsapp_in.webhooks_process_pending() == 1
    assert InboundMessage.objects.get().attachments.get().file.read() == PDF


def test_after_the_last_try_a_message_is_kept_with_a_note_instead_of_its_file(
    graph_api, deliver, contact
):
    media_id = graph_api.register_media(PDF, "application/pdf")
    graph_api.fail_next(131016, times=50, status=503, message="Service unavailable")

    delivery = deliver(
        whatsapp_webhook_payload(
            messages=[
                document_message(
                    sender=NUMBER, media_id=media_id, filename="nit.pdf", caption="NIT"
                )
            ]
        )
    )
    for _ in range(whatsapp_in.MAX_ATTEMPTS):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            updated_at=timezone.now() - timedelta(hours=1)
        )
        whatsapp_in.webhooks_process_pending()

    delivery.refresh_from_db()
    assert delivery.attempts == whatsapp_in.MAX_ATTEMPTS
    assert delivery.processed_at is not None
    message = InboundMessage.objects.get()
    assert message.body.startswith("NIT\n[") and "nit.pdf" in message.body
    assert not message.attachments.exists()


def test_a_file_whatsapp_no_longer_has_is_noted_at_once(graph_api, deliver, contact):
    sent = document_message(sender=NUMBER, media_id="123456", filename="viejo.pdf")

    deliver(whatsapp_webhook_payload(messages=[sent]))

    message = InboundMessage.objects.get()
    assert "viejo.pdf" in message.body and "[100]" in message.body
    assert not message.attachments.exists()


def test_a_file_the_upload_rules_refuse_is_kept_as_refused(graph_api, deliver, contact):
    media_id = graph_api.register_media(b"<html><script>x</script></html>", "application/pdf")

    deliver(
        whatsapp_webhook_payload(
            messages=[document_message(sender=NUMBER, media_id=media_id, filename="carta.pdf")]
        )
    )

    attachment = InboundMessage.objects.get().attachments.get()
    assert attachment.refused_reason and not attachment.file


def test_a_delivery_that_keeps_failing_is_tried_a_bounded_number_of_times(
    graph_api, deliver, contact, monkeypatch
):
    def broken(incoming):
        raise RuntimeError("the database is away")

    monkeypatch.setattr(whatsapp_in, "message_take", broken)
    delivery = deliver(
        whatsapp_webhook_payload(messages=[text_message(sender=NUMBER, body="Hola")])
    )
    for _ in range(whatsapp_in.MAX_ATTEMPTS + 3):
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            updated_at=timezone.now() - timedelta(hours=1)
        )
        whatsapp_in.webhooks_process_pending()

    delivery.refresh_from_db()
    assert delivery.attempts == whatsapp_in.MAX_ATTEMPTS
    assert delivery.processed_at is None
    assert "the database is away" in delivery.last_error


def test_a_delivery_the_hand_over_missed_is_taken_by_the_job(graph_api, contact):
    payload = whatsapp_webhook_payload(messages=[text_message(sender=NUMBER, body="Hola")])
    delivery = WebhookDelivery.objects.create(payload=payload)

    assert whatsapp_in.webhooks_process_pending() == 0  # the hand-over may still be on it
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        created_at=timezone.now() - timedelta(minutes=1)
    )
    assert whatsapp_in.webhooks_process_pending() == 1
    assert InboundMessage.objects.get().body == "Hola"


def test_a_message_to_another_number_of_the_app_is_not_ours(graph_api, deliver, contact):
    payload = whatsapp_webhook_payload(messages=[text_message(sender=NUMBER, body="Hola")])
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"

    delivery = deliver(payload)

    delivery.refresh_from_db()
    assert delivery.processed_at is not None
    assert not InboundMessage.objects.exists()


HUGE = "x" * (2 * 1024 * 1024)


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"object": "whatsapp_business_account", "entry": "nope"},
        {"entry": [None, 1, "x", {"changes": None}, {"changes": [None, {"value": []}]}]},
        {"entry": [{"changes": [{"field": "messages", "value": {"messages": "x"}}]}]},
        {"entry": [{"changes": [{"value": {"messages": [None, 1, [], {"id": 5, "from": []}]}}]}]},
        {
            "entry": [
                {
                    "changes": [
                        {
                            "value": {
                                "contacts": [None, {"wa_id": 5, "profile": "x"}],
                                "messages": [
                                    {"id": "wamid.A", "from": NUMBER, "type": {}, "timestamp": "x"},
                                    {"id": "wamid.B", "from": NUMBER, "type": "text", "text": "x"},
                                    {
                                        "id": "wamid.C",
                                        "from": NUMBER,
                                        "type": "document",
                                        "document": {"id": None, "filename": 7},
                                        "timestamp": "99999999999999999999",
                                    },
                                    {
                                        "id": "wamid.D",
                                        "from": "+591 (7071) 9988",
                                        "type": "image",
                                        "image": "x",
                                        "context": "x",
                                    },
                                    {
                                        "id": "wamid.E",
                                        "from": NUMBER,
                                        "type": "location",
                                        "location": {"latitude": "a", "longitude": True},
                                    },
                                    {
                                        "id": "wamid.F",
                                        "from": NUMBER,
                                        "type": "text",
                                        "text": {"body": HUGE},
                                    },
                                    {"id": "x" * 1000, "from": "1" * 1000, "type": "text"},
                                    {
                                        "id": "wamid.G",
                                        "from": NUMBER,
                                        "type": "document",
                                        "document": {"id": "../../etc/passwd"},
                                    },
                                ],
                                "statuses": [
                                    None,
                                    {"id": 3, "status": "read"},
                                    {"id": "wamid.X", "status": {"a": 1}},
                                    {"id": "wamid.Y", "status": "failed", "errors": "x"},
                                    {"id": "wamid.Z", "status": "delivered", "timestamp": -5},
                                ],
                            }
                        }
                    ]
                }
            ]
        },
    ],
)
def test_a_hostile_payload_is_taken_in_without_a_server_error(graph_api, deliver, contact, payload):
    delivery = deliver(payload)

    delivery.refresh_from_db()
    # Nothing broke: done, or waiting only for statuses no notification names yet.
    assert delivery.last_error == "" or "name no notification" in delivery.last_error
    for message in InboundMessage.objects.all():
        assert len(message.external_id) <= 255 and message.sender.isdigit()


def test_a_file_meta_cannot_give_yet_does_not_hold_back_the_other_messages(
    graph_api, deliver, contact
):
    media_id = graph_api.register_media(PDF, "application/pdf")
    graph_api.fail_next(130429, message="Rate limit hit")
    waiting = document_message(sender=NUMBER, media_id=media_id, filename="nit.pdf")
    other = text_message(sender=NUMBER, body="Y otra consulta")

    delivery = deliver(whatsapp_webhook_payload(messages=[waiting, other]))

    assert list(InboundMessage.objects.values_list("body", flat=True)) == ["Y otra consulta"]
    delivery.refresh_from_db()
    assert delivery.processed_at is None and "130429" in delivery.last_error
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        updated_at=timezone.now() - whatsapp_in.BACKOFF[0]
    )
    assert whatsapp_in.webhooks_process_pending() == 1
    assert InboundMessage.objects.count() == 2
    assert InboundMessage.objects.get(external_id=waiting["id"]).attachments.count() == 1
