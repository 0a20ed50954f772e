from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from posventa.catalog.models import Plan, ProductTypeCode, Tariff, TariffCode
from posventa.catalog.selectors import plans_offered
from posventa.catalog.services import plan_create
from posventa.factories import PlanFactory, product_type

pytestmark = pytest.mark.django_db


def test_a_multipack_plan_gets_the_basic_telephony_part_from_the_tariff():
    plan = plan_create(
        code=" mp-300 ",
        name=" Multipack 300 ",
        product_type=product_type(ProductTypeCode.MULTIPACK),
        monthly_price=Decimal("300.00"),
    )
    plan.refresh_from_db()
    assert plan.basic_telephony_amount == Decimal("70.00")
    assert plan.code == "MP-300"
    assert plan.name == "Multipack 300"
    assert plan.is_active


def test_the_basic_part_follows_an_edited_tariff():
    Tariff.objects.filter(code=TariffCode.BASIC_TELEPHONY).update(amount=Decimal("75.00"))
    plan = plan_create(
        code="MP-1",
        name="Multipack",
        product_type=product_type(ProductTypeCode.MULTIPACK),
        monthly_price=Decimal("300.00"),
    )
    assert plan.basic_telephony_amount == Decimal("75.00")


def test_a_multipack_plan_may_carry_another_basic_part():
    plan = plan_create(
        code="MP-2",
        name="Multipack promo",
        product_type=product_type(ProductTypeCode.MULTIPACK),
        monthly_price=Decimal("200.00"),
        basic_telephony_amount=Decimal("60.00"),
    )
    assert plan.basic_telephony_amount == Decimal("60.00")


@pytest.mark.parametrize(
    "code", [c for c in ProductTypeCode.values if c != ProductTypeCode.MULTIPACK]
)
def test_other_plans_carry_no_basic_telephony(code):
    plan = plan_create(
        code=f"P-{code}",
        name="Plan",
        product_type=product_type(code),
        monthly_price=Decimal("150.00"),
    )
    assert plan.basic_telephony_amount == 0


def test_a_non_multipack_plan_with_basic_telephony_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        plan_create(
            code="INT-1",
            name="Internet",
            product_type=product_type(ProductTypeCode.INTERNET),
            monthly_price=Decimal("150.00"),
            basic_telephony_amount=Decimal("70.00"),
        )
    assert "basic_telephony_amount" in excinfo.value.message_dict
    assert not Plan.objects.exists()


def test_a_basic_part_above_the_price_is_refused_with_a_clear_reason():
    with pytest.raises(ValidationError) as excinfo:
        plan_create(
            code="MP-3",
            name="Multipack barato",
            product_type=product_type(ProductTypeCode.MULTIPACK),
            monthly_price=Decimal("50.00"),
        )
    assert "basic_telephony_amount" in excinfo.value.message_dict
    assert not Plan.objects.exists()


def test_a_negative_price_is_refused():
    with pytest.raises(ValidationError) as excinfo:
        plan_create(
            code="INT-2",
            name="Internet",
            product_type=product_type(ProductTypeCode.INTERNET),
            monthly_price=Decimal("-1.00"),
        )
    assert "monthly_price" in excinfo.value.message_dict
    assert not Plan.objects.exists()


def test_a_taken_code_is_refused_as_a_validation_error():
    PlanFactory(code="INT-3")
    with pytest.raises(ValidationError) as excinfo:
        plan_create(
            code="int-3",
            name="Internet",
            product_type=product_type(ProductTypeCode.INTERNET),
            monthly_price=Decimal("100.00"),
        )
    assert "code" in excinfo.value.message_dict


def test_a_free_plan_is_allowed():
    plan = plan_create(
        code="LD-0",
        name="Larga distancia",
        product_type=product_type("boliviatel_ld"),
        monthly_price=Decimal("0"),
    )
    assert plan.monthly_price == 0


# --- database constraints ----------------------------------------------------


def test_the_database_refuses_a_negative_price():
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanFactory(monthly_price=Decimal("-0.01"))


def test_the_database_refuses_a_basic_part_above_the_price():
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanFactory(
            product_type=product_type(ProductTypeCode.MULTIPACK),
            monthly_price=Decimal("69.99"),
            basic_telephony_amount=Decimal("70.00"),
        )


def test_the_database_refuses_a_negative_basic_part():
    with pytest.raises(IntegrityError), transaction.atomic():
        PlanFactory(basic_telephony_amount=Decimal("-1.00"))


def test_the_database_accepts_a_basic_part_equal_to_the_price():
    plan = PlanFactory(
        product_type=product_type(ProductTypeCode.MULTIPACK),
        monthly_price=Decimal("70.00"),
        basic_telephony_amount=Decimal("70.00"),
    )
    assert plan.pk


def test_the_database_refuses_a_negative_tariff_or_a_percentage_over_100():
    with pytest.raises(IntegrityError), transaction.atomic():
        Tariff.objects.filter(code=TariffCode.RELOCATION).update(amount=Decimal("-1"))
    with pytest.raises(IntegrityError), transaction.atomic():
        Tariff.objects.filter(code=TariffCode.EARLY_TERMINATION_PENALTY).update(
            amount=Decimal("100.01")
        )
    # A fee in Bs may be above 100.
    Tariff.objects.filter(code=TariffCode.RELOCATION).update(amount=Decimal("250"))


# --- plans_offered -------------------------------------------------------------


def test_plans_offered_lists_active_plans_by_type_and_price():
    internet = product_type(ProductTypeCode.INTERNET)
    tv = product_type(ProductTypeCode.PAY_TV)
    dear = PlanFactory(code="I-2", product_type=internet, monthly_price=Decimal("300"))
    cheap = PlanFactory(code="I-1", product_type=internet, monthly_price=Decimal("100"))
    PlanFactory(code="I-OLD", product_type=internet, monthly_price=Decimal("50"), is_active=False)
    tv_plan = PlanFactory(code="TV-1", product_type=tv, monthly_price=Decimal("90"))

    assert list(plans_offered(product_type_code=ProductTypeCode.INTERNET)) == [cheap, dear]
    assert list(plans_offered()) == [cheap, dear, tv_plan]  # "Internet" < "TV cable"
