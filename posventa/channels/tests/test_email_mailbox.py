"""E-mail in, end to end through a real IMAP server (Dovecot): messages
APPENDed to the team's inbox are read by `mailbox_read` and go where the
intake sends them."""

import os
import signal
import threading
import time
from io import BytesIO, StringIO

import pytest
from django.core.management import call_command
from PIL import Image

from posventa.accounts.roles import Role
from posventa.cases.models import DocumentKind
from posventa.channels import imap
from posventa.channels.email_in import email_parse
from posventa.channels.imap import mailbox_read, mailbox_watch
from posventa.channels.models import ImapCursor, InboundMessage, MessageState, Notification
from posventa.channels.selectors import triage_inbox
from posventa.channels.tests.dovecot import PDF, dovecot, email_bytes
from posventa.common.models import Channel
from posventa.customers.models import Direction
from posventa.factories import CompanyFactory, ContactFactory

FIXTURES = (dovecot,)  # the real IMAP server the tests below ask for by name


def _png() -> bytes:
    out = BytesIO()
    Image.new("RGB", (4, 4), "blue").save(out, "PNG")
    return out.getvalue()


@pytest.fixture
def contact(team, media):
    company = CompanyFactory(executive=team[Role.EXECUTIVE])
    return ContactFactory(company=company, email="gerencia@cliente.bo")


def test_a_new_email_from_a_contact_waits_in_the_executives_triage_with_its_files(
    dovecot, contact, team
):
    raw = email_bytes(
        files=(
            ("carta.pdf", PDF, "application/pdf"),
            ("plano.png", _png(), "image/png"),
            ("factura.pdf", b"<html><body>no soy un PDF</body></html>", "application/pdf"),
        )
    )
    dovecot.append(raw)

    assert mailbox_read() == 1

    message = InboundMessage.objects.get()
    assert list(triage_inbox(team[Role.EXECUTIVE])) == [message]
    assert message.state == MessageState.TRIAGE
    assert (message.triage_role, message.triage_user) == (Role.EXECUTIVE, team[Role.EXECUTIVE])
    assert (message.company, message.contact) == (contact.company, contact)
    assert message.external_id == "solicitud-1@cliente.bo"
    assert message.subject == "Cambio de plan"
    assert message.raw.read() == raw  # kept whole, as the server gave it
    pdf, png, fake = message.attachments.order_by("pk")
    assert (pdf.refused_reason, pdf.file.read()) == ("", PDF)
    assert (png.refused_reason, png.file.name.endswith(".png")) == ("", True)
    assert fake.file.name == ""
    assert "not of an allowed type" in fake.refused_reason or "tipo" in fake.refused_reason


def test_a_reply_with_the_case_number_threads_into_its_case_and_its_pdf_becomes_a_document(
    dovecot, plan_change_case, media
):
    ContactFactory(company=plan_change_case.company, email="gerencia@cliente.bo")
    dovecot.append(
        email_bytes(
            subject=f"Re: [{plan_change_case.number}] Recibimos su solicitud",
            message_id="<respuesta-1@cliente.bo>",
            text="Adjunto la carta firmada.",
            files=(("carta firmada.pdf", PDF, "application/pdf"),),
        )
    )

    assert mailbox_read() == 1

    message = InboundMessage.objects.get()
    assert (message.state, message.case) == (MessageState.THREADED, plan_change_case)
    interaction = message.interaction
    assert (interaction.case, interaction.direction) == (plan_change_case, Direction.INBOUND)
    assert interaction.channel == Channel.EMAIL
    document = plan_change_case.documents.get(kind=DocumentKind.OTHER)
    assert document.file.read() == PDF
    assert message.attachments.get().document == document


def test_a_reply_that_only_answers_our_notification_threads_by_in_reply_to(
    dovecot, plan_change_case, media
):
    Notification.objects.create(
        company=plan_change_case.company,
        case=plan_change_case,
        event="received",
        channel=Channel.EMAIL,
        to="gerencia@cliente.bo",
        text="Recibimos su solicitud",
        external_id="pv-ack-1@posventa.bo",
    )
    dovecot.append(
        email_bytes(
            sender="Asistente <asistente@otra-empresa.bo>",
            subject="Re: su solicitud",
            message_id="<respuesta-2@otra-empresa.bo>",
            in_reply_to="<pv-ack-1@posventa.bo>",
        )
    )

    mailbox_read()

    message = InboundMessage.objects.get()
    assert (message.state, message.case) == (MessageState.THREADED, plan_change_case)
    assert message.interaction.case == plan_change_case


def test_the_same_message_delivered_twice_is_kept_once_and_reading_again_adds_nothing(
    dovecot, contact
):
    dovecot.append(email_bytes())
    dovecot.append(email_bytes())  # the same Message-ID, delivered again

    assert mailbox_read() == 1
    assert mailbox_read() == 0
    dovecot.append(email_bytes(message_id=None))
    dovecot.append(email_bytes(message_id=None))  # no Message-ID: the same bytes

    assert mailbox_read() == 1
    assert InboundMessage.objects.count() == 2
    assert ImapCursor.objects.get(folder="INBOX").last_uid == 4


@pytest.mark.parametrize(
    "raw",
    [
        email_bytes(headers={"Auto-Submitted": "auto-replied"}, subject="Fuera de oficina"),
        email_bytes(
            sender="MAILER-DAEMON@mx.cliente.bo",
            subject="Undelivered Mail Returned to Sender",
            headers={"Return-Path": "<>"},
        ),
        email_bytes(headers={"List-Id": "<novedades.cliente.bo>", "Precedence": "list"}),
    ],
    ids=["auto-reply", "bounce", "list"],
)
def test_automatic_mail_opens_nothing_and_waits_in_no_triage(dovecot, plan_change_case, team, raw):
    ContactFactory(company=plan_change_case.company, email="gerencia@cliente.bo")
    interactions = plan_change_case.interactions.count()
    raw = raw.replace(b"Subject: ", f"Subject: [{plan_change_case.number}] ".encode(), 1)
    dovecot.append(raw)

    assert mailbox_read() == 1

    message = InboundMessage.objects.get()
    assert message.state == MessageState.AUTOMATIC
    assert message.automatic_reason
    assert not triage_inbox(team[Role.TEAM_LEAD]).exists()
    assert (message.case, message.interaction, message.triage_role) == (None, None, "")
    assert plan_change_case.interactions.count() == interactions


def test_an_unknown_sender_reaches_the_team_leads_triage(dovecot, contact, team):
    dovecot.append(email_bytes(sender="Juan <juan@desconocida.bo>"))

    mailbox_read()

    message = InboundMessage.objects.get()
    assert list(triage_inbox(team[Role.TEAM_LEAD])) == [message]
    assert not triage_inbox(team[Role.EXECUTIVE]).exists()
    assert (message.state, message.triage_role) == (MessageState.TRIAGE, Role.TEAM_LEAD)
    assert (message.triage_user, message.company) == (None, None)


def test_a_colleague_at_a_known_company_goes_to_its_executive(dovecot, contact, team):
    dovecot.append(email_bytes(sender="Contabilidad <contabilidad@cliente.bo>"))

    mailbox_read()

    message = InboundMessage.objects.get()
    assert (message.company, message.contact) == (contact.company, None)
    assert (message.triage_role, message.triage_user) == (Role.EXECUTIVE, team[Role.EXECUTIVE])


def test_a_new_uidvalidity_reads_the_folder_again_without_duplicates(dovecot, contact):
    for n in range(3):
        dovecot.append(email_bytes(message_id=f"<m{n}@cliente.bo>"))
    assert mailbox_read() == 3
    before = ImapCursor.objects.get(folder="INBOX")

    dovecot.renumber()
    dovecot.append(email_bytes(message_id="<m3@cliente.bo>"))

    assert mailbox_read() == 1
    after = ImapCursor.objects.get(folder="INBOX")
    assert after.uid_validity != before.uid_validity
    assert after.last_uid == 4
    assert InboundMessage.objects.count() == 4


def test_a_reader_that_fetched_a_batch_another_reader_took_adds_nothing(dovecot, contact):
    dovecot.append(email_bytes())
    client = imap.imap_connect()
    status = client.select_folder("INBOX", readonly=True)
    validity = int(status[b"UIDVALIDITY"])
    imap._cursor("INBOX", validity)
    raw = client.fetch([1], ["BODY.PEEK[]"])[1][b"BODY[]"]  # the slow reader's copy
    client.logout()

    assert mailbox_read() == 1  # the fast reader takes it and moves the cursor
    assert imap._take("INBOX", validity, [1], {1: email_parse(raw)}) == 0

    assert InboundMessage.objects.count() == 1


HOSTILE = [
    b"From: a@b.bo\r\nSubject: \xc3\xb1and\xfa\x00\r\nContent-Type: text/plain; charset=nada"
    b"\r\n\r\n\x00\x01cuerpo\xff\r\n",
    b'From: <<<@@@>>>\r\nContent-Type: multipart/mixed; boundary="X"\r\n\r\n--X\r\n'
    b"Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n"
    b"Content-Disposition: attachment; filename*=utf-8''%ZZ%00.pdf\r\n\r\n!!!\r\n",
    b"X-Long: " + b"a" * 300_000 + b"\r\nFrom: a@b.bo\r\n\r\nbody\r\n",
    b"Subject: sin remitente ni id\r\n\r\n",
]


def test_hostile_mime_in_the_mailbox_is_taken_in_and_never_stops_the_reading(dovecot, contact):
    for raw in HOSTILE:
        dovecot.append(raw)
    dovecot.append(email_bytes())  # a good one after them

    assert mailbox_read() == len(HOSTILE) + 1

    assert InboundMessage.objects.filter(external_id="solicitud-1@cliente.bo").exists()


def test_a_message_over_the_size_read_keeps_its_headers_and_says_so(dovecot, contact, monkeypatch):
    monkeypatch.setattr(imap, "MAX_MESSAGE_BYTES", 10_000)
    dovecot.append(email_bytes(files=(("grande.pdf", PDF + b"0" * 20_000, "application/pdf"),)))

    assert mailbox_read() == 1

    message = InboundMessage.objects.get()
    assert message.external_id == "solicitud-1@cliente.bo"
    assert message.subject == "Cambio de plan"
    assert "only its headers" in message.body or "encabezados" in message.body
    assert not message.attachments.exists()


def test_limit_reads_that_many_and_the_next_read_the_rest(dovecot, contact):
    for n in range(5):
        dovecot.append(email_bytes(message_id=f"<m{n}@cliente.bo>"))

    assert mailbox_read(limit=2) == 2
    assert mailbox_read() == 3


def test_without_a_mailbox_configured_nothing_is_read(settings, db):
    settings.POSVENTA_IMAP_HOST = ""

    assert mailbox_read() == 0
    out = StringIO()
    call_command("read_mailbox", stdout=out)
    assert "not configured" in out.getvalue()


def test_the_command_reads_the_mailbox_once(dovecot, contact):
    dovecot.append(email_bytes())
    out = StringIO()

    call_command("read_mailbox", stdout=out)

    assert "1 new messages" in out.getvalue()
    assert InboundMessage.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_idle_reader_takes_mail_as_it_arrives_and_stops_when_told(dovecot, team, media):
    company = CompanyFactory(executive=team[Role.EXECUTIVE])
    ContactFactory(company=company, email="gerencia@cliente.bo")
    stop = threading.Event()
    reader = threading.Thread(target=mailbox_watch, kwargs={"stop": stop}, daemon=True)
    reader.start()
    try:
        time.sleep(0.5)  # connected and waiting in IDLE
        dovecot.append(email_bytes())
        deadline = time.monotonic() + 15
        while not InboundMessage.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert InboundMessage.objects.count() == 1
    finally:
        stop.set()
        reader.join(10)
    assert not reader.is_alive()


@pytest.mark.django_db(transaction=True)  # the reader closes stale connections, as a daemon must
def test_the_idle_command_stops_cleanly_on_sigterm(dovecot, contact):
    dovecot.append(email_bytes())
    handlers = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
    timer = threading.Timer(2.0, os.kill, (os.getpid(), signal.SIGTERM))
    out = StringIO()
    timer.start()
    try:
        started = time.monotonic()
        call_command("read_mailbox", idle=True, stdout=out)
    finally:
        timer.cancel()
        for sig, handler in handlers.items():
            signal.signal(sig, handler)

    assert time.monotonic() - started < 10
    assert out.getvalue().rstrip().endswith("Stopped.")
    assert InboundMessage.objects.count() == 1  # read before waiting in IDLE


@pytest.mark.django_db(transaction=True)
def test_two_readers_at_once_keep_each_message_once(dovecot, team, media, monkeypatch):
    from django.db import connection

    if connection.vendor == "sqlite":
        pytest.skip("row locks are PostgreSQL's; SQLite serialises whole writes")
    company = CompanyFactory(executive=team[Role.EXECUTIVE])
    ContactFactory(company=company, email="gerencia@cliente.bo")
    monkeypatch.setattr(imap, "BATCH", 20)
    for start in range(0, 120, 40):
        dovecot.append_many(
            [email_bytes(message_id=f"<m{n}@cliente.bo>") for n in range(start, start + 40)]
        )
    results, errors = [], []

    def read():
        try:
            results.append(mailbox_read())
        except Exception as error:  # pragma: no cover — shown by the assert below
            errors.append(error)
        finally:
            connection.close()

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    for reader in readers:
        reader.join(60)

    assert errors == []
    assert sum(results) == 120
    assert InboundMessage.objects.count() == 120
    assert ImapCursor.objects.get(folder="INBOX").last_uid == 120


@pytest.mark.django_db(transaction=True)
def test_the_idle_reader_reconnects_after_the_server_goes_away(dovecot, team, media):
    company = CompanyFactory(executive=team[Role.EXECUTIVE])
    ContactFactory(company=company, email="gerencia@cliente.bo")
    stop = threading.Event()
    reader = threading.Thread(
        target=mailbox_watch, kwargs={"stop": stop, "backoff_max": 1}, daemon=True
    )
    reader.start()
    try:
        time.sleep(0.5)
        dovecot.stop()  # the server goes away under the waiting reader
        time.sleep(1.5)
        dovecot.start()  # same port, same mail
        dovecot.append(email_bytes())
        deadline = time.monotonic() + 20
        while not InboundMessage.objects.exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert InboundMessage.objects.count() == 1
    finally:
        stop.set()
        reader.join(10)
    assert not reader.is_alive()
