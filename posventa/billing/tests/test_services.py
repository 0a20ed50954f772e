from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError

from posventa.billing.models import Charge, Invoice
from posventa.billing.services import (
    charge_add,
    invoice_issue,
    invoice_mark_paid,
    invoice_payment_record,
)
from posventa.catalog.models import TariffCode
from posventa.catalog.selectors import tariff_get
from posventa.factories import ChargeFactory, InvoiceFactory, PlanFactory, ProductFactory
from posventa.inventory.models import ProductStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def product():
    return ProductFactory(plan=PlanFactory(monthly_price=Decimal("250.00")))


# --- charge_add -----------------------------------------------------------------


def test_a_tariff_charge_is_the_tariff_times_the_quantity(product, make_user):
    manager = make_user("commercial_manager", username="gestor")
    charge = charge_add(
        product=product,
        concept=" Detalle de llamadas: 3 meses anteriores ",
        tariff=tariff_get(TariffCode.CALL_DETAIL_PREVIOUS_MONTH),
        quantity=3,
        user=manager,
    )
    charge.refresh_from_db()
    assert charge.amount == Decimal("36.00")  # Bs 12 x 3 months
    assert charge.quantity == 3
    assert charge.concept == "Detalle de llamadas: 3 meses anteriores"
    assert charge.recorded_by == manager
    assert charge.invoice is None  # waits for the next invoice


@pytest.mark.parametrize("quantity", [Decimal("12.3"), "12.3", 12.3])
def test_a_fractional_quantity_is_billed_exactly(product, quantity):
    charge = charge_add(
        product=product,
        concept="Cable excedente",
        tariff=tariff_get(TariffCode.EXCESS_CABLE_PER_METRE),
        quantity=quantity,
    )
    charge.refresh_from_db()
    assert charge.amount == Decimal("61.50")  # Bs 5 x 12.3 m
    assert charge.quantity == Decimal("12.30")


def test_an_explicit_amount_is_rounded_half_up_to_cents(product):
    charge = charge_add(product=product, concept="Ajuste", amount=Decimal("10.005"))
    assert charge.amount == Decimal("10.01")


def test_an_explicit_amount_wins_over_the_tariff(product):
    relocation = tariff_get(TariffCode.RELOCATION)
    charge = charge_add(
        product=product,
        concept="Traslado con descuento",
        tariff=relocation,
        amount=Decimal("100.00"),
    )
    assert charge.amount == Decimal("100.00")
    assert charge.tariff == relocation


def test_without_an_amount_or_a_tariff_it_is_refused(product):
    with pytest.raises(ValidationError) as excinfo:
        charge_add(product=product, concept="Algo")
    assert "amount" in excinfo.value.message_dict
    assert not Charge.objects.exists()


@pytest.mark.parametrize("amount", [Decimal("0"), Decimal("-5.00"), Decimal("0.004")])
def test_a_charge_of_nothing_or_less_is_refused_with_a_clear_reason(product, amount):
    with pytest.raises(ValidationError) as excinfo:
        charge_add(product=product, concept="Ajuste", amount=amount)
    assert "amount" in excinfo.value.message_dict
    assert not Charge.objects.exists()


def test_a_zero_quantity_of_a_tariff_is_refused(product):
    with pytest.raises(ValidationError):
        charge_add(
            product=product,
            concept="Detalle",
            quantity=0,
            tariff=tariff_get(TariffCode.CALL_DETAIL_PREVIOUS_MONTH),
        )
    assert not Charge.objects.exists()


def test_a_withdrawn_product_gets_no_new_charges():
    product = ProductFactory(status=ProductStatus.WITHDRAWN, withdrawn_on=date(2025, 1, 31))
    with pytest.raises(ValidationError) as excinfo:
        charge_add(product=product, concept="Traslado", amount=Decimal("150"))
    assert "product" in excinfo.value.message_dict
    assert not Charge.objects.exists()


def test_a_charge_needs_a_concept(product):
    with pytest.raises(ValidationError) as excinfo:
        charge_add(product=product, concept="  ", amount=Decimal("20"))
    assert "concept" in excinfo.value.message_dict


# --- invoice_issue --------------------------------------------------------------


def test_the_invoice_is_the_plan_price_plus_the_unbilled_charges(product):
    call_detail = charge_add(product=product, concept="Detalle", amount=Decimal("12.00"))
    relocation = charge_add(product=product, concept="Traslado", amount=Decimal("150.00"))
    ChargeFactory(amount=Decimal("99.00"))  # another product's charge

    invoice = invoice_issue(product=product, period=date(2025, 3, 1))
    invoice.refresh_from_db()
    assert invoice.amount == Decimal("412.00")  # 250 + 12 + 150
    assert set(invoice.charges.all()) == {call_detail, relocation}
    assert invoice.paid_on is None


def test_charges_are_not_billed_again_next_month(product):
    charge_add(product=product, concept="Detalle", amount=Decimal("12.00"))
    invoice_issue(product=product, period=date(2025, 3, 1))
    later = charge_add(product=product, concept="Cable excedente", amount=Decimal("25.00"))

    april = invoice_issue(product=product, period=date(2025, 4, 1))
    assert april.amount == Decimal("275.00")  # the plan and only the new charge
    assert list(april.charges.all()) == [later]
    may = invoice_issue(product=product, period=date(2025, 5, 1))
    assert may.amount == Decimal("250.00")
    assert not may.charges.exists()


def test_any_day_of_the_month_means_that_month(product):
    invoice = invoice_issue(product=product, period=date(2025, 3, 17))
    assert invoice.period == date(2025, 3, 1)


def test_a_second_invoice_for_the_same_month_is_refused_and_changes_nothing(product):
    first = invoice_issue(product=product, period=date(2025, 3, 1))
    pending = charge_add(product=product, concept="Detalle", amount=Decimal("12.00"))
    with pytest.raises(ValidationError) as excinfo:
        invoice_issue(product=product, period=date(2025, 3, 20))
    [message] = excinfo.value.message_dict["period"]
    assert "03/2025" in message
    assert Invoice.objects.get() == first
    pending.refresh_from_db()
    assert pending.invoice is None  # still waiting for the next invoice


def test_the_same_month_of_another_product_is_its_own_invoice(product):
    invoice_issue(product=product, period=date(2025, 3, 1))
    invoice_issue(product=ProductFactory(company=product.company), period=date(2025, 3, 1))
    assert Invoice.objects.count() == 2


@pytest.mark.parametrize(
    ("period", "due"),
    [(date(2025, 3, 1), date(2025, 4, 20)), (date(2025, 12, 1), date(2026, 1, 20))],
)
def test_the_due_date_comes_from_the_billing_calendar(product, period, due):
    assert invoice_issue(product=product, period=period).due_date == due


def test_a_due_date_may_be_given(product):
    invoice = invoice_issue(product=product, period=date(2025, 3, 1), due_date=date(2025, 4, 5))
    assert invoice.due_date == date(2025, 4, 5)


def test_a_due_date_before_the_billed_month_is_refused(product):
    with pytest.raises(ValidationError):
        invoice_issue(product=product, period=date(2025, 3, 1), due_date=date(2025, 2, 28))
    assert not Invoice.objects.exists()


# --- invoice_mark_paid ------------------------------------------------------------


def test_marking_an_invoice_paid(product):
    invoice = invoice_issue(product=product, period=date(2025, 3, 1))
    invoice_mark_paid(invoice=invoice, paid_on=date(2025, 4, 18))
    invoice.refresh_from_db()
    assert invoice.paid_on == date(2025, 4, 18)
    assert invoice.is_paid
    assert (invoice.amount_paid, invoice.owed) == (Decimal("250.00"), 0)
    assert not invoice.is_overdue(date(2025, 6, 1))


def test_an_invoice_is_paid_only_once(product):
    invoice = invoice_issue(product=product, period=date(2025, 3, 1))
    stale = Invoice.objects.get(pk=invoice.pk)
    invoice_mark_paid(invoice=invoice, paid_on=date(2025, 4, 18))
    for again in (invoice, stale):  # also through a copy read before the payment
        with pytest.raises(ValidationError):
            invoice_mark_paid(invoice=again, paid_on=date(2025, 4, 25))
    invoice.refresh_from_db()
    assert invoice.paid_on == date(2025, 4, 18)


def test_a_payment_before_the_billed_month_is_refused(product):
    invoice = invoice_issue(product=product, period=date(2025, 3, 1))
    with pytest.raises(ValidationError) as excinfo:
        invoice_mark_paid(invoice=invoice, paid_on=date(2025, 2, 28))
    assert "paid_on" in excinfo.value.message_dict
    invoice.refresh_from_db()
    assert invoice.paid_on is None


def test_a_payment_in_the_future_is_refused(product):
    invoice = invoice_issue(product=product, period=date(2025, 3, 1))
    with time_machine.travel(datetime(2025, 4, 10, 12, tzinfo=ZoneInfo("America/La_Paz"))):
        with pytest.raises(ValidationError) as excinfo:
            invoice_mark_paid(invoice=invoice, paid_on=date(2025, 4, 11))
        assert "paid_on" in excinfo.value.message_dict
        invoice_mark_paid(invoice=invoice, paid_on=date(2025, 4, 10))
    invoice.refresh_from_db()
    assert invoice.paid_on == date(2025, 4, 10)


def test_an_invoice_made_by_the_factory_can_be_paid():
    invoice = InvoiceFactory()
    invoice_mark_paid(invoice=invoice, paid_on=invoice.due_date)
    assert Invoice.objects.get().paid_on == invoice.due_date


# --- invoice_payment_record (in parts) ----------------------------------------------


def test_a_partial_payment_leaves_the_remainder_owed_and_the_last_part_pays_it(product):
    invoice = invoice_issue(product=product, period=date(2025, 3, 1))  # Bs 250, due 20 April
    invoice_payment_record(invoice=invoice, amount=Decimal("100"), paid_on=date(2025, 4, 10))
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.owed, invoice.paid_on) == (
        Decimal("100.00"),
        Decimal("150.00"),
        None,
    )
    assert invoice.is_overdue(date(2025, 4, 21))  # the remainder is late
    invoice_payment_record(invoice=invoice, amount=Decimal("150"), paid_on=date(2025, 5, 2))
    invoice.refresh_from_db()
    assert (invoice.owed, invoice.paid_on) == (0, date(2025, 5, 2))
    assert not invoice.is_overdue(date(2025, 6, 1))  # paid late: owes nothing now


def test_a_payment_beyond_what_is_owed_is_refused_and_nothing_changes(product):
    invoice = invoice_issue(product=product, period=date(2025, 3, 1))
    invoice_payment_record(invoice=invoice, amount=Decimal("200"), paid_on=date(2025, 4, 10))
    for amount, field in [(Decimal("50.01"), "amount"), (Decimal("0"), "amount")]:
        with pytest.raises(ValidationError) as excinfo:
            invoice_payment_record(invoice=invoice, amount=amount, paid_on=date(2025, 4, 11))
        assert field in excinfo.value.message_dict
    with pytest.raises(ValidationError) as excinfo:
        invoice_payment_record(invoice=invoice, amount=Decimal("1"), paid_on=date(2025, 2, 1))
    assert "paid_on" in excinfo.value.message_dict
    invoice.refresh_from_db()
    assert invoice.amount_paid == Decimal("200.00")
    invoice_mark_paid(invoice=invoice, paid_on=date(2025, 4, 12))  # the rest, in full
    invoice.refresh_from_db()
    assert (invoice.amount_paid, invoice.owed) == (Decimal("250.00"), 0)
    with pytest.raises(ValidationError):
        invoice_payment_record(invoice=invoice, amount=Decimal("1"), paid_on=date(2025, 4, 13))
