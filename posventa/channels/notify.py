"""Customers hear back: a notification at each moment of their case, on the
channel the contact prefers, kept with its delivery status (docs/notifications.md).

    notify_case(case=case, event="received")                 # inside the step's transaction
    notify_case(case=case, event="informed", step=task.name, message=summary)
    notify_case(case=case, event="received", in_reply_to=message)   # answers on its thread

The notification is created in the caller's transaction, which queues the
worker's job that sends it once it commits
(`channels.jobs.deliver_notification`): no click waits on a mail server or on
WhatsApp. E-mail goes through the outbox (`outbox.services.email_queue`, with
its retries), with a Message-ID of ours kept in `Notification.external_id` so
a reply threads into the case; the notification takes its e-mail's status.
WhatsApp goes through `channels.whatsapp` (an approved template, a free text
inside the 24-hour window of the customer's own message, a document), with
retries here (`MAX_ATTEMPTS`, `BACKOFF`); delivered/read come later from the
webhook. A WhatsApp message that fails for good is sent again by e-mail when
the contact has an address (`fallback_of`)."""

import logging
import uuid
from dataclasses import dataclass
from datetime import timedelta
from email.utils import parseaddr

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from posventa.channels import placeholders
from posventa.channels.models import (
    DeliveryStatus,
    InboundMessage,
    Notification,
    NotificationEvent,
    NotificationTemplate,
)
from posventa.common.models import Channel
from posventa.common.queue import enqueue
from posventa.outbox.models import EmailStatus
from posventa.outbox.services import Attachment, email_deliver, email_queue

logger = logging.getLogger(__name__)

# WhatsApp sends tried at most this many times; after the n-th failure the
# next try waits BACKOFF[n - 1] (the last one for any later failure).
MAX_ATTEMPTS = 5
BACKOFF = (
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(hours=1),
)
# The worker's job that sends one notification once its transaction commits.
DELIVER_JOB = "posventa.channels.jobs.deliver_notification"
# A queued notification is left to the job its commit queued this long.
FIRST_TRY_GRACE = timedelta(minutes=1)
# WhatsApp's customer service window: free text only this long after the
# customer's own message; outside it, only approved templates.
WHATSAPP_WINDOW = timedelta(hours=24)
# The outbox template that carries a notification's subject and text as they are.
EMAIL_TEMPLATE = "channels/notification"

_PENDING = (DeliveryStatus.QUEUED, DeliveryStatus.FAILED)
_EMAIL_STATUS = {
    EmailStatus.QUEUED: DeliveryStatus.QUEUED,
    EmailStatus.SENT: DeliveryStatus.SENT,
    EmailStatus.FAILED: DeliveryStatus.FAILED,
    EmailStatus.GAVE_UP: DeliveryStatus.GAVE_UP,
}


class CannotSend(Exception):
    """A WhatsApp message that cannot be sent at all (no approved template
    for it): given up at once, sent by e-mail."""


@dataclass(frozen=True)
class Route:
    """Where a notification goes: to whom, on which channel, at which address."""

    contact: object
    channel: str
    to: str


def digits(number: str) -> str:
    """A WhatsApp number as the Cloud API takes it (country code, digits)."""
    from posventa.channels.whatsapp import whatsapp_number

    return whatsapp_number(number or "")


def whatsapp_ready() -> bool:
    from posventa.channels import whatsapp

    return whatsapp.whatsapp_configured()


def _within_window(message: InboundMessage | None) -> bool:
    return (
        message is not None
        and message.channel == Channel.WHATSAPP
        and timezone.now() - message.received_at < WHATSAPP_WINDOW
    )


def contact_route(contact, *, whatsapp_ok: bool) -> Route | None:
    """How to reach a contact: WhatsApp when she prefers it, WhatsApp is set
    up and she has a number (WhatsApp's, else her phone); otherwise e-mail
    when she has an address (whatever she prefers: a phone call, a letter or
    a visit cannot be sent from here); otherwise nothing."""
    number = digits(contact.whatsapp) or digits(contact.phone)
    if contact.preferred_channel == Channel.WHATSAPP and whatsapp_ok and number:
        return Route(contact, Channel.WHATSAPP, number)
    if contact.email:
        return Route(contact, Channel.EMAIL, contact.email.strip())
    return None


def company_route(company, *, whatsapp_ok: bool) -> Route | None:
    """The primary contact's way, else the first contact (by name) who can be reached."""
    contacts = sorted(company.contacts.all(), key=lambda c: (not c.is_primary, c.name, c.pk))
    for contact in contacts:
        route = contact_route(contact, whatsapp_ok=whatsapp_ok)
        if route is not None:
            return route
    return None


def _reply_route(message: InboundMessage, template: NotificationTemplate) -> Route | None:
    """Back on the channel and to the sender of the message it answers, when
    that channel can carry it."""
    if message.channel == Channel.EMAIL and message.sender:
        return Route(message.contact, Channel.EMAIL, message.sender)
    if (
        message.channel == Channel.WHATSAPP
        and digits(message.sender)
        and whatsapp_ready()
        and (_within_window(message) or template.whatsapp_template)
    ):
        return Route(message.contact, Channel.WHATSAPP, digits(message.sender))
    return None


def _message_id() -> str:
    """A Message-ID of ours (without <>), on the domain we send from."""
    domain = parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "posventa.local"
    return f"pv.{uuid.uuid4().hex}@{domain}"


def _create(
    *,
    company,
    case,
    route: Route,
    event: str,
    subject: str,
    text: str,
    in_reply_to: InboundMessage | None = None,
    attachment: Attachment | None = None,
    fallback_of: Notification | None = None,
    parameters: list[str] | None = None,
) -> Notification:
    notification = Notification(
        company=company,
        case=case,
        contact=route.contact,
        event=event,
        channel=route.channel,
        to=route.to,
        subject=subject[:255],
        text=text,
        in_reply_to=in_reply_to,
        fallback_of=fallback_of,
        parameters=parameters or [],
    )
    if attachment is not None:
        notification.attachment_name = attachment.filename
        notification.attachment.save(
            attachment.filename, ContentFile(attachment.content), save=False
        )
    if route.channel == Channel.EMAIL:
        notification.external_id = _message_id()
        headers = {"Message-ID": f"<{notification.external_id}>"}
        if in_reply_to is not None and in_reply_to.channel == Channel.EMAIL:
            thread = [*in_reply_to.thread_ids, in_reply_to.external_id]
            headers["In-Reply-To"] = f"<{in_reply_to.external_id}>"
            headers["References"] = " ".join(f"<{i}>" for i in thread[-10:] if i)
        notification.email = email_queue(
            template=EMAIL_TEMPLATE,
            to=[route.to],
            context={"subject": subject, "text": text},
            attachments=[attachment] if attachment is not None else (),
            case=case,
            company=company,
            headers=headers,
            deliver=False,  # sent by the notification's own job, which takes its status
        )
    notification.save()
    enqueue(DELIVER_JOB, notification.pk)
    return notification


def _email_subject(case, subject: str) -> str:
    return f"[{case.number}] {subject}".strip() if case is not None else subject


def notify_case(
    *,
    case,
    event: str,
    step: str = "",
    message: str = "",
    in_reply_to: InboundMessage | None = None,
) -> Notification | None:
    """Tell the case's customer about `event` (a NotificationEvent) on the
    contact's preferred channel, or back on the channel of `in_reply_to`.
    Runs inside the caller's transaction and sends once it commits. None when
    the event's text is switched off or nobody at the company can be reached."""
    template = NotificationTemplate.objects.filter(event=event, is_active=True).first()
    if template is None:
        return None
    route = _reply_route(in_reply_to, template) if in_reply_to is not None else None
    if route is None:
        route = company_route(
            case.company, whatsapp_ok=bool(template.whatsapp_template) and whatsapp_ready()
        )
    if route is None:
        return None
    with translation.override(settings.LANGUAGE_CODE):
        message = (message or "").strip()
        if event == NotificationEvent.INFORMED and not message:
            message = _("Your executive will give you the details.")
        values = placeholders.case_values(
            case=case, contact=route.contact, step=step, message=message
        )
        text = placeholders.render(template.text, values)
        subject = placeholders.render(template.subject, values)
        parameters = placeholders.parameters(template.text, values)
    try:
        return _create(
            company=case.company,
            case=case,
            route=route,
            event=event,
            subject=_email_subject(case, subject),
            text=text,
            in_reply_to=in_reply_to,
            parameters=parameters,
        )
    except ValidationError:
        # An address the outbox refuses (a contact imported with a bad one):
        # the step goes on; the executive tells the customer herself.
        logger.warning("No %s notification for case %s: bad address", event, case.number)
        return None


def proforma_notify(
    *, company, contact, route: Route, period, service: str, amount: str, attachment: Attachment
) -> Notification:
    """One contract's proforma as a document on the contact's channel (the
    proforma text, when switched off, leaves the caption empty)."""
    template = NotificationTemplate.objects.filter(
        event=NotificationEvent.PROFORMA, is_active=True
    ).first()
    text = subject = ""
    parameters = None
    if template is not None:
        with translation.override(settings.LANGUAGE_CODE):
            values = placeholders.proforma_values(
                company=company, contact=contact, period=period, service=service, amount=amount
            )
            text = placeholders.render(template.text, values)
            subject = placeholders.render(template.subject, values)
            parameters = placeholders.parameters(template.text, values)
    return _create(
        company=company,
        case=None,
        route=route,
        event=NotificationEvent.PROFORMA,
        subject=subject or attachment.filename,
        text=text or attachment.filename,
        attachment=attachment,
        parameters=parameters,
    )


# --- delivery ---------------------------------------------------------------------------


def _sync_email(notification: Notification) -> bool:
    """Take the status of the notification's outbox e-mail; whether it changed."""
    email = notification.email
    if email is None:
        return False
    status = _EMAIL_STATUS.get(email.status, DeliveryStatus.QUEUED)
    if notification.status in (DeliveryStatus.DELIVERED, DeliveryStatus.READ):
        return False
    changed = (
        notification.status != status
        or notification.attempts != email.attempts
        or notification.last_error != email.last_error
    )
    if changed:
        notification.status = status
        notification.attempts = email.attempts
        notification.last_error = email.last_error
        notification.sent_at = email.sent_at
        notification.save(
            update_fields=["status", "attempts", "last_error", "sent_at", "updated_at"]
        )
    return changed


def _send_whatsapp(notification: Notification) -> str:
    """Send it on WhatsApp; its message id. Its template's parameters are
    the ones kept when it was written (`Notification.parameters`), so a
    retry says what the text said even if the text was edited since."""
    from posventa.channels import whatsapp

    template = NotificationTemplate.objects.filter(event=notification.event).first()
    approved = template is not None and bool(template.whatsapp_template)
    if notification.attachment:
        with notification.attachment.open("rb") as file:
            content = file.read()
        filename = notification.attachment_name or "documento.pdf"
        if approved:
            # The approved template with a DOCUMENT header: the one way a
            # document reaches a customer who has not written in 24 hours.
            return whatsapp.send_template(
                to=notification.to,
                template=template.whatsapp_template,
                language=template.whatsapp_language,
                parameters=notification.parameters,
                document=content,
                filename=filename,
            )
        # No template for it: a plain document, which Meta takes only inside
        # the customer's 24-hour window.
        return whatsapp.send_document(
            to=notification.to,
            content=content,
            filename=filename,
            mime_type="application/pdf",
            caption=notification.text[:1024],
        )
    if _within_window(notification.in_reply_to):
        return whatsapp.send_text(
            to=notification.to,
            body=notification.text,
            reply_to=notification.in_reply_to.external_id,
        )
    if not approved:
        raise CannotSend(_("There is no approved WhatsApp template for this text."))
    return whatsapp.send_template(
        to=notification.to,
        template=template.whatsapp_template,
        language=template.whatsapp_language,
        parameters=notification.parameters,
    )


def _deliver(*, notification_id: int) -> Notification:
    from posventa.channels import whatsapp

    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update(of=("self",))
            .select_related("email", "in_reply_to")
            .get(pk=notification_id)
        )
        if notification.channel == Channel.EMAIL:
            _sync_email(notification)
            return notification
        if notification.status not in _PENDING:
            return notification
        notification.attempts += 1
        try:
            notification.external_id = _send_whatsapp(notification)
        except (whatsapp.WhatsAppError, CannotSend) as error:
            notification.last_error = str(error)[:500]
            permanent = isinstance(error, CannotSend) or getattr(error, "permanent", False)
            gave_up = permanent or notification.attempts >= MAX_ATTEMPTS
            notification.status = DeliveryStatus.GAVE_UP if gave_up else DeliveryStatus.FAILED
        else:
            notification.status = DeliveryStatus.SENT
            notification.sent_at = timezone.now()
            notification.last_error = ""
        notification.save(
            update_fields=[
                "status",
                "attempts",
                "last_error",
                "sent_at",
                "external_id",
                "updated_at",
            ]
        )
        if notification.status == DeliveryStatus.GAVE_UP:
            _fallback(notification)
        return notification


def notification_deliver(*, notification_id: int) -> Notification:
    """Send one notification now (the worker's job, queued by the
    transaction that created it): WhatsApp through its API; e-mail through
    the outbox, whose status it then takes. How it went; harmless when run
    again (nothing is sent twice)."""
    email_id = (
        Notification.objects.filter(pk=notification_id, channel=Channel.EMAIL)
        .values_list("email_id", flat=True)
        .first()
    )
    if email_id is not None:
        email_deliver(email_id=email_id)
    return _deliver(notification_id=notification_id)


def _fallback(notification: Notification) -> Notification | None:
    """The same words by e-mail, when a WhatsApp message failed for good and
    the contact has an address (once)."""
    contact = notification.contact
    if (
        notification.channel != Channel.WHATSAPP
        or contact is None
        or not contact.email
        or Notification.objects.filter(fallback_of=notification).exists()
    ):
        return None
    attachment = None
    if notification.attachment:
        with notification.attachment.open("rb") as file:
            attachment = Attachment(
                notification.attachment_name or "documento.pdf", file.read(), "application/pdf"
            )
    case = notification.case
    subject = notification.subject or _("Post-sale")
    if case is not None and not subject.startswith(f"[{case.number}]"):
        subject = _email_subject(case, subject)
    try:
        return _create(
            company=notification.company,
            case=case,
            route=Route(contact, Channel.EMAIL, contact.email.strip()),
            event=notification.event,
            subject=subject,
            text=notification.text,
            attachment=attachment,
            fallback_of=notification,
        )
    except ValidationError:
        logger.warning("No e-mail fallback for notification %s", notification.pk)
        return None


@transaction.atomic
def notification_failed(*, notification: Notification, reason: str) -> Notification:
    """WhatsApp says the message was not delivered (its webhook's `failed`
    status): kept as given up, with the reason, and sent again by e-mail."""
    notification = Notification.objects.select_for_update(of=("self",)).get(pk=notification.pk)
    notification.status = DeliveryStatus.GAVE_UP
    notification.last_error = (reason or "")[:500]
    notification.save(update_fields=["status", "last_error", "updated_at"])
    _fallback(notification)
    return notification


def _due(notification: Notification, now) -> bool:
    if notification.attempts == 0:
        return notification.updated_at <= now - FIRST_TRY_GRACE
    wait = BACKOFF[min(notification.attempts, len(BACKOFF)) - 1]
    return notification.updated_at <= now - wait


def notifications_deliver_pending() -> int:
    """The worker's job, every minute: e-mail notifications take their outbox
    e-mail's status (the outbox retries them); WhatsApp ones still queued or
    failed are tried again once their wait is over. How many left."""
    now = timezone.now()
    sent = 0
    emails = Notification.objects.filter(channel=Channel.EMAIL, status__in=_PENDING)
    for notification in emails.select_related("email"):
        if _sync_email(notification) and notification.status == DeliveryStatus.SENT:
            sent += 1
    waiting = Notification.objects.filter(channel=Channel.WHATSAPP, status__in=_PENDING).only(
        "pk", "attempts", "updated_at"
    )
    for notification in [n for n in waiting if _due(n, now)]:
        try:
            if _deliver(notification_id=notification.pk).status == DeliveryStatus.SENT:
                sent += 1
        except Exception:  # one bad row must not stop the others
            logger.exception("Notification %s could not be sent", notification.pk)
    return sent


@transaction.atomic
def notification_resend(*, notification: Notification) -> Notification:
    """Send again a notification that failed (the admin's action)."""
    from posventa.outbox.services import email_retry

    notification = Notification.objects.select_for_update(of=("self",)).get(pk=notification.pk)
    if notification.status not in (DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP):
        raise ValidationError(_("This notification was already sent."))
    if notification.channel == Channel.EMAIL and notification.email is not None:
        email_retry(email=notification.email, deliver=False)
    notification.status = DeliveryStatus.QUEUED
    notification.attempts = 0
    notification.last_error = ""
    notification.save(update_fields=["status", "attempts", "last_error", "updated_at"])
    enqueue(DELIVER_JOB, notification.pk)
    return notification
