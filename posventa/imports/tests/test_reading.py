"""Reading the files row by row, judged by their content (imports/reading.py)."""

import io
import zipfile
from datetime import date

import pytest
from django.core.exceptions import ValidationError

from posventa.imports import reading
from posventa.imports.tests.files import write_csv, write_xlsx

HEADER = ["NIT", "Razón social", "Dirección"]
ROWS = [["1020304050", "Café Ñandú S.R.L.", "Av. Ballivián 1"], ["1020304051", "Beta", "Calle 2"]]


def rows_of(path, kind, sheet=""):
    with reading.open_table(path, kind=kind, sheet=sheet) as table:
        return table.headers, list(table.rows())


@pytest.mark.parametrize(
    ("encoding", "delimiter"),
    [("utf-8-sig", ";"), ("utf-8", ","), ("cp1252", ";"), ("utf-16", "\t"), ("utf-8", "|")],
)
def test_a_csv_is_read_in_its_encoding_and_with_its_delimiter(tmp_path, encoding, delimiter):
    path = write_csv(tmp_path / "a.csv", HEADER, ROWS, delimiter=delimiter, encoding=encoding)
    with open(path, "rb") as handle:
        assert reading.detect_kind(handle) == reading.CSV

    inspection = reading.inspect(path, kind=reading.CSV)
    headers, rows = rows_of(path, reading.CSV)

    assert inspection.headers == headers == HEADER
    assert inspection.rows_estimate == 2
    assert rows == [(2, ROWS[0]), (3, ROWS[1])]


def test_a_csv_cell_may_hold_the_delimiter_quotes_and_a_line_break(tmp_path):
    rows = [["1020304050", 'Empresa "La Paz"; S.A.', "Av. 1\nPiso 2"], ["1020304051", "B", "C"]]
    path = write_csv(tmp_path / "a.csv", HEADER, rows)

    _headers, read = rows_of(path, reading.CSV)

    assert [cells for _line, cells in read] == rows
    # The estimate counts lines: never fewer than the rows (the progress bar's total).
    assert reading.inspect(path, kind=reading.CSV).rows_estimate >= 2


def test_empty_rows_before_the_header_and_between_rows_are_skipped(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(";;\n\nNIT;Razón social\n1020304050;A\n;\n1020304051;B\n", encoding="utf-8")

    headers, rows = rows_of(path, reading.CSV)

    assert headers == ["NIT", "Razón social"]
    assert [line for line, _cells in rows] == [4, 6]


def test_an_xlsx_gives_excel_dates_and_numbers_and_its_lines_as_excel_shows_them(tmp_path):
    path = write_xlsx(
        tmp_path / "a.xlsx", ["NIT", "Fecha", "Monto"], [[1020304050, date(2026, 10, 5), 1234.5]]
    )

    inspection = reading.inspect(path, kind=reading.XLSX)
    headers, rows = rows_of(path, reading.XLSX)

    assert inspection.headers == headers == ["NIT", "Fecha", "Monto"]
    assert (inspection.sheet, inspection.rows_estimate) == ("Hoja1", 1)
    assert rows == [(2, [1020304050.0, date(2026, 10, 5), 1234.5])]


def test_the_sheet_is_the_one_asked_for_or_the_first_visible(tmp_path):
    import xlsxwriter

    path = tmp_path / "libro.xlsx"
    book = xlsxwriter.Workbook(str(path))
    hidden = book.add_worksheet("Oculta")
    hidden.write_row(0, 0, ["Nada"])
    hidden.hide()
    book.add_worksheet("Pagos").write_row(0, 0, ["Referencia", "Monto"])
    book.add_worksheet("Facturas").write_row(0, 0, ["Número de factura"])
    book.get_worksheet_by_name("Pagos").activate()
    book.close()

    assert reading.inspect(path, kind=reading.XLSX).headers == ["Referencia", "Monto"]
    assert reading.inspect(path, kind=reading.XLSX, sheet="Facturas").headers == [
        "Número de factura"
    ]
    with pytest.raises(ValidationError) as refused:
        reading.inspect(path, kind=reading.XLSX, sheet="Otra")
    assert "Pagos" in str(refused.value)


def _zip(entries: dict[str, bytes]) -> io.BytesIO:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in entries.items():
            archive.writestr(name, content)
    buffer.seek(0)
    return buffer


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n", "file_type"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "file_type"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "file_type"),
        (b"NIT;Nombre\n1020304050;A\x00B\n", "file_type"),
        (_zip({"hola.txt": b"hola"}).getvalue(), "file_type"),
        (
            _zip(
                {
                    "[Content_Types].xml": b"<Types/>",
                    "xl/workbook.xml": b"<workbook/>",
                    "xl/vbaProject.bin": b"macro",
                }
            ).getvalue(),
            "macros",
        ),
    ],
    ids=["empty", "pdf", "png", "old-xls", "binary-text", "plain-zip", "macros"],
)
def test_a_file_that_is_neither_xlsx_nor_csv_is_refused_by_its_content(content, code):
    with pytest.raises(ValidationError) as refused:
        reading.detect_kind(io.BytesIO(content))
    assert refused.value.code == code


def test_a_text_in_no_known_encoding_is_refused(tmp_path):
    path = tmp_path / "a.csv"
    path.write_bytes(b"NIT;Nombre\n1020304050;\x81\x8d\x8f\n")
    with pytest.raises(ValidationError):
        reading.inspect(path, kind=reading.CSV)


def test_a_file_without_a_header_row_cannot_be_read(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text(";;\n" * 5, encoding="utf-8")
    with pytest.raises(reading.ReadError):
        reading.inspect(path, kind=reading.CSV)


def test_a_runaway_quote_stops_the_reading_with_the_line(tmp_path):
    path = tmp_path / "a.csv"
    path.write_text('NIT;Nombre\n1020304050;"' + "x" * (2 * 1024 * 1024) + "\n", encoding="utf-8")
    with pytest.raises(reading.ReadError) as stopped:
        rows_of(path, reading.CSV)
    assert "2" in str(stopped.value)
