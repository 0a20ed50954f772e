"""Procedure H: the equipment's return recorded on its rows — checked,
billed when damaged or missing, handed to the warehouse — with the
invariants in the database."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from posventa.billing.models import Charge
from posventa.billing.services import equipment_bill, final_invoice_issue
from posventa.factories import EquipmentFactory, InvoiceFactory, ProductFactory
from posventa.inventory.models import Equipment, ReturnCondition
from posventa.inventory.services import (
    equipment_return_check,
    equipment_to_warehouse,
    product_withdraw,
)

pytestmark = pytest.mark.django_db
DAY = date(2026, 3, 16)


@pytest.fixture
def product():
    product = ProductFactory()
    EquipmentFactory(product=product, serial="A1", kind="router")
    EquipmentFactory(product=product, serial="B2", kind="decoder")
    return product


def test_the_check_records_each_device_and_refuses_a_device_left_out(product):
    with pytest.raises(ValidationError) as excinfo:
        equipment_return_check(product=product, conditions={"A1": "complete"}, on=DAY)
    assert "B2" in excinfo.value.message_dict
    assert not product.equipment.exclude(return_condition="").exists()  # nothing changed
    with pytest.raises(ValidationError):
        equipment_return_check(
            product=product, conditions={"A1": "complete", "B2": "lost", "ZZ": "complete"}, on=DAY
        )
    equipment_return_check(
        product=product,
        conditions={"A1": "complete", "B2": "missing"},
        notes={"A1": "sin cable de poder"},
        on=DAY,
    )
    a1, b2 = product.equipment.get(serial="A1"), product.equipment.get(serial="B2")
    assert (a1.return_condition, a1.returned_on, a1.return_note) == (
        "complete",
        DAY,
        "sin cable de poder",
    )
    assert (b2.return_condition, b2.returned_on) == ("missing", None)
    assert a1.return_settled and not b2.return_settled


def test_billing_a_device_charges_it_once_and_settles_it(product):
    equipment_return_check(
        product=product,
        conditions={"A1": "complete", "B2": "damaged"},
        notes={"B2": "Carcasa rota"},
        on=DAY,
    )
    with pytest.raises(ValidationError):
        equipment_bill(equipment=product.equipment.get(serial="A1"), amount=Decimal("10"))
    b2 = product.equipment.get(serial="B2")
    charge = equipment_bill(equipment=b2, amount=Decimal("99.995"))
    assert charge.amount == Decimal("100.00")  # half up to cents
    assert charge.concept.startswith("Equipo dañado: ") and charge.concept.endswith(" B2")
    b2.refresh_from_db()
    assert b2.billed_amount == Decimal("100.00") and b2.return_settled
    with pytest.raises(ValidationError):
        equipment_bill(equipment=b2, amount=Decimal("5"))
    assert Charge.objects.filter(product=product).count() == 1


def test_the_warehouse_gets_what_came_back_and_the_final_invoice_carries_the_charges(product):
    equipment_return_check(product=product, conditions={"A1": "complete", "B2": "missing"}, on=DAY)
    equipment_bill(equipment=product.equipment.get(serial="B2"), amount=Decimal("300"))
    with pytest.raises(ValidationError):
        equipment_to_warehouse(product=product, on=DAY, received_by="  ")
    handed = equipment_to_warehouse(product=product, on=DAY, received_by="Almacén central")
    assert [e.serial for e in handed] == ["A1"]
    invoice = final_invoice_issue(product=product, request_date=DAY)
    # Internet Bs 250 × 16/31 = 129.03, plus the device.
    assert (invoice.period, invoice.amount) == (date(2026, 3, 1), Decimal("429.03"))
    assert list(invoice.charges.values_list("amount", flat=True)) == [Decimal("300.00")]
    product_withdraw(product=product, on=DAY)
    # Withdrawn, its settled devices keep what they have.
    assert equipment_return_check(product=product, conditions={}, on=DAY) == []


def test_the_final_invoice_is_not_issued_twice_for_a_month(product):
    InvoiceFactory(product=product, period=date(2026, 3, 1))
    with pytest.raises(ValidationError):
        final_invoice_issue(product=product, request_date=DAY)


@pytest.mark.parametrize(
    "values",
    [
        {"return_condition": "lost"},
        {"return_condition": ReturnCondition.COMPLETE, "returned_on": None},
        {"return_condition": ReturnCondition.MISSING, "returned_on": DAY},
        {
            "return_condition": ReturnCondition.COMPLETE,
            "returned_on": DAY,
            "billed_on": DAY,
            "billed_amount": Decimal("1"),
        },
        {"return_condition": ReturnCondition.MISSING, "billed_on": DAY, "billed_amount": None},
        {"warehouse_on": DAY, "returned_on": None},
    ],
)
def test_the_database_refuses_an_impossible_return(product, values):
    equipment = product.equipment.get(serial="A1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Equipment.objects.filter(pk=equipment.pk).update(**values)
