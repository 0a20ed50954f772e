"""The network coverage table: the built-in stand-in for the network geography
(QGIS: districts, cabinets, NAP, TAP) the commercial manager looks at for a
technical feasibility. The team keeps it in the admin."""

import unicodedata

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
