"""Writes on the catalogue."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from posventa.catalog.models import (
    Plan,
    ProductType,
    ProductTypeCode,
    Tariff,
    TariffCode,
    TeamRule,
    TeamRuleCode,
)
from posventa.catalog.rules import plan_errors, team_rule_errors


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


@transaction.atomic
def team_rule_update(
    *,
    rule: TeamRule,
    days: int | None = None,
    choice: str = "",
    percent: Decimal | None = None,
    note: str | None = None,
) -> TeamRule:
    """Change a team rule's value (and its note). Only the value its code
    types is kept: days for the promise's term, an option, an option and a
    percentage for the penalty. The penalty's percentage is mirrored on the
    tariff its charge carries, so that no screen shows another figure."""
    rule = TeamRule.objects.select_for_update().get(pk=rule.pk)
    errors = team_rule_errors(code=rule.code, days=days, choice=choice or "", percent=percent)
    if errors:
        raise ValidationError(errors)
    typed_days = rule.code == TeamRuleCode.PROMISE_MAX_DAYS
    rule.days = days if typed_days else None
    rule.choice = "" if typed_days else choice
    rule.percent = percent if rule.code == TeamRuleCode.PENALTY_FORMULA else None
    fields = ["days", "choice", "percent", "updated_at"]
    if note is not None:
        rule.note = note.strip()
        fields.append("note")
    rule.full_clean()
    rule.save(update_fields=fields)
    if rule.code == TeamRuleCode.PENALTY_FORMULA:
        tariff = Tariff.objects.select_for_update().get(code=TariffCode.EARLY_TERMINATION_PENALTY)
        if tariff.amount != rule.percent:
            tariff.amount = rule.percent
            tariff.full_clean()
            tariff.save(update_fields=["amount", "updated_at"])
    return rule
