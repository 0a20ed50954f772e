"""`email_parse`: an e-mail's bytes as the intake takes them, whatever a
sender puts in them. No database, no IMAP server."""

from datetime import UTC, datetime, timedelta

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from posventa.channels import email_in
from posventa.channels.email_in import email_parse, html_text
from posventa.channels.tests.dovecot import PDF, email_bytes
from posventa.common.models import Channel


def test_a_plain_message_gives_its_id_sender_date_subject_and_text():
    incoming = email_parse(email_bytes(subject="=?utf-8?q?Cambio_de_l=C3=ADnea?="))

    assert incoming.channel == Channel.EMAIL
    assert incoming.external_id == "solicitud-1@cliente.bo"
    assert (incoming.sender, incoming.sender_name) == ("gerencia@cliente.bo", "Gerencia Cliente")
    assert incoming.received_at == datetime(2026, 12, 4, 13, 15, tzinfo=UTC)
    assert incoming.subject == "Cambio de línea"
    assert incoming.body == "Solicitamos el cambio de plan de nuestra línea."
    assert incoming.automatic_reason == ""
    assert incoming.raw.startswith(b"From:")


def test_the_sender_address_is_kept_in_lower_case():
    incoming = email_parse(email_bytes(sender="Ana <Ana.Perez@Cliente.BO>"))

    assert incoming.sender == "ana.perez@cliente.bo"


def test_a_message_without_message_id_is_named_by_its_bytes_so_a_redelivery_dedups():
    raw = email_bytes(message_id=None)

    first, second = email_parse(raw), email_parse(raw)

    assert first.external_id.startswith("sha256:")
    assert first.external_id == second.external_id
    assert email_parse(raw + b"otro\r\n").external_id != first.external_id


def test_a_message_id_longer_than_the_column_is_named_by_its_digest():
    incoming = email_parse(email_bytes(message_id=f"<{'x' * 400}@cliente.bo>"))

    assert incoming.external_id.startswith("sha256:")
    assert len(incoming.external_id) <= 255


@pytest.mark.parametrize(
    "date",
    [None, "no es una fecha", "Mon, 01 Jan 1900 00:00:00 +0000", "Tue, 01 Jan 2999 10:00:00 +0000"],
)
def test_a_missing_unreadable_or_future_date_is_read_as_now(date):
    before = timezone.now()

    incoming = email_parse(email_bytes(date=date))

    assert before <= incoming.received_at <= timezone.now()


def test_a_date_without_zone_is_aware():
    incoming = email_parse(email_bytes(date="Fri, 04 Dec 2026 09:15:00 -0000"))

    assert incoming.received_at == datetime(2026, 12, 4, 9, 15, tzinfo=UTC)


def test_the_thread_ids_come_from_in_reply_to_and_references_without_brackets():
    incoming = email_parse(
        email_bytes(
            in_reply_to="<ack-7@posventa.bo>",
            references="<inicio@cliente.bo> <ack-7@posventa.bo>",
        )
    )

    assert incoming.thread_ids == ("ack-7@posventa.bo", "inicio@cliente.bo")


def test_an_html_only_message_becomes_its_text_without_tags_scripts_or_styles():
    html = (
        "<html><head><style>p{color:red}</style><title>t</title></head><body>"
        "<p>Estimados,</p><p>adjuntamos la carta &amp; el NIT.<br>Saludos</p>"
        "<script>alert('x')</script></body></html>"
    )

    incoming = email_parse(email_bytes(text=None, html=html))

    assert incoming.body == "Estimados,\n\nadjuntamos la carta & el NIT.\nSaludos"


def test_the_plain_part_is_preferred_to_the_html_one():
    incoming = email_parse(email_bytes(text="Texto plano", html="<p>HTML</p>"))

    assert incoming.body == "Texto plano"


def test_html_text_survives_broken_markup():
    assert html_text("<p>uno<div><b>dos</p></i>&#xZZ; <script>x") == "uno\ndos\n&#xZZ;"


def test_attachments_and_named_inline_images_come_as_files():
    raw = email_bytes(files=(("carta.pdf", PDF, "application/pdf"),))
    from email import message_from_bytes, policy

    message = message_from_bytes(raw, policy=policy.default)
    message.add_attachment(b"\x89PNG\r\n\x1a\nrest", maintype="image", subtype="png",
                           filename="firma.png", disposition="inline")  # fmt: skip

    incoming = email_parse(message.as_bytes())

    assert [(f.filename, f.content_type) for f in incoming.files] == [
        ("carta.pdf", "application/pdf"),
        ("firma.png", "image/png"),
    ]
    assert incoming.files[0].content == PDF


def test_files_beyond_the_limit_are_skipped_and_named_in_the_text():
    files = tuple((f"doc{n}.pdf", PDF, "application/pdf") for n in range(email_in.MAX_FILES + 3))

    incoming = email_parse(email_bytes(files=files))

    assert len(incoming.files) == email_in.MAX_FILES
    assert "doc20.pdf, doc21.pdf, doc22.pdf" in incoming.body
    assert incoming.body.startswith("Solicitamos")


def test_the_text_and_subject_are_bounded():
    incoming = email_parse(email_bytes(subject="S" * 1000, text="a" * 100_000))

    assert len(incoming.subject) == email_in.MAX_SUBJECT
    assert len(incoming.body) == email_in.MAX_BODY


@pytest.mark.parametrize(
    ("headers", "reason"),
    [
        ({"Auto-Submitted": "auto-replied"}, "Auto-Submitted: auto-replied"),
        ({"Precedence": "bulk"}, "Precedence: bulk"),
        ({"Precedence": "auto_reply"}, "Precedence: auto_reply"),
        ({"Return-Path": "<>"}, "Return-Path: <>"),
        ({"X-Autoreply": "yes"}, "X-Autoreply: yes"),
        ({"X-Autorespond": "Fuera de oficina"}, "X-Autorespond: Fuera de oficina"),
        ({"List-Id": "<novedades.cliente.bo>"}, "List-Id: <novedades.cliente.bo>"),
        ({"List-Unsubscribe": "<mailto:baja@cliente.bo>"}, "List-Unsubscribe:"),
    ],
)
def test_automatic_mail_is_recognised_by_its_headers(headers, reason):
    incoming = email_parse(email_bytes(headers=headers))

    assert incoming.automatic_reason.startswith(reason)


def test_auto_submitted_no_is_a_person():
    assert email_parse(email_bytes(headers={"Auto-Submitted": "no"})).automatic_reason == ""


def test_a_bounce_is_automatic():
    raw = (
        b"From: Mail Delivery System <MAILER-DAEMON@mx.cliente.bo>\r\n"
        b"To: posventa@empresa.bo\r\nSubject: Undelivered Mail Returned to Sender\r\n"
        b"Message-ID: <bounce-1@mx.cliente.bo>\r\nMIME-Version: 1.0\r\n"
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        b"--B\r\nContent-Type: text/plain\r\n\r\nNo se pudo entregar.\r\n"
        b"--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        b"Reporting-MTA: dns; mx.cliente.bo\r\n\r\nFinal-Recipient: rfc822; x@cliente.bo\r\n"
        b"Action: failed\r\nStatus: 5.1.1\r\n--B--\r\n"
    )

    incoming = email_parse(raw)

    assert incoming.automatic_reason.startswith("Content-Type: multipart/report")
    assert incoming.files == ()


@pytest.mark.parametrize(
    "sender", ["MAILER-DAEMON@mx.cliente.bo", "postmaster@cliente.bo", "posventa@localhost"]
)
def test_system_senders_and_our_own_address_are_automatic(sender, settings):
    settings.DEFAULT_FROM_EMAIL = "Posventa <posventa@localhost>"

    assert email_parse(email_bytes(sender=sender)).automatic_reason.startswith("From:")


HOSTILE = [
    b"",
    b"\x00\x00\x00",
    b"not an e-mail at all",
    b"From: <<<@@@>>>\r\nSubject: =?x-unknown?b?AAAA?=\r\n\r\nhola",
    b"From: a@b.bo\r\nContent-Type: text/plain; charset=x-no-such-charset\r\n\r\n\xff\xfe hola",
    b"From: a@b.bo\r\nSubject: \xc3\xb1and\xfa\x00\r\nContent-Type: text/plain\r\n\r\n"
    b"\x00\x01cuerpo",
    b'From: a@b.bo\r\nContent-Type: multipart/mixed; boundary="X"\r\n\r\n--X\r\nContent-Type: '
    b"text/plain\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!notbase64\r\n",  # never closed
    b"From: a@b.bo\r\nContent-Type: multipart/mixed\r\n\r\nno boundary at all",
    b"X-Long: " + b"a" * 2_000_000 + b"\r\nFrom: a@b.bo\r\n\r\nbody",
    b"".join(b"X-H%d: v\r\n" % n for n in range(20_000)) + b"\r\nbody",
    b"From: a@b.bo\r\n"
    + b"".join(
        b'Content-Type: multipart/mixed; boundary="%d"\r\n\r\n--%d\r\n' % (n, n) for n in range(300)
    ),
    b"From: a@b.bo\r\nContent-Type: text/plain\r\nContent-Disposition: attachment; "
    b"filename*=utf-8''%ZZ%00.pdf\r\n\r\nx",
    b"From: a@b.bo\r\nDate: Mon, 99 Foo 99999 99:99:99 +9999\r\nMessage-ID: <>\r\n\r\nx",
    b"From: a@b.bo\r\nContent-Type: message/rfc822\r\n\r\nnot really a message",
    b"From: a@b.bo\r\nX-Autoreply: s\xc3\xad\x00\xff\r\nList-Id: \x00\r\n\r\nx",
    b"From: a@b.bo\r\nContent-Type: app\x00\xff/p\x00df; name=a.pdf\r\n\r\nx",
]


@pytest.mark.parametrize("raw", HOSTILE, ids=range(len(HOSTILE)))
def test_hostile_input_never_raises_and_gives_storable_text(raw):
    incoming = email_parse(raw)

    texts = [incoming.external_id, incoming.sender, incoming.sender_name, incoming.subject]
    texts += [incoming.automatic_reason, *(f.content_type for f in incoming.files)]
    texts += [incoming.body, *incoming.thread_ids, *(f.filename for f in incoming.files)]
    for text in texts:
        assert "\x00" not in text
        text.encode("utf-8")  # no lone surrogates: PostgreSQL and SQLite take it
    assert incoming.external_id
    assert incoming.received_at.tzinfo is not None
    assert incoming.received_at <= timezone.now() + timedelta(seconds=1)


@given(st.binary(max_size=3000))
@hypothesis_settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
def test_any_bytes_at_all_become_a_message(raw):
    incoming = email_parse(raw)

    assert incoming.external_id
    (incoming.subject + incoming.body + incoming.sender).encode("utf-8")


def test_encoded_names_and_raw_utf8_headers_read_right():
    raw = (
        "From: =?utf-8?q?Jos=C3=A9_P=C3=A9rez?= <jose@cliente.bo>\r\n"
        "Subject: Solicitud de instalación\r\n"
        "Message-ID: <utf8@cliente.bo>\r\n"
        'Content-Type: multipart/mixed; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\nAtenci=F3n\r\n"
        '--B\r\nContent-Type: application/pdf; name="=?utf-8?q?A=C3=B1o.pdf?="\r\n'
        "Content-Disposition: attachment; filename*=utf-8''Solicitud%20a%C3%B1o.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\nJVBERi0=\r\n--B--\r\n"
    ).encode()

    incoming = email_parse(raw)

    assert incoming.sender_name == "José Pérez"
    assert incoming.subject == "Solicitud de instalación"
    assert incoming.body == "Atención"
    assert [(f.filename, f.content) for f in incoming.files] == [("Solicitud año.pdf", b"%PDF-")]
