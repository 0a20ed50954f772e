"""The invariants the database keeps even for rows written around the services."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from posventa.billing.models import Invoice
from posventa.factories import ChargeFactory, InvoiceFactory, ProductFactory

pytestmark = pytest.mark.django_db


def test_one_invoice_per_product_per_month():
    product = ProductFactory()
    InvoiceFactory(product=product, period=date(2025, 3, 1))
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(product=product, period=date(2025, 3, 1))
    # The next month, or another product the same month, are fine.
    InvoiceFactory(product=product, period=date(2025, 4, 1))
    InvoiceFactory(period=date(2025, 3, 1))
    assert Invoice.objects.count() == 3


def test_the_period_is_the_first_of_the_month():
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(period=date(2025, 3, 15), due_date=date(2025, 4, 20))
    assert not Invoice.objects.exists()


def test_an_invoice_is_not_negative_nor_due_before_its_month():
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(amount=Decimal("-1.00"))
    with pytest.raises(IntegrityError), transaction.atomic():
        InvoiceFactory(period=date(2025, 3, 1), due_date=date(2025, 2, 28))
    InvoiceFactory(amount=Decimal("0"))  # a free month is an invoice of Bs 0


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-20.00")])
def test_a_charge_is_more_than_nothing(amount):
    with pytest.raises(IntegrityError), transaction.atomic():
        ChargeFactory(amount=amount)


def test_overdue_is_derived_from_the_due_date_and_the_payment():
    invoice = InvoiceFactory.build(
        period=date(2025, 3, 1), due_date=date(2025, 4, 20), amount=Decimal("250.00")
    )
    assert not invoice.is_overdue(date(2025, 4, 20))
    assert invoice.is_overdue(date(2025, 4, 21))
    assert invoice.days_overdue(date(2025, 4, 21)) == 1
    invoice.amount_paid = Decimal("100.00")  # in part: still overdue, for the rest
    assert invoice.owed == Decimal("150.00") and invoice.is_overdue(date(2025, 6, 1))
    invoice.paid_on, invoice.amount_paid = date(2025, 5, 1), invoice.amount
    assert invoice.owed == 0 and not invoice.is_overdue(date(2025, 6, 1))
    assert invoice.days_overdue(date(2025, 6, 1)) == 0


def test_paid_on_a_date_is_paid_in_full_and_never_more():
    product = ProductFactory()
    for wrong in [
        {"paid_on": date(2025, 5, 1), "amount_paid": Decimal("100.00")},  # dated, in part
        {"paid_on": None, "amount_paid": Decimal("250.00")},  # in full, no date
        {"paid_on": None, "amount_paid": Decimal("250.01")},
        {"paid_on": None, "amount_paid": Decimal("-1.00")},
    ]:
        with pytest.raises(IntegrityError), transaction.atomic():
            InvoiceFactory(product=product, period=date(2025, 3, 1), amount=Decimal("250"), **wrong)
    InvoiceFactory(product=product, period=date(2025, 3, 1), amount_paid=Decimal("100.00"))
    InvoiceFactory(product=product, period=date(2025, 4, 1), paid_on=date(2025, 5, 2))
    InvoiceFactory(product=product, period=date(2025, 5, 1), amount=Decimal("0"))  # owes nothing
    assert Invoice.objects.count() == 3
