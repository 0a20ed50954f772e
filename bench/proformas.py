"""Monthly proformas benchmark (procedure I, issue 6), on SQLite and on PostgreSQL.

Produce the month's proformas — one PDF per contract, one e-mail with the PDFs
and one interaction per customer — for 10 000 contracts (2 000 customers of
five contracts each, in eight portfolios), as the monthly job does. Prints
contracts per second, the peak memory of the process (resident set,
resource.getrusage) and what a second run of the same month adds (nothing:
idempotent per customer and month).

Run with `make bench`; prints figures, asserts nothing.
"""

import os
import resource
import tempfile
import time

import _harness

PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/posventa_bench_proformas"
)
CONTRACTS = int(os.environ.get("BENCH_PROFORMA_CONTRACTS", "10000"))
PER_COMPANY = 5


def setup_django(backend: str) -> None:
    _harness.setup_django(backend, pg_url=PG_URL)
    from django.conf import settings

    # The PDFs go to a scratch directory; the e-mails are rendered, kept in the
    # outbox with their attachments, and handed to a backend that drops them.
    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="posventa-bench-media-")
    settings.EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"


def populate() -> None:
    from datetime import date

    from posventa.accounts.roles import Role
    from posventa.catalog.models import Plan, ProductType
    from posventa.customers.models import Company, Contact
    from posventa.factories import UserFactory
    from posventa.inventory.models import Product

    executives = [UserFactory(username=f"bench_exec{i}", role=Role.EXECUTIVE) for i in range(8)]
    internet = ProductType.objects.get(code="internet")
    plans = [
        Plan.objects.create(
            code=f"BENCH-{i}",
            name=f"Internet {i}0 Mbps",
            product_type=internet,
            monthly_price=200 + 75 * i,
        )
        for i in range(1, 4)
    ]
    companies = Company.objects.bulk_create(
        Company(
            nit=str(5000000 + n),
            legal_name=f"Empresa {n} S.R.L.",
            address="Av. Heroínas 100",
            executive=executives[n % len(executives)],
        )
        for n in range(CONTRACTS // PER_COMPANY)
    )
    Contact.objects.bulk_create(
        Contact(company=c, name="Contacto", email=f"pagos{c.pk}@example.com", is_primary=True)
        for c in companies
    )
    Product.objects.bulk_create(
        (
            Product(
                company=company,
                service_number=f"7{index:07d}{k}",
                plan=plans[(index + k) % len(plans)],
                technology="fiber",
                installation_address="Av. Heroínas 100",
                installed_on=date(2024, 1, 1),
            )
            for index, company in enumerate(companies)
            for k in range(PER_COMPANY)
        ),
        batch_size=2000,
    )


def bench() -> dict:
    from datetime import date

    from django.db import connection

    from posventa.collections.models import Proforma
    from posventa.collections.services import proforma_run_execute, proforma_run_start

    populate()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    month = date(2026, 11, 1)
    started = time.perf_counter()
    run = proforma_run_execute(run=proforma_run_start(period=month))
    seconds = time.perf_counter() - started
    rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    again_started = time.perf_counter()
    again = proforma_run_execute(run=proforma_run_start(period=month))
    again_seconds = time.perf_counter() - again_started
    return {
        "contracts": Proforma.objects.count(),
        "companies": run.companies_done,
        "seconds": seconds,
        "per_second": run.proformas_created / seconds if seconds else 0.0,
        "rss_before_mb": rss_before / 1024,
        "rss_peak_mb": rss_after / 1024,
        "again_created": again.proformas_created,
        "again_seconds": again_seconds,
    }


def child(backend: str) -> dict:
    setup_django(backend)
    return bench()


def report(backend: str, r: dict) -> None:
    print(
        f"\n[{backend}] monthly proformas: {r['contracts']:,} contracts of"
        f" {r['companies']:,} customers (one PDF each, one e-mail + interaction per customer)"
    )
    print(f"  time              : {r['seconds']:8.1f} s")
    print(f"  contracts / second: {r['per_second']:8.1f}")
    print(
        f"  peak memory (RSS) : {r['rss_peak_mb']:8.1f} MB"
        f"  (after loading the data: {r['rss_before_mb']:.1f} MB)"
    )
    print(
        f"  second run        : {r['again_created']} proformas added in"
        f" {r['again_seconds']:.1f} s (idempotent per customer and month)"
    )


if __name__ == "__main__":
    _harness.run(__file__, child=child, report=report)
