"""Network feasibility: can the access network serve an address, on which
technology, with free ports?

The commercial manager asks it in procedure C (relocation, step 2) and the
analyst in K (migration to fiber). Today the team looks at QGIS; the product
answers on its own from the coverage table the admin keeps (`Coverage`), and a
real integration replaces it by naming its class in the setting
`POSVENTA_FEASIBILITY_ADAPTER` — anything with the `check` method below.
"""

from dataclasses import dataclass, field
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from posventa.catalog.models import Technology

DEFAULT_ADAPTER = "posventa.integrations.feasibility.CoverageTable"


@dataclass(frozen=True)
class Feasibility:
    """What the network has at a place: each technology present there and its
    free ports. A technology is available when it has at least one free port."""

    address: str
    zone: str
    neighbourhood: str
    spare_ports: dict[str, int] = field(default_factory=dict)
    source: str = ""

    @property
    def technologies(self) -> list[str]:
        """The networks that reach the place, with or without free ports."""
        return [t for t in Technology.values if t in self.spare_ports]

    @property
    def available(self) -> list[str]:
        """The networks that can take one more customer there."""
        return [t for t in self.technologies if self.spare_ports[t] > 0]

    @property
    def feasible(self) -> bool:
        return bool(self.available)

    def summary(self) -> str:
        """One line for the person who decides, in the site's language."""
        place = ", ".join(p for p in (self.neighbourhood, self.zone) if p) or self.address
        if not self.technologies:
            return _("%(place)s: no access network registered there.") % {"place": place}
        parts = []
        for technology in self.technologies:
            label = Technology(technology).label
            ports = self.spare_ports[technology]
            if ports:
                parts.append(
                    _("%(technology)s with %(ports)s free ports")
                    % {"technology": label, "ports": ports}
                )
            else:
                parts.append(_("%(technology)s without free ports") % {"technology": label})
        return _("%(place)s: %(networks)s.") % {"place": place, "networks": "; ".join(parts)}

    def as_dict(self) -> dict:
        """Plain values, for a process variable."""
        return {
            "address": self.address,
            "zone": self.zone,
            "neighbourhood": self.neighbourhood,
            "spare_ports": dict(self.spare_ports),
            "technologies": self.technologies,
            "available": self.available,
            "feasible": self.feasible,
            "summary": self.summary(),
            "source": self.source,
        }


class FeasibilityAdapter(Protocol):
    def check(self, *, address: str, zone: str, neighbourhood: str) -> Feasibility: ...


class CoverageTable:
    """The built-in answer: the coverage table's rows for the zone and
    neighbourhood (case and accents aside)."""

    source = "coverage_table"

    def check(self, *, address: str, zone: str, neighbourhood: str) -> Feasibility:
        from posventa.integrations.models import Coverage, place_key

        rows = Coverage.objects.filter(
            zone_key=place_key(zone), neighbourhood_key=place_key(neighbourhood)
        )
        return Feasibility(
            address=address.strip(),
            zone=zone.strip(),
            neighbourhood=neighbourhood.strip(),
            spare_ports={row.technology: row.spare_ports for row in rows},
            source=self.source,
        )


def adapter() -> FeasibilityAdapter:
    """The adapter the setting names (the coverage table by default)."""
    path = getattr(settings, "POSVENTA_FEASIBILITY_ADAPTER", "") or DEFAULT_ADAPTER
    return import_string(path)()


def check(*, address: str, zone: str, neighbourhood: str) -> Feasibility:
    """Whether the network can serve this address, and on what."""
    return adapter().check(address=address, zone=zone, neighbourhood=neighbourhood)
