"""Indicator benchmarks (issue 7), on SQLite and on PostgreSQL.

The month's indicators with their break-downs (by procedure, executive, role and
channel) for a month of 10 000 cases, with (a) 10 000 and (b) 1 000 000
cases in the whole history. Goal: history size does not matter — ratio
(b)/(a) ≤ 1.5; the counting happens in the database.

Run with `make bench`; prints percentiles and ratios, asserts nothing.
"""

import os
import time

from _harness import percentiles, run, setup_django

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/posventa_bench_ind")
MONTH_CASES = int(os.environ.get("BENCH_MONTH_CASES", "10000"))
HISTORY = int(os.environ.get("BENCH_HISTORY", "1000000"))
RUNS = int(os.environ.get("BENCH_INDICATOR_RUNS", "15"))


def populate(count: int, *, first: int, month, inside: bool) -> None:
    """`count` cases, in the measured month or spread over the ten years
    before it; a realistic mix: most attended in time and closed fulfilled,
    some late, some open, some not conform, a few reiterations."""
    from datetime import timedelta

    from django.db import transaction

    from posventa.cases.models import Case
    from posventa.customers.models import Company

    companies = list(Company.objects.values_list("pk", flat=True))
    procedures, channels = "ABCDEFGH", ["email", "whatsapp", "phone", "letter", "in_person"]
    span = (month.ends_at - month.starts_at) if inside else timedelta(days=3650)
    origin = month.starts_at if inside else month.starts_at - span
    batch = 10_000
    for start in range(0, count, batch):
        rows = []
        for n in range(start, min(count, start + batch)):
            received = origin + span * (((n * 7919) % count) / count)
            late = n % 23 == 0
            still_open = n % 97 == 0
            attended = None if still_open else received + timedelta(hours=30 if late else 3)
            rows.append(
                Case(
                    number=f"PV-B-{first + n:08d}",
                    company_id=companies[n % len(companies)],
                    procedure=procedures[n % len(procedures)],
                    channel=channels[n % len(channels)],
                    received_at=received,
                    subject="Solicitud",
                    status="open" if still_open else "closed",
                    outcome=""
                    if still_open
                    else ("requirements_not_met" if n % 41 == 0 else "fulfilled"),
                    attended_at=attended,
                    closed_at=None if still_open else received + timedelta(hours=40),
                    quality_conform=None if still_open else n % 53 != 0,
                )
            )
        with transaction.atomic():
            Case.objects.bulk_create(rows, batch_size=2000)


def bench() -> dict:
    from django.db import connection

    from posventa.accounts.roles import Role
    from posventa.cases.models import Case
    from posventa.factories import CompanyFactory, UserFactory
    from posventa.indicators.definitions import Month
    from posventa.indicators.selectors import month_report

    executives = [UserFactory(username=f"bench_exec{i}", role=Role.EXECUTIVE) for i in range(8)]
    for i in range(120):
        CompanyFactory(executive=executives[i % 8], nit=str(4000000 + i))
    lead = UserFactory(username="bench_lead", role=Role.TEAM_LEAD)
    month = Month(2026, 10)

    def analyze():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")

    def measure() -> tuple[tuple[float, float], dict]:
        samples, figures = [], None
        for _ in range(RUNS):
            started = time.perf_counter()
            report = month_report(lead, month)
            samples.append((time.perf_counter() - started) * 1000)
            figures = report.figures
        return percentiles(samples[2:]), figures.__dict__

    populate(MONTH_CASES, first=0, month=month, inside=True)
    populate(10_000 - MONTH_CASES, first=MONTH_CASES, month=month, inside=False)
    # A few reiterations inside the month: the subquery must have rows to look at.
    firsts = list(Case.objects.filter(received_at__gte=month.starts_at)[:50])
    for index, case in enumerate(firsts[25:]):
        case.reiterates = firsts[index]
        case.save(update_fields=["reiterates"])
    analyze()
    small, small_figures = measure()
    populate(HISTORY - 10_000, first=10_000, month=month, inside=False)
    analyze()
    large, large_figures = measure()
    assert small_figures == large_figures, "the history changed the month's figures"
    return {
        "small": small,
        "large": large,
        "figures": small_figures,
        "history": Case.objects.count(),
    }


def child(backend: str) -> dict:
    setup_django(backend, pg_url=PG_URL)
    return bench()


def report(backend: str, result: dict) -> None:
    small, large = result["small"], result["large"]
    figures = result["figures"]
    print(
        f"\n[{backend}] month's indicators + 4 break-downs, {MONTH_CASES:,} cases in the month"
        f" ({figures['effective']:,} effective, {figures['timely']:,} timely,"
        f" {figures['open']:,} open); p50 / p95, ms"
    )
    print(f"  history 10 000     : {small[0]:8.2f} / {small[1]:8.2f}")
    print(f"  history {result['history']:,}: {large[0]:8.2f} / {large[1]:8.2f}")
    print(f"  ratio p50          : {large[0] / small[0]:.2f}x  (goal ≤ 1.5x)")


if __name__ == "__main__":
    run(__file__, child=child, report=report)
