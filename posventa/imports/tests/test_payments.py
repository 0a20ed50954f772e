"""Payments from the commercial system, by reference (imports/entities/payments.py)."""

from datetime import date
from decimal import Decimal

import pytest
import time_machine
from auditlog.models import LogEntry

from posventa.billing.models import Invoice, Payment
from posventa.factories import InvoiceFactory, ProductFactory
from posventa.imports.models import RowOutcome
from posventa.imports.tests.files import (  # noqa: F401
    apply,
    check,
    counts,
    import_media,
    load,
    open_file,
    outcomes,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_media", "today")]

HEADER = ["Referencia", "Número de factura", "Fecha de pago", "Monto"]


@pytest.fixture
def today():
    with time_machine.travel(date(2026, 11, 25), tick=False):
        yield


@pytest.fixture
def invoice(db):
    return InvoiceFactory(
        product=ProductFactory(service_number="4400001"),
        number="F-001",
        period=date(2026, 10, 1),
        amount=Decimal("250.00"),
    )


def test_payments_add_up_and_the_one_that_completes_the_invoice_pays_it_on_its_day(
    tmp_path, invoice
):
    run = load(
        tmp_path,
        "pagos.xlsx",
        HEADER,
        [
            ["R-1", "F-001", "03/11/2026", "100,00"],
            ["R-2", "F-001", date(2026, 11, 10), 150],
        ],
    )

    assert counts(run)["created"] == 2
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.paid_on) == (Decimal("250.00"), date(2026, 11, 10))
    assert Payment.objects.count() == 2
    changes = [e.changes_dict for e in LogEntry.objects.get_for_object(invoice)]
    assert {"amount_paid": ["0.00", "250.00"], "paid_on": ["None", "2026-11-10"]} in changes


def test_payments_twice_add_nothing_the_second_time(tmp_path, invoice):
    rows = [["R-1", "F-001", "03/11/2026", "100"]]
    load(tmp_path, "pagos.xlsx", HEADER, rows)
    entries = LogEntry.objects.count()
    stamp = Invoice.objects.get().updated_at

    again = load(tmp_path, "pagos.xlsx", HEADER, rows)

    assert counts(again) == {"created": 0, "updated": 0, "unchanged": 1, "refused": 0}
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("100.00") and invoice.updated_at == stamp
    assert LogEntry.objects.count() == entries


def test_the_dry_run_counts_earlier_payments_of_the_file_in_later_batches(tmp_path, invoice):
    rows = [["R-1", "F-001", "03/11/2026", "200"], ["R-2", "F-001", "04/11/2026", "100"]]
    checked = check(open_file(tmp_path, "pagos.xlsx", HEADER, rows), batch_size=1)
    done = apply(checked, batch_size=1)

    assert (
        checked.checked_counts
        == counts(done)
        == {"created": 1, "updated": 0, "unchanged": 0, "refused": 1}
    )


@pytest.mark.parametrize(
    ("cells", "column", "value"),
    [
        (["R-1", "F-999", "03/11/2026", "100"], "Número de factura", "F-999"),
        (["R-1", "F-001", "03/11/2026", "300"], "Monto", "300"),
        (["R-1", "F-001", "03/11/2026", "0"], "Monto", "0"),
        (["R-1", "F-001", "03/11/2026", "-5"], "Monto", "-5"),
        (["R-1", "F-001", "30/09/2026", "100"], "Fecha de pago", "30/09/2026"),
        (["R-1", "F-001", "26/11/2026", "100"], "Fecha de pago", "26/11/2026"),
        (["R-1", "F-001", "2026-11-31", "100"], "Fecha de pago", "2026-11-31"),
        (["", "F-001", "03/11/2026", "100"], "Referencia", ""),
    ],
    ids=[
        "unknown-invoice",
        "more-than-owed",
        "zero",
        "negative",
        "before-the-month",
        "in-the-future",
        "no-such-day",
        "no-reference",
    ],
)
def test_a_bad_payment_is_refused_naming_the_column_and_the_value(
    tmp_path, invoice, cells, column, value
):
    run = load(tmp_path, "pagos.xlsx", HEADER, [cells])

    outcome, reason = outcomes(run)[2]
    assert outcome == RowOutcome.REFUSED
    assert column in reason and value in reason
    assert not Payment.objects.exists()
    invoice.refresh_from_db()
    assert invoice.amount_paid == 0


def test_a_recorded_payment_is_never_changed_by_a_file(tmp_path, invoice):
    load(tmp_path, "pagos.xlsx", HEADER, [["R-1", "F-001", "03/11/2026", "100"]])
    run = load(tmp_path, "pagos.xlsx", HEADER, [["R-1", "F-001", "03/11/2026", "120"]])

    assert outcomes(run)[2][0] == RowOutcome.REFUSED
    assert Payment.objects.get().amount == Decimal("100.00")


def test_a_paid_invoice_takes_no_more_payments(tmp_path, invoice):
    run = load(
        tmp_path,
        "pagos.xlsx",
        HEADER,
        [
            ["R-1", "F-001", "03/11/2026", "250"],
            ["R-2", "F-001", "04/11/2026", "1"],
        ],
    )

    assert [o for o, _r in outcomes(run).values()] == ["created", "refused"]
