"""Procedure J, loyalty and retention calls: a call campaign over an
executive's portfolio and its worklist — one line per product to call about,
with the call's result. Each call is a J case; a problem runs procedure E
inside it."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.common.models import BaseModel


class CampaignKind(models.TextChoices):
    LOYALTY = "loyalty", _("Loyalty call (services check)")
    QUALITY = "quality", _("Quality-control call on closed orders")


class Campaign(BaseModel):
    """Which customers of an executive's portfolio are called, and when."""

    name = models.CharField(_("name"), max_length=150)
    kind = models.CharField(_("kind"), max_length=16, choices=CampaignKind.choices)
    executive = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("executive"),
        on_delete=models.PROTECT,
        related_name="call_campaigns",
    )
    starts_on = models.DateField(_("calls from"))
    ends_on = models.DateField(_("calls until"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        verbose_name = _("call campaign")
        verbose_name_plural = _("call campaigns")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")),
                name="campaign_ends_after_it_starts",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CallResult(models.TextChoices):
    PENDING = "pending", _("Pending")
    IN_CALL = "in_call", _("Being called")
    NO_PROBLEM = "no_problem", _("Called: no problem")
    PROBLEM = "problem", _("Called: problem")


CALLED_RESULTS = (CallResult.NO_PROBLEM, CallResult.PROBLEM)


class CampaignItem(BaseModel):
    """One line of the worklist: a customer's product to call about (for a
    quality-control campaign, the closed work order too), and what came of
    the call."""

    campaign = models.ForeignKey(
        Campaign, verbose_name=_("campaign"), on_delete=models.CASCADE, related_name="items"
    )
    company = models.ForeignKey(
        "customers.Company",
        verbose_name=_("company"),
        on_delete=models.CASCADE,
        related_name="campaign_items",
    )
    product = models.ForeignKey(
        "inventory.Product",
        verbose_name=_("product"),
        on_delete=models.CASCADE,
        related_name="campaign_items",
    )
    work_order = models.ForeignKey(
        "workorders.WorkOrder",
        verbose_name=_("closed work order"),
        on_delete=models.CASCADE,
        related_name="quality_calls",
        null=True,
        blank=True,
    )
    result = models.CharField(
        _("result"), max_length=16, choices=CallResult.choices, default=CallResult.PENDING
    )
    case = models.OneToOneField(
        "cases.Case",
        verbose_name=_("case"),
        on_delete=models.PROTECT,
        related_name="campaign_item",
        null=True,
        blank=True,
    )
    called_at = models.DateTimeField(_("called at"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("campaign call")
        verbose_name_plural = _("campaign calls")
        ordering = ["company__legal_name", "product__service_number", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "product"],
                condition=models.Q(work_order=None),
                name="campaign_item_one_per_product",
            ),
            # A closed order gets one quality-control call, whatever the campaign.
            models.UniqueConstraint(
                fields=["work_order"],
                condition=models.Q(work_order__isnull=False),
                name="campaign_item_one_call_per_work_order",
            ),
            # Pending: no call yet; any other result: the call's case exists.
            models.CheckConstraint(
                condition=models.Q(result="pending", case=None)
                | (~models.Q(result="pending") & models.Q(case__isnull=False)),
                name="campaign_item_called_has_case",
            ),
            models.CheckConstraint(
                condition=~models.Q(result__in=["no_problem", "problem"])
                | models.Q(called_at__isnull=False),
                name="campaign_item_called_has_time",
            ),
        ]
        indexes = [models.Index(fields=["campaign", "result"], name="campaign_item_progress_idx")]

    def __str__(self) -> str:
        return f"{self.campaign} · {self.product}"
