"""Reads of the channels: the triage inbox, and one message as a person may
see it.

Who sees what (`Capability.TRIAGE_MESSAGES`):
- an executive, the messages waiting in her own triage (`triage_user`);
- the team lead, every message waiting for triage, those of senders nobody
  knows first.
A message that reached a case is also seen by whoever may see that case
(the case page's "see the message"); anything else is missing, as if it did
not exist (404), never "forbidden": an executive learns nothing of another
portfolio's mail.
"""

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.http import Http404

from posventa.accounts.roles import Capability, can, sees_every_portfolio
from posventa.cases.rules import attention_due
from posventa.cases.selectors import Clock, cases_visible_to
from posventa.channels.models import MESSAGE_CHANNELS, InboundMessage, MessageState
from posventa.customers.models import Company

# The team lead's filter for the messages nobody could place.
UNKNOWN_SENDER = "unknown"


def sees_every_triage(user) -> bool:
    """The team lead (and a superuser): every triage inbox, and the unknown senders'."""
    return can(user, Capability.TRIAGE_MESSAGES) and sees_every_portfolio(user)


def triage_inbox(user, *, channel: str = "", sender: str = "") -> QuerySet[InboundMessage]:
    """The messages waiting for this user's triage, newest first; for the
    team lead every waiting message, those of unknown senders first.
    `channel` keeps one channel; `sender="unknown"` only the messages no
    customer could be found for. A value no list offers filters nothing."""
    messages = InboundMessage.objects.filter(state=MessageState.TRIAGE)
    if not can(user, Capability.TRIAGE_MESSAGES):
        return messages.none()
    if sees_every_triage(user):
        if sender == UNKNOWN_SENDER:
            messages = messages.filter(company__isnull=True)
    else:
        messages = messages.filter(triage_user=user)
    if channel in {c.value for c in MESSAGE_CHANNELS}:
        messages = messages.filter(channel=channel)
    return (
        messages.select_related("company", "contact", "triage_user", "case")
        .annotate(attachment_count=Count("attachments"))
        .order_by(
            # The unknown senders first (only the team lead has any).
            ExpressionWrapper(Q(company__isnull=True), output_field=BooleanField()).desc(),
            "-received_at",
            "-pk",
        )
    )


def triage_count(user) -> int:
    """How many messages wait in this user's triage: the menu's badge."""
    if not can(user, Capability.TRIAGE_MESSAGES):
        return 0
    messages = InboundMessage.objects.filter(state=MessageState.TRIAGE)
    if not sees_every_triage(user):
        messages = messages.filter(triage_user=user)
    return messages.count()


def messages_visible_to(user) -> QuerySet[InboundMessage]:
    """The messages this user may open: her triage's (all, for the team
    lead), her portfolio's once triaged, and those of the cases she may see."""
    messages = InboundMessage.objects.all()
    if sees_every_triage(user):
        return messages
    visible = Q(case__in=cases_visible_to(user))
    if can(user, Capability.TRIAGE_MESSAGES):
        visible |= Q(triage_user=user) | Q(company__in=Company.objects.visible_to(user))
    return messages.filter(visible)


def message_for(user, pk: int) -> InboundMessage:
    """The message, if this user may open it; Http404 otherwise (as if missing)."""
    message = (
        messages_visible_to(user)
        .select_related("company__executive", "contact", "case", "triage_user", "triaged_by")
        .filter(pk=pk)
        .first()
    )
    if message is None:
        raise Http404
    return message


def may_triage(user, message: InboundMessage) -> bool:
    """Whether this user may sort this message (open its case, mark it…):
    the team lead any; an executive, one in her triage or of her portfolio."""
    if not can(user, Capability.TRIAGE_MESSAGES):
        return False
    if sees_every_triage(user):
        return True
    if message.triage_user_id == user.pk:
        return True
    return (
        message.company_id is not None
        and Company.objects.visible_to(user).filter(pk=message.company_id).exists()
    )


def message_clock(message: InboundMessage) -> Clock:
    """The 24 hours of the request a waiting message may be, as the case
    badges show them: they run since the customer wrote, not since someone
    opens the case."""
    return Clock(due_at=attention_due(message.received_at), attended_at=None)


def open_cases_of(company) -> QuerySet:
    """The company's cases still open, newest first: where a message that is
    really a reply may be added."""
    from posventa.cases.models import Case, CaseStatus

    if company is None:
        return Case.objects.none()
    return (
        Case.objects.filter(company=company)
        .exclude(status=CaseStatus.CLOSED)
        .select_related("product")
        .order_by("-received_at")
    )
