"""Invoices from the commercial system, by invoice number (imports/entities/invoices.py)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from auditlog.models import LogEntry

from posventa.billing.models import Invoice
from posventa.factories import InvoiceFactory, ProductFactory
from posventa.imports.models import RowOutcome
from posventa.imports.tests.files import counts, import_media, load, outcomes  # noqa: F401

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.usefixtures("import_media"),
    # Payments may not be dated after today: a fixed today for the rules.
    pytest.mark.usefixtures("today"),
]

HEADER = [
    "Número de factura",
    "Número de servicio",
    "Periodo",
    "Monto (Bs)",
    "Vencimiento",
    "Pagado hasta hoy",
    "Fecha de pago",
]


@pytest.fixture
def today():
    with time_machine.travel(date(2026, 11, 25), tick=False):
        yield


@pytest.fixture
def product(db):
    return ProductFactory(service_number="4400001")


def test_new_invoices_read_every_spelling_of_month_and_amount(tmp_path, product):
    other = ProductFactory(service_number="4400002")
    run = load(
        tmp_path,
        "facturas.xlsx",
        HEADER,
        [
            ["F-001", "4400001", "10/2026", "Bs 1.234,50", "20/11/2026", "", ""],
            ["F-002", "4400001", "2026-09", 250.5, date(2026, 10, 20), 250.5, date(2026, 10, 3)],
            ["F-003", "4400001", date(2026, 8, 17), "1234.50", "", "100,00", ""],
            ["F-004", "4400002", "julio 2026", "99", "", "", "10/08/2026"],
        ],
    )

    assert counts(run) == {"created": 4, "updated": 0, "unchanged": 0, "refused": 0}
    invoices = {i.number: i for i in Invoice.objects.all()}
    assert (invoices["F-001"].period, invoices["F-001"].amount) == (
        date(2026, 10, 1),
        Decimal("1234.50"),
    )
    assert invoices["F-002"].paid_on == date(2026, 10, 3)
    assert invoices["F-002"].amount_paid == Decimal("250.50")
    # No due date: the month's rule (the 20th of the next month).
    assert invoices["F-003"].due_date == date(2026, 9, 20)
    assert invoices["F-003"].amount_paid == Decimal("100.00") and invoices["F-003"].paid_on is None
    # A payment date alone: paid in full that day.
    assert (invoices["F-004"].product, invoices["F-004"].amount_paid) == (other, Decimal("99.00"))


def test_an_invoice_posventa_holds_without_number_takes_the_number_of_its_month(tmp_path, product):
    mine = InvoiceFactory(product=product, period=date(2026, 10, 1), amount=Decimal("250.00"))
    run = load(
        tmp_path,
        "facturas.xlsx",
        HEADER,
        [
            ["F-100", "4400001", "10/2026", "250", "20/11/2026", "", ""],
        ],
    )

    assert counts(run) == {"created": 0, "updated": 1, "unchanged": 0, "refused": 0}
    mine.refresh_from_db()
    assert mine.number == "F-100"
    entry = LogEntry.objects.get_for_object(mine).get()
    assert entry.changes_dict == {"number": ["", "F-100"]}


def test_invoices_twice_write_nothing_the_second_time(tmp_path, product):
    rows = [
        ["F-001", "4400001", "10/2026", "250", "", "", ""],
        ["F-002", "4400001", "09/2026", "250", "", "250", "01/10/2026"],
    ]
    load(tmp_path, "facturas.csv", HEADER, rows)
    stamps = dict(Invoice.objects.values_list("number", "updated_at"))
    entries = LogEntry.objects.count()

    again = load(tmp_path, "facturas.csv", HEADER, rows)

    assert counts(again)["unchanged"] == 2
    assert dict(Invoice.objects.values_list("number", "updated_at")) == stamps
    assert LogEntry.objects.count() == entries


@pytest.mark.parametrize(
    ("cells", "column", "value"),
    [
        (["F-1", "9999999", "10/2026", "250", "", "", ""], "Número de servicio", "9999999"),
        (["F-1", "4400001", "13/2026", "250", "", "", ""], "Periodo", "13/2026"),
        (["F-1", "4400001", "10/2026", "-250", "", "", ""], "Monto", "-250"),
        (["F-1", "4400001", "10/2026", "250,505", "", "", ""], "Monto", "250,505"),
        (["F-1", "4400001", "10/2026", "USD 250", "", "", ""], "Monto", "USD 250"),
        (["F-1", "4400001", "10/2026", "250", "31/02/2026", "", ""], "Vencimiento", "31/02/2026"),
        (["F-1", "4400001", "10/2026", "250", "20/09/2026", "", ""], "Vencimiento", "20/09/2026"),
        (["F-1", "4400001", "10/2026", "250", "", "300", ""], "Pagado hasta hoy", "300"),
        (["F-1", "4400001", "10/2026", "250", "", "100", "05/11/2026"], "Fecha de pago", "05/11"),
        (["F-1", "4400001", "10/2026", "250", "", "250", ""], "Fecha de pago", ""),
        (["F-1", "4400001", "10/2026", "250", "", "", "01/12/2026"], "Fecha de pago", "01/12"),
        (["F-1", "4400001", "10/2026", "250", "", "", "30/09/2026"], "Fecha de pago", "30/09"),
        (["", "4400001", "10/2026", "250", "", "", ""], "Número de factura", ""),
    ],
    ids=[
        "unknown-product",
        "no-month-13",
        "negative",
        "three-decimals",
        "not-bolivianos",
        "no-such-day",
        "due-before-month",
        "paid-over-amount",
        "date-but-not-paid-in-full",
        "paid-in-full-without-date",
        "paid-in-the-future",
        "paid-before-the-month",
        "no-number",
    ],
)
def test_a_bad_invoice_is_refused_naming_the_column_and_the_value(
    tmp_path, product, cells, column, value
):
    run = load(tmp_path, "facturas.xlsx", HEADER, [cells])

    outcome, reason = outcomes(run)[2]
    assert outcome == RowOutcome.REFUSED
    assert column in reason and value in reason
    assert not Invoice.objects.exists()


def test_a_month_with_a_numbered_invoice_refuses_another_number(tmp_path, product):
    InvoiceFactory(product=product, period=date(2026, 10, 1), number="F-OLD")
    run = load(
        tmp_path,
        "facturas.xlsx",
        HEADER,
        [
            ["F-NEW", "4400001", "10/2026", "250", "", "", ""],
            ["F-A", "4400001", "09/2026", "250", "", "", ""],
            ["F-B", "4400001", "09/2026", "250", "", "", ""],
        ],
    )

    assert "F-OLD" in outcomes(run)[2][1]
    assert [o for o, _r in outcomes(run).values()] == ["refused", "created", "refused"]
    assert set(Invoice.objects.values_list("number", flat=True)) == {"F-OLD", "F-A"}


def test_an_invoice_number_of_another_product_is_refused(tmp_path, product):
    InvoiceFactory(product=ProductFactory(service_number="4400002"), number="F-1")
    run = load(
        tmp_path, "facturas.xlsx", HEADER, [["F-1", "4400001", "10/2026", "250", "", "", ""]]
    )

    outcome, reason = outcomes(run)[2]
    assert outcome == RowOutcome.REFUSED and "4400002" in reason
