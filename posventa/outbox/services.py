"""Writes on the outbox: queue an e-mail from its template, deliver what is queued.

    email = email_queue(
        template="claims/utar_disagreement",   # outbox/templates/<template>.subject.txt / .body.txt
        to=[mailbox_address("utar")],
        cc=role_addresses(Role.TEAM_LEAD, Role.DIVISION_HEAD),
        context={"case": case, ...},
        attachments=[Attachment("detalle.pdf", pdf_bytes, "application/pdf")],
        case=case, user=user,
    )

`email_queue` runs inside the caller's transaction and queues a job that
sends it once the transaction commits (`outbox.jobs.deliver`, by the worker:
a slow mail server never holds a person's click); `outbox_deliver_pending`
(every minute, by the worker) sends what a lost job left and retries what
failed. Tests (the queue runs its jobs at once):
`django_capture_on_commit_callbacks(execute=True)` or
`outbox_deliver_pending()`, then `django.core.mail.outbox`.
"""

import logging
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.core.mail.utils import DNS_NAME
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.common.queue import enqueue
from posventa.outbox.models import EmailStatus, OutgoingAttachment, OutgoingEmail

MAX_ATTEMPTS = 5
# An e-mail claimed (`sending`) longer ago than this lost its sender: far
# beyond a conversation with the mail server (EMAIL_TIMEOUT per exchange).
SEND_LEASE = timedelta(minutes=10)
# The worker's job that sends one e-mail after its transaction commits.
DELIVER_JOB = "posventa.outbox.jobs.deliver"
INTERRUPTED = "Interrupted while sending (the sender stopped): sent again, same Message-ID"

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Attachment:
    filename: str
    content: bytes
    content_type: str


def _addresses(addresses, field: str) -> list[str]:
    """The addresses without blanks or repeats, each one valid."""
    clean = []
    for address in addresses:
        address = (address or "").strip()
        if not address or address.casefold() in {a.casefold() for a in clean}:
            continue
        try:
            validate_email(address)
        except ValidationError:
            raise ValidationError(
                {field: _("“%(address)s” is not a valid e-mail address.") % {"address": address}}
            ) from None
        clean.append(address)
    return clean


def email_queue(
    *,
    template: str,
    to,
    context: dict,
    cc=(),
    attachments=(),
    case=None,
    company=None,
    user=None,
    headers: dict[str, str] | None = None,
    deliver: bool = True,
) -> OutgoingEmail:
    """Render the template's subject and body, keep the e-mail in the outbox,
    and have the worker send it once the caller's transaction commits.
    `headers` go out as given (e.g. a chosen Message-ID, In-Reply-To,
    References). `deliver=False`: the caller's own job sends it (a
    customer's notification, which then takes its status)."""
    recipients = _addresses(to, "to")
    if not recipients:
        raise ValidationError({"to": _("The e-mail has no recipient.")})
    copies = [a for a in _addresses(cc, "cc") if a.casefold() not in map(str.casefold, recipients)]
    subject = " ".join(render_to_string(f"{template}.subject.txt", context).split())
    body = render_to_string(f"{template}.body.txt", context)
    # Everything that can be refused was checked above: no savepoint of its
    # own inside the caller's transaction (a step, a case opened), and one
    # transaction for the e-mail and its files when there is none.
    with transaction.atomic(savepoint=False):
        email = OutgoingEmail.objects.create(
            template=template,
            subject=subject[:255],
            body=body,
            to=recipients,
            cc=copies,
            headers=dict(headers or {}),
            case=case,
            company=company if company is not None else getattr(case, "company", None),
            created_by=user if getattr(user, "is_authenticated", False) else None,
        )
        for attachment in attachments:
            OutgoingAttachment.objects.create(
                email=email,
                file=ContentFile(attachment.content, name=attachment.filename),
                filename=attachment.filename,
                content_type=attachment.content_type,
            )
    if deliver:
        enqueue(DELIVER_JOB, email.pk)
    return email


def _message_id(email: OutgoingEmail) -> str:
    """The e-mail's own Message-ID: one the caller chose (a notification's,
    so the customer's reply threads into the case), else one made from its
    row, the same at every attempt."""
    for name, value in (email.headers or {}).items():
        if name.lower() == "message-id" and value:
            return value
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or DNS_NAME
    return f"<outbox-{email.pk}.{int(email.created_at.timestamp())}@{domain}>"


def _claim(email_id: int) -> OutgoingEmail | None:
    """Mark the e-mail as being sent, committed before the mail server is
    spoken to; None when it is not to be sent now (sent, given up, or being
    sent by another process right now)."""
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().get(pk=email_id)
        if email.status in (EmailStatus.SENT, EmailStatus.GAVE_UP):
            return None
        if email.status == EmailStatus.SENDING:
            if email.updated_at > timezone.now() - SEND_LEASE:
                return None  # another process is talking to the mail server
            # Its sender died mid-send: the server may or may not have taken
            # it. Sent again, with the same Message-ID (docs/resilience.md).
            logger.warning(
                "E-mail %s was interrupted while being sent (attempt %s): sending it again "
                "with the same Message-ID %s",
                email.pk,
                email.attempts,
                email.message_id,
            )
            email.last_error = INTERRUPTED
        email.message_id = email.message_id or _message_id(email)
        email.status = EmailStatus.SENDING
        email.attempts += 1
        email.save(update_fields=["status", "attempts", "message_id", "last_error", "updated_at"])
        return email


def email_deliver(*, email_id: int) -> OutgoingEmail:
    """Send one queued e-mail through Django's e-mail backend and record how it went.
    A failure is kept with its reason and retried by `outbox_deliver_pending`.

    Three steps, so that a sender killed in the middle (kill -9, a machine
    lost) leaves a trace instead of a silent retry: the claim (`sending`,
    committed), the conversation with the mail server outside any
    transaction (no lock held while it lasts, none on SQLite's whole
    database), then the outcome. An e-mail left `sending` longer than
    SEND_LEASE is sent again with the same Message-ID."""
    email = _claim(email_id)
    if email is None:
        return OutgoingEmail.objects.get(pk=email_id)
    headers = {k: v for k, v in (email.headers or {}).items() if k.lower() != "message-id"}
    message = EmailMessage(
        subject=email.subject,
        body=email.body,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=email.to,
        cc=email.cc,
        headers={**headers, "Message-ID": email.message_id},
    )
    for attachment in email.attachments.all():
        with attachment.file.open("rb") as content:
            message.attach(attachment.filename, content.read(), attachment.content_type)
    try:
        message.send(fail_silently=False)
    except Exception as exc:  # the mail server's reason is kept, whatever it is
        email.status = EmailStatus.GAVE_UP if email.attempts >= MAX_ATTEMPTS else EmailStatus.FAILED
        email.last_error = f"{type(exc).__name__}: {exc}"[:500]
    else:
        email.status = EmailStatus.SENT
        email.sent_at = timezone.now()
        # A resend after an interruption says so: a person looking for a
        # duplicate finds it here.
        email.last_error = INTERRUPTED if email.last_error == INTERRUPTED else ""
    email.save(update_fields=["status", "last_error", "sent_at", "updated_at"])
    return email


def outbox_deliver_pending(*, older_than: timedelta = timedelta(0)) -> int:
    """Send what is still queued or failed (the worker calls this every minute);
    how many left."""
    cutoff = timezone.now() - older_than
    interrupted = Q(status=EmailStatus.SENDING, updated_at__lte=timezone.now() - SEND_LEASE)
    pending = OutgoingEmail.objects.filter(
        Q(status__in=[EmailStatus.QUEUED, EmailStatus.FAILED], created_at__lte=cutoff) | interrupted
    ).values_list("pk", flat=True)
    sent = 0
    for email_id in list(pending):
        if email_deliver(email_id=email_id).status == EmailStatus.SENT:
            sent += 1
    return sent


@transaction.atomic
def email_retry(*, email: OutgoingEmail, deliver: bool = True) -> OutgoingEmail:
    """Send again an e-mail that was given up on (from the admin);
    `deliver=False` as in `email_queue`."""
    email = OutgoingEmail.objects.select_for_update().get(pk=email.pk)
    if email.status == EmailStatus.SENT:
        raise ValidationError(_("This e-mail was already sent."))
    if email.status == EmailStatus.SENDING:
        raise ValidationError(_("This e-mail is being sent right now."))
    email.status = EmailStatus.QUEUED
    email.attempts = 0
    email.save(update_fields=["status", "attempts", "updated_at"])
    if deliver:
        enqueue(DELIVER_JOB, email.pk)
    return email
