"""The Excel writer every list's download uses (common/exports.py): typed
cells, the layout, the row cap, hostile text, the link to the download."""

import io
from datetime import UTC, date, datetime
from decimal import Decimal

import openpyxl
import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from posventa.common.exports import (
    CLOCK_EVERY,
    CONTENT_TYPE,
    DATE_FORMAT,
    DATETIME_FORMAT,
    INT_FORMAT,
    MONEY_FORMAT,
    Column,
    Kind,
    dated_filename,
    display,
    path,
    sheet_name,
    wants_xlsx,
    write_xlsx,
    xlsx_response,
)
from posventa.common.tests.xlsx import assert_layout, headers, records, sheet_of
from posventa.customers.models import Company
from posventa.factories import CompanyFactory, ProductFactory, UserFactory

NOTE = gettext_lazy(
    "This list has more than %(count)s rows: only the first %(count)s were "
    "downloaded. Narrow the filters to download the rest."
)

COLUMNS = [
    Column("Nombre", lambda r: r["name"]),
    Column("Monto (Bs)", lambda r: r["amount"], Kind.MONEY),
    Column("Cantidad", lambda r: r["count"], Kind.INT),
    Column("Tasa", lambda r: r["rate"], Kind.NUMBER),
    Column("Día", lambda r: r["day"], Kind.DATE),
    Column("Momento", lambda r: r["at"], Kind.DATETIME),
    Column("Pública", lambda r: r["public"], Kind.BOOL),
]


def row(**overrides):
    return {
        "name": "Clínica Cala Cala S.R.L.",
        "amount": Decimal("1234.50"),
        "count": 3,
        "rate": 0.125,
        "day": date(2026, 12, 5),
        "at": datetime(2026, 12, 5, 16, 30, tzinfo=UTC),
        "public": True,
        **overrides,
    }


def written(rows, columns=COLUMNS, **kwargs):
    output = io.BytesIO()
    result = write_xlsx(rows, columns=columns, output=output, sheet="Prueba", **kwargs)
    return result, openpyxl.load_workbook(io.BytesIO(output.getvalue())).worksheets[0]


def test_cells_are_typed_numbers_dates_and_yes_no_in_spanish():
    _result, sheet = written([row(), row(public=False)])
    first = records(sheet)[0]
    assert isinstance(first["Monto (Bs)"].value, float)
    assert first["Monto (Bs)"].value == 1234.5
    assert first["Monto (Bs)"].number_format == MONEY_FORMAT == "#,##0.00"
    assert first["Cantidad"].value == 3 and first["Cantidad"].number_format == INT_FORMAT
    assert first["Tasa"].value == 0.125
    assert first["Día"].value == datetime(2026, 12, 5)
    assert first["Día"].number_format == DATE_FORMAT == "dd/mm/yyyy"
    assert first["Pública"].value == "Sí"
    assert records(sheet)[1]["Pública"].value == "No"


def test_moments_are_written_in_la_paz_time():
    # 16:30 UTC is 12:30 in La Paz (UTC−4, no daylight saving).
    _result, sheet = written([row()])
    cell = records(sheet)[0]["Momento"]
    assert cell.value == datetime(2026, 12, 5, 12, 30)
    assert cell.number_format == DATETIME_FORMAT


def test_a_moment_late_in_the_evening_is_still_that_day_in_la_paz():
    # 02:00 UTC on the 6th is 22:00 on the 5th in La Paz: a date column says the 5th.
    columns = [Column("Día", lambda r: r, Kind.DATE)]
    _result, sheet = written([datetime(2026, 12, 6, 2, 0, tzinfo=UTC)], columns)
    assert records(sheet)[0]["Día"].value == datetime(2026, 12, 5)


def test_empty_values_leave_empty_cells():
    _result, sheet = written(
        [row(name="", amount=None, count=None, rate=None, day=None, at=None, public=None)]
    )
    assert [cell.value for cell in sheet[2]] == [None] * len(COLUMNS)


def test_the_header_row_is_frozen_filtered_and_the_columns_sized():
    _result, sheet = written([row(name="x" * 45)])
    assert headers(sheet) == [c.header for c in COLUMNS]
    assert_layout(sheet)
    assert sheet.auto_filter.ref == "A1:G2"
    widths = {letter: dim.width for letter, dim in sheet.column_dimensions.items()}
    assert widths["A"] >= 45  # as wide as the long name
    assert widths["E"] >= 10  # a date fits
    assert widths["A"] <= 62


def test_text_is_text_even_when_it_looks_like_a_formula_or_a_number():
    _result, sheet = written([row(name='=HYPERLINK("http://x")'), row(name="00123")])
    cells = [r["Nombre"] for r in records(sheet)]
    assert [c.value for c in cells] == ['=HYPERLINK("http://x")', "00123"]
    assert all(c.data_type == "s" for c in cells)


def test_control_characters_are_dropped_so_the_file_opens():
    _result, sheet = written([row(name="línea\x00uno\x07\ttab\nsegunda")])
    assert records(sheet)[0]["Nombre"].value == "líneauno\ttab\nsegunda"


def test_a_list_longer_than_the_cap_is_cut_with_a_note_in_spanish():
    result, sheet = written((row(count=n) for n in range(10)), max_rows=4)
    assert result.rows == 4 and result.cut
    assert [r["Cantidad"].value for r in records(sheet)] == [0, 1, 2, 3]
    # The note, in the interface's language (Spanish once the catalogue has it).
    assert sheet.cell(row=7, column=1).value == NOTE % {"count": "4"}
    assert sheet.auto_filter.ref == "A1:G5"


def test_a_list_of_exactly_the_cap_is_not_cut():
    result, sheet = written([row()] * 4, max_rows=4)
    assert result.rows == 4 and not result.cut
    assert sheet.max_row == 5


def test_an_empty_list_still_has_its_headers():
    result, sheet = written([])
    assert result.rows == 0
    assert headers(sheet) == [c.header for c in COLUMNS]


@pytest.mark.django_db
def test_a_queryset_is_read_in_chunks_and_followed_through_paths():
    ana = UserFactory(first_name="Ana", last_name="Lima")
    beto = UserFactory(first_name="Beto", last_name="Soria")
    CompanyFactory(legal_name="Beta S.A.", executive=ana)
    CompanyFactory(legal_name="Alfa S.A.", executive=beto)
    companies = Company.objects.select_related("executive").order_by("legal_name")
    columns = [Column("Empresa", path("legal_name")), Column("Ejecutivo", path("executive"))]
    _result, sheet = written(companies, columns)
    assert [(r["Empresa"].value, r["Ejecutivo"].value) for r in records(sheet)] == [
        ("Alfa S.A.", "Beto Soria"),
        ("Beta S.A.", "Ana Lima"),
    ]


def test_a_path_through_a_missing_relation_is_an_empty_cell():
    class Order:
        case = None

    assert path("case.number")(Order()) is None


def test_the_response_is_a_download_with_the_dated_name():
    response = xlsx_response(
        [row()], columns=COLUMNS, filename=dated_filename("cartera", date(2026, 12, 5)), sheet="x"
    )
    assert response["Content-Type"] == CONTENT_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="cartera-2026-12-05.xlsx"'
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(records(sheet_of(response))) == 1


def test_a_sheet_name_excel_accepts():
    assert sheet_name("Llamadas: campaña [nov]/2026 con un nombre muy largo") == (
        "Llamadas  campaña  nov  2026 co"
    )
    assert len(sheet_name("x" * 50)) == 31
    assert sheet_name("[]") == "Hoja1"


def test_only_a_get_asks_for_the_file():
    factory = RequestFactory()
    assert wants_xlsx(factory.get("/clientes/", {"formato": "xlsx"}))
    assert not wants_xlsx(factory.get("/clientes/", {"formato": "pdf"}))
    assert not wants_xlsx(factory.post("/campanas/?formato=xlsx"))


def test_the_link_keeps_the_filters_and_drops_the_page():
    request = RequestFactory().get("/clientes/", {"q": "cala & co", "page": "3"})
    html = Template("{% load exports %}{% xlsx_link %}").render(Context({"request": request}))
    assert 'href="/clientes/?q=cala+%26+co&amp;formato=xlsx"' in html
    assert f">{_('Download Excel')}</a>" in html


def test_the_link_to_a_sibling_address_carries_the_filters_without_the_format():
    request = RequestFactory().get("/clientes/", {"executive": "7", "formato": "xlsx"})
    html = Template('{% load exports %}{% xlsx_link "customers:products_xlsx" "P" %}').render(
        Context({"request": request})
    )
    assert 'href="/clientes/productos.xlsx?executive=7"' in html and ">P</a>" in html


@pytest.mark.django_db
def test_a_choice_is_written_as_its_label_in_spanish():
    company = CompanyFactory()
    product = ProductFactory(company=company, technology="fiber")
    get = display("technology")
    assert get(product) == "Fibra óptica" == product.get_technology_display()
    product.technology = ""
    assert get(product) == ""  # blank: an empty cell
    product.technology = "laser"
    assert get(product) == "laser"  # a code the choices lack is shown as it is
    assert display("case.status")(WorkOrderLike()) is None


class WorkOrderLike:
    case = None


def test_named_filters_replace_the_query_string_and_empty_ones_are_left_out():
    request = RequestFactory().get("/bandeja/", {"company": "999", "procedure": "B"})
    html = Template(
        '{% load exports %}{% xlsx_link procedure="B" company="" %}'
        '{% xlsx_link "cases:cases_xlsx" "C" procedure="" company=7 %}'
    ).render(Context({"request": request}))
    assert 'href="/bandeja/?procedure=B&amp;formato=xlsx"' in html
    assert 'href="/casos.xlsx?company=7"' in html
    assert "999" not in html


@pytest.mark.django_db
def test_shown_pk_echoes_an_id_only_among_the_choices():
    companies = [CompanyFactory(), CompanyFactory()]
    render = Template("{% load exports %}[{{ rows|shown_pk:pk }}]").render
    assert render(Context({"rows": companies, "pk": companies[1].pk})) == f"[{companies[1].pk}]"
    assert render(Context({"rows": companies, "pk": 2**40})) == "[]"
    assert render(Context({"rows": companies, "pk": None})) == "[]"


def test_a_list_that_takes_too_long_is_cut_with_the_same_note():
    # No time at all: the first look at the clock (every CLOCK_EVERY rows) cuts it.
    many = (row(count=n) for n in range(CLOCK_EVERY * 2 + 5))
    result, sheet = written(many, seconds=0)
    assert result.cut and result.rows == CLOCK_EVERY
    assert len(records(sheet)) == CLOCK_EVERY
    assert sheet.cell(row=CLOCK_EVERY + 3, column=1).value == NOTE % {"count": CLOCK_EVERY}


def test_a_short_list_is_never_cut_by_the_clock():
    result, _sheet = written([row()] * 3, seconds=0)
    assert result.rows == 3 and not result.cut
