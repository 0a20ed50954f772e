"""Writes of the triage inbox: what becomes of a message a customer sent by
e-mail or WhatsApp that nothing could thread into a case.

- `triage_open_case`: it is a request: the case opens with the message's
  channel and the time the customer wrote (the 24 hours start then), its
  files as the case's documents, and the customer gets the acknowledgement
  as an answer to the message itself;
- `triage_thread`: it is really about a case still open: added to it;
- `triage_not_request`: it is not a request (a thank-you, a question
  answered on the phone): kept as a contact with the customer;
- `triage_assign` (team lead): a sender nobody knew is a customer's person:
  the message moves to that customer's executive's triage.

Each service locks the message's row first and works only on a message
still waiting for triage: a second click, or a second person on the same
message, gets a message saying what became of it, and changes nothing.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.accounts.roles import Role
from posventa.cases.models import Case, CaseStatus, DocumentKind, Procedure
from posventa.cases.services import case_open, document_add
from posventa.channels.intake import waiting_step_tell
from posventa.channels.models import InboundMessage, MessageState
from posventa.channels.selectors import may_triage, sees_every_triage
from posventa.customers.models import Company, Contact, Direction, Interaction
from posventa.customers.services import interaction_record
from posventa.inventory.models import Product
from posventa.procedures.catalog import customer_asked

NOTE_MAX_LENGTH = 500
ASSIGN_FIRST = gettext_lazy(
    "Nobody knows this sender yet: the team lead assigns the message to a customer first."
)
SUMMARY_MAX_LENGTH = Interaction._meta.get_field("summary").max_length


class AlreadyTriaged(ValidationError):
    """Someone already sorted the message (or this was a second click):
    nothing was changed; `message` names what became of it."""

    def __init__(self, message: InboundMessage):
        self.inbound = message
        if message.state == MessageState.OPENED and message.case_id:
            text = _("This message already opened case %(number)s.") % {
                "number": message.case.number
            }
        elif message.state == MessageState.THREADED and message.case_id:
            text = _("This message was already added to case %(number)s.") % {
                "number": message.case.number
            }
        elif message.state == MessageState.NOT_REQUEST:
            text = _("This message was already marked as not a request.")
        else:
            text = _("This message is no longer waiting for triage.")
        super().__init__(text, code="already_triaged")


def _lock(message: InboundMessage, user) -> InboundMessage:
    """The message's row, locked and read again; still waiting for triage,
    and this user's to sort."""
    # No join in the locking query: a row another transaction changed while
    # this one waited is read again, but rows joined to it would come from
    # before the wait (PostgreSQL) — the case it just opened would be missing.
    locked = InboundMessage.objects.select_for_update().get(pk=message.pk)
    if not may_triage(user, locked):
        raise PermissionDenied(_("This message is not in your triage."))
    if locked.state != MessageState.TRIAGE:
        raise AlreadyTriaged(locked)
    return locked


def _triaged(message: InboundMessage, user, state: str, **fields) -> None:
    message.state = state
    message.triaged_by = user
    message.triaged_at = timezone.now()
    for name, value in fields.items():
        setattr(message, name, value)
    message.full_clean()
    message.save(update_fields=["state", "triaged_by", "triaged_at", *fields.keys(), "updated_at"])


def _files_to_case(message: InboundMessage, case: Case, user) -> list:
    """The message's accepted files become the case's documents (kind
    "other"), once: a copy of the stored file, under the upload rules
    again (`document_add`). Refused ones stay on the message with their
    reason."""
    documents = []
    for attachment in message.attachments.filter(refused_reason="", document__isnull=True):
        if not attachment.file:
            continue
        with attachment.file.open("rb") as stored:
            content = ContentFile(stored.read(), name=attachment.filename or "documento")
        document = document_add(
            case=case,
            kind=DocumentKind.OTHER,
            file=content,
            user=user,
            title=attachment.filename[:200],
        )
        attachment.document = document
        attachment.save(update_fields=["document", "updated_at"])
        documents.append(document)
    return documents


@transaction.atomic
def triage_open_case(
    *,
    message: InboundMessage,
    user,
    procedure: str,
    product: Product | None,
    subject: str,
    description: str = "",
    acknowledge_open_cases: bool = False,
) -> Case:
    """The message is a request: open its case (`cases.services.case_open`)
    with the message's channel and the time the customer wrote, its files as
    the case's documents, the message OPENED and linked to the case and to
    the case's intake interaction, and the acknowledgement sent as an answer
    to the message (`notify.notify_case`, on the message's own channel and
    thread). A collision with an open case raises `CaseCollision` as the
    new-request form does; bad input raises ValidationError; nothing is
    kept in either case."""
    from posventa.channels.notify import notify_case

    message = _lock(message, user)
    if message.company is None:
        raise ValidationError(ASSIGN_FIRST)
    if procedure not in Procedure.values or not customer_asked(procedure):
        raise ValidationError({"procedure": _("Choose a procedure a customer asks for.")})
    subject = (subject or "").strip()
    if len(subject) > Case._meta.get_field("subject").max_length:
        raise ValidationError(
            {
                "subject": _("At most %(max)s characters.")
                % {"max": Case._meta.get_field("subject").max_length}
            }
        )
    description = (description or "").strip() or message.body.strip()
    case = case_open(
        company=message.company,
        procedure=procedure,
        channel=message.channel,
        received_at=message.received_at,
        product=product,
        subject=subject,
        description=description,
        user=user,
        acknowledge_open_cases=acknowledge_open_cases,
        notify=False,
    )
    _files_to_case(message, case, user)
    # The intake interaction case_open recorded is this message.
    interaction = (
        Interaction.objects.filter(case=case, direction=Direction.INBOUND).order_by("pk").first()
    )
    if interaction is not None and message.contact_id and interaction.contact_id is None:
        interaction.contact = message.contact
        interaction.save(update_fields=["contact", "updated_at"])
    _triaged(message, user, MessageState.OPENED, case=case, interaction=interaction)
    notify_case(case=case, event="received", in_reply_to=message)
    return case


@transaction.atomic
def triage_thread(*, message: InboundMessage, user, case: Case) -> InboundMessage:
    """The message is about a case of its customer still open (a reply that
    named no case): added to it as the customer's interaction, its files as
    the case's documents, and a step waiting for the customer told (as
    `intake` does for a reply that threads on arrival)."""
    message = _lock(message, user)
    case = Case.objects.select_related("company").filter(pk=getattr(case, "pk", None)).first()
    if message.company is None:
        raise ValidationError(ASSIGN_FIRST)
    if case is None or case.company_id != message.company_id:
        raise ValidationError({"case": _("Choose an open case of this customer.")})
    if case.status == CaseStatus.CLOSED:
        raise ValidationError(
            {"case": _("Case %(number)s is closed: open a new case.") % {"number": case.number}}
        )
    interaction = interaction_record(
        company=message.company,
        user=user,
        channel=message.channel,
        direction=Direction.INBOUND,
        summary=_summary(_("Message added to case %(number)s") % {"number": case.number}, message),
        occurred_at=min(message.received_at, timezone.now()),
        contact=message.contact,
        case=case,
    )
    documents = _files_to_case(message, case, user)
    _triaged(message, user, MessageState.THREADED, case=case, interaction=interaction)
    if case.status == CaseStatus.WAITING_CUSTOMER and case.instance_id:
        # As a reply threaded on arrival: the step waiting for it is told.
        waiting_step_tell(message, case, files=len(documents))
    return message


@transaction.atomic
def triage_not_request(*, message: InboundMessage, user, note: str = "") -> InboundMessage:
    """The message asks for nothing the team does: marked so, and kept as a
    contact with the customer (an inbound interaction) when the sender is
    known."""
    message = _lock(message, user)
    note = (note or "").strip()
    if len(note) > NOTE_MAX_LENGTH:
        raise ValidationError({"note": _("At most %(max)s characters.") % {"max": NOTE_MAX_LENGTH}})
    interaction = None
    if message.company is not None:
        title = _("Message, not a request")
        if note:
            title = f"{title} ({note})"
        interaction = interaction_record(
            company=message.company,
            user=user,
            channel=message.channel,
            direction=Direction.INBOUND,
            summary=_summary(title, message),
            occurred_at=min(message.received_at, timezone.now()),
            contact=message.contact,
        )
    _triaged(message, user, MessageState.NOT_REQUEST, interaction=interaction)
    return message


@transaction.atomic
def triage_assign(
    *, message: InboundMessage, user, company: Company, contact: Contact | None = None
) -> InboundMessage:
    """The team lead says which customer an unknown sender writes for (and,
    if she knows, which of its people): the message moves to the triage of
    that customer's executive, who opens the case. Creates nothing else."""
    if not sees_every_triage(user):
        raise PermissionDenied(_("Only the team lead assigns a message to a customer."))
    message = _lock(message, user)
    company = Company.objects.select_related("executive").filter(pk=getattr(company, "pk", None))
    company = company.first()
    errors = {}
    if company is None:
        errors["company"] = _("Choose the customer.")
    elif contact is not None and contact.company_id != company.pk:
        errors["contact"] = _("The contact does not belong to this customer.")
    elif company.executive_id is None:
        errors["company"] = _("This customer has no executive to sort its messages.")
    if errors:
        raise ValidationError(errors)
    message.company = company
    message.contact = contact
    message.triage_role = Role.EXECUTIVE
    message.triage_user = company.executive
    message.full_clean()
    message.save(update_fields=["company", "contact", "triage_role", "triage_user", "updated_at"])
    return message


def _summary(title: str, message: InboundMessage) -> str:
    """What the interaction says: what became of the message, its subject
    and its first lines."""
    lines = [title]
    if message.subject:
        lines.append(message.subject)
    body = message.body.strip()
    if body:
        lines.append(body)
    return "\n".join(lines)[:SUMMARY_MAX_LENGTH]
