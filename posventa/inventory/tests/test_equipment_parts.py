"""A device comes back with its parts, without some of them, damaged or not
at all (procedures H and C): the rules, the services that record and bill
the return, and the invariants the database holds."""

from datetime import date
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from posventa.billing.models import Charge
from posventa.catalog.models import EquipmentPart, EquipmentType, Tariff
from posventa.factories import EquipmentFactory, ProductFactory
from posventa.inventory.models import Equipment, EquipmentMissingPart, ReturnCondition
from posventa.inventory.rules import (
    ChargeLine,
    PricedPart,
    charge_total,
    return_charge_lines,
    return_errors,
)
from posventa.inventory.selectors import equipment_return_charges
from posventa.inventory.services import (
    equipment_return_bill,
    equipment_return_check,
    product_withdraw,
)

DAY = date(2026, 3, 16)
D = Decimal
DECODER_PARTS = ["hdmi_cable", "power_supply", "remote_control"]


# --- the rules: which returns may be recorded ------------------------------------------------


def errors(**kwargs):
    values = {
        "device": "Decodificador de TV DEC-1",
        "condition": "complete",
        "allowed_parts": DECODER_PARTS,
        **kwargs,
    }
    return return_errors(**values)


def test_return_errors_accept_each_condition_with_what_it_needs():
    assert errors(condition="complete") == {}
    assert errors(condition="incomplete", missing_parts=["remote_control"]) == {}
    assert errors(condition="damaged", note="Carcasa rota") == {}
    assert errors(condition="missing") == {}


def test_return_errors_an_incomplete_device_lists_its_missing_parts():
    assert set(errors(condition="incomplete")) == {"missing_parts"}


def test_return_errors_missing_parts_only_when_incomplete():
    for condition in ("complete", "missing"):
        assert set(errors(condition=condition, missing_parts=["power_supply"])) == {"missing_parts"}


def test_return_errors_refuse_a_part_not_of_the_device():
    found = errors(condition="incomplete", missing_parts=["remote_control", "antenna"])
    assert set(found) == {"missing_parts"} and "antenna" in found["missing_parts"]


def test_return_errors_a_kind_without_parts_is_never_incomplete():
    found = errors(condition="incomplete", missing_parts=["antenna"], allowed_parts=[])
    assert "condition" in found


def test_return_errors_a_damaged_device_says_what_is_damaged():
    assert set(errors(condition="damaged", note="   ")) == {"note"}


def test_return_errors_an_unknown_condition_is_refused():
    assert set(errors(condition="lost")) == {"condition"}
    assert set(errors(condition="")) == {"condition"}


# --- the rules: what a return charges ---------------------------------------------------------


PARTS = [
    PricedPart("remote_control", "Control remoto", D("35")),
    PricedPart("hdmi_cable", "Cable HDMI", D("25.005")),
]


def test_return_charge_lines_charge_each_missing_part_at_its_tariff():
    lines = return_charge_lines(
        device="Decodificador DEC-1", condition="incomplete", missing_parts=PARTS
    )
    assert lines == [
        ChargeLine(
            "Accesorio faltante: Control remoto (Decodificador DEC-1)", D("35.00"), "remote_control"
        ),
        ChargeLine(
            "Accesorio faltante: Cable HDMI (Decodificador DEC-1)", D("25.01"), "hdmi_cable"
        ),
    ]
    assert charge_total(lines) == D("60.01")


def test_return_charge_lines_a_part_priced_zero_charges_nothing():
    free = [PricedPart("usb_cable", "Cable USB", D("0"))]
    assert return_charge_lines(device="X", condition="incomplete", missing_parts=free) == []


def test_return_charge_lines_a_damaged_or_missing_device_at_its_amount():
    damaged = return_charge_lines(device="Módem M1", condition="damaged", device_amount=D("250"))
    missing = return_charge_lines(device="Módem M1", condition="missing", device_amount=D("250"))
    assert damaged == [ChargeLine("Equipo dañado: Módem M1", D("250.00"))]
    assert missing == [ChargeLine("Equipo no devuelto: Módem M1", D("250.00"))]
    with pytest.raises(ValueError):
        return_charge_lines(device="Módem M1", condition="damaged")


def test_return_charge_lines_a_complete_device_charges_nothing():
    assert return_charge_lines(device="X", condition="complete", missing_parts=PARTS) == []


# --- the services -----------------------------------------------------------------------------


@pytest.fixture
def product(db):
    product = ProductFactory()
    EquipmentFactory(product=product, serial="DEC-1", kind="decoder")
    EquipmentFactory(product=product, serial="RTR-1", kind="router")
    return product


def missing_codes(equipment: Equipment) -> set[str]:
    return set(equipment.missing_part_rows.values_list("part__code", flat=True))


def test_the_check_records_an_incomplete_device_with_its_missing_parts(product):
    equipment_return_check(
        product=product,
        conditions={"DEC-1": "incomplete", "RTR-1": "complete"},
        missing_parts={"DEC-1": ["remote_control", "hdmi_cable"]},
        on=DAY,
    )
    decoder = product.equipment.get(serial="DEC-1")
    assert (decoder.return_condition, decoder.returned_on, decoder.missing_part_count) == (
        ReturnCondition.INCOMPLETE,
        DAY,
        2,
    )
    assert missing_codes(decoder) == {"remote_control", "hdmi_cable"}
    assert not decoder.return_settled  # it owes its parts
    assert product.equipment.get(serial="RTR-1").return_settled


@pytest.mark.parametrize(
    ("conditions", "parts", "notes"),
    [
        # A remote control is not a router's part.
        ({"DEC-1": "complete", "RTR-1": "incomplete"}, {"RTR-1": ["remote_control"]}, {}),
        # Incomplete, but nothing missing.
        ({"DEC-1": "incomplete", "RTR-1": "complete"}, {}, {}),
        # Complete, yet a part missing.
        ({"DEC-1": "complete", "RTR-1": "complete"}, {"RTR-1": ["antenna"]}, {}),
        # Damaged, without saying what.
        ({"DEC-1": "damaged", "RTR-1": "complete"}, {}, {"DEC-1": "  "}),
        # A device of another product.
        ({"DEC-1": "complete", "RTR-1": "complete", "ZZZ": "complete"}, {}, {}),
    ],
)
def test_the_check_refuses_a_wrong_return_and_records_nothing(product, conditions, parts, notes):
    with pytest.raises(ValidationError):
        equipment_return_check(
            product=product, conditions=conditions, missing_parts=parts, notes=notes, on=DAY
        )
    assert not product.equipment.exclude(return_condition="").exists()
    assert not EquipmentMissingPart.objects.exists()


def test_the_check_may_leave_devices_with_the_customer_when_not_all_are_due(product):
    """Procedure C: the old product is withdrawn; what the customer did not
    bring yet stays due."""
    product_withdraw(product=product, on=DAY)
    recorded = equipment_return_check(
        product=product,
        conditions={"RTR-1": "incomplete"},
        missing_parts={"RTR-1": ["antenna"]},
        on=DAY,
        all_due=False,
    )
    assert [e.serial for e in recorded] == ["RTR-1"]
    assert product.equipment.get(serial="DEC-1").return_condition == ""
    with pytest.raises(ValidationError):  # a device must be given a condition in H
        equipment_return_check(product=product, conditions={}, on=DAY)


def test_billing_an_incomplete_device_charges_each_part_at_its_tariff(product):
    equipment_return_check(
        product=product,
        conditions={"DEC-1": "incomplete", "RTR-1": "complete"},
        missing_parts={"DEC-1": ["remote_control", "hdmi_cable"]},
        on=DAY,
    )
    Tariff.objects.filter(code="part_remote_control").update(amount=D("38.50"))  # set in the admin
    decoder = product.equipment.get(serial="DEC-1")
    charges = equipment_return_bill(equipment=decoder, on=DAY)
    assert {(c.tariff.code, c.amount) for c in charges} == {
        ("part_remote_control", D("38.50")),
        ("part_hdmi_cable", D("25.00")),
    }
    assert all(c.product == product and c.invoice is None for c in charges)
    assert "Accesorio faltante: Control remoto (Decodificador de TV DEC-1)" in {
        c.concept for c in charges
    }
    decoder.refresh_from_db()
    assert (decoder.billed_on, decoder.billed_amount) == (DAY, D("63.50"))
    assert decoder.return_settled
    with pytest.raises(ValidationError):  # billed once
        equipment_return_bill(equipment=decoder)
    with pytest.raises(ValidationError):  # nothing to bill on a complete device
        equipment_return_bill(equipment=product.equipment.get(serial="RTR-1"))
    assert Charge.objects.count() == 2


def test_billing_goes_to_another_product_when_told(product):
    """A relocation's old product is withdrawn: the new one carries the charge."""
    equipment_return_check(
        product=product,
        conditions={"DEC-1": "complete", "RTR-1": "incomplete"},
        missing_parts={"RTR-1": ["power_supply"]},
        on=DAY,
    )
    product_withdraw(product=product, on=DAY)
    new = ProductFactory(company=product.company)
    [charge] = equipment_return_bill(equipment=product.equipment.get(serial="RTR-1"), charge_to=new)
    assert (charge.product, charge.amount) == (new, D("45.00"))


def test_a_damaged_device_is_billed_its_tariff_or_the_amount_given(product):
    equipment_return_check(
        product=product,
        conditions={"DEC-1": "damaged", "RTR-1": "missing"},
        notes={"DEC-1": "Pantalla rota"},
        on=DAY,
    )
    [by_tariff] = equipment_return_bill(equipment=product.equipment.get(serial="DEC-1"))
    assert (by_tariff.amount, by_tariff.tariff.code) == (D("350.00"), "device_decoder")
    assert by_tariff.concept == "Equipo dañado: Decodificador de TV DEC-1"
    [typed] = equipment_return_bill(
        equipment=product.equipment.get(serial="RTR-1"), amount=D("180")
    )
    assert (typed.amount, typed.tariff) == (D("180.00"), None)
    assert typed.concept == "Equipo no devuelto: Router Wi-Fi RTR-1"


def test_a_device_without_a_tariff_needs_its_amount_and_nothing_changes(product):
    EquipmentType.objects.filter(kind="router").update(replacement_tariff=None)
    equipment_return_check(
        product=product, conditions={"DEC-1": "complete", "RTR-1": "missing"}, on=DAY
    )
    router = product.equipment.get(serial="RTR-1")
    with pytest.raises(ValidationError) as excinfo:
        equipment_return_bill(equipment=router)
    assert "amount" in excinfo.value.message_dict
    with pytest.raises(ValidationError):
        equipment_return_bill(equipment=router, amount=D("0"))
    router.refresh_from_db()
    assert router.billed_on is None and not Charge.objects.exists()


def test_missing_parts_that_cost_nothing_settle_the_device_billed_zero(product):
    Tariff.objects.filter(code="part_antenna").update(amount=D("0"))
    equipment_return_check(
        product=product,
        conditions={"DEC-1": "complete", "RTR-1": "incomplete"},
        missing_parts={"RTR-1": ["antenna"]},
        on=DAY,
    )
    router = product.equipment.get(serial="RTR-1")
    assert equipment_return_bill(equipment=router, on=DAY) == []
    router.refresh_from_db()
    assert (router.billed_amount, router.return_settled) == (D("0.00"), True)


def test_what_a_return_would_charge_before_it_is_recorded(product):
    decoder = product.equipment.get(serial="DEC-1")
    parts = list(EquipmentPart.objects.filter(code__in=["power_supply", "hdmi_cable"]))
    lines = equipment_return_charges(decoder, condition="incomplete", missing_parts=parts)
    assert charge_total(lines) == D("70.00")
    assert equipment_return_charges(decoder, condition="missing")[0].amount == D("350.00")
    assert decoder.return_condition == ""  # only shown, not recorded


# --- the invariants the database holds --------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        # Incomplete lists at least one missing part…
        {"return_condition": "incomplete", "returned_on": DAY, "missing_part_count": 0},
        # …and nothing else lists any.
        {"return_condition": "complete", "returned_on": DAY, "missing_part_count": 1},
        {"return_condition": "", "missing_part_count": 1},
        # Incomplete came back: it has its date.
        {"return_condition": "incomplete", "returned_on": None, "missing_part_count": 1},
        # Damaged says what.
        {"return_condition": "damaged", "returned_on": DAY, "return_note": ""},
        # Billed with an amount, never negative.
        {
            "return_condition": "incomplete",
            "returned_on": DAY,
            "missing_part_count": 1,
            "billed_on": DAY,
            "billed_amount": D("-1"),
        },
        {"kind": "toaster"},
    ],
)
def test_the_database_refuses_an_impossible_return(product, values):
    decoder = product.equipment.get(serial="DEC-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        Equipment.objects.filter(pk=decoder.pk).update(**values)


def test_the_database_records_a_part_missing_once(product):
    decoder = product.equipment.get(serial="DEC-1")
    part = EquipmentPart.objects.get(code="remote_control")
    EquipmentMissingPart.objects.create(equipment=decoder, part=part)
    with pytest.raises(IntegrityError), transaction.atomic():
        EquipmentMissingPart.objects.create(equipment=decoder, part=part)
