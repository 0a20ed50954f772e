"""What the Excel downloads' tests share: the workbook read back with
openpyxl, its rows by header, and a check that a download wrote nothing."""

import io
import re
from contextlib import contextmanager

import openpyxl
from django.db import connection
from django.test.utils import CaptureQueriesContext

from posventa.common.exports import CONTENT_TYPE, MONEY_FORMAT

_WRITE = re.compile(r"^\s*(INSERT|UPDATE|DELETE|REPLACE)\b", re.IGNORECASE)


def sheet_of(response):
    """The first sheet of the downloaded workbook, after checking that it
    came as an .xlsx download."""
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == CONTENT_TYPE
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Disposition"].count(".xlsx") >= 1
    content = b"".join(response.streaming_content)
    return openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]


def headers(sheet) -> list[str]:
    return [cell.value for cell in sheet[1]]


def records(sheet) -> list[dict]:
    """The data rows as {header: cell}; a blank row ends them (the note of a
    cut list comes after one)."""
    names = headers(sheet)
    rows = []
    for row in sheet.iter_rows(min_row=2):
        if all(cell.value is None for cell in row):
            break
        rows.append(dict(zip(names, row, strict=False)))
    return rows


def values(sheet, header: str) -> list:
    return [row[header].value for row in records(sheet)]


def assert_money(cell, amount) -> None:
    """A money cell: a number (not text) with the Bs format, of that amount."""
    assert isinstance(cell.value, int | float), repr(cell.value)
    assert cell.number_format == MONEY_FORMAT
    assert round(float(cell.value), 2) == float(amount)


def assert_layout(sheet) -> None:
    """The header row frozen and under an autofilter."""
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref and sheet.auto_filter.ref.startswith("A1:")


@contextmanager
def no_writes():
    """Fails if a statement inside writes to the database."""
    with CaptureQueriesContext(connection) as queries:
        yield
    writes = [q["sql"] for q in queries.captured_queries if _WRITE.match(q["sql"])]
    assert not writes, writes
