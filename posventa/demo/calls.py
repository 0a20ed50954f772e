"""The demo's call records: the outgoing calls of every line with call detail
(fixed lines, Duo Pack, Multipack, Boliviatel long distance) for the current
month and the two before — what procedure G's detail lists.

Comteco records the local calls and the calls to mobiles; Boliviatel carries
the long-distance ones, national and international. Calls are on working
hours, Monday to Saturday, never before the line was installed, after it was
withdrawn or later than now. The same line always gets the same calls
(seeded by its number). Idempotent: a line that already has call records is
left as it is. About ten calls per line and month: a few thousand rows.
"""

import math
import random
from collections import Counter
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from posventa.calls.models import CallRecord, CallSource
from posventa.calls.rules import CALL_DETAIL_PRODUCT_TYPES
from posventa.common.dates import add_months
from posventa.common.money import bs
from posventa.inventory.models import Product

MONTHS = 3  # the current month and the two before

# (destination, number prefix, digits after it, Bs per started minute, weight)
# fmt: off
COMTECO = [
    ("Cochabamba local", "4", 6, Decimal("0.10"), 60),
    ("Móvil Entel", "7", 7, Decimal("0.85"), 18),
    ("Móvil Tigo", "6", 7, Decimal("0.85"), 12),
    ("Móvil Viva", "7", 7, Decimal("0.85"), 8),
    ("Quillacollo y Sacaba", "4", 6, Decimal("0.10"), 6),
]
BOLIVIATEL = [
    ("La Paz (larga distancia)", "2", 7, Decimal("0.80"), 30),
    ("Santa Cruz (larga distancia)", "3", 7, Decimal("0.80"), 34),
    ("Sucre (larga distancia)", "46", 5, Decimal("0.80"), 8),
    ("Oruro (larga distancia)", "25", 5, Decimal("0.80"), 8),
    ("Tarija (larga distancia)", "466", 4, Decimal("0.80"), 5),
    ("Argentina (internacional)", "0054", 10, Decimal("2.60"), 5),
    ("Perú (internacional)", "0051", 9, Decimal("2.60"), 4),
    ("Brasil (internacional)", "0055", 10, Decimal("2.90"), 3),
    ("Estados Unidos (internacional)", "001", 10, Decimal("2.40"), 4),
    ("España (internacional)", "0034", 9, Decimal("3.90"), 2),
]
# fmt: on


def _calls_per_month(kind: str, rng: random.Random) -> dict[str, int]:
    if kind == "boliviatel_ld":
        return {CallSource.BOLIVIATEL: rng.randint(5, 12)}
    return {CallSource.COMTECO: rng.randint(5, 10), CallSource.BOLIVIATEL: rng.randint(1, 3)}


def _moment(rng: random.Random, first: date, last: date) -> datetime | None:
    """A working-hours moment between two days (both included), or None."""
    days = [
        first + timedelta(days=n)
        for n in range((last - first).days + 1)
        if (first + timedelta(days=n)).weekday() < 6
    ]
    if not days:
        return None
    day = rng.choice(days)
    moment = time(rng.randint(8, 18), rng.randint(0, 59), rng.randint(0, 59))
    return datetime.combine(day, moment, tzinfo=timezone.get_current_timezone())


def _records_for(product: Product, now: datetime, rng: random.Random) -> list[CallRecord]:
    today = timezone.localtime(now).date()
    kind = product.plan.product_type.code
    records = []
    for back in range(MONTHS - 1, -1, -1):
        first = add_months(today.replace(day=1), -back)
        last = add_months(first, 1) - timedelta(days=1)
        first = max(first, product.installed_on)
        last = min(last, product.withdrawn_on or last, today)
        if first > last:
            continue
        for source, count in _calls_per_month(kind, rng).items():
            table = COMTECO if source == CallSource.COMTECO else BOLIVIATEL
            for _ in range(count):
                started_at = _moment(rng, first, last)
                if started_at is None or started_at > now:
                    continue
                destination, prefix, digits, rate, _w = rng.choices(
                    table, weights=[row[4] for row in table]
                )[0]
                number = prefix + "".join(str(rng.randint(0, 9)) for _ in range(digits))
                seconds = int(rng.expovariate(1 / 150)) + 8
                records.append(
                    CallRecord(
                        product=product,
                        started_at=started_at,
                        called_number=number,
                        destination=destination,
                        duration_seconds=seconds,
                        cost=bs(rate * math.ceil(seconds / 60)),
                        source=source,
                    )
                )
    return sorted(records, key=lambda r: r.started_at)


@transaction.atomic
def load_call_records(*, now: datetime | None = None) -> Counter:
    """Add the call records of the lines that have none; returns how many."""
    now = now or timezone.now()
    created: Counter = Counter()
    lines = (
        Product.objects.filter(plan__product_type__code__in=CALL_DETAIL_PRODUCT_TYPES)
        .exclude(call_records__isnull=False)
        .select_related("plan__product_type")
        .order_by("service_number")
    )
    for product in lines:
        records = _records_for(product, now, random.Random(f"calls-{product.service_number}"))
        if records:  # a line installed today has none yet
            CallRecord.objects.bulk_create(records, batch_size=500)
            created["call_records"] += len(records)
    return created
