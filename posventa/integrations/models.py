"""The network coverage table: the built-in stand-in for the network geography
(QGIS: districts, cabinets, NAP, TAP) the commercial manager looks at for a
technical feasibility. The team keeps it in the admin."""

import unicodedata

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.catalog.models import Technology
from posventa.common.models import BaseModel


def place_key(text: str) -> str:
    """How a zone or neighbourhood is looked up: case, accents and spacing
    aside, so "Hipodromo" finds "Hipódromo"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return " ".join(plain.lower().split())


class Coverage(BaseModel):
    """One access network (copper or fiber) reaching a neighbourhood, with the
    ports it still has free."""

    zone = models.CharField(_("zone"), max_length=100)
    neighbourhood = models.CharField(_("neighbourhood"), max_length=100)
    technology = models.CharField(_("technology"), max_length=16, choices=Technology.choices)
    spare_ports = models.PositiveIntegerField(
        _("spare ports"), help_text=_("Free ports at the cabinet or NAP that serves the area.")
    )
    network_node = models.CharField(
        _("network node"),
        max_length=100,
        blank=True,
        help_text=_("Cabinet, NAP or TAP that serves the area, as the network map names it."),
    )
    # Lookup keys (see place_key), kept in step with the names on every save.
    zone_key = models.CharField(max_length=100, editable=False)
    neighbourhood_key = models.CharField(max_length=100, editable=False)

    class Meta:
        verbose_name = _("network coverage")
        verbose_name_plural = _("network coverage")
        ordering = ["zone", "neighbourhood", "technology"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(technology__in=Technology.values),
                name="coverage_technology_known",
            ),
            # One row per network and place; the feasibility check reads it by
            # (zone_key, neighbourhood_key) through this index.
            models.UniqueConstraint(
                fields=["zone_key", "neighbourhood_key", "technology"],
                name="coverage_once_per_place_and_technology",
                violation_error_message=_(
                    "This neighbourhood already has a row for this technology."
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.neighbourhood} ({self.zone}) · {self.get_technology_display()}"

    def _set_keys(self) -> None:
        self.zone = " ".join((self.zone or "").split())
        self.neighbourhood = " ".join((self.neighbourhood or "").split())
        self.zone_key = place_key(self.zone)
        self.neighbourhood_key = place_key(self.neighbourhood)

    def full_clean(self, *args, **kwargs):
        self._set_keys()  # before the unique check, which compares the keys
        super().full_clean(*args, **kwargs)

    def validate_constraints(self, exclude=None):
        # A form never shows the keys, so it leaves them out of the checks;
        # they follow the names, which the form does show.
        exclude = set(exclude or ()) - {"zone_key", "neighbourhood_key"}
        super().validate_constraints(exclude=exclude)

    def save(self, *args, **kwargs):
        self._set_keys()
        super().save(*args, **kwargs)


class WifiCoverage(models.TextChoices):
    GOOD = "good", _("Good in the whole office")
    WEAK = "weak", _("Weak in part of the office")
    NONE = "none", _("No wifi signal")


class RouterState(models.TextChoices):
    OK = "ok", _("Works")
    MISCONFIGURED = "misconfigured", _("Misconfigured (fixable remotely)")
    FAULTY = "faulty", _("Faulty (must be replaced)")


class DiagnosisRecord(BaseModel):
    """A remote diagnosis of an internet damage, as the technical analyst
    fills it: the built-in stand-in for the Help Desk tool (procedure E, step 4)."""

    product = models.ForeignKey(
        "inventory.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="diagnoses",
    )
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="diagnoses",
    )
    outages = models.BooleanField(_("outages in the area"), default=False)
    no_service = models.BooleanField(_("no service at all"), default=False)
    wifi_coverage = models.CharField(
        _("wifi coverage"), max_length=8, choices=WifiCoverage.choices, default=WifiCoverage.GOOD
    )
    devices = models.PositiveSmallIntegerField(_("connected devices"), default=0)
    contracted_mbps = models.DecimalField(
        _("contracted speed (Mbps)"), max_digits=7, decimal_places=2
    )
    measured_mbps = models.DecimalField(_("measured speed (Mbps)"), max_digits=7, decimal_places=2)
    amplifiers = models.BooleanField(_("wifi amplifiers installed"), default=False)
    router = models.CharField(
        _("router"), max_length=16, choices=RouterState.choices, default=RouterState.OK
    )
    findings = models.TextField(_("findings"))
    solved_remotely = models.BooleanField(_("solved remotely"))
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("analyst"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("remote diagnosis")
        verbose_name_plural = _("remote diagnoses")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(wifi_coverage__in=WifiCoverage.values)
                & models.Q(router__in=RouterState.values),
                name="diagnosis_values_known",
            ),
            models.CheckConstraint(
                condition=models.Q(contracted_mbps__gt=0) & models.Q(measured_mbps__gte=0),
                name="diagnosis_speeds_make_sense",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.product} · {self.created_at:%d/%m/%Y %H:%M}"


class ChangeKind(models.TextChoices):
    """The changes a case makes that the manual has "digitado" in the
    commercial system (steps A5, B5, C6, D5, H7, H11, C9, L7…)."""

    PLAN_CHANGE = "plan_change", _("Plan change")
    SERVICE_ON = "service_on", _("Supplementary service enabled")
    SERVICE_OFF = "service_off", _("Supplementary service disabled")
    RELOCATION = "relocation", _("Relocation")
    TECHNOLOGY = "technology", _("Technology change")
    SUSPENSION = "suspension", _("Temporary suspension")
    RECONNECTION = "reconnection", _("Reconnection")
    WITHDRAWAL = "withdrawal", _("Withdrawal")
    EQUIPMENT_RECEIVED = "equipment_received", _("Equipment received")
    CHARGE = "charge", _("Charge or fee")
    INTERACTION = "interaction", _("Interaction")


class ChangeState(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENT = "sent", _("Sent, waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed by the commercial system")
    FAILED = "failed", _("Failed")


class CommercialChange(BaseModel):
    """One change handed back to the commercial system: the outbound queue.
    Written in the same transaction as the change itself, delivered by a job
    through the adapter named in POSVENTA_COMMERCIAL_ADAPTER, and kept with
    its state, so nobody types it into the commercial system a second time
    and nobody wonders whether it got there."""

    kind = models.CharField(_("change"), max_length=24, choices=ChangeKind.choices)
    # Sent with the change: the commercial system applies each key once.
    idempotency_key = models.CharField(_("idempotency key"), max_length=100, unique=True)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commercial_changes",
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="commercial_changes",
    )
    product = models.ForeignKey(
        "inventory.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commercial_changes",
    )
    # What changed, as the commercial system's import layout names it (plain JSON values).
    payload = models.JSONField(_("what changed"), default=dict)
    state = models.CharField(
        _("state"), max_length=12, choices=ChangeState.choices, default=ChangeState.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)
    # Where it went (the outbound file) and what the commercial system answered.
    sent_to = models.CharField(_("sent to"), max_length=250, blank=True)
    external_reference = models.CharField(
        _("commercial system reference"), max_length=100, blank=True
    )
    reason = models.TextField(_("reason of the failure"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("change for the commercial system")
        verbose_name_plural = _("changes for the commercial system")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ChangeKind.values), name="commercialchange_kind_known"
            ),
            models.CheckConstraint(
                condition=models.Q(state__in=ChangeState.values),
                name="commercialchange_state_known",
            ),
            # Confirmed says when; a failed one says why.
            models.CheckConstraint(
                condition=~models.Q(state="confirmed") | models.Q(confirmed_at__isnull=False),
                name="commercialchange_confirmed_has_date",
            ),
            models.CheckConstraint(
                condition=~models.Q(state="failed") | ~models.Q(reason=""),
                name="commercialchange_failed_has_reason",
            ),
        ]
        indexes = [
            # The delivery job: what is still to send or to retry, oldest first.
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(state__in=["pending", "failed"]),
                name="commercialchange_due_idx",
            ),
            # The team lead's watch: changes not confirmed after a day.
            models.Index(
                fields=["created_at"],
                condition=~models.Q(state="confirmed"),
                name="commercialchange_open_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.get_state_display()}"
