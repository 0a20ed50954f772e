"""An e-mail whose sender dies mid-send (kill -9) is sent again after a
restart: once if the mail server had not taken it yet, and with the same
Message-ID if it had (SMTP's window: docs/resilience.md)."""

from datetime import timedelta

import pytest
import time_machine
from django.core import mail
from django.core.mail.backends import locmem
from django.utils import timezone

from posventa.outbox.models import EmailStatus
from posventa.outbox.services import (
    INTERRUPTED,
    SEND_LEASE,
    email_deliver,
    email_queue,
    outbox_deliver_pending,
)

pytestmark = pytest.mark.django_db


class _Killed(BaseException):
    """The process ends here (kill -9): nothing after it runs, no handler
    records anything (a BaseException: `except Exception` does not catch it)."""


class KilledAfterTheServerTookIt(locmem.EmailBackend):
    """The mail server accepts the message, then the sender dies before it
    can record that."""

    def send_messages(self, messages):
        super().send_messages(messages)
        raise _Killed


class KilledBeforeTheServerTookIt(locmem.EmailBackend):
    """The sender dies in the middle of the conversation: nothing left."""

    def send_messages(self, messages):
        raise _Killed


def _queue(django_capture_on_commit_callbacks, **headers):
    with django_capture_on_commit_callbacks() as hooks:
        email = email_queue(
            template="outbox/case_message",
            to=["cliente@example.com"],
            context={"case": None, "subject": "Su detalle", "message": "Adjuntamos el detalle."},
            headers=headers or None,
        )
    return email, hooks


def _send_killed(hooks):
    with pytest.raises(_Killed):
        for hook in hooks:
            hook()


def _after_the_lease():
    return time_machine.travel(timezone.now() + SEND_LEASE + timedelta(seconds=1), tick=False)


def test_a_send_killed_before_the_server_took_it_is_sent_once_after_a_restart(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.KilledBeforeTheServerTookIt"
    email, hooks = _queue(django_capture_on_commit_callbacks)
    _send_killed(hooks)
    email.refresh_from_db()
    # The claim was committed before the mail server was spoken to.
    assert (email.status, email.attempts) == (EmailStatus.SENDING, 1)

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    # Within the lease it may still be on its way: nobody else sends it.
    assert outbox_deliver_pending() == 0
    assert mail.outbox == []
    with _after_the_lease():
        assert outbox_deliver_pending() == 1
        assert outbox_deliver_pending() == 0
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (EmailStatus.SENT, 2, INTERRUPTED)
    (sent,) = mail.outbox
    assert sent.extra_headers["Message-ID"] == email.message_id


def test_a_send_killed_after_the_server_took_it_goes_again_with_the_same_message_id(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = f"{__name__}.KilledAfterTheServerTookIt"
    email, hooks = _queue(django_capture_on_commit_callbacks)
    _send_killed(hooks)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with _after_the_lease():
        assert outbox_deliver_pending() == 1
        assert outbox_deliver_pending() == 0
    # SMTP's window: the copy the server took before the kill, and the one
    # sent after; one Message-ID, so the receiving side can tell.
    first, second = mail.outbox
    email.refresh_from_db()
    assert first.extra_headers["Message-ID"] == second.extra_headers["Message-ID"]
    assert first.extra_headers["Message-ID"] == email.message_id
    assert email.message_id.startswith(f"<outbox-{email.pk}.")


def test_an_email_being_sent_by_another_process_is_not_sent_twice(
    django_capture_on_commit_callbacks,
):
    email, _hooks = _queue(django_capture_on_commit_callbacks)
    email.status = EmailStatus.SENDING  # another worker claimed it a moment ago
    email.save(update_fields=["status", "updated_at"])
    assert email_deliver(email_id=email.pk).status == EmailStatus.SENDING
    assert outbox_deliver_pending() == 0
    assert mail.outbox == []


def test_a_retry_after_a_failure_keeps_the_message_id_of_the_first_attempt(
    settings, django_capture_on_commit_callbacks
):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 1  # refused
    email, hooks = _queue(django_capture_on_commit_callbacks)
    for hook in hooks:
        hook()
    email.refresh_from_db()
    assert email.status == EmailStatus.FAILED and email.message_id
    first_id = email.message_id

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert outbox_deliver_pending() == 1
    (sent,) = mail.outbox
    assert sent.extra_headers["Message-ID"] == first_id


def test_a_message_id_chosen_by_the_caller_is_the_one_kept_and_sent(
    django_capture_on_commit_callbacks,
):
    email, hooks = _queue(django_capture_on_commit_callbacks, **{"Message-ID": "<n-7@example.bo>"})
    for hook in hooks:
        hook()
    email.refresh_from_db()
    assert email.message_id == "<n-7@example.bo>"
    (sent,) = mail.outbox
    assert sent.extra_headers["Message-ID"] == "<n-7@example.bo>"
