"""Customers hear back at each moment of their case — received, attended,
closed, a step that informs them — on the contact's preferred channel;
e-mails leave over SMTP with the case number in the subject and our own
Message-ID, so a reply threads into the case."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.models import CaseStatus
from posventa.cases.services import case_cancel, case_open
from posventa.channels.models import (
    DeliveryStatus,
    InboundMessage,
    MessageState,
    NotificationEvent,
    NotificationTemplate,
)
from posventa.channels.notify import notifications_deliver_pending, notify_case
from posventa.channels.tests.smtp_server import smtp_server_fixture  # noqa: F401
from posventa.common.models import Channel
from posventa.factories import ContactFactory, SuspensionFactory
from posventa.outbox.models import EmailStatus
from posventa.procedures.tests.steps import complete, pending, talk

ALL_DOCUMENTS = {"has_request_letter": "on", "has_nit_copy": "on", "has_id_copy": "on"}
LA_PAZ = ZoneInfo("America/La_Paz")


@pytest.fixture
def contact(customer_product):
    return ContactFactory(
        company=customer_product.company,
        name="Ana Rojas",
        email="ana.rojas@cliente.com.bo",
        preferred_channel=Channel.EMAIL,
        is_primary=True,
    )


def open_b(team, product, **options):
    return case_open(
        company=product.company,
        procedure="B",
        channel="email",
        subject="Cambio a un plan de más velocidad",
        product=product,
        user=team[Role.EXECUTIVE],
        **options,
    )


def events(case) -> list[str]:
    return list(case.notifications.order_by("pk").values_list("event", flat=True))


def test_the_customers_email_leaves_from_the_notifications_job_never_from_the_request(
    procedures, team, customer_product, contact, monkeypatch
):
    """Production's queue (the ORM broker, not run at once): opening the case
    writes one job, the notification's; it sends the e-mail through the
    outbox and takes its status, and running it again sends nothing more."""
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    from posventa.channels import jobs

    monkeypatch.setattr(Conf, "SYNC", False)
    OrmQ.objects.all().delete()
    case = open_b(team, customer_product)
    [note] = case.notifications.all()
    assert mail.outbox == [] and note.status == DeliveryStatus.QUEUED
    tasks = [SignedPackage.loads(row.payload) for row in OrmQ.objects.all()]
    mine = [t for t in tasks if t["func"].startswith(("posventa.channels", "posventa.outbox"))]
    assert [(t["func"], t["args"]) for t in mine] == [
        ("posventa.channels.jobs.deliver_notification", (note.pk,))
    ]

    assert jobs.deliver_notification(note.pk) == DeliveryStatus.SENT
    assert jobs.deliver_notification(note.pk) == DeliveryStatus.SENT
    [sent] = mail.outbox
    assert sent.to == [contact.email] and sent.subject.startswith(f"[{case.number}] ")
    note.refresh_from_db()
    assert note.status == DeliveryStatus.SENT and note.email.status == EmailStatus.SENT


def test_a_request_received_is_acknowledged_by_email_over_smtp_with_its_number_and_message_id(
    procedures, team, customer_product, contact, smtp_server, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        case = open_b(team, customer_product)

    [note] = case.notifications.all()
    assert (note.event, note.channel, note.to) == ("received", "email", contact.email)
    assert note.status == DeliveryStatus.SENT and note.sent_at is not None
    assert note.email.status == EmailStatus.SENT
    assert case.number in note.text and "Cambio de plan" in note.text
    [received] = smtp_server.received
    assert received.rcpt_tos == (contact.email,)
    message = received.message
    assert message["Subject"].startswith(f"[{case.number}] ")
    assert message["Message-ID"] == f"<{note.external_id}>"
    assert f"Recibimos su solicitud {case.number}" in message.get_content()


def test_the_acknowledgement_of_an_email_answers_on_its_thread(
    procedures, team, customer_product, contact, smtp_server, django_capture_on_commit_callbacks
):
    inbound = InboundMessage.objects.create(
        channel=Channel.EMAIL,
        external_id="CAFE1234@mail.cliente.com.bo",
        received_at=timezone.now(),
        sender="gerencia@cliente.com.bo",
        subject="Cambio de plan",
        thread_ids=["older@mail.cliente.com.bo"],
        company=customer_product.company,
        state=MessageState.TRIAGE,
        triage_role="executive",
    )
    with django_capture_on_commit_callbacks(execute=True):
        case = open_b(team, customer_product, notify=False)
        assert not case.notifications.exists()
        note = notify_case(case=case, event="received", in_reply_to=inbound)

    assert (note.channel, note.to, note.in_reply_to) == (
        "email",
        "gerencia@cliente.com.bo",
        inbound,
    )
    [received] = smtp_server.received
    message = received.message
    assert message["In-Reply-To"] == "<CAFE1234@mail.cliente.com.bo>"
    assert message["References"] == "<older@mail.cliente.com.bo> <CAFE1234@mail.cliente.com.bo>"
    assert message["Message-ID"] == f"<{note.external_id}>"
    assert message["Subject"].startswith(f"[{case.number}]")


def test_attended_then_closed_with_the_outcome_in_plain_words(
    procedures,
    team,
    customer_product,
    contact,
    internet_plans,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        case = open_b(team, customer_product)
        complete(case, team[Role.EXECUTIVE], {"new_plan": internet_plans[2].pk, **ALL_DOCUMENTS})
        assert events(case) == ["received"]  # handed to the commercial manager: not attended yet
        complete(case, team[Role.COMMERCIAL_MANAGER], {"new_plan": internet_plans[2].pk})
        assert events(case) == ["received", "attended"]
        complete(case, team[Role.EXECUTIVE], talk("Conforme con la velocidad.", conform="yes"))

    assert case.status == CaseStatus.CLOSED
    assert events(case) == ["received", "attended", "closed"]
    closed = case.notifications.get(event="closed")
    assert "su solicitud quedó hecha" in closed.text  # the outcome "fulfilled", in words
    assert closed.status == DeliveryStatus.SENT
    assert [m.subject[:16] for m in mail.outbox] == [f"[{case.number}]"] * 3


def test_a_step_that_attends_and_closes_at_once_sends_only_closed(
    procedures, team, customer_product, contact, internet_plans
):
    case = open_b(team, customer_product)
    complete(case, team[Role.EXECUTIVE], {"new_plan": internet_plans[1].pk})
    # The missing documents are asked for as the waiting step starts (manual B step 3).
    assert pending(case).bpmn_id == "ask_documents"
    assert events(case) == ["received", "informed"]
    asked = case.notifications.get(event="informed")
    assert "Solicita documentos al cliente" in asked.text

    complete(case, team[Role.EXECUTIVE], talk("El cliente desiste del cambio.", completed="no"))
    assert case.status == CaseStatus.CLOSED and case.attended_at == case.closed_at
    assert events(case) == ["received", "informed", "closed"]
    assert "faltaron algunos requisitos" in case.notifications.get(event="closed").text


def test_a_step_that_informs_the_customer_sends_what_the_executive_wrote(
    procedures, team, customer_product, contact
):
    SuspensionFactory(
        product=customer_product,
        starts_on=date(2026, 1, 5),
        ends_on=date(2026, 1, 31),
        reconnected_on=date(2026, 2, 1),
    )
    with time_machine.travel(datetime(2026, 3, 2, 10, 0, tzinfo=LA_PAZ), tick=True):
        case = case_open(
            company=customer_product.company,
            procedure="D",
            channel="letter",
            subject="Suspensión temporal del servicio",
            product=customer_product,
            user=team[Role.EXECUTIVE],
        )
        complete(
            case,
            team[Role.EXECUTIVE],
            {"request_kind": "suspension", "starts_on": "2026-04-01", "ends_on": "2026-04-30"},
        )
        complete(case, team[Role.EXECUTIVE], talk("Ya suspendió en enero; puede volver en 2027."))

    assert case.attended_at is not None
    # The informing step stands for "attended": one message, with the executive's words.
    assert events(case) == ["received", "informed"]
    told = case.notifications.get(event="informed")
    assert "Informa que no se puede suspender: Ya suspendió en enero" in told.text


def test_a_case_the_team_started_gets_no_acknowledgement(procedures, team, customer_product):
    ContactFactory(company=customer_product.company, is_primary=True)
    case = case_open(
        company=customer_product.company,
        procedure="K",
        channel="phone",
        subject="Revisión preventiva",
        product=customer_product,
        user=team[Role.TECHNICAL_ANALYST],
    )
    assert not case.notifications.exists()


def test_a_case_the_team_started_hears_back_once_it_becomes_a_request(
    procedures, team, customer_product
):
    from posventa.cases.services import case_becomes_request

    ContactFactory(company=customer_product.company, is_primary=True)
    case = case_open(
        company=customer_product.company,
        procedure="K",
        channel="phone",
        subject="Revisión preventiva",
        product=customer_product,
        user=team[Role.TECHNICAL_ANALYST],
    )
    case_becomes_request(case=case)
    assert events(case) == ["received"]
    case_becomes_request(case=case)  # already a request: nothing more
    assert events(case) == ["received"]


def test_a_cancelled_request_is_told_closed_without_being_completed(
    procedures, team, customer_product, contact
):
    case = open_b(team, customer_product)
    case_cancel(case=case, user=team[Role.TEAM_LEAD], reason="Pedido duplicado.")
    closed = case.notifications.get(event="closed")
    assert "cerramos su solicitud sin completarla" in closed.text


def test_nothing_is_sent_when_the_text_is_switched_off_or_nobody_can_be_reached(
    procedures, team, customer_product
):
    ContactFactory(company=customer_product.company, email="", preferred_channel=Channel.PHONE)
    case = open_b(team, customer_product)
    assert not case.notifications.exists()  # a phone call cannot be sent from here

    ContactFactory(company=customer_product.company, email="otro@cliente.com.bo")
    NotificationTemplate.objects.filter(event=NotificationEvent.RECEIVED).update(is_active=False)
    assert notify_case(case=case, event="received") is None
    assert notify_case(case=case, event="informed", step="Paso") is not None


def test_a_phone_preferring_contact_with_an_address_gets_email(procedures, team, customer_product):
    ContactFactory(
        company=customer_product.company,
        email="sin.preferencia@cliente.com.bo",
        preferred_channel=Channel.PHONE,
        is_primary=True,
    )
    case = open_b(team, customer_product)
    [note] = case.notifications.all()
    assert (note.channel, note.to) == ("email", "sin.preferencia@cliente.com.bo")


def test_a_failed_email_notification_follows_its_outbox_retries(
    procedures, team, customer_product, contact, smtp_server, django_capture_on_commit_callbacks
):
    smtp_server.refuse_next()
    with django_capture_on_commit_callbacks(execute=True):
        case = open_b(team, customer_product)
    note = case.notifications.get()
    assert note.status == DeliveryStatus.FAILED and "451" in note.last_error
    assert not smtp_server.received

    from posventa.outbox.services import outbox_deliver_pending

    outbox_deliver_pending()
    assert notifications_deliver_pending() == 1
    note.refresh_from_db()
    assert (note.status, note.attempts) == (DeliveryStatus.SENT, 2)
    assert len(smtp_server.received) == 1


def test_a_bad_address_sends_nothing_and_the_request_is_still_opened(
    procedures, team, customer_product
):
    from posventa.customers.models import Contact

    contact = ContactFactory(company=customer_product.company, is_primary=True)
    Contact.objects.filter(pk=contact.pk).update(email="no es un correo")  # as an import left it
    case = open_b(team, customer_product)
    assert case.pk and not case.notifications.exists()
