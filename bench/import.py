"""Import benchmark (issue 14): the commercial system's portfolio loaded into
Posventa, on SQLite and on PostgreSQL.

Three files, as the commercial system exports them, written once before the runs:
- companies: one row per company (a third of the products), .xlsx;
- products: 100 000 rows, .xlsx;
- invoices: 24 months of every product, 2 400 000 rows, CSV
  (about 2.5 M rows in all).

For each backend, on a fresh database: each file checked (the dry run), then
imported, in order, as a person loads them; then the same three files again.
Prints rows per second and the peak memory of the process (resident set,
resource.getrusage) after each phase, what each phase counted, and whether
any row was written twice (the tables hold exactly the rows of the files; the
second load creates and updates nothing).

Then the readers alone, on the products file: python-calamine (what the
import uses) against openpyxl's read-only mode, and, when it is installed,
django-import-export's dry run of the same rows (`pip install --target
var/bench-compare django-import-export==4.4.3`; not a dependency).

BENCH_IMPORT_SCALE=0.1 runs a tenth of the rows. Run with `make bench`;
prints figures, asserts nothing.
"""

import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import _harness

PG_URL = os.environ.get("BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/posventa_bench_import")
SCALE = float(os.environ.get("BENCH_IMPORT_SCALE", "1"))
PRODUCTS = int(100_000 * SCALE)
PER_COMPANY = 3
MONTHS = 24
EXECUTIVES = 20
PLANS = [("BI-10", "Internet 10 Mbps", "250.00"), ("BI-50", "Internet 50 Mbps", "480.00")]
DATA_DIR = Path(os.environ.get("BENCH_IMPORT_DIR", _harness.ROOT / "var" / "bench-import"))
COMPARE_DIR = _harness.ROOT / "var" / "bench-compare"


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def month(n: int) -> date:
    """The n-th month of the invoices, from January 2025."""
    return date(2025 + n // 12, n % 12 + 1, 1)


def write_files() -> dict[str, Path]:
    """The three files, written once per scale and kept under var/bench-import/."""
    import xlsxwriter

    folder = DATA_DIR / f"scale-{SCALE:g}"
    files = {
        "companies": folder / "empresas.xlsx",
        "products": folder / "productos.xlsx",
        "invoices": folder / "facturas.csv",
    }
    if all(path.exists() for path in files.values()):
        return files
    folder.mkdir(parents=True, exist_ok=True)
    companies = (PRODUCTS + PER_COMPANY - 1) // PER_COMPANY

    book = xlsxwriter.Workbook(str(files["companies"]), {"constant_memory": True})
    sheet = book.add_worksheet("Empresas")
    sheet.write_row(0, 0, ["NIT", "Razón social", "Dirección", "Zona", "Ejecutiva"])
    for n in range(companies):
        sheet.write_row(
            n + 1,
            0,
            [
                str(1_000_000 + n),
                f"Empresa {n} S.R.L.",
                f"Av. Ayacucho {n}",
                "Centro",
                f"bench_exec{n % EXECUTIVES}",
            ],
        )
    book.close()

    book = xlsxwriter.Workbook(str(files["products"]), {"constant_memory": True})
    sheet = book.add_worksheet("Productos")
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(
        0,
        0,
        [
            "Número de servicio",
            "NIT",
            "Plan",
            "Tecnología",
            "Dirección de instalación",
            "Fecha de instalación",
        ],
    )
    for n in range(PRODUCTS):
        row = n + 1
        sheet.write_row(
            row,
            0,
            [
                f"INT-{5_000_000 + n}",
                str(1_000_000 + n // PER_COMPANY),
                PLANS[n % 2][0],
                "Fibra" if n % 3 else "Cobre",
                f"Calle {n}",
            ],
        )
        sheet.write_datetime(row, 5, date(2020 + n % 5, 1 + n % 12, 1 + n % 28), dates)
    book.close()

    with files["invoices"].open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, delimiter=";")
        writer.writerow(
            ["Número de factura", "Número de servicio", "Periodo", "Monto", "Vencimiento"]
        )
        for m in range(MONTHS):
            period = month(m)
            due = period.replace(day=20)
            for n in range(PRODUCTS):
                writer.writerow(
                    [
                        f"F{m:02d}{n:07d}",
                        f"INT-{5_000_000 + n}",
                        f"{period:%m/%Y}",
                        "250,00" if n % 2 == 0 else "480,00",
                        f"{due:%d/%m/%Y}",
                    ]
                )
    return files


def rows_in(files: dict[str, Path]) -> dict[str, int]:
    companies = (PRODUCTS + PER_COMPANY - 1) // PER_COMPANY
    return {"companies": companies, "products": PRODUCTS, "invoices": PRODUCTS * MONTHS}


def populate() -> None:
    from posventa.accounts.roles import Role
    from posventa.catalog.models import Plan, ProductType
    from posventa.factories import UserFactory

    for i in range(EXECUTIVES):
        UserFactory(username=f"bench_exec{i}", role=Role.EXECUTIVE)
    internet = ProductType.objects.get(code="internet")
    for code, name, price in PLANS:
        Plan.objects.create(code=code, name=name, product_type=internet, monthly_price=price)


def load(files: dict[str, Path]) -> dict:
    """The three files in order, each as a person loads it: kept and checked
    (the dry run), then imported on confirmation. Runs in this process, as
    `manage.py import_data` does. Times the dry runs and the imports apart."""
    from django.core.files import File

    from posventa.imports import engine, services
    from posventa.imports.models import ImportSource

    seconds = {"dry_run": 0.0, "import": 0.0}
    peak = {}
    counts: dict[str, dict] = {"dry_run": {}, "import": {}}
    for entity in ("companies", "products", "invoices"):
        path = files[entity]
        started = time.perf_counter()
        with path.open("rb") as stream:
            run = services.import_open(
                file=File(stream, name=path.name),
                entity=entity,
                source=ImportSource.COMMAND,
                enqueue=False,
            )
        engine.run_phase(run, apply=False)
        run.refresh_from_db()
        seconds["dry_run"] += time.perf_counter() - started
        peak["dry_run"] = round(peak_mb())
        counts["dry_run"][entity] = run.checked_counts
        started = time.perf_counter()
        run = services.import_confirm(run=run, user=None, enqueue=False)
        engine.run_phase(run, apply=True)
        run.refresh_from_db()
        seconds["import"] += time.perf_counter() - started
        peak["import"] = round(peak_mb())
        counts["import"][entity] = {
            "created": run.created,
            "updated": run.updated,
            "unchanged": run.unchanged,
            "refused": run.refused,
        }
    total = sum(rows_in(files).values())
    return {
        name: {
            "rows": total,
            "seconds": round(seconds[name], 1),
            "rows_per_s": round(total / seconds[name]),
            "peak_mb": peak[name],
            "counts": counts[name],
        }
        for name in seconds
    }


def tables() -> dict[str, int]:
    from auditlog.models import LogEntry

    from posventa.billing.models import Invoice
    from posventa.customers.models import Company
    from posventa.inventory.models import Product

    return {
        "companies": Company.objects.count(),
        "products": Product.objects.count(),
        "invoices": Invoice.objects.count(),
        "audit_entries": LogEntry.objects.count(),
    }


def child(backend: str) -> dict:
    _harness.setup_django(backend, pg_url=PG_URL)
    from django.conf import settings

    settings.MEDIA_ROOT = tempfile.mkdtemp(prefix="posventa-bench-media-")
    files = write_files()
    populate()
    result = {"start_mb": round(peak_mb())}
    result["first"] = load(files)
    result["tables_after_first"] = tables()
    result["second"] = load(files)
    result["tables_after_second"] = tables()
    result["expected"] = rows_in(files)
    return result


def readers() -> None:
    """python-calamine against openpyxl (and django-import-export, if installed)
    reading the products file: rows per second, no database."""
    files = write_files()
    path = files["products"]
    print(f"\nReaders on {path.name} ({PRODUCTS} rows):")

    from python_calamine import CalamineWorkbook

    started = time.perf_counter()
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    count = sum(1 for _row in sheet.iter_rows())
    seconds = time.perf_counter() - started
    print(f"  python-calamine  {count / seconds:>10,.0f} rows/s")

    import openpyxl

    started = time.perf_counter()
    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    count = sum(1 for _row in book.worksheets[0].iter_rows(values_only=True))
    book.close()
    seconds = time.perf_counter() - started
    print(f"  openpyxl (read-only)  {count / seconds:>10,.0f} rows/s")

    if COMPARE_DIR.exists():
        out = subprocess.run(
            [sys.executable, __file__, "--import-export", str(files["companies"])],
            check=False,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(COMPARE_DIR)},
        )
        print("  " + (out.stdout.strip().splitlines() or [out.stderr.strip()[-300:]])[-1])
    else:
        print(
            "  django-import-export: not installed (pip install --target var/bench-compare "
            "django-import-export==4.4.3 to compare)"
        )


def import_export_run(path: str) -> None:
    """django-import-export's dry run of the companies file into the same
    model, on a fresh SQLite database: rows per second."""
    _harness.setup_django("sqlite", pg_url=PG_URL)
    populate()
    import tablib
    from import_export import resources

    from posventa.customers.models import Company

    class CompanyResource(resources.ModelResource):
        class Meta:
            model = Company
            import_id_fields = ("nit",)
            fields = ("nit", "legal_name", "address", "zone", "executive")

    from python_calamine import CalamineWorkbook

    rows = CalamineWorkbook.from_path(path).get_sheet_by_index(0).to_python()
    from django.contrib.auth import get_user_model

    executives = {u.username: u.pk for u in get_user_model().objects.all()}
    data = tablib.Dataset(headers=["nit", "legal_name", "address", "zone", "executive"])
    for nit, name, address, zone, executive in rows[1:]:
        data.append([str(nit), name, address, zone, executives[executive]])
    started = time.perf_counter()
    result = CompanyResource().import_data(data, dry_run=True)
    seconds = time.perf_counter() - started
    print(
        f"django-import-export (dry run, {len(data)} companies, SQLite)  "
        f"{len(data) / seconds:>10,.0f} rows/s (errors: {result.has_errors()})"
    )


def report(backend: str, figures: dict) -> None:
    print(f"\n{backend}: {sum(figures['expected'].values()):,} rows in three files")
    for run in ("first", "second"):
        for name in ("dry_run", "import"):
            p = figures[run][name]
            print(
                f"  {run:6} {name:7} {p['rows_per_s']:>8,} rows/s  {p['seconds']:>7} s  "
                f"peak {p['peak_mb']} MB  {json.dumps(p['counts'])}"
            )
    first = figures["first"]["dry_run"]["seconds"] + figures["first"]["import"]["seconds"]
    second = figures["second"]["dry_run"]["seconds"] + figures["second"]["import"]["seconds"]
    print(f"  the second load (dry run + import) {first / max(second, 0.001):.1f}× faster")
    after_first, after_second = figures["tables_after_first"], figures["tables_after_second"]
    exact = all(after_first[k] == figures["expected"][k] for k in figures["expected"])
    print(
        f"  tables after the first load {after_first}; every row once: {exact}; "
        f"second load wrote nothing: {after_first == after_second}"
    )


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--import-export":
        import_export_run(sys.argv[2])
    else:
        if len(sys.argv) == 1:
            write_files()  # once, before the children time anything
        _harness.run(__file__, child=child, report=report)
        if not (len(sys.argv) == 3 and sys.argv[1] == "--child"):
            readers()
