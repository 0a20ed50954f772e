"""Files as the commercial system exports them, written in a test's tmp_path."""

import csv
from datetime import date, datetime
from pathlib import Path

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
