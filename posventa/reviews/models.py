"""Procedure K, preventive technical review: the analyst's worklist (built
from the data instead of the shared Excel sheet), the sales opportunities it
leaves for the executives, and the analysts' daily reports."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.catalog.models import ProductTypeCode
from posventa.common.models import BaseModel


class ItemKind(models.TextChoices):
    OPPORTUNITY = "opportunity", _("Sales opportunity")
    MIGRATION = "migration", _("Migration to fiber")
    SERVICE = "service", _("Service check")


class ReviewItem(BaseModel):
    """One line of the analyst's review list: what the data says about a
    customer's product, until a K case is opened on it."""

    kind = models.CharField(_("kind"), max_length=16, choices=ItemKind.choices)
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="review_items",
    )
    product = models.ForeignKey(
        "inventory.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="review_items",
    )
    # Sales opportunity: the kind of product the customer lacks.
    offered_type = models.CharField(
        _("product to offer"), max_length=32, choices=ProductTypeCode.choices, blank=True
    )
    detail = models.CharField(_("detail"), max_length=250, blank=True)
    found_on = models.DateField(_("found on"))
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="review_item",
    )

    class Meta:
        verbose_name = _("review item")
        verbose_name_plural = _("review items")
        ordering = ["kind", "company__legal_name", "product__service_number"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=ItemKind.values), name="review_item_kind_known"
            ),
            models.CheckConstraint(
                condition=~models.Q(kind="opportunity") | ~models.Q(offered_type=""),
                name="review_opportunity_names_the_product",
            ),
            # A finding is listed once while nobody works on it.
            models.UniqueConstraint(
                fields=["kind", "product", "offered_type"],
                condition=models.Q(case__isnull=True),
                name="review_item_pending_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.product}"


class OpportunityOutcome(models.TextChoices):
    PENDING = "pending", _("Proposal pending")
    TO_SALES = "to_sales", _("Handed to the sales team")
    NOT_INTERESTED = "not_interested", _("Customer not interested")


class Opportunity(BaseModel):
    """A sale the analyst noted for the executive (step 3) and its outcome
    after the commercial proposal (step 11): the sale itself is the sales
    team's procedure."""

    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.PROTECT,
        related_name="opportunities",
    )
    case = models.OneToOneField(
        "cases.Case", verbose_name=_("case"), on_delete=models.PROTECT, related_name="opportunity"
    )
    offered_type = models.CharField(
        _("product to offer"), max_length=32, choices=ProductTypeCode.choices
    )
    note = models.CharField(_("note for the executive"), max_length=500, blank=True)
    noted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("noted by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    outcome = models.CharField(
        _("outcome"),
        max_length=16,
        choices=OpportunityOutcome.choices,
        default=OpportunityOutcome.PENDING,
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("sales opportunity")
        verbose_name_plural = _("sales opportunities")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(outcome__in=OpportunityOutcome.values),
                name="opportunity_outcome_known",
            ),
            models.CheckConstraint(
                condition=models.Q(outcome="pending", decided_at__isnull=True)
                | (~models.Q(outcome="pending") & models.Q(decided_at__isnull=False)),
                name="opportunity_decided_when_not_pending",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.company} · {self.get_offered_type_display()}"


class DailyReport(BaseModel):
    """A technical analyst's working day, as e-mailed at its end (steps 10
    of J and K) to the division head, the team lead and the technical manager."""

    analyst = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("analyst"),
        on_delete=models.PROTECT,
        related_name="daily_reports",
    )
    day = models.DateField(_("day"))
    cases_worked = models.PositiveIntegerField(_("cases worked"), default=0)
    diagnoses = models.PositiveIntegerField(_("diagnoses"), default=0)
    visits = models.PositiveIntegerField(_("visits"), default=0)
    damages = models.PositiveIntegerField(_("damages registered"), default=0)
    email = models.ForeignKey(
        "outbox.OutgoingEmail",
        verbose_name=_("e-mail"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("daily report")
        verbose_name_plural = _("daily reports")
        ordering = ["-day", "analyst__username"]
        constraints = [
            models.UniqueConstraint(fields=["analyst", "day"], name="daily_report_once_a_day"),
        ]

    def __str__(self) -> str:
        return f"{self.analyst} · {self.day:%d/%m/%Y}"
