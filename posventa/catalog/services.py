"""Writes on the catalogue."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from posventa.catalog.models import Plan, ProductType, ProductTypeCode, Tariff, TariffCode
from posventa.catalog.rules import plan_errors


@transaction.atomic
def plan_create(
    *,
    code: str,
    name: str,
    product_type: ProductType,
    monthly_price: Decimal,
    basic_telephony_amount: Decimal | None = None,
) -> Plan:
    """Add a commercial plan. A Multipack plan carries the basic-telephony part
    (the tariff's Bs 70 unless told otherwise); other plans carry none."""
    if basic_telephony_amount is None:
        basic_telephony_amount = (
            Tariff.objects.get(code=TariffCode.BASIC_TELEPHONY).amount
            if product_type.code == ProductTypeCode.MULTIPACK
            else Decimal("0")
        )
    errors = plan_errors(
        product_type=product_type,
        monthly_price=monthly_price,
        basic_telephony_amount=basic_telephony_amount,
    )
    if errors:
        raise ValidationError(errors)
    plan = Plan(
        code=code.strip().upper(),
        name=name.strip(),
        product_type=product_type,
        monthly_price=monthly_price,
        basic_telephony_amount=basic_telephony_amount,
    )
    plan.full_clean()
    plan.save()
    return plan
