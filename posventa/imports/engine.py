"""The two phases of an import: the dry run (every row read, checked and
compared with what is stored; nothing written) and the import (the same,
and the batch written). Both stream the file in batches; the import writes
each batch in its own transaction, with its audit entries, its notes and
the run's progress, so that a cancel or a crash between batches leaves every
batch either fully in or not at all.

Entry points: `run_phase(run, apply=..., batch_size=...)` — what the worker's
jobs, the `import_data` command and a benchmark script call.

A phase is idempotent: the same file imported twice writes nothing the
second time (each row is compared with what is stored), so a phase that
starts again after a crash simply runs from the top; the rows its first
attempt wrote then count as unchanged. Two deliveries of the same job at
once (django-q delivers at least once) are kept apart by a lock on the run
(a PostgreSQL advisory lock; a file lock on SQLite, whose deployments are
one machine): the second finds it taken and leaves.
"""

import contextlib
import fcntl
import hashlib
import heapq
import logging
import os
import tempfile
from array import array
from bisect import bisect_left
from collections.abc import Callable, Iterator
from pathlib import Path

from django.conf import settings
from django.core.files import File
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext, pgettext_lazy

from posventa.imports import headers as header_mapping
from posventa.imports import reading
from posventa.imports.entities import spec_for
from posventa.imports.entities.base import BLANK, REQUIRED, Phase, Row, Spec
from posventa.imports.models import ImportRowNote, ImportRun, ImportStatus, RowOutcome
from posventa.imports.values import Invalid, clean_text, is_empty

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
# The rows the page lists: every refused one up to this many, and the first
# rows of the file whatever became of them. The report has every row.
NOTES_REFUSED_MAX = 1000
NOTES_FIRST_ROWS = 50
# Excel's rows per sheet, the header included: the report goes on in a new sheet.
SHEET_ROWS = 1_048_576
# pg_try_advisory_lock(class, id): our class of advisory locks ("IM").
_LOCK_CLASS = 0x494D

BatchHook = Callable[[ImportRun, list[Row]], None]

# A row's outcome in the report (RowOutcome's own labels are shared msgids:
# "Created" is also the audit log's date column).
OUTCOME_LABELS = {
    RowOutcome.CREATED: pgettext_lazy("import row", "New"),
    RowOutcome.UPDATED: pgettext_lazy("import row", "Updated"),
    RowOutcome.UNCHANGED: pgettext_lazy("import row", "Unchanged"),
    RowOutcome.REFUSED: pgettext_lazy("import row", "Refused"),
}


# --- Keys met so far ----------------------------------------------------------------------------


class SeenKeys:
    """The keys a file has shown so far, to refuse a key's second row —
    8 bytes a key (a 64-bit hash in a sorted array, the last ones in a set),
    so 2.4 million keys take some 20 MB, not the 200 MB of a set of strings.
    Two different keys share a hash once in 10^12 files of that size."""

    RECENT = 100_000

    def __init__(self):
        self._sorted = array("q")
        self._recent: set[int] = set()

    def add(self, key) -> bool:
        """True the first time `key` is seen, False after."""
        value = hash(key)
        if value in self._recent:
            return False
        index = bisect_left(self._sorted, value)
        if index < len(self._sorted) and self._sorted[index] == value:
            return False
        self._recent.add(value)
        if len(self._recent) >= self.RECENT:
            self._sorted = array("q", heapq.merge(self._sorted, sorted(self._recent)))
            self._recent = set()
        return True

    def __len__(self) -> int:
        return len(self._sorted) + len(self._recent)


# --- One phase at a time per run ---------------------------------------------------------------


def _lock_dir() -> Path:
    path = Path(getattr(settings, "VAR_DIR", tempfile.gettempdir())) / "locks"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def run_lock(run_id: int) -> Iterator[bool]:
    """Yields whether this process holds the run's lock (False: another
    worker is running a phase of it). Released at the end, or by the
    database or the kernel if the process dies."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_try_advisory_lock(%s, %s)", [_LOCK_CLASS, run_id])
            acquired = cursor.fetchone()[0]
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s, %s)", [_LOCK_CLASS, run_id])
        return
    # One lock file per database and run (two databases on a machine — a
    # test run's workers — have runs of the same number).
    # An in-memory database (the tests') is this process's alone.
    database = str(connection.settings_dict["NAME"])
    if connection.is_in_memory_db():
        database = f"{database}-{os.getpid()}"
    database = hashlib.sha256(database.encode()).hexdigest()[:16]
    name = _lock_dir() / f"import-{database}-{run_id}.lock"
    descriptor = os.open(name, os.O_CREAT | os.O_RDWR, 0o600)
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
            acquired = True
        except BlockingIOError:
            acquired = False
        try:
            yield acquired
        finally:
            if acquired:
                fcntl.flock(descriptor, fcntl.LOCK_UN)
    finally:
        os.close(descriptor)


# --- The report ---------------------------------------------------------------------------------


class Report:
    """The phase's report, every row of the file: its line, its key, its
    outcome and the reason (sheet "Informe"), and the refused rows as the
    file had them with their reason (sheet "Rechazadas": fix them there and
    load that sheet again). Written as the batches go (xlsxwriter's
    constant_memory mode keeps one row in memory), kept in the run's
    `report` at the end."""

    def __init__(self, headers: list[str]):
        import xlsxwriter

        handle, self.path = tempfile.mkstemp(prefix="posventa-import-", suffix=".xlsx")
        os.close(handle)
        self.book = xlsxwriter.Workbook(
            self.path, {"constant_memory": True, "strings_to_numbers": False}
        )
        self.bold = self.book.add_format({"bold": True})
        self.headers = headers
        self.labels = {value: str(label) for value, label in OUTCOME_LABELS.items()}
        self._report = self._sheet(_("Report"), [_("Line"), _("Key"), _("Outcome"), _("Reason")])
        self._refused = self._sheet(
            pgettext("import report sheet", "Refused rows"), [*headers, _("Reason")]
        )
        self._report_parts, self._refused_parts = 1, 1

    def _sheet(self, name: str, header: list[str], part: int = 1):
        sheet = self.book.add_worksheet(name[:24] if part == 1 else f"{name[:24]} ({part})")
        for column, title in enumerate(header):
            sheet.write_string(0, column, title, self.bold)
        sheet.set_column(0, len(header) - 1, 18)
        return [sheet, 1, name, header]

    def _next_row(self, which: str):
        current = getattr(self, f"_{which}")
        if current[1] >= SHEET_ROWS:
            parts = getattr(self, f"_{which}_parts") + 1
            setattr(self, f"_{which}_parts", parts)
            current = self._sheet(current[2], current[3], parts)
            setattr(self, f"_{which}", current)
        row = current[1]
        current[1] += 1
        return current[0], row

    def add(self, rows: list[Row]) -> None:
        labels = self.labels
        for row in rows:
            sheet, index = self._next_row("report")
            sheet.write_number(index, 0, row.line)
            if row.key_text:
                sheet.write_string(index, 1, row.key_text)
            sheet.write_string(index, 2, labels[row.outcome])
            if row.reason:
                sheet.write_string(index, 3, row.reason)
            if row.outcome == RowOutcome.REFUSED:
                sheet, index = self._next_row("refused")
                for column, cell in enumerate(row.cells[: len(self.headers)]):
                    text = clean_text(cell)
                    if text:
                        sheet.write_string(index, column, text)
                sheet.write_string(index, len(self.headers), row.reason)

    def close(self) -> str:
        self.book.close()
        return self.path

    def discard(self) -> None:
        with contextlib.suppress(Exception):
            self.book.close()
        with contextlib.suppress(OSError):
            os.unlink(self.path)


# --- Reading a row ------------------------------------------------------------------------------


def read_row(row: Row, spec: Spec, phase: Phase, seen: SeenKeys) -> None:
    """The row's cells read as its fields, each problem said with the
    column and the value; then its key, refused the second time it comes."""
    cells = row.cells
    values = row.values
    width = len(cells)
    for field, index in phase.fields:
        cell = cells[index] if index < width else None
        if is_empty(cell):
            if field.empty == REQUIRED:
                row.errors.append(
                    _("%(column)s: the cell is empty; it is required.")
                    % {"column": phase.header_of[field.name]}
                )
            elif field.empty == BLANK:
                values[field.name] = field.empty_value
            continue
        try:
            values[field.name] = field.parse(cell)
        except Invalid as problem:
            phase.problem(row, field.name, problem.args[0])
    if all(name in values for name in spec.key):
        row.key_text = spec.key_text(values)
        if not seen.add(spec.key_value(values)):
            row.errors.append(
                _("%(key)s is repeated in this file: only its first row is taken.")
                % {"key": row.key_text}
            )
    else:
        row.key_text = " · ".join(
            clean_text(cells[phase.columns[name]]) if phase.columns[name] < width else ""
            for name in spec.key
            if name in phase.columns
        )[:100]


# --- A phase ------------------------------------------------------------------------------------


def stored_path(run: ImportRun) -> str:
    return run.file.path


def kind_of(run: ImportRun) -> str:
    """The kind the file was found to be when it was opened, which named it."""
    return reading.XLSX if run.file.name.lower().endswith(".xlsx") else reading.CSV


def run_phase(
    run: ImportRun,
    *,
    apply: bool,
    batch_size: int = BATCH_SIZE,
    on_batch: BatchHook | None = None,
) -> ImportRun:
    """The dry run (`apply=False`, a run CHECKING → CHECKED) or the import
    (`apply=True`, IMPORTING → DONE) of `run`; CANCELLED when a cancel is
    asked between two batches, FAILED when the file cannot be read on (with
    the reason in `error`). A run in any other status, or whose phase another
    process is running, is left as it is. `on_batch(run, rows)` is called
    after each batch (progress, or a test's cancel). Returns the run."""
    expected = ImportStatus.IMPORTING if apply else ImportStatus.CHECKING
    with run_lock(run.pk) as acquired:
        if not acquired:
            return run
        with transaction.atomic():
            run = ImportRun.objects.select_for_update().get(pk=run.pk)
            if run.status != expected:
                return run
            if run.cancel_requested:
                return _finish(run, ImportStatus.CANCELLED)
            _reset(run, apply)
        report = None
        try:
            spec = spec_for(run.entity)
            with (
                reading.open_table(stored_path(run), kind=kind_of(run), sheet=run.sheet) as table,
                _sqlite_cache(),
            ):
                report = Report(table.headers)
                return _run(run, spec, table, apply, batch_size, on_batch, report)
        except reading.ReadError as error:
            if report is not None:
                report.discard()
            return _fail(run, str(error))
        except Exception as error:
            logger.exception("import %s failed", run.pk)
            if report is not None:
                report.discard()
            return _fail(run, _("Unexpected error: %(error)s") % {"error": error})


# SQLite's page cache while a phase runs: its default (2 MB) makes every
# insert into the large indexes of invoices and audit entries read pages
# again; bench/import.py measured the import of 1.2 M invoices at
# ~3 000 rows/s with it. Given back at the end (the worker's connection stays).
SQLITE_CACHE_KB = 64 * 1024


@contextlib.contextmanager
def _sqlite_cache() -> Iterator[None]:
    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA cache_size")
        before = cursor.fetchone()[0]
        cursor.execute(f"PRAGMA cache_size = -{SQLITE_CACHE_KB}")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute(f"PRAGMA cache_size = {int(before)}")


def _reset(run: ImportRun, apply: bool) -> None:
    """A phase starts from the top: its counts at zero; the notes of the dry
    run (and of an earlier attempt of this phase) give way to the new ones."""
    run.notes.all().delete() if apply else run.notes.filter(applied=False).delete()
    run.rows_done = 0
    run.created = run.updated = run.unchanged = run.refused = 0
    run.error = ""
    run.save(
        update_fields=[
            "rows_done",
            "created",
            "updated",
            "unchanged",
            "refused",
            "error",
            "updated_at",
        ]
    )


def _run(run, spec, table, apply, batch_size, on_batch, report) -> ImportRun:
    fields = {f.name: f for f in spec.fields}
    columns = header_mapping.columns(table.headers, run.mapping)
    columns = {name: index for name, index in columns.items() if name in fields}
    missing = [
        str(fields[name].label) for name in fields if fields[name].required and name not in columns
    ]
    if missing:
        raise reading.ReadError(
            _("The file has no column for: %(fields)s.") % {"fields": ", ".join(missing)}
        )
    limit = reading.max_rows()
    if table.rows_estimate is not None and table.rows_estimate > limit:
        raise reading.ReadError(_too_many(limit))
    run.rows_total = max(table.rows_estimate or 0, run.rows_done)
    run.save(update_fields=["rows_total", "updated_at"])
    phase = Phase(
        run=run,
        spec=spec,
        apply=apply,
        columns=columns,
        headers=table.headers,
        actor=run.confirmed_by if apply else None,
    )
    spec.start(phase)
    seen = SeenKeys()
    notes = _Notes(apply)
    counts = {outcome: 0 for outcome in RowOutcome.values}
    batch: list[Row] = []
    done = 0
    for line, cells in table.rows():
        batch.append(Row(line, cells))
        if len(batch) >= batch_size:
            done += len(batch)
            if done > limit:
                raise reading.ReadError(_too_many(limit))
            _batch(run, spec, phase, seen, batch, counts, notes, report, on_batch)
            batch = []
            if _cancel_requested(run):
                return _finish(run, ImportStatus.CANCELLED, report=report)
    if batch:
        done += len(batch)
        if done > limit:
            raise reading.ReadError(_too_many(limit))
        _batch(run, spec, phase, seen, batch, counts, notes, report, on_batch)
    if apply:
        return _finish(run, ImportStatus.DONE, report=report)
    run.checked_counts = dict(counts)
    return _finish(run, ImportStatus.CHECKED, report=report)


def _too_many(limit: int) -> str:
    return _("The file has more than %(max)s rows: split it in smaller files.") % {"max": limit}


class _Notes:
    """Which rows become notes: the first rows of the file, and refused
    rows up to a cap."""

    def __init__(self, apply: bool):
        self.apply = apply
        self.first = 0
        self.refused = 0

    def pick(self, run, rows: list[Row]) -> list[ImportRowNote]:
        picked = []
        for row in rows:
            first = self.first < NOTES_FIRST_ROWS
            refused = row.outcome == RowOutcome.REFUSED and self.refused < NOTES_REFUSED_MAX
            self.first += 1
            if refused:
                self.refused += 1
            if first or refused:
                picked.append(
                    ImportRowNote(
                        run=run,
                        line=row.line,
                        key=row.key_text[:100],
                        outcome=row.outcome,
                        reason=row.reason[:2000],
                        applied=self.apply,
                    )
                )
        return picked


def _batch(run, spec, phase, seen, rows, counts, notes, report, on_batch) -> None:
    for row in rows:
        read_row(row, spec, phase, seen)
    if phase.apply:
        with transaction.atomic():
            spec.process(rows, phase)
            _settle(rows, counts)
            phase.audit.flush()
            _progress(run, rows, counts, notes)
    else:
        spec.process(rows, phase)
        _settle(rows, counts)
        with transaction.atomic():
            _progress(run, rows, counts, notes)
    report.add(rows)
    if on_batch is not None:
        on_batch(run, rows)


def _settle(rows: list[Row], counts: dict[str, int]) -> None:
    for row in rows:
        if row.errors:
            row.done(RowOutcome.REFUSED, "; ".join(row.errors))
        elif not row.outcome:  # a kind of record that forgot a row: never silently
            row.done(RowOutcome.REFUSED, _("The row could not be checked."))
        counts[row.outcome] += 1


def _progress(run, rows, counts, notes) -> None:
    ImportRowNote.objects.bulk_create(notes.pick(run, rows))
    run.rows_done += len(rows)
    run.rows_total = max(run.rows_total, run.rows_done)
    run.created = counts[RowOutcome.CREATED]
    run.updated = counts[RowOutcome.UPDATED]
    run.unchanged = counts[RowOutcome.UNCHANGED]
    run.refused = counts[RowOutcome.REFUSED]
    run.save(
        update_fields=[
            "rows_done",
            "rows_total",
            "created",
            "updated",
            "unchanged",
            "refused",
            "updated_at",
        ]
    )


def _cancel_requested(run: ImportRun) -> bool:
    return bool(
        ImportRun.objects.filter(pk=run.pk).values_list("cancel_requested", flat=True).first()
    )


def _finish(run: ImportRun, status: str, *, report: Report | None = None) -> ImportRun:
    if report is not None:
        path = report.close()
        try:
            if run.report:
                run.report.delete(save=False)
            with open(path, "rb") as handle:
                stem = Path(run.original_name).stem[:60] or "importacion"
                run.report.save(f"informe-{run.pk}-{stem}.xlsx", File(handle), save=False)
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)
    run.status = status
    now = timezone.now()
    if status == ImportStatus.CHECKED:
        run.checked_at = now
        run.rows_total = run.rows_done
    else:
        run.finished_at = now
        if status == ImportStatus.DONE:
            run.rows_total = run.rows_done
    run.save(
        update_fields=[
            "status",
            "report",
            "checked_at",
            "finished_at",
            "rows_total",
            "checked_counts",
            "updated_at",
        ]
    )
    return run


def _fail(run: ImportRun, message: str) -> ImportRun:
    run.status = ImportStatus.FAILED
    run.error = message[:2000]
    run.finished_at = timezone.now()
    run.save(update_fields=["status", "error", "finished_at", "updated_at"])
    return run
