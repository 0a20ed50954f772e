from datetime import date

import pytest
from django.core.exceptions import ValidationError

from posventa.catalog.models import ProductTypeCode, Technology
from posventa.factories import (
    CompanyFactory,
    EquipmentFactory,
    PlanFactory,
    ProductFactory,
    product_type,
)
from posventa.inventory.models import Equipment, Product, ProductStatus
from posventa.inventory.services import equipment_add, product_install

pytestmark = pytest.mark.django_db

ON_THE_NETWORK = ["fixed_line", "internet", "pay_tv", "duo_pack", "multipack"]
OFF_THE_NETWORK = ["hspa", "boliviatel_ld"]


def _install(type_code, technology="", **overrides):
    data = {
        "company": CompanyFactory(),
        "service_number": f"44{len(type_code):02d}{Product.objects.count():04d}",
        "plan": PlanFactory(product_type=product_type(type_code)),
        "installed_on": date(2025, 2, 10),
        "installation_address": "Calle Jordán 200",
        "technology": technology,
    }
    return product_install(**{**data, **overrides})


@pytest.mark.parametrize("type_code", ON_THE_NETWORK)
@pytest.mark.parametrize("technology", [Technology.COPPER, Technology.FIBER])
def test_products_on_the_access_network_say_copper_or_fiber(type_code, technology):
    product = _install(type_code, technology)
    product.refresh_from_db()
    assert product.technology == technology
    assert product.status == ProductStatus.ACTIVE
    assert product.withdrawn_on is None


@pytest.mark.parametrize("type_code", ON_THE_NETWORK)
def test_without_the_technology_they_are_refused(type_code):
    with pytest.raises(ValidationError) as excinfo:
        _install(type_code, "")
    assert "technology" in excinfo.value.message_dict
    assert not Product.objects.exists()


@pytest.mark.parametrize("type_code", OFF_THE_NETWORK)
def test_hspa_and_long_distance_run_on_no_access_network(type_code):
    product = _install(type_code, "")
    assert product.technology == ""


@pytest.mark.parametrize("type_code", OFF_THE_NETWORK)
@pytest.mark.parametrize("technology", [Technology.COPPER, Technology.FIBER])
def test_hspa_and_long_distance_with_a_technology_are_refused(type_code, technology):
    with pytest.raises(ValidationError) as excinfo:
        _install(type_code, technology)
    assert "technology" in excinfo.value.message_dict
    assert not Product.objects.exists()


def test_an_unknown_technology_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        _install(ProductTypeCode.INTERNET, "satellite")
    assert "technology" in excinfo.value.message_dict


def test_a_taken_service_number_is_refused_as_a_validation_error():
    ProductFactory(service_number="4425000")
    with pytest.raises(ValidationError) as excinfo:
        _install(ProductTypeCode.INTERNET, Technology.FIBER, service_number=" 4425000 ")
    assert "service_number" in excinfo.value.message_dict
    assert Product.objects.count() == 1


def test_a_permanence_over_five_years_or_negative_is_refused():
    for months in (61, -1):
        with pytest.raises(ValidationError) as excinfo:
            _install(ProductTypeCode.INTERNET, Technology.FIBER, minimum_permanence_months=months)
        assert "minimum_permanence_months" in excinfo.value.message_dict


# --- minimum permanence ---------------------------------------------------------


@pytest.mark.parametrize(
    ("installed_on", "months", "ends_on"),
    [
        (date(2024, 1, 15), 12, date(2025, 1, 15)),
        (date(2024, 1, 31), 1, date(2024, 2, 29)),  # leap February: its last day
        (date(2025, 1, 31), 1, date(2025, 2, 28)),
        (date(2025, 8, 31), 6, date(2026, 2, 28)),
        (date(2025, 5, 20), 0, date(2025, 5, 20)),  # no permanence: free from day one
    ],
)
def test_permanence_ends_on_month_arithmetic(installed_on, months, ends_on):
    product = ProductFactory.build(installed_on=installed_on, minimum_permanence_months=months)
    assert product.permanence_ends_on == ends_on


def test_permanence_is_fulfilled_from_its_end_day_on():
    product = ProductFactory.build(installed_on=date(2024, 1, 31), minimum_permanence_months=1)
    assert not product.permanence_fulfilled(date(2024, 2, 28))
    assert product.permanence_fulfilled(date(2024, 2, 29))
    assert product.permanence_fulfilled(date(2024, 3, 1))


def test_without_permanence_it_is_fulfilled_on_the_installation_day():
    product = ProductFactory.build(installed_on=date(2025, 5, 20), minimum_permanence_months=0)
    assert product.permanence_fulfilled(date(2025, 5, 20))


# --- equipment ----------------------------------------------------------------


def test_equipment_add_records_the_device_with_a_normalised_serial():
    product = ProductFactory()
    equipment = equipment_add(product=product, serial="  zte-f660-0001 ", kind="ont")
    equipment.refresh_from_db()
    assert equipment.serial == "ZTE-F660-0001"
    assert equipment.product == product
    assert equipment.returned_on is None
    assert list(product.equipment.all()) == [equipment]


def test_a_serial_already_lent_is_refused_however_it_is_typed():
    EquipmentFactory(serial="ZTE-F660-0001")
    with pytest.raises(ValidationError) as excinfo:
        equipment_add(product=ProductFactory(), serial="zte-f660-0001", kind="ont")
    assert "serial" in excinfo.value.message_dict
    assert Equipment.objects.count() == 1


def test_an_unknown_kind_or_empty_serial_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        equipment_add(product=ProductFactory(), serial="  ", kind="toaster")
    assert {"serial", "kind"} <= set(excinfo.value.message_dict)
    assert not Equipment.objects.exists()
