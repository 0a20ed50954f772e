"""Indicator benchmarks (issue 7), on SQLite and on PostgreSQL.

The month's indicators with their break-downs (by procedure, executive, role and
channel) for a month of 10 000 customers' requests, with (a) 10 000 and (b)
1 000 000 requests in the whole history; and the team's own figures (I, J,
K) over the month's 2 000 cases the team started (a fifth of its loyalty
calls and reviews found a damage: a customer's request too). Goal: history
size does not matter — ratio (b)/(a) ≤ 1.5; the counting happens in the
database.

Run with `make bench`; prints percentiles and ratios, asserts nothing.
"""

import os
import time

from _harness import percentiles, run, setup_django

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/posventa_bench_ind")
MONTH_CASES = int(os.environ.get("BENCH_MONTH_CASES", "10000"))
HISTORY = int(os.environ.get("BENCH_HISTORY", "1000000"))
RUNS = int(os.environ.get("BENCH_INDICATOR_RUNS", "15"))
MONTH_TEAM_CASES = int(os.environ.get("BENCH_MONTH_TEAM_CASES", "2000"))


def populate(count: int, *, first: int, month, inside: bool) -> None:
    """`count` cases, in the measured month or spread over the ten years
    before it; a realistic mix: most attended in time and closed fulfilled,
    some late, some open, some not conform, a few reiterations."""
    from datetime import timedelta

    from django.db import transaction

    from posventa.cases.models import Case
    from posventa.customers.models import Company

    companies = list(Company.objects.values_list("pk", flat=True))
    procedures, channels = "ABCDEFGHL", ["email", "whatsapp", "phone", "letter", "in_person"]
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
                    requested_at=received,
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


def populate_team(count: int, *, first: int, month) -> None:
    """`count` cases the team started in the month (I, J, K), none of them a
    request but a fifth of the calls and reviews, where the customer
    reported a damage ten minutes into the call."""
    from datetime import timedelta

    from django.db import transaction

    from posventa.cases.models import Case
    from posventa.customers.models import Company

    companies = list(Company.objects.values_list("pk", flat=True))
    span = month.ends_at - month.starts_at
    rows = []
    for n in range(count):
        received = month.starts_at + span * (((n * 7919) % count) / count)
        procedure = "IJK"[n % 3]
        damage = procedure != "I" and n % 5 == 0
        rows.append(
            Case(
                number=f"PV-T-{first + n:08d}",
                company_id=companies[n % len(companies)],
                procedure=procedure,
                channel="phone",
                received_at=received,
                requested_at=received + timedelta(minutes=10) if damage else None,
                subject="Gestión del equipo",
                status="closed",
                outcome="dunning_letter" if procedure == "I" and n % 4 == 0 else "fulfilled",
                attended_at=received + timedelta(hours=2),
                closed_at=received + timedelta(hours=40),
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
    from posventa.indicators.selectors import month_report, team_figures

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

    def measure_team() -> tuple[tuple[float, float], dict]:
        samples, counts = [], None
        for _ in range(RUNS):
            started = time.perf_counter()
            counts = {t.name: t.count for t in team_figures(lead, month)}
            samples.append((time.perf_counter() - started) * 1000)
        return percentiles(samples[2:]), counts

    populate(MONTH_CASES, first=0, month=month, inside=True)
    populate_team(MONTH_TEAM_CASES, first=0, month=month)
    populate(10_000 - MONTH_CASES, first=MONTH_CASES, month=month, inside=False)
    # A few reiterations inside the month: the subquery must have rows to look at.
    firsts = list(Case.objects.filter(received_at__gte=month.starts_at)[:50])
    for index, case in enumerate(firsts[25:]):
        case.reiterates = firsts[index]
        case.save(update_fields=["reiterates"])
    analyze()
    small, small_figures = measure()
    team_small, team_counts = measure_team()
    populate(HISTORY - 10_000, first=10_000, month=month, inside=False)
    analyze()
    large, large_figures = measure()
    team_large, team_counts_large = measure_team()
    assert small_figures == large_figures, "the history changed the month's figures"
    assert team_counts == team_counts_large, "the history changed the team's figures"
    return {
        "small": small,
        "large": large,
        "figures": small_figures,
        "team_small": team_small,
        "team_large": team_large,
        "team": team_counts,
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
    team_small, team_large = result["team_small"], result["team_large"]
    print(
        f"[{backend}] the team's own figures, {MONTH_TEAM_CASES:,} team cases in the month"
        f" ({result['team']['loyalty_damages']:,} + {result['team']['review_damages']:,}"
        " became requests); p50 / p95, ms"
    )
    print(f"  history 10 000     : {team_small[0]:8.2f} / {team_small[1]:8.2f}")
    print(f"  history {result['history']:,}: {team_large[0]:8.2f} / {team_large[1]:8.2f}")
    print(f"  ratio p50          : {team_large[0] / team_small[0]:.2f}x  (goal ≤ 1.5x)")


if __name__ == "__main__":
    run(__file__, child=child, report=report)
