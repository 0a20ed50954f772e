"""The shared visit calendar (which replaces the team's calendar template):
the technical analysts' support visits of procedure L, each with its work
order and the engineering service that closes it, and the executives' own
commercial visits ("ofertas de servicio", the manual's Annex 1)."""

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from posventa.common.models import BaseModel


class VisitState(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    DONE = "done", _("Done")
    CANCELLED = "cancelled", _("Cancelled")


class VisitKind(models.TextChoices):
    SUPPORT = "support", _("Technical support visit")
    COMMERCIAL = "commercial", _("Commercial visit")


class QualityResult(models.TextChoices):
    SATISFIED = "satisfied", _("Satisfied")
    NOT_SATISFIED = "not_satisfied", _("Not satisfied")


class Visit(BaseModel):
    """A visit in the shared calendar: when, to which company, whom to
    interview and where. Either a technical analyst's support visit
    (procedure L: it has its work order, and perhaps its case) or an
    executive's commercial visit (Annex 1, "ofertas de servicio": no work
    order, no case) — never both, never neither (`visit_support_or_commercial`)."""

    kind = models.CharField(
        _("kind"), max_length=16, choices=VisitKind.choices, default=VisitKind.SUPPORT
    )
    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("analyst"),
        on_delete=models.PROTECT,
        related_name="visits",
        null=True,
        blank=True,
    )
    executive = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("executive"),
        on_delete=models.PROTECT,
        related_name="commercial_visits",
        null=True,
        blank=True,
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="visits",
    )
    product = models.ForeignKey(
        "inventory.Product",
        verbose_name=_("product"),
        on_delete=models.PROTECT,
        related_name="visits",
        null=True,
        blank=True,
    )
    case = models.ForeignKey(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        related_name="visits",
        null=True,
        blank=True,
    )
    work_order = models.OneToOneField(
        "workorders.WorkOrder",
        verbose_name=_("work order"),
        on_delete=models.PROTECT,
        related_name="visit",
        null=True,
        blank=True,
    )
    starts_at = models.DateTimeField(_("starts at"), db_index=True)
    ends_at = models.DateTimeField(_("ends at"))
    person = models.CharField(_("person to interview"), max_length=150)
    location = models.CharField(_("location"), max_length=250)
    reason = models.TextField(_("reason"), blank=True)
    observations = models.TextField(_("observations"), blank=True)
    state = models.CharField(
        _("state"), max_length=16, choices=VisitState.choices, default=VisitState.SCHEDULED
    )
    scheduled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("scheduled by"),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    quality_result = models.CharField(
        _("quality-control call"), max_length=16, choices=QualityResult.choices, blank=True
    )
    quality_notes = models.TextField(_("quality-control notes"), blank=True)
    quality_called_at = models.DateTimeField(_("quality call at"), null=True, blank=True)

    class Meta:
        ordering = ["starts_at"]
        verbose_name = _("visit")
        verbose_name_plural = _("visits")
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=F("starts_at")), name="visit_ends_after_start"
            ),
            models.CheckConstraint(
                condition=Q(state__in=VisitState.values), name="visit_state_known"
            ),
            # A support visit: an analyst goes, with the visit's work order.
            # A commercial visit: the executive goes; no work order, no case,
            # no quality call (those are procedure L's).
            models.CheckConstraint(
                condition=Q(
                    kind=VisitKind.SUPPORT,
                    analyst__isnull=False,
                    executive__isnull=True,
                    work_order__isnull=False,
                )
                | Q(
                    kind=VisitKind.COMMERCIAL,
                    executive__isnull=False,
                    analyst__isnull=True,
                    work_order__isnull=True,
                    case__isnull=True,
                    quality_result="",
                ),
                name="visit_support_or_commercial",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} {self.starts_at:%Y-%m-%d %H:%M}"


class EngineeringService(BaseModel):
    """The engineering service record: the work done on the visit. Recording
    it closes the visit's work order."""

    visit = models.OneToOneField(
        Visit,
        verbose_name=_("visit"),
        on_delete=models.PROTECT,
        related_name="engineering_service",
    )
    work_done = models.TextField(_("work done"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("engineering service")
        verbose_name_plural = _("engineering services")

    def __str__(self) -> str:
        return str(self.visit)
