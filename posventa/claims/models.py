"""Billing complaints (procedure F): a customer disputes part of an invoice;
the claims unit UTAR (Unidad de Tramitación de Reclamos) registers, assigns
and resolves it, and the executive tells the customer, who accepts the
resolution or disagrees (then it goes back to UTAR).

UTAR's people are not users of this system: what UTAR answers is recorded by
the commercial manager or the team lead (its screen, or the API)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.billing.models import Invoice
from posventa.cases.models import Case
from posventa.common.models import BaseModel
from posventa.customers.models import Company


class ComplaintState(models.TextChoices):
    """Where the complaint is at UTAR (the manual's "registrado", "asignado", "atendido")."""

    REGISTERED = "registered", _("Registered at UTAR")
    ASSIGNED = "assigned", _("Assigned (in progress at UTAR)")
    RESOLVED = "resolved", _("Resolved")


OPEN_STATES = (ComplaintState.REGISTERED, ComplaintState.ASSIGNED)


class ComplaintQuerySet(models.QuerySet):
    def visible_to(self, user) -> "ComplaintQuerySet":
        """The complaints of the companies this user may see."""
        return self.filter(invoice__product__company__in=Company.objects.visible_to(user))

    def open(self) -> "ComplaintQuerySet":
        return self.filter(state__in=OPEN_STATES)


class Complaint(BaseModel):
    """A complaint on one invoice: the month is the invoice's; the disputed
    amount is at most what the invoice billed, kept with the complaint (what
    UTAR was told) so the database can hold the rule."""

    invoice = models.ForeignKey(
        Invoice, verbose_name=_("invoice"), on_delete=models.PROTECT, related_name="complaints"
    )
    case = models.ForeignKey(
        Case,
        verbose_name=_("registered in case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="complaints",
    )
    invoice_amount = models.DecimalField(
        _("invoice amount when registered (Bs)"), max_digits=12, decimal_places=2
    )
    disputed_amount = models.DecimalField(
        _("disputed amount (Bs)"), max_digits=12, decimal_places=2
    )
    reason = models.TextField(_("what the customer disputes"))
    state = models.CharField(
        _("state at UTAR"),
        max_length=16,
        choices=ComplaintState.choices,
        default=ComplaintState.REGISTERED,
    )
    assigned_at = models.DateTimeField(_("assigned at"), null=True, blank=True)
    resolution = models.TextField(_("UTAR's resolution"), blank=True)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # Told the resolution, the customer accepted it (True); a disagreement
    # sends the complaint back to UTAR, so False is only in its history.
    customer_accepted = models.BooleanField(
        _("customer accepted the resolution"), null=True, blank=True
    )
    disagreements = models.PositiveSmallIntegerField(_("times the customer disagreed"), default=0)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("registered by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("billing complaint")
        verbose_name_plural = _("billing complaints")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(state__in=ComplaintState.values), name="complaint_state_known"
            ),
            models.CheckConstraint(
                condition=models.Q(disputed_amount__gt=0), name="complaint_amount_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(disputed_amount__lte=models.F("invoice_amount")),
                name="complaint_at_most_the_invoice",
            ),
            models.CheckConstraint(condition=~models.Q(reason=""), name="complaint_has_reason"),
            # A resolved complaint has UTAR's resolution and its time; an open one neither.
            models.CheckConstraint(
                condition=(
                    models.Q(state=ComplaintState.RESOLVED, resolved_at__isnull=False)
                    & ~models.Q(resolution="")
                )
                | (
                    ~models.Q(state=ComplaintState.RESOLVED)
                    & models.Q(resolved_at=None, resolution="")
                ),
                name="complaint_resolved_has_resolution",
            ),
            # Only a resolution can be accepted.
            models.CheckConstraint(
                condition=models.Q(customer_accepted=None)
                | models.Q(state=ComplaintState.RESOLVED),
                name="complaint_accepts_only_a_resolution",
            ),
            models.CheckConstraint(
                condition=models.Q(resolved_at=None)
                | models.Q(resolved_at__gte=models.F("created_at")),
                name="complaint_resolved_after_registered",
            ),
            # One complaint at a time per invoice at UTAR (procedure F step 3
            # finds it instead of registering a second one).
            models.UniqueConstraint(
                fields=["invoice"],
                condition=models.Q(state__in=OPEN_STATES),
                name="complaint_one_open_per_invoice",
            ),
        ]
        indexes = [
            # The UTAR screen: complaints in a state, oldest first.
            models.Index(fields=["state", "created_at"], name="complaint_state_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} · {self.invoice}"

    def save(self, *args, **kwargs):
        if self.invoice_amount is None and self.invoice_id is not None:
            self.invoice_amount = self.invoice.amount  # what the invoice billed, kept
        super().save(*args, **kwargs)

    @property
    def number(self) -> str:
        return f"RC-{self.pk:06d}" if self.pk else "RC-"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def company(self):
        return self.invoice.product.company


class ComplaintChange(models.Model):
    """The complaint's history: each state it went through, who recorded it
    and what was said (resolutions told and disagreements stay here)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="changes")
    at = models.DateTimeField(_("at"))
    state = models.CharField(_("state"), max_length=16, choices=ComplaintState.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "pk"]
        verbose_name = _("complaint change")
        verbose_name_plural = _("complaint changes")

    def __str__(self) -> str:
        return f"{self.complaint_id} · {self.state}"
