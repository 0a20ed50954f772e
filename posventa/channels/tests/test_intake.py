"""The one door of the channels: `message_take` keeps a message once and
sends it to its case, to a triage inbox, or nowhere."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.db import IntegrityError
from django.utils import timezone
from PIL import Image

from posventa.accounts.roles import Role
from posventa.cases.models import Alert, CaseStatus, DocumentKind
from posventa.channels.intake import Incoming, IncomingFile, message_take, phone_key
from posventa.channels.models import InboundMessage, MessageState, Notification
from posventa.common.models import Channel
from posventa.factories import CompanyFactory, ContactFactory

PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
)


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, "PNG")
    return out.getvalue()


def _email(n: int = 1, **kwargs) -> Incoming:
    values = {
        "channel": Channel.EMAIL,
        "external_id": f"msg-{n}@cliente.bo",
        "received_at": timezone.now() - timedelta(hours=2),
        "sender": "gerencia@cliente.bo",
        "sender_name": "Gerencia",
        "subject": "Cambio de plan",
        "body": "Solicito el cambio de plan de nuestra línea.",
        "raw": b"From: gerencia@cliente.bo\r\n\r\nhola\r\n",
        "raw_name": "mensaje.eml",
    }
    return Incoming(**(values | kwargs))


@pytest.fixture
def contact(team, media):
    company = CompanyFactory(executive=team[Role.EXECUTIVE])
    return ContactFactory(company=company, email="Gerencia@Cliente.bo", whatsapp="+591 7071-9988")


def test_a_new_message_from_a_contact_waits_in_the_portfolio_executives_triage(contact, team):
    message = message_take(_email())

    assert message.state == MessageState.TRIAGE
    assert (message.company, message.contact) == (contact.company, contact)
    assert message.triage_role == Role.EXECUTIVE
    assert message.triage_user == team[Role.EXECUTIVE]
    assert message.raw.read().startswith(b"From:")
    assert message.interaction is None  # the case, when opened, records the contact


def test_the_same_message_taken_twice_is_kept_once(contact):
    assert message_take(_email()) is not None
    assert message_take(_email(subject="otra vez")) is None
    assert InboundMessage.objects.count() == 1


def test_the_database_refuses_a_second_copy_of_a_message(contact):
    first = message_take(_email())
    with pytest.raises(IntegrityError):
        InboundMessage.objects.create(
            channel=first.channel,
            external_id=first.external_id,
            received_at=first.received_at,
            sender=first.sender,
            state=MessageState.AUTOMATIC,
        )


def test_a_message_without_id_is_known_again_by_its_bytes(contact):
    assert message_take(_email(external_id="")) is not None
    assert message_take(_email(external_id="")) is None


def test_an_automatic_message_goes_nowhere(contact):
    message = message_take(_email(automatic_reason="Auto-Submitted: auto-replied"))

    assert message.state == MessageState.AUTOMATIC
    assert (message.triage_role, message.case, message.interaction) == ("", None, None)


def test_an_unknown_sender_reaches_the_team_leads_triage(contact):
    message = message_take(_email(sender="alguien@otro.bo"))

    assert (message.company, message.triage_role, message.triage_user) == (
        None,
        Role.TEAM_LEAD,
        None,
    )


def test_a_colleague_of_a_known_contact_is_known_by_the_company_domain(contact, team):
    message = message_take(_email(sender="contabilidad@cliente.bo"))

    assert (message.company, message.contact) == (contact.company, None)
    assert message.triage_user == team[Role.EXECUTIVE]


def test_a_public_domain_says_nothing_about_the_company(team, media):
    ContactFactory(email="gerente.empresa@gmail.com")
    message = message_take(_email(sender="otra.persona@gmail.com"))

    assert message.company is None
    assert message.triage_role == Role.TEAM_LEAD


def test_a_reply_with_the_case_number_threads_into_its_case_with_its_files(
    plan_change_case, team, media
):
    company = plan_change_case.company
    contact = ContactFactory(company=company, email="gerencia@cliente.bo")
    reply = _email(
        subject=f"RE: [{plan_change_case.number}] Recibimos su solicitud",
        body="Adjunto la carta firmada.",
        files=(
            IncomingFile("carta firmada.pdf", PDF, "application/pdf"),
            IncomingFile("foto.png", _png(), "image/png"),
            IncomingFile("pagina.pdf", b"<html><script>x</script></html>", "application/pdf"),
        ),
    )

    message = message_take(reply)

    assert message.state == MessageState.THREADED
    assert message.case == plan_change_case
    interaction = message.interaction
    assert (interaction.case, interaction.contact, interaction.direction) == (
        plan_change_case,
        contact,
        "inbound",
    )
    assert interaction.recorded_by == team[Role.EXECUTIVE]
    assert "carta firmada" in interaction.summary
    documents = plan_change_case.documents.order_by("pk")
    assert [(d.kind, d.title) for d in documents] == [
        (DocumentKind.OTHER, "carta_firmada.pdf"),
        (DocumentKind.OTHER, "foto.png"),
    ]
    refused = message.attachments.get(filename="pagina.pdf")
    assert refused.document is None and refused.refused_reason
    assert not refused.file


def test_a_case_number_of_another_company_does_not_thread(plan_change_case, media):
    stranger = ContactFactory(email="otro@empresa-ajena.bo")
    message = message_take(
        _email(sender=stranger.email, subject=f"Re: [{plan_change_case.number}]")
    )

    assert message.state == MessageState.TRIAGE
    assert message.case is None
    assert message.company == stranger.company


def test_a_reply_to_our_notification_threads_by_its_message_id(plan_change_case, media):
    Notification.objects.create(
        company=plan_change_case.company,
        case=plan_change_case,
        event="received",
        channel=Channel.EMAIL,
        to="gerencia@cliente.bo",
        text="Recibimos su solicitud",
        external_id="pv-ack-1@posventa.bo",
    )
    message = message_take(
        _email(
            sender="nadie@desconocido.bo", subject="Re: hola", thread_ids=("pv-ack-1@posventa.bo",)
        )
    )

    assert message.state == MessageState.THREADED
    assert message.case == plan_change_case
    assert message.company == plan_change_case.company  # the thread says whose it is


def test_a_reply_to_a_closed_case_waits_in_triage_with_the_case_as_a_hint(plan_change_case, media):
    ContactFactory(company=plan_change_case.company, email="gerencia@cliente.bo")
    plan_change_case.status = CaseStatus.CLOSED
    plan_change_case.outcome = "fulfilled"
    plan_change_case.closed_at = timezone.now()
    plan_change_case.save()

    message = message_take(_email(subject=f"Re: {plan_change_case.number}"))

    assert message.state == MessageState.TRIAGE
    assert message.case == plan_change_case
    assert message.interaction is None


def test_a_case_waiting_for_the_customer_tells_the_waiting_steps_role(plan_change_case, media):
    from posventa.engine.models import HumanTask

    ContactFactory(company=plan_change_case.company, email="gerencia@cliente.bo")
    task = HumanTask.objects.get(instance=plan_change_case.instance)
    task.properties = {**task.properties, "waits_for_customer": "true"}
    task.save()
    plan_change_case.status = CaseStatus.WAITING_CUSTOMER
    plan_change_case.save()

    message_take(
        _email(
            subject=f"[{plan_change_case.number}] documentos",
            files=(IncomingFile("nit.pdf", PDF),),
        )
    )

    alert = Alert.objects.get(case=plan_change_case)
    assert alert.role == task.role
    assert "1" in alert.message and task.name in alert.message


def test_whatsapp_numbers_meet_whatever_their_formatting(contact):
    assert phone_key("+591 7071-9988") == phone_key("59170719988") == "70719988"
    message = message_take(
        Incoming(
            channel=Channel.WHATSAPP,
            external_id="wamid.1",
            received_at=timezone.now(),
            sender="59170719988",
            body="Hola, necesito ayuda",
        )
    )

    assert (message.contact, message.sender) == (contact, "59170719988")
    assert message.triage_role == Role.EXECUTIVE


def test_a_whatsapp_message_threads_into_the_open_case_we_last_wrote_about(plan_change_case, media):
    ContactFactory(company=plan_change_case.company, whatsapp="70719988", email="")
    Notification.objects.create(
        company=plan_change_case.company,
        case=plan_change_case,
        event="received",
        channel=Channel.WHATSAPP,
        to="59170719988",
        text="Recibimos su solicitud",
    )
    message = message_take(
        Incoming(
            channel=Channel.WHATSAPP,
            external_id="wamid.2",
            received_at=timezone.now(),
            sender="+591 70719988",
            body="Le envío el NIT",
            files=(IncomingFile("nit.pdf", PDF, "application/pdf"),),
        )
    )

    assert message.state == MessageState.THREADED
    assert message.case == plan_change_case
    assert plan_change_case.documents.count() == 1


def test_a_message_from_the_future_counts_from_now(contact):
    message = message_take(_email(received_at=timezone.now() + timedelta(days=3)))

    assert message.received_at <= timezone.now()
