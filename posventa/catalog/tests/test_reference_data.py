"""The reference data every database gets from the data migration."""

from decimal import Decimal

import pytest

from posventa.catalog.models import (
    ProductType,
    ProductTypeCode,
    SupplementaryService,
    Tariff,
    TariffCode,
    TariffUnit,
)
from posventa.catalog.selectors import tariff_get

pytestmark = pytest.mark.django_db


def test_the_seven_product_types_of_the_manual():
    assert set(ProductType.objects.values_list("code", flat=True)) == set(ProductTypeCode.values)
    assert ProductType.objects.count() == 7


def test_only_hspa_and_long_distance_are_off_the_access_network():
    off_network = ProductType.objects.filter(uses_access_network=False)
    assert set(off_network.values_list("code", flat=True)) == {
        ProductTypeCode.HSPA,
        ProductTypeCode.BOLIVIATEL_LD,
    }


def test_the_eight_supplementary_services_of_procedure_a():
    codes = set(SupplementaryService.objects.values_list("code", flat=True))
    assert codes == {
        "caller_id",
        "pin_ao",
        "routing_013_y",
        "routing_013_z",
        "routing_013_s",
        "call_transfer",
        "call_waiting",
        "centrex",
    }
    assert all(s.name for s in SupplementaryService.objects.all())


def test_every_tariff_code_has_its_row():
    """The six fees of the procedures, nine equipment parts and six devices."""
    assert set(Tariff.objects.values_list("code", flat=True)) == set(TariffCode.values)
    assert Tariff.objects.count() == 6 + 9 + 6


@pytest.mark.parametrize(
    ("code", "amount", "unit"),
    [
        (TariffCode.CALL_DETAIL_PREVIOUS_MONTH, Decimal("12.00"), TariffUnit.BS_PER_MONTH),
        (TariffCode.BASIC_TELEPHONY, Decimal("70.00"), TariffUnit.BS_PER_MONTH),
    ],
)
def test_the_manuals_figures_are_marked_as_such(code, amount, unit):
    tariff = tariff_get(code)
    assert tariff.amount == amount
    assert tariff.unit == unit
    assert tariff.from_manual


@pytest.mark.parametrize(
    "code",
    [
        TariffCode.SUPPLEMENTARY_SERVICE,
        TariffCode.RELOCATION,
        TariffCode.EXCESS_CABLE_PER_METRE,
        TariffCode.EARLY_TERMINATION_PENALTY,
    ],
)
def test_the_other_tariffs_are_editable_defaults(code):
    tariff = tariff_get(code)
    assert not tariff.from_manual
    assert tariff.amount > 0
    assert tariff.note  # says where the figure comes from


def test_the_penalty_is_a_percentage():
    penalty = tariff_get(TariffCode.EARLY_TERMINATION_PENALTY)
    assert penalty.unit == TariffUnit.PERCENT
    assert penalty.amount <= 100


def test_tariff_get_takes_the_code_as_text_too():
    assert tariff_get("basic_telephony") == tariff_get(TariffCode.BASIC_TELEPHONY)


def test_tariff_get_sees_an_edited_amount():
    Tariff.objects.filter(code=TariffCode.RELOCATION).update(amount=Decimal("180.00"))
    assert tariff_get(TariffCode.RELOCATION).amount == Decimal("180.00")


def test_tariff_get_of_an_unknown_code_raises_does_not_exist():
    with pytest.raises(Tariff.DoesNotExist):
        tariff_get("free_lunch")
