"""A closed month: the figures as they were when the team lead closed it,
and each case's verdict then, so that recomputing later can say what
changed and why."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.common.models import BaseModel
from posventa.indicators.definitions import DEFINITION


class MonthClose(BaseModel):
    """A month's figures, frozen by the team lead once it ended: the monthly
    report."""

    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    measured_at = models.DateTimeField(_("measured at"))
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("closed by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    excludes_customer_wait = models.BooleanField(_("24 hours exclude the customer's wait"))
    total = models.PositiveIntegerField(_("requests"))
    effective = models.PositiveIntegerField(_("attended effectively"))
    timely = models.PositiveIntegerField(_("attended in less than 24 h"))
    open = models.PositiveIntegerField(_("still open"))
    # The break-downs as shown then:
    # {"procedure": [[key, label, total, effective, timely, open], …], …}
    breakdowns = models.JSONField(_("break-downs"), default=dict)
    # Which definition counted the month (`definitions.DEFINITION`): 1, every
    # case received in it; 2, the customers' requests that reached the team in it.
    definition = models.PositiveSmallIntegerField(_("definition"), default=DEFINITION)
    # The team's own figures then (I, J, K; never in the indicators):
    # [[name, procedure, count], …]; empty for a month closed before they existed.
    team = models.JSONField(_("team's own figures"), default=list, blank=True)

    class Meta:
        ordering = ["-year", "-month"]
        verbose_name = _("closed month")
        verbose_name_plural = _("closed months")
        constraints = [
            models.UniqueConstraint(fields=["year", "month"], name="month_closed_once"),
            models.CheckConstraint(
                condition=models.Q(month__gte=1, month__lte=12), name="month_close_month_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(effective__lte=models.F("total"))
                & models.Q(timely__lte=models.F("total"))
                & models.Q(open__lte=models.F("total")),
                name="month_close_parts_within_total",
            ),
        ]

    def __str__(self):
        return f"{self.year:04d}-{self.month:02d}"


class ClosedCase(models.Model):
    """A case of a closed month and how it counted then."""

    month_close = models.ForeignKey(MonthClose, on_delete=models.CASCADE, related_name="cases")
    case = models.ForeignKey("cases.Case", on_delete=models.PROTECT, related_name="+")
    effective = models.BooleanField()
    timely = models.BooleanField()
    open = models.BooleanField()
    # What the verdict was made of, to explain a later difference.
    # When the customer's request reached the team (empty in a month closed
    # with the first definition, which measured from the reception).
    requested_at = models.DateTimeField(null=True)
    attended_at = models.DateTimeField(null=True)
    closed_at = models.DateTimeField(null=True)
    outcome = models.CharField(max_length=32, blank=True)
    quality_conform = models.BooleanField(null=True)
    reiterated = models.BooleanField()
    customer_wait = models.DurationField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["month_close", "case"], name="closed_case_once"),
        ]

    def __str__(self):
        return f"{self.month_close} · {self.case_id}"
