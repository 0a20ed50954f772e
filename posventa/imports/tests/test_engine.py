"""The two phases in batches (imports/engine.py): the dry run writes nothing,
a cancel or a failure between batches leaves whole batches, the report has
every row, the page's notes are capped, and one phase runs at a time."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from auditlog.models import LogEntry
from django.apps import apps
from django.db import connection, connections
from openpyxl import load_workbook

from posventa.billing.models import Payment
from posventa.customers.models import Company
from posventa.factories import CompanyFactory, InvoiceFactory, ProductFactory
from posventa.imports import engine, jobs
from posventa.imports.entities.base import AuditTrail
from posventa.imports.models import ImportRun, ImportStatus
from posventa.imports.tests.files import apply, check, counts, import_media, open_file  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_media")]

HEADER = ["NIT", "Razón social", "Dirección", "Ejecutiva"]


def companies(n, start=0, executive="ejecutiva"):
    return [
        [str(1020304050 + start + i), f"Empresa {start + i}", "Av. 1", executive] for i in range(n)
    ]


def table_counts() -> dict[str, int]:
    """Rows of every table but the imports' own."""
    skip = {"imports.ImportRun", "imports.ImportRowNote"}
    return {
        m._meta.label: m._base_manager.count()
        for m in apps.get_models()
        if m._meta.label not in skip and not m._meta.proxy and m._meta.managed
    }


def test_the_dry_run_writes_nothing_and_counts_what_the_import_will_do(tmp_path, executive):
    CompanyFactory(nit="1020304050", legal_name="Antes", address="Av. 1", executive=executive)
    CompanyFactory(
        nit="1020304051",
        legal_name="Empresa 1",
        address="Av. 1",
        executive=executive,
        zone="",
        neighbourhood="",
    )
    rows = [*companies(4), ["12", "Mala", "Av. 1", "ejecutiva"]]
    run = open_file(tmp_path, "empresas.xlsx", HEADER, rows)
    before = table_counts()
    entries = LogEntry.objects.count()

    run = check(run, batch_size=2)

    assert run.status == ImportStatus.CHECKED
    assert run.checked_counts == {"created": 2, "updated": 1, "unchanged": 1, "refused": 1}
    assert (run.rows_done, run.rows_total, run.percent) == (5, 5, 100)
    assert table_counts() == before
    assert LogEntry.objects.count() == entries
    assert Company.objects.get(nit="1020304050").legal_name == "Antes"

    run = apply(run, batch_size=2)
    assert counts(run) == run.checked_counts


def test_a_cancel_between_batches_keeps_the_finished_batches_and_nothing_else(tmp_path, executive):
    run = check(open_file(tmp_path, "empresas.xlsx", HEADER, companies(7)))

    def cancel_after_the_second_batch(current, rows):
        if current.rows_done == 4:
            ImportRun.objects.filter(pk=current.pk).update(cancel_requested=True)

    run = apply(run, batch_size=2, on_batch=cancel_after_the_second_batch)

    assert run.status == ImportStatus.CANCELLED
    assert run.rows_done == 4 and run.created == 4
    assert set(Company.objects.values_list("legal_name", flat=True)) == {
        f"Empresa {i}" for i in range(4)
    }
    assert LogEntry.objects.filter(additional_data__import=run.pk).count() == 4
    assert run.report  # the report of what was done


@pytest.fixture
def today():
    with time_machine.travel(date(2026, 11, 25), tick=False):
        yield


def test_a_batch_that_fails_is_not_half_written_and_the_run_says_why(tmp_path, today, monkeypatch):
    invoice = InvoiceFactory(
        product=ProductFactory(service_number="4400001"),
        number="F-1",
        period=date(2026, 10, 1),
        amount=Decimal("300.00"),
    )
    rows = [[f"R-{n}", "F-1", "03/11/2026", "50"] for n in range(4)]
    run = check(
        open_file(tmp_path, "pagos.xlsx", ["Referencia", "Factura", "Fecha", "Monto"], rows)
    )
    flushes = []
    real_flush = AuditTrail.flush

    def flush_failing_the_second_time(self):
        flushes.append(1)
        if len(flushes) == 2:
            raise RuntimeError("disk full")
        return real_flush(self)

    monkeypatch.setattr(AuditTrail, "flush", flush_failing_the_second_time)
    run = apply(run, batch_size=2)

    assert run.status == ImportStatus.FAILED and "disk full" in run.error
    # The first batch whole (two payments and the invoice they paid), the second not at all.
    assert sorted(Payment.objects.values_list("reference", flat=True)) == ["R-0", "R-1"]
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("100.00")
    assert run.rows_done == 2


def test_the_report_opens_in_excel_with_every_row_its_outcome_and_reason(tmp_path, executive):
    rows = [*companies(2), ["12", "Mala", "Av. 1", "ejecutiva"]]
    run = apply(check(open_file(tmp_path, "empresas.xlsx", HEADER, rows)))

    book = load_workbook(run.report.path, read_only=True)
    report, refused = book.worksheets
    lines = list(report.iter_rows(values_only=True))
    assert len(lines[0]) == 4  # line, key, outcome, reason
    assert [line[0] for line in lines[1:]] == [2, 3, 4]
    assert lines[3][1] == "12" and "NIT" in lines[3][3]
    refused_rows = list(refused.iter_rows(values_only=True))
    assert refused_rows[0] == (*HEADER, refused_rows[0][-1])
    assert refused_rows[1][:4] == ("12", "Mala", "Av. 1", "ejecutiva")
    assert "NIT" in refused_rows[1][4]
    book.close()


def test_the_page_notes_the_first_rows_and_the_refused_ones_up_to_a_cap(
    tmp_path, executive, monkeypatch
):
    monkeypatch.setattr(engine, "NOTES_FIRST_ROWS", 2)
    monkeypatch.setattr(engine, "NOTES_REFUSED_MAX", 3)
    rows = companies(4) + [[str(n), "Mala", "Av. 1", "ejecutiva"] for n in range(5)]
    run = check(open_file(tmp_path, "empresas.xlsx", HEADER, rows), batch_size=3)

    notes = list(run.notes.order_by("line").values_list("line", "outcome", "applied"))
    assert notes == [
        (2, "created", False),
        (3, "created", False),
        (6, "refused", False),
        (7, "refused", False),
        (8, "refused", False),
    ]
    assert run.refused == 5

    run = apply(run, batch_size=3)
    assert set(run.notes.values_list("applied", flat=True)) == {True}


def test_a_phase_asked_twice_runs_once(tmp_path, executive):
    run = check(open_file(tmp_path, "empresas.xlsx", HEADER, companies(3)))
    run = apply(run)
    entries = LogEntry.objects.count()

    jobs.apply_run(run.pk)
    jobs.check_run(run.pk)

    run.refresh_from_db()
    assert (run.status, run.created) == (ImportStatus.DONE, 3)
    assert LogEntry.objects.count() == entries


def test_a_phase_another_worker_is_running_is_left_alone(tmp_path, executive):
    run = open_file(tmp_path, "empresas.xlsx", HEADER, companies(3))
    if connection.vendor == "postgresql":
        # An advisory lock held by another session, as a second worker would.
        other = connections.create_connection("default")
        with other.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [engine._LOCK_CLASS, run.pk])
        try:
            jobs.check_run(run.pk)
        finally:
            # Released before closing: a closed session's locks go only when
            # its server process has ended, which the next call may outrun.
            with other.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [engine._LOCK_CLASS, run.pk])
            other.close()
    else:
        with engine.run_lock(run.pk) as held:
            assert held
            jobs.check_run(run.pk)

    run.refresh_from_db()
    assert (run.status, run.rows_done) == (ImportStatus.CHECKING, 0)
    jobs.check_run(run.pk)
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKED


def test_an_import_that_starts_again_after_a_crash_writes_nothing_twice(tmp_path, executive):
    run = check(open_file(tmp_path, "empresas.xlsx", HEADER, companies(5)))

    def crash_after_the_first_batch(current, rows):
        raise SystemExit("worker killed")

    with pytest.raises(SystemExit):
        apply(run, batch_size=2, on_batch=crash_after_the_first_batch)
    run.refresh_from_db()
    assert (run.status, run.rows_done) == (ImportStatus.IMPORTING, 2)

    jobs.apply_run(run.pk)  # the worker's next delivery of the same job

    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    assert (run.created, run.unchanged) == (3, 2)
    assert Company.objects.count() == 5
    assert (
        LogEntry.objects.filter(
            action=LogEntry.Action.CREATE, content_type__model="company"
        ).count()
        == 5
    )


def test_a_file_growing_past_the_row_limit_fails_the_phase(tmp_path, executive, settings):
    run = open_file(tmp_path, "empresas.csv", HEADER, companies(6))
    settings.POSVENTA_IMPORT_MAX_ROWS = 4

    run = check(run, batch_size=2)

    assert run.status == ImportStatus.FAILED and "4" in run.error


def test_a_file_that_lost_a_required_column_since_it_was_mapped_fails_with_the_reason(
    tmp_path, executive
):
    run = open_file(tmp_path, "empresas.xlsx", HEADER, companies(2))
    run.mapping = {
        "NIT": "nit",
        "Razón social": "",
        "Dirección": "address",
        "Ejecutiva": "executive",
    }
    run.save()

    run = check(run)

    assert run.status == ImportStatus.FAILED
    assert str(Company._meta.get_field("legal_name").verbose_name) in run.error


def test_keys_met_are_remembered_in_little_memory():
    seen = engine.SeenKeys()
    seen.RECENT = 10
    assert all(seen.add(f"key-{n}") for n in range(1000))
    assert not any(seen.add(f"key-{n}") for n in range(1000))
    assert seen.add(("1020304050", "juan perez")) and not seen.add(("1020304050", "juan perez"))
    assert len(seen) == 1001
