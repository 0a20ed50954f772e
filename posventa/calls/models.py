"""The calls a line made, as the switch (Comteco) and the long-distance
carrier (Boliviatel, the manual's POYOLOG) record them: what procedure G's
call detail lists."""

from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from posventa.common.models import BaseModel
from posventa.inventory.models import Product


class CallSource(models.TextChoices):
    """Who records (and bills) the call."""

    COMTECO = "comteco", _("Comteco (fixed line)")
    BOLIVIATEL = "boliviatel", _("Boliviatel (long distance)")


class CallRecord(BaseModel):
    """One outgoing call of a line."""

    product = models.ForeignKey(
        Product, verbose_name=_("line"), on_delete=models.CASCADE, related_name="call_records"
    )
    started_at = models.DateTimeField(_("started at"))
    called_number = models.CharField(_("called number"), max_length=32)
    destination = models.CharField(_("destination"), max_length=100)
    duration_seconds = models.PositiveIntegerField(_("duration (seconds)"))
    cost = models.DecimalField(
        _("cost (Bs)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )
    source = models.CharField(_("source"), max_length=16, choices=CallSource.choices)

    class Meta:
        verbose_name = _("call record")
        verbose_name_plural = _("call records")
        ordering = ["product_id", "started_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(source__in=CallSource.values), name="callrecord_source_known"
            ),
            models.CheckConstraint(
                condition=models.Q(cost__gte=0), name="callrecord_cost_not_negative"
            ),
        ]
        indexes = [
            # The call detail: a line's calls of one month, in order
            # (WHERE product_id = ? AND started_at >= ? AND started_at < ? ORDER BY started_at).
            models.Index(fields=["product", "started_at"], name="callrecord_product_month_idx"),
        ]

    def __str__(self) -> str:
        when = f"{self.started_at:%d/%m/%Y %H:%M}"
        return f"{self.product.service_number} → {self.called_number} · {when}"
