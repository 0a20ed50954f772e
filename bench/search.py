"""Header search benchmark (issue 15), on SQLite and on PostgreSQL.

A year of data: 3 000 companies in eight portfolios, 100 000 contacts,
30 000 products, 40 000 cases and 8 000 work orders. For each key kind
(case number whole and bare, work-order number, NIT whole and its first
digits, company name, contact name, phone, e-mail, product number) the
header's search (`search.selectors.search`, five hits a kind, as the
suggestions ask) runs for 40 different texts, for the team lead (every
company) and for an executive (her portfolio). Prints p50 / p95 in ms per
kind and how each vendor's planner reads a name search (the trigram index,
not a full scan). Goal: tens of ms.

Run with `make bench`; prints figures, asserts nothing.
"""

import os
import random
import time

from _harness import percentiles, run, setup_django

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/posventa_bench_search")
COMPANIES = int(os.environ.get("BENCH_SEARCH_COMPANIES", "3000"))
CONTACTS = int(os.environ.get("BENCH_SEARCH_CONTACTS", "100000"))
PRODUCTS = int(os.environ.get("BENCH_SEARCH_PRODUCTS", "30000"))
CASES = int(os.environ.get("BENCH_SEARCH_CASES", "40000"))
WORK_ORDERS = int(os.environ.get("BENCH_SEARCH_WORK_ORDERS", "8000"))
TEXTS = int(os.environ.get("BENCH_SEARCH_TEXTS", "40"))
YEAR = 2026

FIRST = [
    "Carla",
    "Mariela",
    "Jorge",
    "Rodrigo",
    "Ana",
    "Luis",
    "Ximena",
    "Wilson",
    "Gabriela",
    "Marco",
    "Rosa",
    "Fernando",
    "Silvia",
    "Óscar",
    "Lucía",
    "Iván",
    "Patricia",
    "René",
    "Sandra",
    "Álvaro",
]
LAST = [
    "Ovando",
    "Rocha",
    "Gutiérrez",
    "Rojas",
    "Vargas",
    "Quispe",
    "Mamani",
    "Flores",
    "Suárez",
    "Peña",
    "Céspedes",
    "Zurita",
    "Arce",
    "Montaño",
    "Torrico",
    "Salinas",
    "Villarroel",
    "Camacho",
    "Ríos",
    "Ledezma",
    "Antezana",
    "Heredia",
    "Soria",
    "Claure",
]
SECTORS = [
    "Clínica",
    "Hotel",
    "Ferretería",
    "Farmacia",
    "Colegio",
    "Constructora",
    "Distribuidora",
    "Panificadora",
    "Laboratorio",
    "Transportes",
    "Importadora",
    "Consultora",
    "Restaurante",
    "Lavandería",
    "Imprenta",
]
PLACES = [
    "Cala Cala",
    "Tunari",
    "Muyurina",
    "Illimani",
    "Cristal",
    "Valle Alto",
    "Quillacollo",
    "Sacaba",
    "Tiquipaya",
    "Colcapirhua",
    "El Prado",
    "Recoleta",
    "Queru Queru",
    "Sarco",
    "Cerro Verde",
    "Los Pinos",
    "San Pedro",
    "La Tamborada",
    "Tupuraya",
    "Aranjuez",
]
SUFFIXES = ["S.R.L.", "S.A.", "Ltda.", ""]


def populate(rng: random.Random) -> dict:
    from datetime import UTC, date, datetime, timedelta

    from django.db import transaction

    from posventa.accounts.roles import Role
    from posventa.cases.models import Case
    from posventa.catalog.models import Plan, ProductType
    from posventa.customers.models import Company, Contact
    from posventa.factories import UserFactory
    from posventa.inventory.models import Product
    from posventa.workorders.models import WorkOrder

    executives = [UserFactory(username=f"bench_exec{i}", role=Role.EXECUTIVE) for i in range(8)]
    lead = UserFactory(username="bench_lead", role=Role.TEAM_LEAD)
    internet = ProductType.objects.get(code="internet")
    plan = Plan.objects.create(
        code="BENCH-1", name="Internet 10 Mbps", product_type=internet, monthly_price=250
    )
    with transaction.atomic():
        companies = Company.objects.bulk_create(
            (
                Company(
                    nit=str(1_000_000_000 + n * 7919),
                    legal_name=(
                        f"{rng.choice(SECTORS)} {rng.choice(PLACES)} {rng.choice(LAST)}"
                        f" {rng.choice(SUFFIXES)}"
                    ).strip(),
                    trade_name=f"{rng.choice(SECTORS)} {rng.choice(LAST)}" if n % 3 == 0 else "",
                    address="Av. Ballivián 123",
                    executive=executives[n % len(executives)],
                )
                for n in range(COMPANIES)
            ),
            batch_size=1000,
        )
        contacts = []
        for n in range(CONTACTS):
            first, last = rng.choice(FIRST), rng.choice(LAST)
            contacts.append(
                Contact(
                    company=companies[n % COMPANIES],
                    name=f"{first} {last} {rng.choice(LAST)}",
                    phone=f"4-4{n:06d}",
                    whatsapp=f"+591 7{n:07d}",
                    email=f"{first.lower()}.{last.lower()}{n}@empresa{n % COMPANIES}.bo",
                )
            )
        Contact.objects.bulk_create(contacts, batch_size=2000)
        Product.objects.bulk_create(
            (
                Product(
                    company=companies[n % COMPANIES],
                    service_number=("INT-" if n % 2 else "44") + f"{2_000_000 + n * 13}",
                    plan=plan,
                    installation_address="Av. Ballivián 123",
                    installed_on=date(2024, 1, 1) + timedelta(days=n % 700),
                )
                for n in range(PRODUCTS)
            ),
            batch_size=2000,
        )
        start = datetime(YEAR, 1, 1, 12, tzinfo=UTC)
        cases = Case.objects.bulk_create(
            (
                Case(
                    number=f"PV-{YEAR}-{n + 1:06d}",
                    company=companies[(n * 31) % COMPANIES],
                    procedure="ABCDEFGH"[n % 8],
                    channel="email",
                    received_at=start + timedelta(minutes=13 * n),
                    subject="Solicitud",
                )
                for n in range(CASES)
            ),
            batch_size=2000,
        )
        WorkOrder.objects.bulk_create(
            (
                WorkOrder(
                    number=f"OT-{YEAR}-{n + 1:06d}",
                    kind="damage",
                    company=cases[n * 5].company,
                    case=cases[n * 5],
                    address="Av. Ballivián 123",
                )
                for n in range(WORK_ORDERS)
            ),
            batch_size=2000,
        )
    return {"lead": lead, "executive": executives[0]}


def texts(rng: random.Random) -> dict[str, list[str]]:
    """Per key kind, TEXTS texts a person would type, taken from the data."""
    from posventa.customers.models import Company, Contact
    from posventa.inventory.models import Product

    companies = list(Company.objects.order_by("?")[:TEXTS])
    contacts = list(Contact.objects.order_by("?")[:TEXTS])
    products = list(Product.objects.order_by("?")[:TEXTS])
    numbers = [rng.randint(1, CASES) for _ in range(TEXTS)]
    orders = [rng.randint(1, WORK_ORDERS) for _ in range(TEXTS)]
    return {
        "case number (PV-2026-000123)": [f"PV-{YEAR}-{n:06d}" for n in numbers],
        "case number, bare (123)": [str(n) for n in numbers],
        "work order (OT-2026-000045)": [f"OT-{YEAR}-{n:06d}" for n in orders],
        "NIT, whole": [c.nit for c in companies],
        "NIT, first 6 digits": [c.nit[:6] for c in companies],
        "company name (a word)": [c.legal_name.split()[1] for c in companies],
        "company name (two words)": [" ".join(c.legal_name.split()[:2]) for c in companies],
        "contact name (surname)": [c.name.split()[1] for c in contacts],
        "contact name (full)": [c.name for c in contacts],
        "phone (digits)": [c.whatsapp[-8:] for c in contacts],
        "e-mail": [c.email.split("@")[0] for c in contacts],
        "product number": [p.service_number for p in products],
        "product number, digits": [p.service_number[-7:] for p in products],
    }


def plans() -> dict[str, str]:
    """How the planner reads a contact-name search (the largest table)."""
    from django.db import connection

    from posventa.customers.models import Contact
    from posventa.search.selectors import _text_condition, _with_text

    contacts = _with_text(Contact.objects.all(), "contact")
    contacts = contacts.filter(_text_condition(contacts, "contact", ("ovando",)))
    sql, params = contacts.query.sql_with_params()
    explain = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    with connection.cursor() as cursor:
        cursor.execute(explain + sql, params)
        rows = cursor.fetchall()
    return {"contact name": " | ".join(str(row[-1]).strip() for row in rows)}


def bench() -> dict:
    from django.db import connection, reset_queries

    from posventa.search.selectors import search

    rng = random.Random(15)
    users = populate(rng)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    figures: dict[str, dict] = {}
    found: dict[str, int] = {}
    for kind, samples in texts(rng).items():
        for who, user in users.items():
            timings = []
            for text in samples[:3]:  # warm the caches
                search(user=user, text=text)
            for text in samples:
                reset_queries()
                started = time.perf_counter()
                results = search(user=user, text=text)
                timings.append((time.perf_counter() - started) * 1000)
                if who == "lead":
                    found[kind] = found.get(kind, 0) + (results.count > 0)
            figures.setdefault(kind, {})[who] = percentiles(timings)
    return {"figures": figures, "found": found, "plans": plans()}


def child(backend: str) -> dict:
    setup_django(backend, pg_url=PG_URL)
    return bench()


def report(backend: str, result: dict) -> None:
    print(
        f"\n[{backend}] header search, {COMPANIES:,} companies, {CONTACTS:,} contacts,"
        f" {PRODUCTS:,} products, {CASES:,} cases, {WORK_ORDERS:,} work orders;"
        f" {TEXTS} texts a kind; p50 / p95, ms"
    )
    print(f"  {'key':32} {'team lead':>17} {'executive':>17}  found (lead)")
    for kind, by_user in result["figures"].items():
        lead, executive = by_user["lead"], by_user["executive"]
        print(
            f"  {kind:32} {lead[0]:7.2f} / {lead[1]:7.2f} {executive[0]:7.2f} / {executive[1]:7.2f}"
            f"  {result['found'].get(kind, 0)}/{TEXTS}"
        )
    for name, plan in result["plans"].items():
        print(f"  plan of a {name} search: {plan[:300]}")


if __name__ == "__main__":
    run(__file__, child=child, report=report)
