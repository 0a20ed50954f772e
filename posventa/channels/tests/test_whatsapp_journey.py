"""The whole WhatsApp road, end to end through the real parts (the webhook
view, the worker's task, intake, the triage service, notify, the Graph API
stand-in): a customer writes with a document, the executive opens the case
from her triage, the customer gets the answer on WhatsApp in the same chat,
its delivery and reading come back, and the customer's next message joins
the case."""

import pytest
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.channels.models import DeliveryStatus, InboundMessage, MessageState, Notification
from posventa.channels.tests import graph_standin
from posventa.channels.tests.graph_standin import (
    document_message,
    post_webhook,
    status_update,
    text_message,
    whatsapp_webhook_payload,
)
from posventa.channels.triage import triage_open_case
from posventa.common.models import Channel
from posventa.factories import ContactFactory

graph_api = graph_standin.graph_api  # the fixture

pytestmark = pytest.mark.django_db

NUMBER = "59170719988"
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def test_a_whatsapp_request_becomes_a_case_and_the_customer_hears_back_on_whatsapp(
    graph_api, client, django_capture_on_commit_callbacks, procedures, team, customer_product
):
    contact = ContactFactory(
        company=customer_product.company,
        whatsapp="+591 7071-9988",
        phone="",
        email="gerencia@cliente.bo",
        preferred_channel=Channel.WHATSAPP,
        is_primary=True,
    )

    def deliver(payload):
        with django_capture_on_commit_callbacks(execute=True):
            assert post_webhook(client, payload).status_code == 200

    # 1. The customer writes, with the signed letter.
    media_id = graph_api.register_media(PDF, "application/pdf")
    request = document_message(
        sender=NUMBER,
        media_id=media_id,
        filename="carta cambio de plan.pdf",
        content=PDF,
        caption="Solicitamos el cambio de plan, adjunto la carta.",
    )
    deliver(whatsapp_webhook_payload(messages=[request], names={NUMBER: "Ana Rojas"}))
    message = InboundMessage.objects.get()
    assert (message.state, message.triage_user) == (MessageState.TRIAGE, team[Role.EXECUTIVE])

    # 2. The executive opens a B case from her triage.
    with django_capture_on_commit_callbacks(execute=True):
        case = triage_open_case(
            message=message,
            user=team[Role.EXECUTIVE],
            procedure="B",
            product=customer_product,
            subject="Cambio de plan",
        )
    assert case.channel == Channel.WHATSAPP
    assert case.documents.filter(file__isnull=False).count() == 1

    # 3. The answer goes back on WhatsApp, in the customer's chat (inside the
    #    24 hours: a text quoting the customer's message).
    notification = Notification.objects.get(case=case)
    assert (notification.channel, notification.to, notification.contact) == (
        Channel.WHATSAPP,
        NUMBER,
        contact,
    )
    [sent] = graph_api.sent("text")
    assert sent["to"] == NUMBER and sent["context"] == {"message_id": request["id"]}
    assert case.number in sent["text"]["body"]
    assert notification.external_id == sent["_wamid"]

    # 4. Delivered, then read, as Meta tells.
    now = timezone.now().timestamp()
    deliver(
        whatsapp_webhook_payload(
            statuses=[
                status_update(wamid=sent["_wamid"], status="delivered", recipient=NUMBER, at=now),
                status_update(wamid=sent["_wamid"], status="read", recipient=NUMBER, at=now),
            ]
        )
    )
    notification.refresh_from_db()
    assert notification.status == DeliveryStatus.READ

    # 5. The customer answers the acknowledgement: it joins the case.
    thanks = text_message(sender=NUMBER, body="Gracias, quedo atenta.", context_id=sent["_wamid"])
    deliver(whatsapp_webhook_payload(messages=[thanks]))
    answer = InboundMessage.objects.get(body="Gracias, quedo atenta.")
    assert (answer.state, answer.case) == (MessageState.THREADED, case)
    assert answer.interaction.case == case
