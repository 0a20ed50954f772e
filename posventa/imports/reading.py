"""Reading the commercial system's files row by row, never whole.

Two kinds, told by their content (never by the name):

- an Excel workbook (.xlsx: an Office Open XML zip with `xl/workbook.xml`),
  read by calamine, which gives dates and numbers as Excel stored them;
- a CSV: text in UTF-8 (with or without its BOM), else Windows-1252 (what
  Excel writes for "CSV (delimitado por comas)" on a Spanish Windows), or
  UTF-16 with its BOM ("Texto Unicode"); the delimiter (; , tab or |) is
  the one its header line uses most. Read with the csv module, one record
  at a time: memory stays flat whatever the size.

The header is the first row with anything in it. `open_table` gives the rows
after it as (line, cells): the line is the row's number as Excel shows it
(the header's own line counts), cells as the reader gives them (strings for
a CSV; str, float, bool, date, datetime for an .xlsx).

When a file is opened (`inspect`), only its head is read: an .xlsx's header
comes from streaming its sheet's XML (calamine would load the whole sheet,
which a web request should not), and its row count from the sheet's
declared dimension; a CSV is scanned once, in binary chunks, to check its
text and count its lines.
"""

import codecs
import csv
import io
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from xml.etree.ElementTree import iterparse

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from posventa.imports.values import clean_text

XLSX = "xlsx"
CSV = "csv"

MAX_COLUMNS = 200
MAX_HEADER = 100  # ColumnMapping.header
# Rows read looking for the header before giving up (an empty sheet of a million rows).
MAX_LEADING_EMPTY = 1000
CHUNK = 1024 * 1024
# A CSV cell longer than this is no field of ours (a runaway quote swallowing the file).
csv.field_size_limit(1024 * 1024)


class ReadError(Exception):
    """The file cannot be read on from this point; the message says why, in words."""


@dataclass
class Inspection:
    """What opening a file found: its kind, the sheet, the header row as
    written, and how many data rows it has (at most; None when unknown)."""

    kind: str
    headers: list[str]
    sheet: str = ""
    rows_estimate: int | None = None
    encoding: str = ""
    delimiter: str = ","
    extra: dict = field(default_factory=dict)


def _refuse(message: str, code: str = "file_type"):
    return ValidationError(message, code=code)


# --- What a file is ---------------------------------------------------------------------------


def detect_kind(stream) -> str:
    """XLSX or CSV by the content; ValidationError (Spanish) for anything
    else. Leaves the stream at its start."""
    stream.seek(0)
    head = stream.read(64 * 1024)
    stream.seek(0)
    if not head:
        raise _refuse(_("The file is empty."), "empty")
    if head.startswith(b"PK\x03\x04"):
        _check_workbook_zip(stream)
        return XLSX
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise _refuse(
            _(
                "This is an old Excel workbook (.xls) or one protected by a password: "
                "save it as .xlsx (Excel workbook) without a password, or as CSV."
            )
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return CSV
    guess = filetype.guess(head)
    if guess is not None or b"\x00" in head:
        raise _refuse(_("The file is neither an Excel workbook (.xlsx) nor a CSV text file."))
    return CSV


def _check_workbook_zip(stream) -> None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise _refuse(_("The file is damaged: it cannot be opened as a workbook.")) from None
    finally:
        stream.seek(0)
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise _refuse(_("The workbook contains macros: save it as .xlsx without macros."), "macros")
    if "[Content_Types].xml" not in names or "xl/workbook.xml" not in names:
        raise _refuse(
            _(
                "The file is a compressed archive, not an Excel workbook (.xlsx): "
                "save it from Excel as .xlsx or CSV."
            )
        )


def inspect(path, *, kind: str, sheet: str = "", count: bool = True) -> Inspection:
    """The head of the stored file: its header and (`count`) its size in rows."""
    if kind == XLSX:
        return _inspect_xlsx(path, sheet)
    return _inspect_csv(path, count=count)


# --- CSV --------------------------------------------------------------------------------------


def _csv_encoding(path, *, count: bool = True) -> tuple[str, int, int]:
    """(encoding, newline count, the last line unterminated: 1 or 0), by one
    pass over the bytes. UTF-8 is tried first (with its BOM, if any), then
    Windows-1252; anything else is refused. Without `count`, only the head
    is read (enough to read the header again) and the counts are 0."""
    with open(path, "rb") as handle:
        head = handle.read(CHUNK)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return _count_decoded(path, "utf-16") if count else ("utf-16", 0, 0)
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            if not count:
                codecs.getincrementaldecoder(encoding)().decode(head)
                return encoding, 0, 0
            return _count_bytes(path, encoding)
        except UnicodeDecodeError:
            continue
    raise _refuse(
        _("The file is not text in UTF-8 or Windows-1252: save it from Excel as CSV UTF-8.")
    )


def _count_bytes(path, encoding: str) -> tuple[str, int, int]:
    decoder = codecs.getincrementaldecoder(encoding)()
    lines = 0
    last = b""
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            if b"\x00" in chunk:
                raise _refuse(
                    _("The file is neither an Excel workbook (.xlsx) nor a CSV text file.")
                )
            decoder.decode(chunk)
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    decoder.decode(b"", final=True)
    return encoding, lines, int(last not in (b"\n", b""))


def _count_decoded(path, encoding: str) -> tuple[str, int, int]:
    lines = 0
    last = ""
    try:
        with open(path, encoding=encoding, newline="") as handle:
            while chunk := handle.read(CHUNK):
                lines += chunk.count("\n")
                last = chunk[-1:]
    except UnicodeError:
        raise _refuse(_("The file is not valid UTF-16 text.")) from None
    return encoding, lines, int(last not in ("\n", ""))


def _sniff_delimiter(line: str) -> str:
    """The delimiter the header line uses most, outside quotes."""
    outside = re.sub(r'"[^"]*"', "", line)
    counts = {mark: outside.count(mark) for mark in (";", ",", "\t", "|")}
    best = max(counts, key=lambda mark: counts[mark])
    return best if counts[best] else ","


def _inspect_csv(path, *, count: bool = True) -> Inspection:
    encoding, lines, unterminated = _csv_encoding(path, count=count)
    with open(path, encoding=encoding, newline="") as handle:
        first = ""
        for first in handle:
            if first.strip():
                break
    delimiter = _sniff_delimiter(first)
    inspection = Inspection(kind=CSV, headers=[], encoding=encoding, delimiter=delimiter)
    with open_csv(path, inspection) as table:
        inspection.headers = table.headers
        if count:
            inspection.rows_estimate = max(lines + unterminated - table.header_line, 0)
    return inspection


class Table:
    """An open file: its header and its data rows, read as they are asked for."""

    headers: list[str]
    header_line: int
    rows_estimate: int | None

    def rows(self) -> Iterator[tuple[int, list]]:
        raise NotImplementedError


class _CsvTable(Table):
    def __init__(self, handle, delimiter: str, rows_estimate: int | None):
        self._reader = csv.reader(handle, delimiter=delimiter)
        self._line = 0
        self.rows_estimate = rows_estimate
        self.headers, self.header_line = _header(self._records())

    def _records(self) -> Iterator[tuple[int, list]]:
        try:
            for record in self._reader:
                self._line += 1
                yield self._line, record
        except csv.Error as error:
            raise ReadError(
                _("Line %(line)s cannot be read as CSV (%(error)s).")
                % {"line": self._line + 1, "error": error}
            ) from None

    def rows(self) -> Iterator[tuple[int, list]]:
        for line, record in self._records():
            if any(cell.strip() for cell in record):
                yield line, record


@contextmanager
def open_csv(path, inspection: Inspection):
    with open(path, encoding=inspection.encoding, newline="") as handle:
        yield _CsvTable(handle, inspection.delimiter, inspection.rows_estimate)


def _header(records: Iterator[tuple[int, list]]) -> tuple[list[str], int]:
    """The first row with anything in it, cleaned; its line."""
    for line, record in records:
        if line > MAX_LEADING_EMPTY:
            break
        if any(not _blank(cell) for cell in record):
            headers = [clean_text(cell)[:MAX_HEADER] for cell in record[:MAX_COLUMNS]]
            while headers and not headers[-1]:
                headers.pop()
            return headers, line
    raise ReadError(_("The file has no header row: its first rows are empty."))


def _blank(cell) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


# --- XLSX -------------------------------------------------------------------------------------

_MAIN_NS = re.compile(r"^\{[^}]*\}")
MAX_PART = 16 * 1024 * 1024  # workbook.xml and its relations are a few KB


def _local(tag: str) -> str:
    return _MAIN_NS.sub("", tag)


def _read_part(archive: zipfile.ZipFile, name: str) -> bytes:
    with archive.open(name) as handle:
        content = handle.read(MAX_PART + 1)
    if len(content) > MAX_PART:
        raise ReadError(_("The workbook is damaged: one of its parts is too large."))
    if b"<!DOCTYPE" in content[:2048]:
        raise ReadError(_("The workbook is damaged: it declares a document type."))
    return content


def _sheets(archive: zipfile.ZipFile) -> list[tuple[str, str, bool]]:
    """(name, part path, visible) of each worksheet, in workbook order."""
    rels = {}
    names = set(archive.namelist())
    if "xl/_rels/workbook.xml.rels" in names:
        for _event, element in iterparse(
            io.BytesIO(_read_part(archive, "xl/_rels/workbook.xml.rels"))
        ):
            if _local(element.tag) == "Relationship":
                target = element.get("Target", "")
                target = target.lstrip("/") if target.startswith("/") else f"xl/{target}"
                rels[element.get("Id")] = target
    sheets = []
    for _event, element in iterparse(io.BytesIO(_read_part(archive, "xl/workbook.xml"))):
        if _local(element.tag) == "sheet":
            rel = next((v for k, v in element.attrib.items() if _local(k) == "id"), "")
            visible = element.get("state", "visible") == "visible"
            part = rels.get(rel, "")
            if part in names:
                sheets.append((element.get("name", ""), part, visible))
    return sheets


def choose_sheet(sheets: list[tuple[str, str, bool]], wanted: str) -> tuple[str, str]:
    if not sheets:
        raise ReadError(_("The workbook has no worksheet."))
    if wanted:
        for name, part, _visible in sheets:
            if name == wanted:
                return name, part
        raise ValidationError(
            {
                "sheet": _("The workbook has no sheet “%(sheet)s”; its sheets: %(sheets)s.")
                % {"sheet": wanted, "sheets": ", ".join(name for name, *_ in sheets)}
            }
        )
    visible = [(name, part) for name, part, is_visible in sheets if is_visible]
    return (visible or [(sheets[0][0], sheets[0][1])])[0]


def _column_index(reference: str) -> int:
    letters = re.match(r"[A-Z]+", reference or "")
    index = 0
    for letter in letters.group(0) if letters else "":
        index = index * 26 + ord(letter) - 64
    return index - 1


def _shared_strings(archive: zipfile.ZipFile, wanted: set[int]) -> dict[int, str]:
    """Only the shared strings the header uses, reading no further than the last."""
    if not wanted or "xl/sharedStrings.xml" not in archive.namelist():
        return {}
    found: dict[int, str] = {}
    last = max(wanted)
    index = -1
    with archive.open("xl/sharedStrings.xml") as handle:
        for _event, element in iterparse(handle, events=("end",)):
            tag = _local(element.tag)
            if tag == "si":
                index += 1
                if index in wanted:
                    found[index] = "".join(
                        t.text or ""
                        for t in element.iter()
                        if _local(t.tag) == "t" and not _in_phonetic(element, t)
                    )
                element.clear()
                if index >= last:
                    break
    return found


def _in_phonetic(si, t) -> bool:
    return any(_local(run.tag) == "rPh" and t in list(run.iter()) for run in si)


def _inspect_xlsx(path, sheet: str) -> Inspection:
    try:
        with zipfile.ZipFile(path) as archive:
            name, part = choose_sheet(_sheets(archive), sheet)
            dimension_last = None
            header_cells: list[tuple[int, str, str]] = []
            header_row = None
            rows_seen = 0
            with archive.open(part) as handle:
                head = handle.peek(2048) if hasattr(handle, "peek") else b""
                if b"<!DOCTYPE" in head[:2048]:
                    raise ReadError(_("The workbook is damaged: it declares a document type."))
                for _event, element in iterparse(handle, events=("end",)):
                    tag = _local(element.tag)
                    if tag == "dimension":
                        ref = element.get("ref", "")
                        match = re.search(r"(\d+)$", ref)
                        dimension_last = int(match.group(1)) if match and ":" in ref else None
                    elif tag == "row":
                        rows_seen += 1
                        cells = _row_cells(element)
                        element.clear()
                        if any(value.strip() for _i, _t, value in cells):
                            header_cells = cells
                            header_row = int(element.get("r") or rows_seen)
                            break
                        if rows_seen > MAX_LEADING_EMPTY:
                            break
            strings = _shared_strings(
                archive, {int(v) for _i, t, v in header_cells if t == "s" and v.isdigit()}
            )
    except (zipfile.BadZipFile, OSError, EOFError, KeyError) as error:
        raise ReadError(_("The workbook is damaged: %(error)s") % {"error": error}) from None
    except SyntaxError:  # xml.etree.ElementTree.ParseError
        raise ReadError(_("The workbook is damaged: its XML cannot be read.")) from None
    if header_row is None:
        raise ReadError(_("The file has no header row: its first rows are empty."))
    width = max((index for index, _t, _v in header_cells), default=-1) + 1
    headers = [""] * min(width, MAX_COLUMNS)
    for index, kind, value in header_cells:
        if 0 <= index < len(headers):
            if kind == "s":
                value = strings.get(int(value), "") if value.isdigit() else ""
            elif kind == "b":
                value = "Sí" if value == "1" else "No"
            elif kind in ("n", "") and re.fullmatch(r"-?\d+\.0", value):
                value = value[:-2]
            headers[index] = clean_text(value)[:MAX_HEADER]
    # calamine starts a row at the sheet's first used column: so do we.
    while headers and not headers[-1]:
        headers.pop()
    estimate = None if dimension_last is None else max(dimension_last - header_row, 0)
    return Inspection(kind=XLSX, headers=headers, sheet=name, rows_estimate=estimate)


def _row_cells(row) -> list[tuple[int, str, str]]:
    cells = []
    position = -1
    for cell in row:
        if _local(cell.tag) != "c":
            continue
        reference = cell.get("r")
        position = _column_index(reference) if reference else position + 1
        kind = cell.get("t", "")
        value = ""
        for child in cell:
            tag = _local(child.tag)
            if tag == "v":
                value = child.text or ""
            elif tag == "is":
                value = "".join(t.text or "" for t in child.iter() if _local(t.tag) == "t")
        cells.append((position, kind, value))
    return cells


class _XlsxTable(Table):
    def __init__(self, sheet):
        start = sheet.start or (0, 0)
        self._first_line = start[0] + 1
        self._iter = iter(sheet.iter_rows())
        self._line = self._first_line - 1
        self.headers, self.header_line = _header(self._records())
        # calamine may start the data at a later column than A: the header
        # read at inspection was trimmed the same way (leading empty columns
        # of an .xlsx are rare; a header "" is simply not mapped).
        self.rows_estimate = max(sheet.height - (self.header_line - self._first_line + 1), 0)

    def _records(self) -> Iterator[tuple[int, list]]:
        for record in self._iter:
            self._line += 1
            yield self._line, record

    def rows(self) -> Iterator[tuple[int, list]]:
        for line, record in self._records():
            for cell in record:
                if cell != "" and cell is not None:
                    yield line, record
                    break


@contextmanager
def open_table(path, *, kind: str, sheet: str = "") -> Iterator[Table]:
    """The file at `path`, open for reading its rows (a context manager)."""
    if kind == XLSX:
        from python_calamine import CalamineError, CalamineWorkbook

        try:
            workbook = CalamineWorkbook.from_path(str(path))
        except (CalamineError, OSError, ValueError) as error:
            raise ReadError(
                _("The workbook cannot be read: %(error)s") % {"error": error}
            ) from None
        try:
            names = workbook.sheet_names
            chosen = sheet if sheet in names else (names[0] if names else "")
            if not chosen:
                raise ReadError(_("The workbook has no worksheet."))
            try:
                table = _XlsxTable(workbook.get_sheet_by_name(chosen))
            except CalamineError as error:
                raise ReadError(
                    _("The workbook cannot be read: %(error)s") % {"error": error}
                ) from None
            yield table
        finally:
            workbook.close()
    else:
        inspection = _inspect_csv(path)
        with open_csv(path, inspection) as table:
            yield table


def max_rows() -> int:
    return settings.POSVENTA_IMPORT_MAX_ROWS


def max_bytes() -> int:
    return settings.POSVENTA_IMPORT_MAX_BYTES
