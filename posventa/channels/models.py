"""The channels customers really use: what comes in (e-mail read over IMAP,
WhatsApp through its webhook) and what we send back to them (notifications
on the contact's preferred channel, with their delivery status).

Every inbound message is kept whole and once (`channel` + `external_id`
unique: a re-delivery or a re-run adds nothing). It either threads into the
case it answers, opens a case from the triage inbox, is marked "not a
request", or is recognised as automatic (auto-reply, bounce, list) and left
alone."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.common.models import BaseModel, Channel

# The channels a message arrives by or a notification leaves on.
MESSAGE_CHANNELS = (Channel.EMAIL, Channel.WHATSAPP)


class MessageState(models.TextChoices):
    TRIAGE = "triage", _("Waiting for triage")
    THREADED = "threaded", _("Added to its case")
    OPENED = "opened", _("Opened a case")
    NOT_REQUEST = "not_request", _("Not a request")
    AUTOMATIC = "automatic", _("Automatic message, ignored")


class InboundMessage(BaseModel):
    """One message a customer sent the team by e-mail or WhatsApp, kept whole
    (the raw .eml or the webhook's message), with what it says, who sent it
    and where it went: into its case, to a new case from the triage inbox,
    or nowhere (not a request, or an automatic message)."""

    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=[(c.value, c.label) for c in MESSAGE_CHANNELS],
    )
    # The e-mail's Message-ID (or a digest of the message when it has none),
    # WhatsApp's message id ("wamid.…").
    external_id = models.CharField(_("message id"), max_length=255)
    # When the customer wrote (the e-mail's Date, WhatsApp's timestamp): a
    # case opened from it counts its 24 hours from here.
    received_at = models.DateTimeField(_("written at"))
    # An e-mail address (lower case) or a WhatsApp number (digits only).
    sender = models.CharField(_("from"), max_length=254)
    sender_name = models.CharField(_("sender's name"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    body = models.TextField(_("text"), blank=True)
    raw = models.FileField(_("original message"), upload_to="channels/raw/%Y/%m/", blank=True)
    # The ids this message answers: In-Reply-To and References of an e-mail,
    # the quoted message of a WhatsApp reply.
    thread_ids = models.JSONField(_("answers"), default=list, blank=True)
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_messages",
    )
    interaction = models.OneToOneField(
        "customers.Interaction",
        verbose_name=_("interaction"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_message",
    )
    state = models.CharField(
        _("state"), max_length=16, choices=MessageState.choices, default=MessageState.TRIAGE
    )
    # Whose triage inbox holds it: the portfolio's executive for a known
    # sender, the team lead's (role only) for an unknown one.
    triage_role = models.CharField(_("triage of role"), max_length=32, blank=True)
    triage_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triage of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    # Why it was taken for an automatic message ("Auto-Submitted: auto-replied").
    automatic_reason = models.CharField(_("why automatic"), max_length=200, blank=True)
    triaged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("triaged by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    triaged_at = models.DateTimeField(_("triaged at"), null=True, blank=True)

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at", "-pk"]
        constraints = [
            # The same message delivered twice, or read twice, is kept once.
            models.UniqueConstraint(fields=["channel", "external_id"], name="inbound_message_once"),
            models.CheckConstraint(
                condition=models.Q(channel__in=[c.value for c in MESSAGE_CHANNELS]),
                name="inbound_message_channel_known",
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=MessageState.values),
                name="inbound_message_state_known",
            ),
            # A message in triage is in someone's triage inbox.
            models.CheckConstraint(
                condition=~models.Q(state="triage") | ~models.Q(triage_role=""),
                name="inbound_message_triage_has_role",
            ),
            # A message that went to a case names it.
            models.CheckConstraint(
                condition=~models.Q(state__in=["threaded", "opened"])
                | models.Q(case__isnull=False),
                name="inbound_message_case_when_taken",
            ),
        ]
        indexes = [
            # The triage inboxes: an executive's, a role's.
            models.Index(
                fields=["triage_user", "-received_at"],
                name="inbound_triage_user_idx",
                condition=models.Q(state="triage"),
            ),
            models.Index(
                fields=["triage_role", "-received_at"],
                name="inbound_triage_role_idx",
                condition=models.Q(state="triage"),
            ),
        ]

    def __str__(self) -> str:
        return self.subject or self.body[:60] or self.external_id


class InboundAttachment(BaseModel):
    """A file that came with an inbound message. Kept if the upload rules
    accept it (`common.uploads.accept_upload`), refused with its reason
    otherwise; once the message reaches a case, an accepted file becomes one
    of the case's documents."""

    message = models.ForeignKey(
        InboundMessage,
        verbose_name=_("message"),
        on_delete=models.CASCADE,
        related_name="attachments",
    )
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=120, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    file = models.FileField(_("file"), upload_to="channels/files/%Y/%m/", blank=True)
    # Why the file was not kept (its kind, its size): empty when kept.
    refused_reason = models.CharField(_("why refused"), max_length=300, blank=True)
    document = models.OneToOneField(
        "cases.CaseDocument",
        verbose_name=_("case document"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="inbound_attachment",
    )

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["pk"]

    def __str__(self) -> str:
        return self.filename


class ImapCursor(models.Model):
    """How far the team's mailbox has been read: the folder's UIDVALIDITY
    and the last UID taken in. A new UIDVALIDITY reads the folder again
    (the Message-ID constraint keeps that from adding anything twice)."""

    folder = models.CharField(_("folder"), max_length=200, primary_key=True)
    uid_validity = models.BigIntegerField(_("UIDVALIDITY"), default=0)
    last_uid = models.BigIntegerField(_("last UID read"), default=0)
    read_at = models.DateTimeField(_("last read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("mailbox read position")
        verbose_name_plural = _("mailbox read positions")

    def __str__(self) -> str:
        return f"{self.folder}: {self.last_uid}"


class WebhookDelivery(BaseModel):
    """One signed WhatsApp webhook delivery, kept as it came: the view checks
    the signature, stores it and answers at once; the worker takes in its
    messages and statuses (`processed_at` once done)."""

    payload = models.JSONField(_("payload"))
    processed_at = models.DateTimeField(_("processed at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("WhatsApp webhook delivery")
        verbose_name_plural = _("WhatsApp webhook deliveries")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["created_at"],
                name="webhook_pending_idx",
                condition=models.Q(processed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M:%S}"


class NotificationEvent(models.TextChoices):
    """The moments the customer hears from us about a case."""

    RECEIVED = "received", _("Request received")
    ATTENDED = "attended", _("Request attended")
    CLOSED = "closed", _("Request closed")
    # A step of a procedure where the manual says "inform the customer".
    INFORMED = "informed", _("The customer is informed at a step")
    # The month's proformas (procedure I), as documents.
    PROFORMA = "proforma", _("Monthly proforma")


class NotificationTemplate(BaseModel):
    """The words the customer gets at an event, which the team lead edits in
    the admin. `{placeholders}` are checked when saved; on WhatsApp the text
    goes as the approved template `whatsapp_template`, its placeholders as
    the template's parameters in the order they appear."""

    event = models.CharField(
        _("event"), max_length=16, choices=NotificationEvent.choices, unique=True
    )
    subject = models.CharField(_("e-mail subject"), max_length=200)
    text = models.TextField(_("text"), max_length=2000)
    whatsapp_template = models.CharField(_("WhatsApp template name"), max_length=100, blank=True)
    whatsapp_language = models.CharField(
        _("WhatsApp template language"), max_length=10, default="es"
    )
    is_active = models.BooleanField(_("sent"), default=True)

    class Meta:
        verbose_name = _("notification text")
        verbose_name_plural = _("notification texts")
        ordering = ["event"]

    def __str__(self) -> str:
        return self.get_event_display()


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENT = "sent", _("Sent")
    DELIVERED = "delivered", _("Delivered")
    READ = "read", _("Read")
    FAILED = "failed", _("Failed, will be retried")
    GAVE_UP = "gave_up", _("Failed, not retried")


class Notification(BaseModel):
    """One message to a customer on one channel, with how its delivery went:
    what the case page's timeline shows. A notification that fails for good
    on WhatsApp is sent again on e-mail (`fallback_of` links the two)."""

    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    contact = models.ForeignKey(
        "customers.Contact",
        verbose_name=_("contact"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
    )
    event = models.CharField(_("event"), max_length=16, choices=NotificationEvent.choices)
    channel = models.CharField(
        _("channel"),
        max_length=16,
        choices=[(c.value, c.label) for c in MESSAGE_CHANNELS],
    )
    # The e-mail address or the WhatsApp number it goes to.
    to = models.CharField(_("to"), max_length=254)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    text = models.TextField(_("text"))
    # On WhatsApp, the approved template's parameters as they were filled
    # in (the text's placeholders, in order), kept for the retries.
    parameters = models.JSONField(_("template parameters"), default=list, blank=True)
    # A document that goes with it (the proforma), kept for the retries.
    attachment = models.FileField(_("document"), upload_to="channels/sent/%Y/%m/", blank=True)
    attachment_name = models.CharField(_("document name"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("delivered at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # WhatsApp's message id, or the e-mail's Message-ID: a reply to it
    # threads into the case, a status from the webhook finds it.
    external_id = models.CharField(_("message id"), max_length=255, blank=True)
    # On e-mail, the outbox row that carries it (and retries it).
    email = models.OneToOneField(
        "outbox.OutgoingEmail",
        verbose_name=_("e-mail"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notification",
    )
    # The message this one answers (the acknowledgement of a request that
    # came in by e-mail or WhatsApp goes back on that thread).
    in_reply_to = models.ForeignKey(
        InboundMessage,
        verbose_name=_("answers"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="replies",
    )
    fallback_of = models.OneToOneField(
        "self",
        verbose_name=_("sent instead of"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="fallback",
    )

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=DeliveryStatus.values),
                name="notification_status_known",
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=["queued", "failed", "gave_up"])
                | models.Q(sent_at__isnull=False),
                name="notification_sent_has_sent_at",
            ),
        ]
        indexes = [
            models.Index(fields=["case", "created_at"], name="notification_case_idx"),
            models.Index(
                fields=["external_id"],
                name="notification_external_idx",
                condition=~models.Q(external_id=""),
            ),
            models.Index(
                fields=["status", "created_at"],
                name="notification_pending_idx",
                condition=models.Q(status__in=["queued", "failed"]),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_event_display()} · {self.to}"
