"""The catalogue's rules, shared by the services and the admin's forms."""

from decimal import Decimal

from django.utils.translation import gettext as _

from posventa.catalog.models import (
    PENALTY_PERCENT_MAX,
    PROMISE_DAYS_MAX,
    PROMISE_DAYS_MIN,
    TEAM_RULE_CHOICES,
    DunningLetterTrigger,
    PenaltyFormula,
    ProductTypeCode,
    PromiseKept,
    TeamRuleCode,
)
from posventa.common.money import format_amount


def plan_errors(
    *, product_type, monthly_price: Decimal | None, basic_telephony_amount: Decimal | None
) -> dict[str, str]:
    """Why a plan's basic-telephony part is wrong, by field; empty when it is right.

    Only Multipack includes basic telephony (Bs 70 by the manual), and the part
    cannot exceed the plan's price. The database refuses the second too, but its
    message only names the constraint.
    """
    basic = basic_telephony_amount or Decimal("0")
    if product_type is not None and product_type.code != ProductTypeCode.MULTIPACK and basic:
        return {"basic_telephony_amount": _("Only Multipack plans include basic telephony.")}
    if monthly_price is not None and basic > 0 and basic > Decimal(monthly_price):
        return {
            "basic_telephony_amount": _(
                "The basic telephony part (Bs %(part)s) cannot exceed the monthly "
                "price (Bs %(price)s)."
            )
            % {"part": format_amount(basic), "price": format_amount(monthly_price)}
        }
    return {}


# --- The team's own rules ------------------------------------------------------------------


def team_rule_errors(
    *, code: str, days: int | None, choice: str, percent: Decimal | None
) -> dict[str, str]:
    """Why a team rule's value is wrong, by field; empty when it is right.
    Each rule takes the value its code types: days (the promise's term), an
    option, or an option and a percentage (the penalty)."""
    errors: dict[str, str] = {}
    if code not in TeamRuleCode.values:
        return {"code": _("Unknown team rule.")}
    if code == TeamRuleCode.PROMISE_MAX_DAYS:
        if days is None:
            errors["days"] = _("Give the number of days.")
        elif not PROMISE_DAYS_MIN <= days <= PROMISE_DAYS_MAX:
            errors["days"] = _("Give between %(min)s and %(max)s days.") % {
                "min": PROMISE_DAYS_MIN,
                "max": PROMISE_DAYS_MAX,
            }
        return errors
    options = TEAM_RULE_CHOICES[code]
    if choice not in options.values:
        errors["choice"] = _("Choose one of the options.")
    if code == TeamRuleCode.PENALTY_FORMULA:
        if percent is None:
            errors["percent"] = _("Give the percentage.")
        elif not Decimal("0") < Decimal(percent) <= PENALTY_PERCENT_MAX:
            errors["percent"] = _("The percentage must be more than 0 and at most %(max)s.") % {
                "max": PENALTY_PERCENT_MAX
            }
    return errors


def percent_text(percent: Decimal) -> str:
    """50.00 → "50", 12.50 → "12,5" (Spanish decimal comma)."""
    text = f"{Decimal(percent).normalize():f}"
    return text.replace(".", ",")


# What each rule says, as the steps that apply it show it. Written in Spanish
# here, not translated at run time: the text goes into the process's data,
# which is kept as it was shown (like the other texts of the instructions).
TEAM_RULE_PREFIX = "Regla del equipo (no del manual): "


def team_rule_sentence(*, code: str, days: int | None, choice: str, percent) -> str:
    """The rule and its value in one Spanish sentence, for the instructions."""
    if code == TeamRuleCode.PROMISE_MAX_DAYS:
        text = f"promesa de pago de hasta {days} {'día' if days == 1 else 'días'}"
    elif code == TeamRuleCode.DUNNING_LETTER_TRIGGER:
        text = (
            "sin compromiso de pago, la carta de información mora se emite automáticamente"
            if choice == DunningLetterTrigger.NO_PROMISE
            else "sin compromiso de pago, la carta de información mora se emite solo si "
            "usted la pide"
        )
    elif code == TeamRuleCode.PROMISE_KEPT:
        text = (
            "la promesa se cumple si se paga el monto prometido de lo vencido a la fecha de "
            "la llamada"
            if choice == PromiseKept.PROMISED_AMOUNT
            else "la promesa se cumple solo si se pagan todas las facturas vencidas a la "
            "fecha de la llamada"
        )
    else:
        share = f"del {percent_text(percent)} % de la mensualidad"
        text = (
            f"penalidad {share} por cada mes que falta para cumplir la permanencia "
            "mínima (el mes comenzado cuenta entero)"
            if choice == PenaltyFormula.WHOLE_MONTHS
            else f"penalidad {share} por el tiempo que falta para cumplir la permanencia "
            "mínima (el último mes, prorrateado por días)"
        )
    return f"{TEAM_RULE_PREFIX}{text}."


def team_rule_text(rule) -> str:
    """`team_rule_sentence` of a `TeamRule` row as it stands."""
    return team_rule_sentence(
        code=rule.code, days=rule.days, choice=rule.choice, percent=rule.percent
    )
