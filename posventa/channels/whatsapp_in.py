"""What WhatsApp's webhook brought, taken in by the worker: the customers'
messages go through `intake.message_take` (triage, threading into a case,
kept once by message id), the statuses of what we sent update their
`Notification` (sent → delivered → read; failed → given up and sent again by
e-mail through `notify.notification_failed`).

The view (`views_whatsapp.webhook`) keeps each signed delivery as a
`WebhookDelivery` and hands it to `webhook_process`; the every-minute job
(`jobs.process_webhooks` → `webhooks_process_pending`) takes in what that
missed and tries again what failed, a bounded number of times.

Messages, by type (`messages[].type`):

- text; button (a template's quick reply) and interactive (a list or button
  reply): their text;
- document, image: the file, downloaded with `whatsapp.media_download`, and
  the caption as text;
- audio, video, sticker, location, contacts, unsupported and anything new:
  kept as a message with a note in Spanish saying what it was and what to do
  (a location's place and coordinates, a contact card's names and numbers);
  their files are not downloaded — the upload rules keep documents and
  images only;
- reaction and system messages (an emoji on our message, "the customer
  changed number"): kept as automatic, they open and thread nothing.

Every field of the payload is checked for its type and bounded: anything
unexpected is skipped, never a server error.
"""

import json
import logging
import mimetypes
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.channels import whatsapp
from posventa.channels.intake import Incoming, IncomingFile, message_take
from posventa.channels.models import (
    DeliveryStatus,
    InboundMessage,
    Notification,
    WebhookDelivery,
)
from posventa.common.models import Channel

logger = logging.getLogger(__name__)

# A delivery is tried at most this many times; the n-th try waits
# BACKOFF[n - 2] after the start of the one before (longer than a try may
# run: the hand-over's task times out at views_whatsapp.PROCESS_TIMEOUT, so
# two tries never overlap). The last try keeps what it can (a message whose
# file could not be fetched is kept with a note) rather than lose it.
MAX_ATTEMPTS = 5
BACKOFF = (
    timedelta(minutes=3),
    timedelta(minutes=5),
    timedelta(minutes=15),
    timedelta(minutes=30),
)
# The hand-over after the view's commit runs a new delivery at once; the job
# leaves it alone this long, so the two do not do the same work.
FIRST_TRY_GRACE = timedelta(seconds=30)
# A status may reach us before the send that made it has saved its message
# id: while the delivery is this young, a status naming no notification is
# tried again later.
STATUS_WAIT = timedelta(minutes=15)
# Deliveries taken per run of the job.
BATCH = 200

MAX_TEXT = 20_000
_RANK = {
    DeliveryStatus.QUEUED: 0,
    DeliveryStatus.FAILED: 0,
    DeliveryStatus.SENT: 1,
    DeliveryStatus.DELIVERED: 2,
    DeliveryStatus.READ: 3,
}


class TryAgain(Exception):
    """Something worth trying again later (Meta busy, a status that came
    before its message id was saved): the delivery stays pending."""


# --- Reading the payload without trusting it ---------------------------------


def _dict(value) -> dict:
    return value if isinstance(value, dict) else {}


def _list(value) -> list:
    return value if isinstance(value, list) else []


def _text(value, limit: int = MAX_TEXT) -> str:
    return value[:limit] if isinstance(value, str) else ""


def _moment(value) -> datetime:
    """WhatsApp's timestamp (Unix seconds, as a string) as an aware datetime;
    now when it is missing or absurd."""
    if isinstance(value, str) and value.isdigit() and len(value) <= 12:
        value = int(value)
    if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**33:
        return datetime.fromtimestamp(value, tz=UTC)
    return timezone.now()


def _changes(payload) -> list[dict]:
    """The `value` of each change about messages."""
    values = []
    for entry in _list(_dict(payload).get("entry")):
        for change in _list(_dict(entry).get("changes")):
            change = _dict(change)
            value = _dict(change.get("value"))
            if change.get("field", "messages") == "messages" and value:
                values.append(value)
    return values


def _ours(value: dict) -> bool:
    """Whether the change is about the team's number (an app may serve others)."""
    ours = settings.WHATSAPP_PHONE_NUMBER_ID
    theirs = _dict(value.get("metadata")).get("phone_number_id")
    return not ours or not isinstance(theirs, str) or theirs == ours


# --- Messages ---------------------------------------------------------------


def _extension(mime_type: str, filename: str = "") -> str:
    if "." in filename:
        return ""
    guessed = mimetypes.guess_extension(mime_type.split(";")[0].strip()) or ""
    return ".jpg" if guessed in (".jpe", ".jpeg") else guessed


def _fetch(media: dict, *, default_name: str, final: bool) -> tuple[IncomingFile | None, str]:
    """The file a media message names, or a note saying why it is not here."""
    mime_type = _text(media.get("mime_type"), 120)
    filename = _text(media.get("filename"), 200).strip() or default_name
    filename += _extension(mime_type, filename)
    try:
        content, got_type = whatsapp.media_download(media_id=media.get("id"))
    except whatsapp.WhatsAppError as error:
        if not error.permanent and not final:
            raise TryAgain(str(error)) from None
        note = _("[The file “%(name)s” could not be fetched from WhatsApp: %(error)s.]") % {
            "name": filename,
            "error": str(error)[:200],
        }
        return None, note
    return IncomingFile(filename=filename, content=content, content_type=got_type), ""


def _about(kind: str, message: dict) -> str:
    """The Spanish note for a message whose content is not kept here."""
    content = _dict(message.get(kind))
    if kind == "location":
        place = ", ".join(
            part
            for part in (_text(content.get("name"), 200), _text(content.get("address"), 300))
            if part
        )
        latitude, longitude = content.get("latitude"), content.get("longitude")
        where = ""
        if all(
            isinstance(v, int | float) and not isinstance(v, bool) for v in (latitude, longitude)
        ):
            where = f"{latitude:.6f}, {longitude:.6f}"
        return _("[Location sent by WhatsApp: %(place)s (%(where)s).]") % {
            "place": place or _("no name"),
            "where": where or _("no coordinates"),
        }
    if kind == "contacts":
        cards = []
        for card in _list(message.get("contacts"))[:10]:
            card = _dict(card)
            name = _text(_dict(card.get("name")).get("formatted_name"), 200)
            phones = [_text(_dict(p).get("phone"), 40) for p in _list(card.get("phones"))[:5]]
            cards.append(" ".join(part for part in [name, *phones] if part))
        return _("[Contact card sent by WhatsApp: %(cards)s.]") % {
            "cards": "; ".join(c for c in cards if c) or _("empty")
        }
    if kind in ("audio", "voice"):
        return _(
            "[Voice or audio message: Posventa does not keep audio. Ask the customer to write it.]"
        )
    if kind == "video":
        return _(
            "[Video: Posventa does not keep videos. Ask the customer for a photo or a document.]"
        )
    if kind == "sticker":
        return _("[Sticker sent by WhatsApp.]")
    if kind == "unsupported":
        return _("[A message WhatsApp could not pass on (a kind it does not support).]")
    return _("[A WhatsApp message of type “%(kind)s”, not shown here.]") % {"kind": kind[:40]}


def _incoming(value: dict, message: dict, *, final: bool) -> Incoming | None:
    """The message as intake takes it; None when it names no id or sender."""
    wamid = _text(message.get("id"), 255).strip()
    sender = "".join(ch for ch in _text(message.get("from"), 40) if ch.isdigit())
    if not wamid or not sender:
        logger.warning("WhatsApp message without id or sender skipped")
        return None
    kind = _text(message.get("type"), 40) or "unknown"
    received_at = _moment(message.get("timestamp"))
    name = ""
    for contact in _list(value.get("contacts")):
        contact = _dict(contact)
        if contact.get("wa_id") == message.get("from"):
            name = _text(_dict(contact.get("profile")).get("name"), 200)
    context_id = _text(_dict(message.get("context")).get("id"), 255)
    content = _dict(message.get(kind))
    body, automatic, files = "", "", []
    if kind == "text":
        body = _text(content.get("body"))
    elif kind == "button":
        body = _text(content.get("text"))
    elif kind == "interactive":
        reply = _dict(content.get("button_reply")) or _dict(content.get("list_reply"))
        body = "\n".join(
            part for part in (_text(reply.get("title")), _text(reply.get("description"))) if part
        )
    elif kind in ("document", "image"):
        default = _("document") if kind == "document" else _("photo")
        default = f"{default}-{timezone.localtime(received_at):%Y%m%d-%H%M%S}"
        body = _text(content.get("caption"))
        file, note = _fetch(content, default_name=default, final=final)
        if file is not None:
            files.append(file)
        if note:
            body = f"{body}\n{note}".strip()
    elif kind == "reaction":
        automatic = _("WhatsApp reaction %(emoji)s") % {"emoji": _text(content.get("emoji"), 20)}
    elif kind == "system":
        automatic = _("WhatsApp system message: %(text)s") % {
            "text": _text(content.get("body"), 150)
        }
    else:
        body = _about(kind, message)
    return Incoming(
        channel=Channel.WHATSAPP,
        external_id=wamid,
        received_at=received_at,
        sender=sender,
        sender_name=name,
        body=body,
        raw=json.dumps(message, ensure_ascii=False, indent=1).encode(),
        raw_name="message.json",
        thread_ids=(context_id,) if context_id else (),
        files=tuple(files),
        automatic_reason=automatic,
    )


def _take_messages(value: dict, *, final: bool) -> int:
    """Each message taken in; one whose file Meta could not give this time
    does not hold the others back (TryAgain once they are all through)."""
    taken = 0
    later: list[str] = []
    for message in _list(value.get("messages")):
        message = _dict(message)
        wamid = _text(message.get("id"), 255).strip()
        if (
            not wamid
            or InboundMessage.objects.filter(channel=Channel.WHATSAPP, external_id=wamid).exists()
        ):
            continue  # no id, or already taken: not even its file is fetched again
        try:
            incoming = _incoming(value, message, final=final)
        except TryAgain as error:
            later.append(str(error))
            continue
        if incoming is not None and message_take(incoming) is not None:
            taken += 1
    if later:
        raise TryAgain("; ".join(later))
    return taken


# --- Statuses of what we sent -------------------------------------------------


def _failure_reason(status: dict) -> str:
    parts = []
    for error in _list(status.get("errors"))[:3]:
        error = _dict(error)
        code = error.get("code")
        title = _text(error.get("title"), 150) or _text(error.get("message"), 150)
        details = _text(_dict(error.get("error_data")).get("details"), 150)
        text = " ".join(str(p) for p in (code if isinstance(code, int) else "", title) if p)
        parts.append(f"{text} ({details})" if details and details != title else text)
    return _("WhatsApp did not deliver it: %(error)s") % {
        "error": "; ".join(p for p in parts if p) or _("no reason given")
    }


def _apply_status(status: dict) -> bool:
    """One status onto its notification; False when no notification has that id."""
    from posventa.channels.notify import notification_failed

    wamid = _text(status.get("id"), 255).strip()
    state = status.get("status")
    if not wamid or state not in ("sent", "delivered", "read", "failed"):
        return True  # nothing we follow ("deleted", "warning"…)
    at = min(_moment(status.get("timestamp")), timezone.now())
    with transaction.atomic():
        notification = (
            Notification.objects.select_for_update()
            .filter(channel=Channel.WHATSAPP, external_id=wamid)
            .order_by("pk")
            .first()
        )
        if notification is None:
            return False
        current = notification.status
        if current == DeliveryStatus.GAVE_UP:
            return True  # given up already (and sent by e-mail): final
        if state == "failed":
            if _RANK.get(current, 0) >= _RANK[DeliveryStatus.DELIVERED]:
                return True  # it reached the phone: a late failure says nothing more
            failed = notification
        else:
            failed = None
            reached = {
                "sent": DeliveryStatus.SENT,
                "delivered": DeliveryStatus.DELIVERED,
                "read": DeliveryStatus.READ,
            }[state]
            notification.sent_at = notification.sent_at or at
            if state in ("delivered", "read"):
                notification.delivered_at = notification.delivered_at or at
            if state == "read":
                notification.read_at = notification.read_at or at
            if _RANK[reached] > _RANK.get(current, 0):
                notification.status = reached  # never backwards: statuses come out of order
            notification.save(
                update_fields=["status", "sent_at", "delivered_at", "read_at", "updated_at"]
            )
    if failed is not None:
        notification_failed(notification=failed, reason=_failure_reason(status))
    return True


# --- Deliveries ---------------------------------------------------------------


def _process(payload, *, final: bool, young: bool) -> int:
    taken = 0
    waiting = 0
    later: list[str] = []
    for value in _changes(payload):
        if not _ours(value):
            continue
        try:
            taken += _take_messages(value, final=final)
        except TryAgain as error:
            later.append(str(error))
        for status in _list(value.get("statuses")):
            if not _apply_status(_dict(status)):
                waiting += 1
    if waiting and young and not final:
        later.append(f"{waiting} statuses name no notification yet")
    if later:
        raise TryAgain("; ".join(later)[:500])
    return taken


def webhook_process(*, delivery_id: int) -> bool:
    """Take in one delivery (the hand-over after the view's commit, and the
    job). True once processed; False when it failed this time (kept with
    its error, tried again later while attempts last) or another worker has
    it. Processing it again adds nothing: messages are kept once by id."""
    delivery = WebhookDelivery.objects.filter(pk=delivery_id).first()
    if delivery is None or delivery.processed_at is not None:
        return False
    if delivery.attempts >= MAX_ATTEMPTS:
        return False
    # Claim this attempt: a second worker on the same delivery finds the
    # count moved on and leaves it; a crash still counts as an attempt.
    claimed = WebhookDelivery.objects.filter(
        pk=delivery.pk, processed_at__isnull=True, attempts=delivery.attempts
    ).update(attempts=F("attempts") + 1, updated_at=timezone.now())
    if not claimed:
        return False
    attempt = delivery.attempts + 1
    final = attempt >= MAX_ATTEMPTS
    young = delivery.created_at >= timezone.now() - STATUS_WAIT
    try:
        taken = _process(delivery.payload, final=final, young=young)
    except TryAgain as error:
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            last_error=str(error)[:500], updated_at=timezone.now()
        )
        return False
    except Exception as error:  # a worker job records and bounds what it cannot do
        logger.exception("WhatsApp webhook delivery %s failed", delivery.pk)
        WebhookDelivery.objects.filter(pk=delivery.pk).update(
            last_error=f"{type(error).__name__}: {error}"[:500], updated_at=timezone.now()
        )
        return False
    WebhookDelivery.objects.filter(pk=delivery.pk).update(
        processed_at=timezone.now(), last_error="", updated_at=timezone.now()
    )
    logger.info("WhatsApp webhook delivery %s: %s messages taken", delivery.pk, taken)
    return True


def _due(delivery: WebhookDelivery, now: datetime) -> bool:
    if delivery.attempts == 0:
        return delivery.created_at <= now - FIRST_TRY_GRACE
    wait = BACKOFF[min(delivery.attempts, len(BACKOFF)) - 1]
    return delivery.updated_at <= now - wait


def webhooks_process_pending() -> int:
    """The worker's job, every minute: the deliveries not processed yet whose
    turn has come. How many were processed."""
    now = timezone.now()
    pending = (
        WebhookDelivery.objects.filter(processed_at__isnull=True, attempts__lt=MAX_ATTEMPTS)
        .order_by("created_at", "pk")
        .only("pk", "attempts", "created_at", "updated_at")[:BATCH]
    )
    processed = 0
    for delivery in pending:
        if _due(delivery, now) and webhook_process(delivery_id=delivery.pk):
            processed += 1
    return processed
