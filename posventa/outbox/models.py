"""E-mails the procedures send, kept with their status: the outbox.

A procedure step queues an e-mail in its own transaction; it leaves once that
transaction commits (and, if the mail server failed, again from the
every-minute job), so a step that rolls back sends nothing."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.common.models import BaseModel


class Mailbox(BaseModel):
    """A team the procedures write to by name (e.g. UTAR, the claims unit):
    its address is kept here, where the admin can change it."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=120)
    address = models.EmailField(_("e-mail address"))

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")

    def __str__(self):
        return f"{self.name} <{self.address}>"


class EmailStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    # Claimed and committed before the mail server is spoken to: found so
    # after the sending process died, the e-mail may have left (docs/resilience.md).
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed, will be retried")
    GAVE_UP = "gave_up", _("Failed, not retried")


class OutgoingEmail(BaseModel):
    template = models.CharField(_("template"), max_length=80)
    subject = models.CharField(_("subject"), max_length=255)
    body = models.TextField(_("body"))
    to = models.JSONField(_("to"), default=list)
    cc = models.JSONField(_("copy to"), default=list, blank=True)
    # Extra headers sent as they are: a notification's own Message-ID (kept
    # so the customer's reply threads into the case), In-Reply-To, References.
    headers = models.JSONField(_("headers"), default=dict, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=EmailStatus.choices, default=EmailStatus.QUEUED
    )
    # Given at the first attempt and kept: a second attempt of the same
    # e-mail carries the same Message-ID, so a copy that did leave twice
    # (the sender killed after the server took it) can be told apart downstream.
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="emails",
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("customer"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="emails",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("written by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("outgoing e-mail")
        verbose_name_plural = _("outgoing e-mails")
        indexes = [models.Index(fields=["status", "created_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="sent") | models.Q(sent_at__isnull=False),
                name="outbox_sent_has_sent_at",
            )
        ]

    def __str__(self):
        return self.subject


class OutgoingAttachment(BaseModel):
    email = models.ForeignKey(OutgoingEmail, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(_("file"), upload_to="outbox/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=120)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")

    def __str__(self):
        return self.filename
