"""Call records: the calls a line made in a month, from one source.

Today the team looks them up in "Consultas" (Comteco) and POYOLOG
(Boliviatel). The product answers on its own from the stored call records
(`CallRecord`), and a real integration replaces it by naming its class in the
setting `POSVENTA_CALL_RECORDS_ADAPTER` — anything with the `calls` method below.
"""

from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from typing import Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from posventa.common.dates import add_months

DEFAULT_ADAPTER = "posventa.calls.adapters.StoredCallRecords"


@dataclass(frozen=True)
class Call:
    """One outgoing call, as the detail lists it."""

    started_at: datetime
    called_number: str
    destination: str
    duration_seconds: int
    cost: Decimal
    source: str


class CallRecordsAdapter(Protocol):
    def calls(self, *, service_number: str, source: str, month: date) -> list[Call]: ...


def month_bounds(month: date) -> tuple[datetime, datetime]:
    """The month as a half-open range of aware datetimes, in local time."""
    first = month.replace(day=1)
    zone = timezone.get_current_timezone()
    return (
        datetime.combine(first, time.min, tzinfo=zone),
        datetime.combine(add_months(first, 1), time.min, tzinfo=zone),
    )


class StoredCallRecords:
    """The built-in answer: the stored call records of the line."""

    source = "stored_call_records"

    def calls(self, *, service_number: str, source: str, month: date) -> list[Call]:
        from posventa.calls.models import CallRecord

        starts, ends = month_bounds(month)
        rows = CallRecord.objects.filter(
            product__service_number=service_number,
            source=source,
            started_at__gte=starts,
            started_at__lt=ends,
        ).order_by("started_at", "pk")
        return [
            Call(
                started_at=row.started_at,
                called_number=row.called_number,
                destination=row.destination,
                duration_seconds=row.duration_seconds,
                cost=row.cost,
                source=row.source,
            )
            for row in rows
        ]


def adapter() -> CallRecordsAdapter:
    """The adapter the setting names (the stored call records by default)."""
    path = getattr(settings, "POSVENTA_CALL_RECORDS_ADAPTER", "") or DEFAULT_ADAPTER
    return import_string(path)()


def calls(*, service_number: str, source: str, month: date) -> list[Call]:
    """The line's calls of that month from that source, in order."""
    return adapter().calls(service_number=service_number, source=source, month=month)
