"""Where a message a customer sent goes: `message_take`, the one door of the
channels (the IMAP reader and the WhatsApp webhook both knock on it).

1. **Once.** A message is kept once per channel and id (the e-mail's
   Message-ID, WhatsApp's message id): a re-delivery, a second reader or a
   re-run after a crash adds nothing (`inbound_message_once`).
2. **Automatic mail** (auto-replies, bounces, lists) is kept and goes
   nowhere: it never opens a case, threads into one, or gets an answer.
3. **Who wrote.** A contact by address (e-mail) or number (WhatsApp); else,
   for e-mail, the one company whose contacts write from the same domain
   (public domains such as gmail.com excluded: they say nothing).
4. **Its case.** A reply threads into the case it answers: by the ids it
   answers (our notifications' and the customer's earlier messages'), by a
   case number of the sender's company in its subject or text, or — on
   WhatsApp, where replies rarely quote — by the still-open case the same
   number heard about from us in the last week. It becomes an inbound
   interaction of the case, its accepted files become case documents, and
   a case waiting for the customer tells the waiting step's role.
5. **Otherwise, triage.** A new message from a known sender waits in the
   portfolio executive's triage inbox; one from an unknown sender in the
   team lead's. A reply to a closed case goes to triage too, with that case
   as a hint: it may be a new request.
"""

import hashlib
import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.cases.models import Alert, Case, CaseStatus, DocumentKind
from posventa.cases.services import document_add
from posventa.channels.models import (
    MESSAGE_CHANNELS,
    InboundAttachment,
    InboundMessage,
    MessageState,
    Notification,
)
from posventa.common.models import Channel
from posventa.common.uploads import accept_upload, safe_filename
from posventa.customers.models import Company, Contact, Direction, Interaction

# A case number as the team writes it: PV-2026-000123.
CASE_NUMBER = re.compile(r"\bPV-(\d{4})-(\d{6})\b", re.IGNORECASE)

# Domains anyone can write from: sharing one says nothing about the company.
PUBLIC_DOMAINS = frozenset(
    {
        "gmail.com",
        "googlemail.com",
        "hotmail.com",
        "hotmail.es",
        "outlook.com",
        "outlook.es",
        "live.com",
        "msn.com",
        "yahoo.com",
        "yahoo.es",
        "icloud.com",
        "me.com",
        "aol.com",
        "proton.me",
        "protonmail.com",
        "gmx.com",
        "mail.com",
        "entel.bo",
        "cotas.com.bo",
        "comteco.com.bo",
        "supernet.com.bo",
        "tigo.com.bo",
        "vivaonline.com.bo",
    }
)

# How long a WhatsApp chat stays about the case we last wrote about.
WHATSAPP_THREAD_DAYS = 7

# Bounds on what one message may put in the database.
MAX_THREAD_IDS = 50
MAX_BODY = 20_000
SUMMARY_MAX = Interaction._meta.get_field("summary").max_length


@dataclass(frozen=True)
class IncomingFile:
    """A file that came with a message, as it came."""

    filename: str
    content: bytes
    content_type: str = ""


@dataclass(frozen=True)
class Incoming:
    """A message as a channel read it, before it is kept."""

    channel: str
    external_id: str
    received_at: datetime
    sender: str
    sender_name: str = ""
    subject: str = ""
    body: str = ""
    raw: bytes = b""
    raw_name: str = ""  # its extension names the kept original: "mensaje.eml"
    thread_ids: tuple[str, ...] = ()
    files: tuple[IncomingFile, ...] = ()
    automatic_reason: str = ""


def phone_key(number: str) -> str:
    """The part of a phone number that names the line, whatever the
    formatting: its last eight digits (a Bolivian mobile or a landline with
    its area code), so "+591 7071-2345", "59170712345" and "70712345" meet."""
    digits = re.sub(r"\D", "", number or "")
    return digits[-8:]


def _email_sender(address: str) -> tuple[Contact | None, Company | None]:
    contact = (
        Contact.objects.filter(email__iexact=address)
        .select_related("company", "company__executive")
        .order_by("-is_primary", "pk")
        .first()
    )
    if contact is not None:
        return contact, contact.company
    domain = address.rpartition("@")[2].lower()
    if not domain or domain in PUBLIC_DOMAINS:
        return None, None
    companies = list(
        Contact.objects.filter(email__iendswith=f"@{domain}")
        .values_list("company_id", flat=True)
        .distinct()[:2]
    )
    if len(companies) != 1:
        return None, None  # nobody writes from there, or more than one company does
    return None, Company.objects.select_related("executive").get(pk=companies[0])


def _whatsapp_sender(number: str) -> tuple[Contact | None, Company | None]:
    key = phone_key(number)
    if len(key) < 7:
        return None, None
    candidates = (
        Contact.objects.filter(Q(whatsapp__contains=key[-4:]) | Q(phone__contains=key[-4:]))
        .select_related("company", "company__executive")
        .order_by("-is_primary", "pk")
    )
    for contact in candidates:
        if key in (phone_key(contact.whatsapp), phone_key(contact.phone)):
            return contact, contact.company
    return None, None


def sender_lookup(channel: str, sender: str) -> tuple[Contact | None, Company | None]:
    """The contact who wrote, and the company, when the team knows them."""
    if channel == Channel.EMAIL:
        return _email_sender(sender)
    return _whatsapp_sender(sender)


def _answered_case(incoming: Incoming, company: Company | None) -> Case | None:
    """The case this message answers, if it says so (see the module's 4.)."""
    ids = [i for i in incoming.thread_ids if i][:MAX_THREAD_IDS]
    if ids:
        notification = (
            Notification.objects.filter(external_id__in=ids, case__isnull=False)
            .select_related("case")
            .order_by("-pk")
            .first()
        )
        if notification is not None:
            return notification.case
        earlier = (
            InboundMessage.objects.filter(external_id__in=ids, case__isnull=False)
            .select_related("case")
            .order_by("-pk")
            .first()
        )
        if earlier is not None:
            return earlier.case
    if company is None:
        return None
    numbers = {
        f"PV-{year}-{serial}"
        for year, serial in CASE_NUMBER.findall(f"{incoming.subject}\n{incoming.body[:4000]}")
    }
    if numbers:
        case = (
            Case.objects.filter(company=company, number__in=numbers)
            .order_by("-received_at")
            .first()
        )
        if case is not None:
            return case
    if incoming.channel == Channel.WHATSAPP:
        key = phone_key(incoming.sender)
        recent = (
            Notification.objects.filter(
                channel=Channel.WHATSAPP,
                company=company,
                to__endswith=key,
                case__isnull=False,
                created_at__gte=timezone.now() - timedelta(days=WHATSAPP_THREAD_DAYS),
            )
            .exclude(case__status=CaseStatus.CLOSED)
            .select_related("case")
            .order_by("-created_at", "-pk")
            .first()
        )
        if recent is not None:
            return recent.case
    return None


def _keep_files(message: InboundMessage, files: tuple[IncomingFile, ...]) -> list:
    """Each file as an attachment of the message: kept when the upload rules
    accept it, refused with the rule's words otherwise."""
    kept = []
    for incoming_file in files:
        name = safe_filename(incoming_file.filename or "adjunto")[:200]
        attachment = InboundAttachment(
            message=message,
            filename=name,
            content_type=(incoming_file.content_type or "")[:120],
            size=len(incoming_file.content),
        )
        upload = ContentFile(incoming_file.content, name=name)
        try:
            accept_upload(upload)
        except ValidationError as error:
            attachment.refused_reason = " ".join(error.messages)[:300]
        else:
            attachment.file = upload
            kept.append((attachment, incoming_file.content))
        attachment.save()
    return kept


def _summary(message: InboundMessage) -> str:
    text = "\n".join(part for part in (message.subject, message.body.strip()) if part)
    text = text or _("(message without text)")
    return text[:SUMMARY_MAX]


def _thread_into(message: InboundMessage, case: Case, kept: list) -> None:
    """The message is part of its case: an inbound interaction, its files
    as documents, and the waiting step told."""
    message.interaction = Interaction.objects.create(
        company=case.company,
        # The request reached the portfolio's executive, who receives every
        # request of her customers (the manual's general flow, 1).
        recorded_by=case.company.executive,
        channel=message.channel,
        direction=Direction.INBOUND,
        summary=_summary(message),
        occurred_at=min(message.received_at, timezone.now()),
        contact=message.contact,
        case=case,
    )
    for attachment, content in kept:
        attachment.document = document_add(
            case=case,
            kind=DocumentKind.OTHER,
            file=ContentFile(content, name=attachment.filename),
            title=attachment.filename,
        )
        attachment.save(update_fields=["document", "updated_at"])
    if case.status == CaseStatus.WAITING_CUSTOMER and case.instance_id:
        waiting_step_tell(message, case, files=len(kept))


def waiting_step_tell(message: InboundMessage, case: Case, *, files: int) -> None:
    from posventa.cases.process_hooks import is_true
    from posventa.engine.models import HumanTask

    waiting = [
        task
        for task in HumanTask.objects.filter(instance_id=case.instance_id)
        if is_true(task.properties.get("waits_for_customer"))
    ]
    for task in waiting:
        Alert.objects.create(
            case=case,
            role=task.role,
            message=(
                _(
                    "%(number)s: the customer answered by %(channel)s (%(files)s files); "
                    "the step “%(step)s” was waiting for it."
                )
                % {
                    "number": case.number,
                    "channel": message.get_channel_display(),
                    "files": files,
                    "step": task.name,
                }
            )[:300],
        )


@transaction.atomic
def message_take(incoming: Incoming) -> InboundMessage | None:
    """Keep the message once and send it where it goes (see the module's
    docstring); None when it was already taken, whoever took it first."""
    if incoming.channel not in MESSAGE_CHANNELS:
        raise ValueError(f"unknown channel {incoming.channel!r}")
    external_id = (incoming.external_id or "").strip()[:255]
    if not external_id:
        digest = hashlib.sha256(incoming.raw or repr(incoming).encode()).hexdigest()
        external_id = f"sha256:{digest}"
    if InboundMessage.objects.filter(channel=incoming.channel, external_id=external_id).exists():
        return None
    sender = (incoming.sender or "").strip()
    sender = sender.lower() if incoming.channel == Channel.EMAIL else re.sub(r"\D", "", sender)
    contact, company = sender_lookup(incoming.channel, sender) if sender else (None, None)
    message = InboundMessage(
        channel=incoming.channel,
        external_id=external_id,
        received_at=min(incoming.received_at, timezone.now()),
        sender=sender[:254],
        sender_name=(incoming.sender_name or "")[:200],
        subject=(incoming.subject or "")[:255],
        body=(incoming.body or "")[:MAX_BODY],
        thread_ids=[str(i)[:255] for i in incoming.thread_ids if i][:MAX_THREAD_IDS],
        company=company,
        contact=contact,
        automatic_reason=(incoming.automatic_reason or "")[:200],
    )
    case = None
    if message.automatic_reason:
        message.state = MessageState.AUTOMATIC
    else:
        case = _answered_case(incoming, company)
        if case is not None and company is None:
            # A reply by its thread from an address we did not know (a
            # colleague in copy): the case says whose it is.
            message.company = company = case.company
        if case is not None and case.status != CaseStatus.CLOSED:
            message.state = MessageState.THREADED
            message.case = case
        else:
            message.state = MessageState.TRIAGE
            message.case = case  # a closed case, as a hint, or none
            if company is not None:
                message.triage_role = Role.EXECUTIVE
                message.triage_user = company.executive
            else:
                message.triage_role = Role.TEAM_LEAD
    if incoming.raw:
        digest = hashlib.sha256(external_id.encode()).hexdigest()[:24]
        extension = incoming.raw_name.rpartition(".")[2].lower()[:8] if incoming.raw_name else ""
        extension = extension or ("eml" if incoming.channel == Channel.EMAIL else "json")
        message.raw = ContentFile(incoming.raw, name=f"{digest}.{extension}")
    try:
        with transaction.atomic():
            message.save()
    except IntegrityError:
        kept_by_another = InboundMessage.objects.filter(
            channel=message.channel, external_id=external_id
        ).exists()
        if message.raw:
            message.raw.storage.delete(message.raw.name)
        if kept_by_another:
            return None  # another reader kept it between our look and our write
        raise
    kept = _keep_files(message, incoming.files)
    if message.state == MessageState.THREADED:
        _thread_into(message, message.case, kept)
        message.save(update_fields=["interaction", "updated_at"])
    return message
