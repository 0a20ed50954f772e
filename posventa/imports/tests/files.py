"""Files as the commercial system exports them, written in a test's tmp_path."""

import csv
from datetime import date, datetime
from pathlib import Path

import pytest
import xlsxwriter
from django.core.files import File


def write_xlsx(path: Path, header: list[str], rows: list[list], *, sheet: str = "Hoja1") -> Path:
    """An .xlsx with real Excel cells: numbers as numbers, dates as dates."""
    book = xlsxwriter.Workbook(str(path))
    worksheet = book.add_worksheet(sheet)
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    worksheet.write_row(0, 0, header)
    for index, row in enumerate(rows, start=1):
        for column, value in enumerate(row):
            if isinstance(value, datetime | date):
                worksheet.write_datetime(index, column, value, dates)
            elif value is None:
                continue
            else:
                worksheet.write(index, column, value)
    book.close()
    return path


def write_csv(
    path: Path,
    header: list[str],
    rows: list[list],
    *,
    delimiter: str = ";",
    encoding: str = "utf-8-sig",
) -> Path:
    with open(path, "w", encoding=encoding, newline="") as handle:
        writer = csv.writer(handle, delimiter=delimiter)
        writer.writerow(header)
        for row in rows:
            writer.writerow(["" if value is None else value for value in row])
    return path


def as_upload(path: Path, name: str | None = None) -> File:
    """The file as a view or the sync folder hands it to import_open (close it after)."""
    handle = open(path, "rb")  # noqa: SIM115 — the caller's File closes it
    return File(handle, name=name or path.name)


# --- Loading a file the way the page and the worker do ----------------------------------------


@pytest.fixture
def import_media(settings, tmp_path):
    """Kept files and reports in the test's own folder."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def open_file(tmp_path, name, header, rows, *, user=None, entity=None, **kwargs):
    """import_open on a file written from `header` and `rows` (.xlsx or .csv
    by the name); the dry run is not run yet."""
    from posventa.imports import services

    path = tmp_path / name
    if name.endswith(".xlsx"):
        write_xlsx(path, header, rows)
    else:
        write_csv(path, header, rows)
    with as_upload(path) as upload:
        return services.import_open(file=upload, user=user, entity=entity, enqueue=False, **kwargs)


def check(run, **kwargs):
    from posventa.imports import engine

    return engine.run_phase(run, apply=False, **kwargs)


def apply(run, user=None, **kwargs):
    from posventa.imports import engine, services

    run = services.import_confirm(run=run, user=user, enqueue=False)
    return engine.run_phase(run, apply=True, **kwargs)


def load(tmp_path, name, header, rows, *, user=None, entity=None, **kwargs):
    """The whole way: open, dry run, confirm, import. Returns the run."""
    run = check(open_file(tmp_path, name, header, rows, user=user, entity=entity))
    assert run.status == "checked", run.error
    return apply(run, user=user, **kwargs)


def outcomes(run) -> dict[int, tuple[str, str]]:
    """line -> (outcome, reason) of the rows the last phase noted (every row
    of a file of up to 50 rows)."""
    from posventa.imports.selectors import run_notes

    return {note.line: (note.outcome, note.reason) for note in run_notes(run=run)}


def counts(run) -> dict[str, int]:
    return {
        "created": run.created,
        "updated": run.updated,
        "unchanged": run.unchanged,
        "refused": run.refused,
    }
