"""Lists as Excel files: every list page of Posventa downloads as an .xlsx.

The team lives in Excel, so each list (the portfolio, the inbox, the work
orders, the debtors…) answers its own address with `formato=xlsx` added to
its query string: the same query the page shows — the same filters, the same
scope of the user — written as a workbook instead of a page (docs/
commercial-system.md, "Export").

A list describes its columns once (`Column`: a Spanish header, how to read
the value from a row, and its kind), and `xlsx_response` writes the rows:

- as typed cells: numbers as numbers (money with the format `#,##0.00`),
  dates as Excel dates (`dd/mm/yyyy`), moments in La Paz time
  (`dd/mm/yyyy hh:mm`), yes/no as "Sí"/"No", text as text — never as a
  formula, whatever it starts with;
- with the header row frozen, an autofilter over it, and each column as
  wide as its first rows need;
- with xlsxwriter's constant-memory mode, row after row into a temporary
  file, from a queryset read in chunks (`QuerySet.iterator`): a list of
  200 000 rows never sits whole in memory;
- at most `MAX_ROWS` rows, and no more than `SECONDS` of writing (so that
  the web worker answers before its timeout, config/gunicorn.py: 60 s);
  past either, a last row says that the list was cut there and how to get
  the rest (narrow the filters).

A download only reads: it writes nothing to the database.
"""

import re
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from itertools import islice
from typing import Any
from zoneinfo import ZoneInfo

import xlsxwriter
from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from posventa.common.dates import FIRST_YEAR
from posventa.common.downloads import attachment_response

# The query-string parameter that asks a list page for its Excel file.
FORMAT_PARAM = "formato"
XLSX = "xlsx"
CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# The most rows one file holds. Excel holds 1 048 576; this bound keeps one
# download to seconds and a few tens of megabytes. A longer list is cut, and
# its last row says so.
MAX_ROWS = 200_000
# The most seconds spent writing one file: a list cut there still arrives,
# well before the web worker's timeout (WEB_TIMEOUT, 60 s by default) kills
# the request. Setting POSVENTA_EXPORT_SECONDS.
SECONDS = 40.0
# Rows between two looks at the clock.
CLOCK_EVERY = 500
# Rows read from the database at a time (QuerySet.iterator).
CHUNK_SIZE = 2_000
# Rows looked at to size the columns before anything is written (constant
# memory: a column's width cannot change once a row is out).
SAMPLE_ROWS = 200
MIN_WIDTH, MAX_WIDTH = 6, 60
# Excel's limit for the text of one cell (UTF-16 units; xlsxwriter cuts there).
CELL_MAX_CHARS = 32_767

NUMBER_FORMAT = "#,##0.00"
MONEY_FORMAT = "#,##0.00"
INT_FORMAT = "#,##0"
DATE_FORMAT = "dd/mm/yyyy"
DATETIME_FORMAT = "dd/mm/yyyy hh:mm"

# Characters XML 1.0 cannot hold: xlsxwriter writes constant-memory text
# as-is, and one of these would leave a file Excel refuses to open.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
# What a sheet's name may not hold (Excel), and its length.
_NOT_IN_SHEET_NAME = re.compile(r"[\[\]:*?/\\]")
SHEET_NAME_MAX = 31


class Kind(StrEnum):
    """What a column holds, and so how its cells are written."""

    TEXT = "text"
    INT = "int"
    NUMBER = "number"
    MONEY = "money"
    DATE = "date"
    DATETIME = "datetime"
    BOOL = "bool"


# The width a column of each kind needs for its values (text: measured).
_KIND_WIDTH = {
    Kind.INT: 8,
    Kind.NUMBER: 12,
    Kind.MONEY: 14,
    Kind.DATE: 11,
    Kind.DATETIME: 16,
    Kind.BOOL: 5,
}


@dataclass(frozen=True)
class Column:
    """One column of a list's workbook: its header (a translatable text), how
    to read its value from a row, and its kind. `value` returns None for an
    empty cell. `width`, in characters, overrides the measured width."""

    header: str
    value: Callable[[Any], Any]
    kind: Kind = Kind.TEXT
    width: int | None = None


def path(dotted: str) -> Callable[[Any], Any]:
    """A value getter following attributes (`"case.company.nit"`): None as
    soon as one on the way is None (a work order without a case)."""
    names = dotted.split(".")

    def get(row):
        for name in names:
            if row is None:
                return None
            row = getattr(row, name)
        return row() if callable(row) else row

    return get


def display(dotted: str) -> Callable[[Any], Any]:
    """A value getter giving the label of a choices field (`"state"`,
    `"case.status"`) in the current language, as `get_state_display()` does,
    but with each code's label translated once, not once per row: Django's
    method builds the field's choices again for every call, and a list may
    have hundreds of thousands of rows. An unknown code is shown as it is."""
    *through, name = dotted.split(".")
    owner = path(".".join(through)) if through else (lambda row: row)
    labels: dict[tuple[str, Any], str] = {}

    def get(row):
        row = owner(row)
        if row is None:
            return None
        code = getattr(row, name)
        key = (get_language(), code)
        if key not in labels:
            choices = dict(type(row)._meta.get_field(name).flatchoices)
            labels[key] = str(choices.get(code, code))
        return labels[key]

    return get


def wants_xlsx(request: HttpRequest) -> bool:
    """Whether a list page is asked for its Excel file (`?formato=xlsx`): on
    a GET only — a form posted to a page whose address says `formato=xlsx`
    is that form, not a download."""
    return request.method in ("GET", "HEAD") and request.GET.get(FORMAT_PARAM) == XLSX


def dated_filename(stem: str, day: date | None = None) -> str:
    """`cartera-2026-12-05.xlsx`: the list's name and the day (La Paz) it was
    downloaded."""
    day = day or timezone.localdate()
    return f"{stem}-{day:%Y-%m-%d}.xlsx"


def xlsx_response(
    rows: Iterable,
    *,
    columns: Sequence[Column],
    filename: str,
    sheet: str,
    max_rows: int = MAX_ROWS,
    seconds: float | None = None,
) -> HttpResponse:
    """The rows as an .xlsx download (see the module's docstring). A queryset
    is read in chunks; the workbook goes through a temporary file, sent as
    it is read and closed once sent."""
    output = tempfile.TemporaryFile()  # noqa: SIM115 — the response closes it
    try:
        write_xlsx(
            rows, columns=columns, output=output, sheet=sheet, max_rows=max_rows, seconds=seconds
        )
        output.seek(0)
    except BaseException:
        output.close()
        raise
    return attachment_response(output, filename=filename, content_type=CONTENT_TYPE)


@dataclass(frozen=True)
class Written:
    """What `write_xlsx` wrote: the data rows, and whether the list was cut."""

    rows: int
    cut: bool


def write_xlsx(
    rows: Iterable,
    *,
    columns: Sequence[Column],
    output,
    sheet: str,
    max_rows: int = MAX_ROWS,
    seconds: float | None = None,
) -> Written:
    """Write the rows (at most `max_rows`, for at most `seconds` — by default
    the setting POSVENTA_EXPORT_SECONDS, or `SECONDS`) as one sheet into
    `output`, a file name or a binary file open for writing."""
    if seconds is None:
        seconds = float(getattr(settings, "POSVENTA_EXPORT_SECONDS", SECONDS))
    deadline = time.monotonic() + seconds
    if not columns:
        raise ValueError("A workbook needs at least one column.")
    if isinstance(rows, QuerySet):
        # In chunks: a server-side cursor on PostgreSQL, never the whole list
        # in memory (a chunk size also lets prefetch_related work).
        rows = rows.iterator(chunk_size=CHUNK_SIZE)
    # One more than the bound: whether the list goes on past it.
    rows = iter(islice(rows, max_rows + 1))
    sample = list(islice(rows, min(SAMPLE_ROWS, max_rows + 1)))
    zone = ZoneInfo(settings.TIME_ZONE)

    workbook = xlsxwriter.Workbook(
        output,
        {
            "constant_memory": True,
            # Text stays text: no formula, number or link is guessed from it.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    try:
        header_format = workbook.add_format({"bold": True, "bg_color": "#E7EEF7", "border": 1})
        note_format = workbook.add_format({"italic": True, "bold": True, "font_color": "#9C2C00"})
        worksheet = workbook.add_worksheet(sheet_name(sheet))
        headers = [str(column.header) for column in columns]
        sample_values = [[column.value(row) for column in columns] for row in sample]
        for index, column in enumerate(columns):
            width = column.width or _measure(
                column, headers[index], [values[index] for values in sample_values]
            )
            worksheet.set_column(index, index, width)
        worksheet.freeze_panes(1, 0)
        for index, header in enumerate(headers):
            worksheet.write_string(0, index, header, header_format)

        writers = _cell_writers(worksheet, workbook, zone)
        cells = [(index, writers[column.kind]) for index, column in enumerate(columns)]
        written = 0
        cut = False

        def all_values() -> Iterator[list]:
            yield from sample_values
            for row in rows:
                yield [column.value(row) for column in columns]

        for values in all_values():
            # A row is in hand: stopping here leaves rows out, and the note says so.
            if written == max_rows or (
                written % CLOCK_EVERY == 0 and written and time.monotonic() > deadline
            ):
                cut = True
                break
            written += 1
            for index, write in cells:
                value = values[index]
                if value is not None and value != "":
                    write(written, index, value)
        worksheet.autofilter(0, 0, max(written, 1), len(columns) - 1)
        if cut:
            worksheet.write_string(
                written + 2,
                0,
                _(
                    "This list has more than %(count)s rows: only the first %(count)s were "
                    "downloaded. Narrow the filters to download the rest."
                )
                % {"count": number_format(written, force_grouping=True)},
                note_format,
            )
    finally:
        workbook.close()
    return Written(rows=written, cut=cut)


def sheet_name(text: str) -> str:
    """A name Excel accepts for a sheet: without []:*?/\\ and at most 31 characters."""
    name = _NOT_IN_SHEET_NAME.sub(" ", str(text)).strip().strip("'")[:SHEET_NAME_MAX].strip()
    return name or "Hoja1"


def clean_text(value) -> str:
    """The text of a cell: without the characters XML cannot hold, at most
    Excel's 32 767 characters."""
    return _NOT_XML.sub("", str(value))[:CELL_MAX_CHARS]


def bool_text(value: bool) -> str:
    return _("Yes") if value else _("No")


def _measure(column: Column, header: str, values: list) -> int:
    """As wide as the header and the sampled values need, within bounds."""
    if column.kind == Kind.TEXT:
        lengths = [
            max((len(line) for line in clean_text(v).splitlines()), default=0)
            for v in values
            if v not in (None, "")
        ]
        needed = max(lengths, default=0)
    elif column.kind == Kind.BOOL:
        needed = _KIND_WIDTH[Kind.BOOL]
    else:
        needed = _KIND_WIDTH[column.kind]
        if column.kind in (Kind.INT, Kind.NUMBER, Kind.MONEY):
            numbers = [v for v in values if isinstance(v, int | float | Decimal)]
            if numbers:
                longest = max(abs(float(v)) for v in numbers)
                # The digits, the thousands separators and the cents.
                digits = len(f"{longest:,.0f}") + (3 if column.kind != Kind.INT else 0)
                needed = max(needed, digits + 1)
    # Header: bold, and room for the autofilter's arrow.
    return max(MIN_WIDTH, min(MAX_WIDTH, max(needed, len(header) + 3) + 1))


def _cell_writers(worksheet, workbook, zone) -> dict[Kind, Callable[[int, int, Any], None]]:
    """For each kind, how one value is written into a cell (row, column,
    value): chosen once per column, not per cell — a list may have millions."""
    formats = {
        kind: workbook.add_format({"num_format": number_format})
        for kind, number_format in (
            (Kind.INT, INT_FORMAT),
            (Kind.NUMBER, NUMBER_FORMAT),
            (Kind.MONEY, MONEY_FORMAT),
            (Kind.DATE, DATE_FORMAT),
            (Kind.DATETIME, DATETIME_FORMAT),
        )
    }
    yes, no = bool_text(True), bool_text(False)

    def text(row, col, value):
        worksheet.write_string(row, col, clean_text(value))

    def yes_no(row, col, value):
        worksheet.write_string(row, col, yes if value else no)

    def whole(row, col, value):
        worksheet.write_number(row, col, int(value), formats[Kind.INT])

    def number(kind):
        def write(row, col, value):
            worksheet.write_number(row, col, float(value), formats[kind])

        return write

    def day(kind):
        def write(row, col, value):
            if isinstance(value, datetime) and timezone.is_aware(value):
                value = value.astimezone(zone).replace(tzinfo=None)
            if kind == Kind.DATE and isinstance(value, datetime):
                value = value.date()
            if value.year < FIRST_YEAR:
                # Excel's calendar starts in 1900: an earlier day goes as its text.
                worksheet.write_string(row, col, value.isoformat())
            else:
                worksheet.write_datetime(row, col, value, formats[kind])

        return write

    return {
        Kind.TEXT: text,
        Kind.BOOL: yes_no,
        Kind.INT: whole,
        Kind.NUMBER: number(Kind.NUMBER),
        Kind.MONEY: number(Kind.MONEY),
        Kind.DATE: day(Kind.DATE),
        Kind.DATETIME: day(Kind.DATETIME),
    }
