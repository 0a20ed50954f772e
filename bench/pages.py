"""Page speed (issue 15): the server time of every main page, as each role
opens it, on the demo plus a year of the team's history.

The demo (walked cases, users, portfolios, invoices) is loaded, then a year
is added in bulk: BENCH_PAGES_COMPANIES more companies in the executives'
portfolios, BENCH_PAGES_CASES closed cases over the last twelve months (a
tenth of them on the demo's first customer, whose page is the heaviest) and
two interactions per case. Each page is opened once cold (the first request
of the process for that page: process models parsed, templates compiled),
then BENCH_PAGES_RUNS times warm; the time is the server's (Django's test
client in the process: routing, queries, templates), without the network.

Goal: p95 < 150 ms for every page. Run with `make bench`; prints
percentiles, asserts nothing.
"""

import io
import os
import time

from _harness import percentiles, run, setup_django

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/posventa_bench_pages")
COMPANIES = int(os.environ.get("BENCH_PAGES_COMPANIES", "1000"))
CASES = int(os.environ.get("BENCH_PAGES_CASES", "40000"))
RUNS = int(os.environ.get("BENCH_PAGES_RUNS", "20"))
GOAL_MS = 150


def populate_year() -> dict:
    """A year of history in bulk on top of the demo."""
    from datetime import timedelta

    from django.db import transaction
    from django.utils import timezone

    from posventa.accounts.models import User
    from posventa.accounts.roles import Role
    from posventa.cases.models import Case
    from posventa.customers.models import Company, Interaction

    executives = list(User.objects.filter(role=Role.EXECUTIVE).order_by("pk"))
    lead = User.objects.filter(role=Role.TEAM_LEAD).first()
    with transaction.atomic():
        Company.objects.bulk_create(
            [
                Company(
                    nit=f"9{n:09d}",
                    legal_name=f"Empresa de prueba {n} S.R.L.",
                    trade_name=f"Prueba {n}",
                    address=f"Av. Ayacucho {n}",
                    executive=executives[n % len(executives)],
                )
                for n in range(COMPANIES)
            ],
            batch_size=2000,
        )
    companies = list(Company.objects.order_by("pk").values_list("pk", flat=True))
    heavy = _heavy_company().pk
    now = timezone.now()
    procedures, channels = "ABCDEFGHL", ["email", "whatsapp", "phone", "letter", "in_person"]
    for start in range(0, CASES, 10_000):
        cases = []
        for n in range(start, min(CASES, start + 10_000)):
            received = now - timedelta(days=365) + timedelta(days=365 * n / CASES, hours=1)
            cases.append(
                Case(
                    number=f"PV-Y-{n:08d}",
                    company_id=heavy if n % 10 == 0 else companies[n % len(companies)],
                    procedure=procedures[n % len(procedures)],
                    channel=channels[n % len(channels)],
                    received_at=received,
                    requested_at=received,
                    subject="Solicitud del año",
                    status="closed",
                    outcome="fulfilled",
                    attended_at=received + timedelta(hours=3 if n % 23 else 30),
                    closed_at=received + timedelta(hours=40),
                    quality_conform=n % 53 != 0,
                )
            )
        with transaction.atomic():
            created = Case.objects.bulk_create(cases, batch_size=2000)
            Interaction.objects.bulk_create(
                [
                    Interaction(
                        company_id=case.company_id,
                        occurred_at=case.received_at + timedelta(minutes=minutes),
                        channel=case.channel,
                        direction=direction,
                        recorded_by=lead,
                        summary=f"{case.number}: {what}",
                        case=case,
                    )
                    for case in created
                    for minutes, direction, what in (
                        (0, "inbound", "solicitud recibida"),
                        (90, "outbound", "solicitud atendida"),
                    )
                ],
                batch_size=2000,
            )
    return {"companies": Company.objects.count(), "cases": Case.objects.count()}


def _heavy_company():
    """The demo executive's first customer: a tenth of the year is hers."""
    from posventa.customers.models import Company

    return Company.objects.filter(executive__username="ejecutiva").order_by("pk").first()


def _pages() -> list[tuple[str, str, str]]:
    """(label, user, address) of every main page, found in the loaded data."""
    from django.urls import NoReverseMatch, reverse

    from posventa.accounts.models import User
    from posventa.cases.models import Case
    from posventa.cases.selectors import inbox
    from posventa.workorders.models import WorkOrder

    def url(name: str, *args) -> str | None:
        try:
            return reverse(name, args=args)
        except NoReverseMatch:  # a page a later issue adds
            return None

    demo_case = Case.objects.filter(status="open", number__startswith="PV-2").order_by("pk")
    open_case = demo_case.filter(company__executive__username="ejecutiva").first()
    closed_case = (
        Case.objects.filter(status="closed", number__startswith="PV-2").order_by("-pk").first()
    )
    task = inbox(user=User.objects.get(username="ejecutiva")).first()
    heavy = _heavy_company()
    order = WorkOrder.objects.order_by("pk").first()
    search = url("search:results")
    pages = [
        ("inbox · executive", "ejecutiva", url("cases:inbox")),
        ("inbox · technical manager", "gestor_tecnico", url("cases:inbox")),
        ("inbox · team lead", "responsable", url("cases:inbox")),
        ("case page · open", "ejecutiva", url("cases:detail", open_case.number)),
        ("case page · closed", "responsable", url("cases:detail", closed_case.number)),
        ("task page", "ejecutiva", url("cases:task", task.task_id) if task else None),
        ("new request", "ejecutiva", url("cases:new", heavy.pk)),
        ("portfolio", "ejecutiva", url("customers:portfolio")),
        ("customer page (a year)", "ejecutiva", url("customers:detail", heavy.pk)),
        ("case list", "responsable", url("cases:list")),
        ("team view", "responsable", url("cases:team")),
        ("search · NIT", "responsable", search and f"{search}?q={heavy.nit}"),
        ("search · name", "ejecutiva", search and f"{search}?q=prueba"),
        ("work orders", "gestor_tecnico", url("workorders:list")),
        ("work order", "gestor_tecnico", order and url("workorders:detail", order.number)),
        ("billing complaints", "responsable", url("claims:list")),
        ("debtors", "ejecutiva", url("collections:debtors")),
        ("proformas", "responsable", url("collections:proformas")),
        ("call campaigns", "responsable", url("campaigns:list")),
        ("preventive review", "analista", url("reviews:worklist")),
        ("visit calendar", "responsable", url("visits:calendar")),
        ("indicators", "responsable", url("indicators:dashboard")),
        ("where time goes", "responsable", url("indicators:time_spent")),
        ("24-hour watch", "responsable", url("indicators:watch")),
    ]
    return [(label, user, address) for label, user, address in pages if address]


def bench() -> dict:
    from django.core.management import call_command
    from django.test import Client

    from posventa.accounts.models import User

    call_command("deploy_procedures", verbosity=0)
    started = time.perf_counter()
    call_command("demo", quiet=True, stdout=io.StringIO())
    sizes = populate_year()
    sizes["load_s"] = round(time.perf_counter() - started, 1)
    clients: dict[str, Client] = {}
    results = {}
    for label, username, address in _pages():
        client = clients.get(username)
        if client is None:
            client = clients[username] = Client(HTTP_HOST="localhost")
            client.force_login(User.objects.get(username=username))
        started = time.perf_counter()
        response = client.get(address)
        cold = (time.perf_counter() - started) * 1000
        if response.status_code != 200:
            results[label] = {"status": response.status_code, "address": address}
            continue
        samples = []
        for _ in range(RUNS):
            started = time.perf_counter()
            client.get(address)
            samples.append((time.perf_counter() - started) * 1000)
        p50, p95 = percentiles(samples)
        results[label] = {"cold": cold, "p50": p50, "p95": p95}
    return {"sizes": sizes, "pages": results}


def child(backend: str) -> dict:
    setup_django(backend, pg_url=PG_URL)
    return bench()


def report(backend: str, result: dict) -> None:
    sizes = result["sizes"]
    print(
        f"\n[{backend}] demo + a year: {sizes['companies']} companies, {sizes['cases']} cases"
        f" (loaded in {sizes['load_s']} s); {RUNS} warm runs per page"
    )
    print(f"  {'page':<28} {'cold':>8} {'p50':>8} {'p95':>8}")
    over = []
    for label, figures in result["pages"].items():
        if "status" in figures:
            print(f"  {label:<28} answered {figures['status']} ({figures['address']})")
            continue
        mark = "" if figures["p95"] < GOAL_MS else "  ← over the goal"
        if mark:
            over.append(label)
        print(
            f"  {label:<28} {figures['cold']:>6.0f}ms {figures['p50']:>6.1f}ms"
            f" {figures['p95']:>6.1f}ms{mark}"
        )
    print(f"  goal p95 < {GOAL_MS} ms: {'every page' if not over else ', '.join(over) + ' over'}")


if __name__ == "__main__":
    run(__file__, child=child, report=report)
