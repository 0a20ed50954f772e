"""Writes on the outbox: queue an e-mail from its template, deliver what is queued.

    email = email_queue(
        template="claims/utar_disagreement",   # outbox/templates/<template>.subject.txt / .body.txt
        to=[mailbox_address("utar")],
        cc=role_addresses(Role.TEAM_LEAD, Role.DIVISION_HEAD),
        context={"case": case, ...},
        attachments=[Attachment("detalle.pdf", pdf_bytes, "application/pdf")],
        case=case, user=user,
    )

`email_queue` runs inside the caller's transaction and sends once it commits;
`outbox_deliver_pending` (every minute, by the worker) retries what failed.
Tests: `django_capture_on_commit_callbacks(execute=True)` or
`outbox_deliver_pending()`, then `django.core.mail.outbox`.
"""

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.outbox.models import EmailStatus, OutgoingAttachment, OutgoingEmail

MAX_ATTEMPTS = 5


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
) -> OutgoingEmail:
    """Render the template's subject and body, keep the e-mail in the outbox,
    and send it when the caller's transaction commits. `headers` go out as
    given (e.g. a chosen Message-ID, In-Reply-To, References)."""
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
    transaction.on_commit(lambda: email_deliver(email_id=email.pk))
    return email


def email_deliver(*, email_id: int) -> OutgoingEmail:
    """Send one queued e-mail through Django's e-mail backend and record how it went.
    A failure is kept with its reason and retried by `outbox_deliver_pending`."""
    with transaction.atomic():
        email = OutgoingEmail.objects.select_for_update().get(pk=email_id)
        if email.status in (EmailStatus.SENT, EmailStatus.GAVE_UP):
            return email
        message = EmailMessage(
            subject=email.subject,
            body=email.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=email.to,
            cc=email.cc,
            headers=email.headers or None,
        )
        for attachment in email.attachments.all():
            with attachment.file.open("rb") as content:
                message.attach(attachment.filename, content.read(), attachment.content_type)
        email.attempts += 1
        try:
            message.send(fail_silently=False)
        except Exception as exc:  # the mail server's reason is kept, whatever it is
            email.status = (
                EmailStatus.GAVE_UP if email.attempts >= MAX_ATTEMPTS else EmailStatus.FAILED
            )
            email.last_error = f"{type(exc).__name__}: {exc}"[:500]
        else:
            email.status = EmailStatus.SENT
            email.sent_at = timezone.now()
            email.last_error = ""
        email.save(update_fields=["status", "attempts", "last_error", "sent_at", "updated_at"])
        return email


def outbox_deliver_pending(*, older_than: timedelta = timedelta(0)) -> int:
    """Send what is still queued or failed (the worker calls this every minute);
    how many left."""
    cutoff = timezone.now() - older_than
    pending = OutgoingEmail.objects.filter(
        status__in=[EmailStatus.QUEUED, EmailStatus.FAILED], created_at__lte=cutoff
    ).values_list("pk", flat=True)
    sent = 0
    for email_id in list(pending):
        if email_deliver(email_id=email_id).status == EmailStatus.SENT:
            sent += 1
    return sent


@transaction.atomic
def email_retry(*, email: OutgoingEmail) -> OutgoingEmail:
    """Send again an e-mail that was given up on (from the admin)."""
    email = OutgoingEmail.objects.select_for_update().get(pk=email.pk)
    if email.status == EmailStatus.SENT:
        raise ValidationError(_("This e-mail was already sent."))
    email.status = EmailStatus.QUEUED
    email.attempts = 0
    email.save(update_fields=["status", "attempts", "updated_at"])
    transaction.on_commit(lambda: email_deliver(email_id=email.pk))
    return email
