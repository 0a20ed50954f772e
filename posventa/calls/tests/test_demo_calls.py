"""The demo's call records: every line with call detail has realistic calls
of the last three months, from the right sources, loaded once."""

from collections import Counter
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from django.db.models import Count, Max, Min

from posventa.calls.models import CallRecord, CallSource
from posventa.calls.rules import CALL_DETAIL_PRODUCT_TYPES
from posventa.demo.calls import load_call_records
from posventa.demo.loader import load_demo
from posventa.inventory.models import Product

LA_PAZ = ZoneInfo("America/La_Paz")
NOW = datetime(2026, 3, 10, 12, 0, tzinfo=LA_PAZ)

pytestmark = pytest.mark.django_db


def test_the_demo_lines_get_a_few_thousand_calls_of_the_last_three_months_once():
    load_demo(today=NOW.date())
    added = load_call_records(now=NOW)["call_records"]
    assert 1000 <= added == CallRecord.objects.count() <= 5000
    lines = Product.objects.filter(plan__product_type__code__in=CALL_DETAIL_PRODUCT_TYPES)
    with_calls = lines.filter(call_records__isnull=False).distinct()
    assert with_calls.count() >= lines.count() * 0.9  # all but those installed today
    assert not CallRecord.objects.exclude(product__in=lines).exists()
    bounds = CallRecord.objects.aggregate(first=Min("started_at"), last=Max("started_at"))
    assert bounds["first"] >= datetime(2026, 1, 1, tzinfo=LA_PAZ) and bounds["last"] <= NOW
    # A Boliviatel long-distance product has only Boliviatel calls; fixed lines both.
    sources = Counter(CallRecord.objects.values_list("product__plan__product_type__code", "source"))
    assert sources[("boliviatel_ld", CallSource.COMTECO)] == 0
    assert (
        sources[("fixed_line", CallSource.COMTECO)]
        > sources[("fixed_line", CallSource.BOLIVIATEL)]
        > 0
    )
    hours = {r.started_at.astimezone(LA_PAZ).hour for r in CallRecord.objects.all()[:500]}
    assert hours <= set(range(8, 19))
    assert all(r.cost > 0 for r in CallRecord.objects.all()[:500])
    per_month = (
        CallRecord.objects.values("product").annotate(n=Count("id")).order_by("-n").first()["n"]
    )
    assert per_month < 100

    # Loaded once: a second load adds nothing.
    assert load_call_records(now=NOW) == Counter()
    assert CallRecord.objects.count() == added
