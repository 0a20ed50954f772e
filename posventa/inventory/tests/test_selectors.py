from datetime import date

import pytest

from posventa.factories import (
    CompanyFactory,
    EnabledServiceFactory,
    EquipmentFactory,
    PlanFactory,
    ProductFactory,
    product_type,
    supplementary_service,
)
from posventa.inventory.models import ProductStatus
from posventa.inventory.selectors import company_products

pytestmark = pytest.mark.django_db


@pytest.fixture
def company_with_products():
    company = CompanyFactory()
    tv = ProductFactory(
        company=company,
        service_number="4400003",
        plan=PlanFactory(product_type=product_type("pay_tv")),
    )
    line = ProductFactory(
        company=company,
        service_number="4400002",
        plan=PlanFactory(product_type=product_type("fixed_line")),
    )
    old = ProductFactory(
        company=company,
        service_number="4400001",
        status=ProductStatus.WITHDRAWN,
        withdrawn_on=date(2024, 12, 31),
    )
    suspended = ProductFactory(
        company=company, service_number="4400000", status=ProductStatus.SUSPENDED
    )
    ProductFactory()  # another company's
    return {"tv": tv, "line": line, "old": old, "suspended": suspended}


def test_in_service_first_then_by_product_type_then_number(company_with_products):
    p = company_with_products
    company = p["tv"].company
    # Active (línea fija < TV cable), then suspended, then withdrawn.
    assert list(company_products(company=company)) == [p["line"], p["tv"], p["suspended"], p["old"]]


def test_withdrawn_products_can_be_left_out(company_with_products):
    p = company_with_products
    products = list(company_products(company=p["tv"].company, include_withdrawn=False))
    assert p["old"] not in products
    assert len(products) == 3


def test_plan_type_services_and_equipment_come_in_a_fixed_number_of_queries(
    company_with_products, django_assert_num_queries
):
    p = company_with_products
    for code in ("caller_id", "call_waiting"):
        EnabledServiceFactory(product=p["line"], service=supplementary_service(code))
    EquipmentFactory(product=p["tv"], kind="decoder")
    EquipmentFactory(product=p["line"], kind="phone")

    with django_assert_num_queries(3):  # products, enabled services, equipment
        rows = [
            (
                product.plan.product_type.name,
                sorted(s.service.code for s in product.enabled_services.all()),
                [e.kind for e in product.equipment.all()],
            )
            for product in company_products(company=p["tv"].company)
        ]
    line_row = rows[0]
    assert line_row[1] == ["call_waiting", "caller_id"]
    assert line_row[2] == ["phone"]
