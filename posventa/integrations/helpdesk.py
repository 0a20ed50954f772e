"""Help Desk: the remote diagnosis of an internet damage (procedure E, step 4).

Today the technical analyst looks at the product's browsing in the Help Desk
tool: outages, no service, wifi coverage, devices, contracted against measured
speed, amplifiers, router. The product answers on its own with a diagnosis
record the analyst fills (`DiagnosisRecord`); a real integration replaces it by
naming its class in the setting `POSVENTA_HELPDESK_ADAPTER` — anything with the
`readings` and `record` methods below.
"""

import re
from dataclasses import asdict, dataclass
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

DEFAULT_ADAPTER = "posventa.integrations.helpdesk.DiagnosisRecords"
MBPS = re.compile(r"(\d+(?:[.,]\d+)?)\s*Mbps", re.IGNORECASE)


def mbps(value) -> Decimal:
    """A speed in Mbps as a Decimal to two places (never a float)."""
    try:
        amount = Decimal(str(value).replace(",", "."))
    except (InvalidOperation, ValueError):
        return Decimal("0.00")
    return amount.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def contracted_speed(product) -> Decimal | None:
    """The speed the plan sells, read from its name ("Internet 30 Mbps")."""
    found = MBPS.search(product.plan.name or "")
    return mbps(found.group(1)) if found else None


@dataclass(frozen=True)
class Diagnosis:
    """What the Help Desk tool says about a product's browsing."""

    service_number: str
    outages: bool = False
    no_service: bool = False
    wifi_coverage: str = "good"
    devices: int = 0
    contracted_mbps: str = ""  # Decimal as text: process variables are JSON
    measured_mbps: str = ""
    amplifiers: bool = False
    router: str = "ok"
    findings: str = ""
    solved_remotely: bool | None = None
    source: str = ""
    record_id: int | None = None

    @property
    def speed_ratio(self) -> Decimal | None:
        """Measured over contracted speed, in percent, or None if unknown."""
        if not self.contracted_mbps or not self.measured_mbps:
            return None
        contracted = mbps(self.contracted_mbps)
        if contracted <= 0:
            return None
        return (mbps(self.measured_mbps) * 100 / contracted).quantize(
            Decimal("1"), rounding=ROUND_HALF_UP
        )

    def summary(self) -> str:
        """One line for the case and the technical manager, in the site's language."""
        parts = []
        if self.no_service:
            parts.append(_("no service"))
        if self.outages:
            parts.append(_("outages in the area"))
        if self.contracted_mbps and self.measured_mbps:
            parts.append(
                _("%(measured)s of %(contracted)s Mbps (%(ratio)s%%)")
                % {
                    "measured": self.measured_mbps,
                    "contracted": self.contracted_mbps,
                    "ratio": self.speed_ratio,
                }
            )
        parts.append(_("wifi: %(wifi)s") % {"wifi": self.wifi_coverage})
        parts.append(_("%(devices)s devices") % {"devices": self.devices})
        if self.amplifiers:
            parts.append(_("with amplifiers"))
        parts.append(_("router: %(router)s") % {"router": self.router})
        line = "; ".join(str(p) for p in parts)
        return f"{line}. {self.findings}".strip() if self.findings else line

    def as_dict(self) -> dict:
        """Plain values, for a process variable."""
        return {**asdict(self), "summary": self.summary()}


class HelpDeskAdapter(Protocol):
    def readings(self, *, product) -> Diagnosis:
        """What the tool shows before the analyst looks: the starting point."""
        ...

    def record(self, *, product, work_order, readings: dict, analyst) -> Diagnosis:
        """Keep the analyst's diagnosis; returns it as recorded."""
        ...


class DiagnosisRecords:
    """The built-in Help Desk: the contracted speed from the plan, the rest
    measured and filled by the analyst, kept as a `DiagnosisRecord`."""

    source = "diagnosis_record"

    def readings(self, *, product) -> Diagnosis:
        contracted = contracted_speed(product)
        return Diagnosis(
            service_number=product.service_number,
            contracted_mbps=str(contracted) if contracted is not None else "",
            source=self.source,
        )

    def record(self, *, product, work_order, readings: dict, analyst) -> Diagnosis:
        from posventa.common.services import validated_save
        from posventa.integrations.models import DiagnosisRecord

        record = DiagnosisRecord(
            product=product,
            work_order=work_order,
            outages=bool(readings.get("outages")),
            no_service=bool(readings.get("no_service")),
            wifi_coverage=readings.get("wifi_coverage") or "good",
            devices=int(readings.get("devices") or 0),
            contracted_mbps=mbps(readings.get("contracted_mbps")),
            measured_mbps=mbps(readings.get("measured_mbps")),
            amplifiers=bool(readings.get("amplifiers")),
            router=readings.get("router") or "ok",
            findings=(readings.get("findings") or "").strip(),
            solved_remotely=bool(readings.get("solved_remotely")),
            analyst=analyst if getattr(analyst, "is_authenticated", False) else None,
        )
        validated_save(record)
        return Diagnosis(
            service_number=product.service_number,
            outages=record.outages,
            no_service=record.no_service,
            wifi_coverage=record.wifi_coverage,
            devices=record.devices,
            contracted_mbps=str(record.contracted_mbps),
            measured_mbps=str(record.measured_mbps),
            amplifiers=record.amplifiers,
            router=record.router,
            findings=record.findings,
            solved_remotely=record.solved_remotely,
            source=self.source,
            record_id=record.pk,
        )


def adapter() -> HelpDeskAdapter:
    """The adapter the setting names (the diagnosis records by default)."""
    path = getattr(settings, "POSVENTA_HELPDESK_ADAPTER", "") or DEFAULT_ADAPTER
    return import_string(path)()


def readings(*, product) -> Diagnosis:
    return adapter().readings(product=product)


def record(*, product, work_order, readings: dict, analyst) -> Diagnosis:
    return adapter().record(
        product=product, work_order=work_order, readings=readings, analyst=analyst
    )
