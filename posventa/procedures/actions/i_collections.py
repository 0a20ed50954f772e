"""Procedure I, collections: the system lists the debts and how the customer
pays, records the payment promise, checks after its date whether it was paid,
and prints the dunning letter. The monthly proformas (steps 1–2) are the
worker's job, posventa.collections.jobs."""

from datetime import date
from decimal import Decimal

from django.utils import timezone

from posventa.cases.selectors import case_for_instance
from posventa.catalog.models import TeamRuleCode
from posventa.catalog.rules import team_rule_sentence, team_rule_text
from posventa.catalog.selectors import team_rule
from posventa.collections import selectors
from posventa.collections.models import PaymentPromise
from posventa.collections.services import check_at, promise_check, promise_record
from posventa.collections.services import dunning_letter as letter_print
from posventa.common.money import bs, format_bs
from posventa.customers.models import Company
from posventa.engine.context import current_actor
from posventa.engine.registry import registry


@registry.register_action("collection_debts")
def collection_debts(instance, company_id: int) -> str:
    """Steps 3–4: the overdue invoices per contract and product with their
    days overdue and what each still owes, their total, and the payment paths
    of this customer — as the text the executive reads on the call. What is
    not due yet is not collected. After a promise not kept, it says so."""
    company = Company.objects.get(pk=company_id)
    today = timezone.localdate()
    lines = selectors.overdue_lines(company=company, today=today)
    total = bs(sum((line.owed for line in lines), Decimal("0")))
    text = ""
    case = case_for_instance(instance)
    broken = (
        PaymentPromise.objects.filter(case=case, kept=False).order_by("-created_at").first()
        if case is not None
        else None
    )
    if broken is not None:
        text += (
            f"El cliente no pagó lo comprometido para el {broken.promised_on:%d/%m/%Y} "
            f"({format_bs(broken.amount)}): vuelva a llamarlo. "
        )
        if broken.kept_rule:
            text += (
                team_rule_sentence(
                    code=TeamRuleCode.PROMISE_KEPT,
                    days=None,
                    choice=broken.kept_rule,
                    percent=None,
                )
                + " "
            )
    listed = "; ".join(line.as_text() for line in lines) if lines else "ninguna"
    paths = " ".join(selectors.payment_paths(company))
    text += (
        f"Facturas vencidas (producto · plan · mes · vencimiento · adeudado · mora): {listed}. "
        f"Total vencido: {format_bs(total)}. Cómo puede pagar: {paths}"
    )
    return text


@registry.register_action("record_promise")
def record_promise(instance, promised_on, promised_amount) -> dict:
    """Step 5: the payment promise (checked again), and when the case checks it."""
    case = case_for_instance(instance)
    promise = promise_record(
        case=case,
        promised_on=date.fromisoformat(str(promised_on)[:10]),
        amount=Decimal(str(promised_amount)),
        user=current_actor(),
    )
    return {
        "id": promise.pk,
        "promised_on": f"{promise.promised_on:%d/%m/%Y}",
        "amount": str(promise.amount),
        "check_at": check_at(promise),
    }


@registry.register_action("collection_team_rules")
def collection_team_rules(instance) -> dict:
    """The team's own rules the call applies (not the manual's), each as the
    sentence its instructions show: the promise's longest term and when the
    dunning letter is issued."""
    return {
        "promise_max_days": team_rule_text(team_rule(TeamRuleCode.PROMISE_MAX_DAYS)),
        "dunning_letter": team_rule_text(team_rule(TeamRuleCode.DUNNING_LETTER_TRIGGER)),
    }


def _paid(instance, company_id: int) -> tuple[bool, PaymentPromise | None]:
    case = case_for_instance(instance)
    promise = (
        PaymentPromise.objects.filter(case=case, kept__isnull=True).order_by("-created_at").first()
    )
    if promise is not None:
        return promise_check(promise=promise), promise
    company = Company.objects.get(pk=company_id)
    return selectors.nothing_overdue(company=company, today=timezone.localdate()), None


@registry.register_action("check_payment")
def check_payment(instance, company_id: int) -> bool:
    """Step 6: was it paid? The case's open promise is marked kept or not, by
    the team's rule; without one (the customer said it is paid), nothing may
    be overdue today. (The models before the team rules were named.)"""
    return _paid(instance, company_id)[0]


@registry.register_action("promise_check_result")
def promise_check_result(instance, company_id: int) -> dict:
    """Step 6, as `check_payment`, with the team rule that judged the promise
    (none when the customer said it is paid: nothing may be overdue today)."""
    paid, promise = _paid(instance, company_id)
    rule = ""
    if promise is not None:
        promise.refresh_from_db()
        rule = team_rule_sentence(
            code=TeamRuleCode.PROMISE_KEPT, days=None, choice=promise.kept_rule, percent=None
        )
    return {"paid": paid, "rule": rule}


@registry.register_action("dunning_letter")
def dunning_letter(instance) -> dict:
    """The dunning letter, original and copy, kept with the case's documents."""
    case = case_for_instance(instance)
    document = letter_print(case=case, user=current_actor())
    return {"document_id": document.pk}
