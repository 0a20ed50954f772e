"""The outbox: an e-mail is rendered from its template, kept, and leaves only
once the step that wrote it commits; failures are kept and retried."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.selectors import case_timeline
from posventa.cases.services import case_open
from posventa.factories import UserFactory
from posventa.outbox.models import EmailStatus, Mailbox, OutgoingEmail
from posventa.outbox.selectors import case_emails, mailbox_address, role_addresses
from posventa.outbox.services import (
    MAX_ATTEMPTS,
    Attachment,
    email_deliver,
    email_queue,
    email_retry,
    outbox_deliver_pending,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def case(procedures, customer_product):
    company = customer_product.company
    company.legal_name = "Molinos Andinos S.A."
    company.save()
    return case_open(
        company=company,
        procedure="B",
        channel="email",
        subject="Cambio a 30 Mbps",
        product=customer_product,
        user=company.executive,
    )


def queue(case, **extra):
    arguments = {
        "template": "outbox/case_message",
        "to": ["cliente@example.com"],
        "context": {"case": case, "subject": "Su detalle", "message": "Adjuntamos el detalle."},
        "case": case,
        "user": case.opened_by,
    } | extra
    return email_queue(**arguments)


def test_an_email_leaves_when_its_step_commits_with_its_attachment(
    case, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        email = queue(
            case,
            cc=["jefa@example.com", "CLIENTE@example.com", ""],
            attachments=[Attachment("detalle.pdf", b"%PDF-1.4 ...", "application/pdf")],
        )
        assert mail.outbox == []  # not before the commit
    [sent] = mail.outbox
    assert sent.to == ["cliente@example.com"]
    assert sent.cc == ["jefa@example.com"]  # the recipient is not copied again
    assert sent.subject == f"Solicitud {case.number} · Su detalle"
    assert "Molinos Andinos S.A." in sent.body and "Adjuntamos el detalle." in sent.body
    assert sent.attachments == [("detalle.pdf", b"%PDF-1.4 ...", "application/pdf")]
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and email.sent_at is not None
    assert email.company == case.company
    assert list(case_emails(case)) == [email]


def test_a_step_that_rolls_back_sends_nothing(case, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        try:
            with transaction.atomic():
                queue(case)
                raise RuntimeError("the step failed")
        except RuntimeError:
            pass
    assert mail.outbox == []
    assert not OutgoingEmail.objects.exists()


def test_an_email_leaves_from_the_workers_job_never_from_the_request(case, monkeypatch):
    """Production's queue (the ORM broker, not run at once): the e-mail's
    transaction writes one job for it, and only that job speaks to the mail
    server — once, however many times it runs."""
    from django_q.conf import Conf
    from django_q.models import OrmQ
    from django_q.signing import SignedPackage

    from posventa.outbox import jobs

    monkeypatch.setattr(Conf, "SYNC", False)
    OrmQ.objects.all().delete()
    email = queue(case)
    assert mail.outbox == []
    [row] = OrmQ.objects.all()
    task = SignedPackage.loads(row.payload)
    assert (task["func"], task["args"]) == ("posventa.outbox.jobs.deliver", (email.pk,))

    assert jobs.deliver(*task["args"]) == EmailStatus.SENT
    assert jobs.deliver(*task["args"]) == EmailStatus.SENT
    assert len(mail.outbox) == 1


@pytest.mark.parametrize("to", [[], [""], ["no es un correo"]])
def test_without_a_valid_recipient_nothing_is_queued(case, to):
    with pytest.raises(ValidationError) as error:
        queue(case, to=to)
    assert "to" in error.value.message_dict
    assert not OutgoingEmail.objects.exists()


def test_a_failure_is_kept_with_its_reason_then_retried_until_given_up(case):
    email = queue(case)
    with mock.patch(
        "django.core.mail.EmailMessage.send", side_effect=OSError("connection refused")
    ):
        email = email_deliver(email_id=email.pk)
        assert (email.status, email.attempts) == (EmailStatus.FAILED, 1)
        assert "connection refused" in email.last_error
        for _ in range(MAX_ATTEMPTS - 1):
            outbox_deliver_pending()
    email.refresh_from_db()
    assert (email.status, email.attempts) == (EmailStatus.GAVE_UP, MAX_ATTEMPTS)
    assert outbox_deliver_pending() == 0  # given up: no longer retried by itself

    email_retry(email=email)
    assert outbox_deliver_pending() == 1
    email.refresh_from_db()
    assert email.status == EmailStatus.SENT and email.last_error == ""
    with pytest.raises(ValidationError):
        email_retry(email=email)
    assert len(mail.outbox) == 1


def test_the_job_leaves_fresh_emails_to_their_commit(case):
    email = queue(case)
    assert outbox_deliver_pending(older_than=timedelta(minutes=1)) == 0
    OutgoingEmail.objects.filter(pk=email.pk).update(
        created_at=timezone.now() - timedelta(minutes=2)
    )
    assert outbox_deliver_pending(older_than=timedelta(minutes=1)) == 1
    assert email_deliver(email_id=email.pk).attempts == 1  # sent once, never twice


def test_mailboxes_and_roles_give_the_addresses():
    assert mailbox_address("utar") == "utar@posventa.localhost"  # loaded by the migration
    Mailbox.objects.filter(code="utar").update(address="reclamos@operador.bo")
    assert mailbox_address("utar") == "reclamos@operador.bo"
    with pytest.raises(ValidationError):
        mailbox_address("almacen")
    UserFactory(username="lead", role=Role.TEAM_LEAD, email="lead@example.com")
    UserFactory(username="head", role=Role.DIVISION_HEAD, email="head@example.com")
    UserFactory(username="gone", role=Role.TEAM_LEAD, email="gone@example.com", is_active=False)
    UserFactory(username="exec", role=Role.EXECUTIVE, email="exec@example.com")
    assert sorted(role_addresses(Role.TEAM_LEAD, Role.DIVISION_HEAD)) == [
        "head@example.com",
        "lead@example.com",
    ]


def test_the_case_timeline_shows_its_emails(case):
    queue(case, cc=["jefa@example.com"])
    [entry] = [e for e in case_timeline(case) if e.kind == "email"]
    assert entry.title.endswith("Su detalle")
    assert entry.detail == "cliente@example.com · CC jefa@example.com"
