"""Customers who prefer WhatsApp hear back on WhatsApp (through the Graph API
stand-in): approved templates with their parameters, retried when Meta fails
for a while, sent by e-mail instead when it fails for good; the case page's
timeline shows how each went."""

from datetime import timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.services import case_open
from posventa.channels.models import (
    DeliveryStatus,
    InboundMessage,
    MessageState,
    Notification,
    NotificationTemplate,
)
from posventa.channels.notify import (
    MAX_ATTEMPTS,
    notification_failed,
    notifications_deliver_pending,
    notify_case,
)
from posventa.channels.tests import graph_standin
from posventa.common.models import Channel
from posventa.factories import ContactFactory

# The Graph API stand-in's fixture, registered here; tests take it as `graph`.
graph_api_fixture = graph_standin.graph_api


@pytest.fixture
def graph(request):
    return request.getfixturevalue("graph_api_fixture")


@pytest.fixture
def contact(customer_product):
    return ContactFactory(
        company=customer_product.company,
        name="Luis Quispe",
        whatsapp="+591 707 12345",
        email="luis.quispe@cliente.com.bo",
        preferred_channel=Channel.WHATSAPP,
        is_primary=True,
    )


def open_b(team, product, **options):
    return case_open(
        company=product.company,
        procedure="B",
        channel="whatsapp",
        subject="Cambio de plan",
        product=product,
        user=team[Role.EXECUTIVE],
        **options,
    )


def test_a_whatsapp_customer_gets_the_approved_template_with_its_parameters_in_order(
    procedures, team, customer_product, contact, graph, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = open_b(team, customer_product)

    note = case.notifications.get()
    assert (note.channel, note.to, note.status) == ("whatsapp", "59170712345", "sent")
    [sent] = graph.sent("template")
    assert sent["to"] == "59170712345"
    assert sent["template"]["name"] == "posventa_recibido"
    assert sent["template"]["language"] == {"code": "es"}
    values = [p["text"] for p in sent["template"]["components"][0]["parameters"]]
    # {cliente}, {numero}, {procedimiento}, {asunto}, {numero}: as they appear in the text.
    assert values == [
        str(customer_product.company),
        case.number,
        "Cambio de plan",
        "Cambio de plan",
        case.number,
    ]
    assert note.external_id.startswith("wamid.") and note.email is None


def test_without_whatsapp_settings_the_customer_gets_email(
    procedures, team, customer_product, contact, settings
):
    settings.WHATSAPP_PHONE_NUMBER_ID = ""
    case = open_b(team, customer_product)
    note = case.notifications.get()
    assert (note.channel, note.to) == ("email", contact.email)


def test_a_permanent_failure_falls_back_to_email(
    procedures, team, customer_product, contact, graph, django_capture_on_commit_callbacks
):
    graph.fail_next(131026, message="Message undeliverable.")
    with django_capture_on_commit_callbacks(execute=True):
        case = open_b(team, customer_product)

    failed = case.notifications.get(channel="whatsapp")
    assert failed.status == DeliveryStatus.GAVE_UP and "undeliverable" in failed.last_error
    instead = failed.fallback
    assert (instead.channel, instead.to, instead.status) == ("email", contact.email, "sent")
    assert instead.text == failed.text and instead.subject.startswith(f"[{case.number}]")

    # The case page shows both, with their status and the fallback.
    client = team[Role.EXECUTIVE]
    from django.test import Client

    browser = Client()
    browser.force_login(client)
    page = browser.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "Enviado por correo electrónico en lugar de WhatsApp." in page
    assert "Falló, sin más reintentos" in page
    assert "59170712345" in page and contact.email in page


def test_a_temporary_failure_is_retried_after_its_wait_until_it_gives_up(
    procedures, team, customer_product, contact, graph, django_capture_on_commit_callbacks
):
    graph.fail_next(130429, message="Rate limit hit", times=MAX_ATTEMPTS)
    with django_capture_on_commit_callbacks(execute=True):
        case = open_b(team, customer_product)
    note = case.notifications.get()
    assert (note.status, note.attempts) == (DeliveryStatus.FAILED, 1)

    assert notifications_deliver_pending() == 0  # its wait is not over
    note.refresh_from_db()
    assert note.attempts == 1
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        notifications_deliver_pending()
    note.refresh_from_db()
    assert (note.status, note.attempts) == (DeliveryStatus.FAILED, 2)

    later = timezone.now()
    for attempt in range(3, MAX_ATTEMPTS + 1):
        later += timedelta(hours=2)
        with (
            time_machine.travel(later),
            django_capture_on_commit_callbacks(execute=True),
        ):
            notifications_deliver_pending()
        note.refresh_from_db()
        assert note.attempts == attempt
    assert note.status == DeliveryStatus.GAVE_UP
    assert note.fallback.channel == "email"


def test_a_temporary_failure_then_success(
    procedures, team, customer_product, contact, graph, django_capture_on_commit_callbacks
):
    graph.fail_next(131000, status=500, message="Something went wrong")
    with django_capture_on_commit_callbacks(execute=True):
        case = open_b(team, customer_product)
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert notifications_deliver_pending() == 1
    note = case.notifications.get()
    assert (note.status, note.attempts, note.last_error) == ("sent", 2, "")
    [sent] = graph.sent("template")
    # The retry, in the job, reads the parameters back from the text sent.
    values = [p["text"] for p in sent["template"]["components"][0]["parameters"]]
    assert values == [
        str(customer_product.company),
        case.number,
        "Cambio de plan",
        "Cambio de plan",
        case.number,
    ]
    assert not Notification.objects.filter(fallback_of=note).exists()


def test_a_failed_status_from_the_webhook_sends_it_by_email(
    procedures, team, customer_product, contact, graph, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = open_b(team, customer_product)
        note = case.notifications.get()
        notification_failed(notification=note, reason="131026: Message undeliverable.")
        notification_failed(notification=note, reason="131026: again")  # one fallback only
    note.refresh_from_db()
    assert note.status == DeliveryStatus.GAVE_UP
    assert note.fallback.channel == "email" and note.fallback.status == "sent"
    assert Notification.objects.filter(fallback_of=note).count() == 1


def test_a_reply_within_24_hours_answers_with_free_text_quoting_the_message(
    procedures, team, customer_product, contact, graph, django_capture_on_commit_callbacks
):
    inbound = InboundMessage.objects.create(
        channel=Channel.WHATSAPP,
        external_id="wamid.FROMCUSTOMER",
        received_at=timezone.now() - timedelta(hours=1),
        sender="59170799999",
        body="Quiero cambiar de plan",
        company=customer_product.company,
        state=MessageState.TRIAGE,
        triage_role="executive",
    )
    with django_capture_on_commit_callbacks(execute=True):
        case = open_b(team, customer_product, notify=False)
        note = notify_case(case=case, event="received", in_reply_to=inbound)
    note.refresh_from_db()
    assert (note.channel, note.to, note.status) == ("whatsapp", "59170799999", "sent")
    [sent] = graph.sent("text")
    assert sent["context"] == {"message_id": "wamid.FROMCUSTOMER"}
    assert case.number in sent["text"]["body"]


def test_a_whatsapp_customer_gets_each_proforma_as_the_approved_templates_document(
    team, customer_product, contact, graph, media, django_capture_on_commit_callbacks
):
    """Outside the 24 hours of her own message, only a template reaches her:
    the proforma goes as the header document of `posventa_proforma`."""
    from posventa.collections.services import proformas_for_company
    from posventa.factories import ProductFactory

    second = ProductFactory(company=customer_product.company, plan=customer_product.plan)
    with django_capture_on_commit_callbacks(execute=True):
        sending = proformas_for_company(
            company=customer_product.company, period=timezone.localdate()
        )

    assert sending.channel == "whatsapp" and sending.email is None
    notes = list(Notification.objects.filter(event="proforma").order_by("pk"))
    assert [n.attachment_name for n in notes] == sorted(
        f"proforma-{p.service_number}-{timezone.localdate():%Y-%m}.pdf"
        for p in (customer_product, second)
    )
    assert {(n.channel, n.to, n.status, n.case) for n in notes} == {
        ("whatsapp", "59170712345", "sent", None)
    }
    templates = graph.sent("template")
    assert {t["template"]["name"] for t in templates} == {"posventa_proforma"}
    headers = [
        next(c for c in t["template"]["components"] if c["type"] == "header")["parameters"][0]
        for t in templates
    ]
    assert [h["document"]["filename"] for h in headers] == [n.attachment_name for n in notes]
    body = next(c for c in templates[0]["template"]["components"] if c["type"] == "body")
    assert customer_product.service_number in [p["text"] for p in body["parameters"]]
    assert graph.sent("document") == []
    assert (
        "WhatsApp" in sending.interaction.summary and "59170712345" in sending.interaction.summary
    )
    assert sending.interaction.channel == "whatsapp"


def test_without_a_template_the_proforma_goes_as_a_plain_document(
    team, customer_product, contact, graph, media, django_capture_on_commit_callbacks
):
    from posventa.collections.services import proformas_for_company

    NotificationTemplate.objects.filter(event="proforma").update(whatsapp_template="")
    with django_capture_on_commit_callbacks(execute=True):
        proformas_for_company(company=customer_product.company, period=timezone.localdate())

    [document] = graph.sent("document")
    assert document["document"]["filename"].startswith(
        f"proforma-{customer_product.service_number}"
    )
    assert customer_product.service_number in document["document"]["caption"]
    assert graph.sent("template") == []


def test_a_proforma_refused_by_whatsapp_goes_by_email_with_its_pdf(
    team, customer_product, contact, graph, media, django_capture_on_commit_callbacks, mailoutbox
):
    from posventa.collections.services import proformas_for_company

    graph.fail_next(131047, message="Re-engagement message")  # outside the 24-hour window
    with django_capture_on_commit_callbacks(execute=True):
        proformas_for_company(company=customer_product.company, period=timezone.localdate())
    note = Notification.objects.get(event="proforma", channel="whatsapp")
    assert note.status == DeliveryStatus.GAVE_UP
    [email] = mailoutbox
    assert email.to == [contact.email]
    assert [name for name, _, _ in email.attachments] == [note.attachment_name]


def test_the_timeline_follows_the_webhooks_statuses_up_to_read(
    client, procedures, team, customer_product, contact, graph, django_capture_on_commit_callbacks
):
    from posventa.channels.whatsapp_in import webhooks_process_pending

    with django_capture_on_commit_callbacks(execute=True):
        case = open_b(team, customer_product)
    note = case.notifications.get()
    for state in ("delivered", "read"):
        update = graph_standin.status_update(
            wamid=note.external_id, status=state, recipient="59170712345"
        )
        payload = graph_standin.whatsapp_webhook_payload(statuses=[update])
        # The view keeps it and hands it to the worker once committed.
        with django_capture_on_commit_callbacks(execute=True):
            assert graph_standin.post_webhook(client, payload).status_code == 200
    assert webhooks_process_pending() == 0  # nothing left for the job
    note.refresh_from_db()
    assert note.status == DeliveryStatus.READ and note.read_at is not None

    client.force_login(team[Role.EXECUTIVE])
    page = client.get(reverse("cases:detail", args=[case.number])).content.decode()
    assert "Leído" in page and "Solicitud recibida · WhatsApp · 59170712345" in page


def test_a_retry_after_the_text_was_edited_says_what_the_text_said_when_written(
    procedures, team, customer_product, contact, graph, django_capture_on_commit_callbacks
):
    from posventa.channels.models import NotificationTemplate

    graph.fail_next(131000, status=500, message="Something went wrong")
    with django_capture_on_commit_callbacks(execute=True):
        case = open_b(team, customer_product)
    note = case.notifications.get(channel="whatsapp")
    written_with = list(note.parameters)
    assert case.number in written_with
    NotificationTemplate.objects.filter(event="received").update(
        text="Hola {cliente}, su número es {numero}."
    )
    with (
        time_machine.travel(timezone.now() + timedelta(minutes=2)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        notifications_deliver_pending()
    note.refresh_from_db()
    assert note.status == DeliveryStatus.SENT
    [sent] = graph.sent("template")
    body = next(c for c in sent["template"]["components"] if c["type"] == "body")
    assert [p["text"] for p in body["parameters"]] == written_with
