"""The team's own rules: seeded with the values the procedures applied,
never taken for the manual's, typed and bounded (the form and the database),
edited in the admin with their history, read by one selector."""

from decimal import Decimal

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from posventa.catalog.models import (
    DunningLetterTrigger,
    PenaltyFormula,
    PromiseKept,
    Tariff,
    TariffCode,
    TeamRule,
    TeamRuleCode,
)
from posventa.catalog.rules import team_rule_errors, team_rule_text
from posventa.catalog.selectors import team_rule
from posventa.catalog.services import team_rule_update
from posventa.catalog.tests.team_rules import set_team_rule

pytestmark = pytest.mark.django_db


def test_the_four_team_rules_are_seeded_with_the_values_the_procedures_applied():
    rules = {rule.code: rule for rule in TeamRule.objects.all()}
    assert set(rules) == set(TeamRuleCode.values)
    assert rules[TeamRuleCode.PROMISE_MAX_DAYS].days == 7
    assert rules[TeamRuleCode.DUNNING_LETTER_TRIGGER].choice == DunningLetterTrigger.NO_PROMISE
    assert rules[TeamRuleCode.PROMISE_KEPT].choice == PromiseKept.PROMISED_AMOUNT
    penalty = rules[TeamRuleCode.PENALTY_FORMULA]
    assert (penalty.choice, penalty.percent) == (PenaltyFormula.WHOLE_MONTHS, Decimal("50.00"))
    assert {rule.procedure for rule in rules.values()} == {"H", "I"}


def test_no_team_rule_is_taken_for_the_manual():
    for rule in TeamRule.objects.all():
        assert rule.from_manual is False
        assert rule.note.startswith("Regla del equipo (no del manual).")
        assert team_rule_text(rule).startswith("Regla del equipo (no del manual): ")
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamRule.objects.filter(code=TeamRuleCode.PROMISE_MAX_DAYS).update(from_manual=True)


def test_the_penalty_tariff_points_at_the_rule_and_carries_its_percentage():
    tariff = Tariff.objects.get(code=TariffCode.EARLY_TERMINATION_PENALTY)
    assert tariff.amount == team_rule(TeamRuleCode.PENALTY_FORMULA).percent
    assert "Reglas del equipo" in tariff.note and not tariff.from_manual


@pytest.mark.parametrize(
    ("code", "rule_text"),
    [
        (TeamRuleCode.PROMISE_MAX_DAYS, "promesa de pago de hasta 7 días."),
        (
            TeamRuleCode.DUNNING_LETTER_TRIGGER,
            "sin compromiso de pago, la carta de información mora se emite automáticamente.",
        ),
        (
            TeamRuleCode.PROMISE_KEPT,
            "la promesa se cumple si se paga el monto prometido de lo vencido a la fecha "
            "de la llamada.",
        ),
        (
            TeamRuleCode.PENALTY_FORMULA,
            "penalidad del 50 % de la mensualidad por cada mes que falta para cumplir la "
            "permanencia mínima (el mes comenzado cuenta entero).",
        ),
    ],
)
def test_each_rule_says_itself_as_the_steps_show_it(code, rule_text):
    assert team_rule_text(team_rule(code)) == f"Regla del equipo (no del manual): {rule_text}"


def test_the_sentence_follows_the_value():
    rule = team_rule_update(rule=team_rule(TeamRuleCode.PROMISE_MAX_DAYS), days=1)
    assert team_rule_text(rule).endswith("promesa de pago de hasta 1 día.")
    rule = team_rule_update(
        rule=team_rule(TeamRuleCode.PENALTY_FORMULA),
        choice=PenaltyFormula.PRORATED_DAYS,
        percent=Decimal("12.50"),
    )
    assert team_rule_text(rule).endswith(
        "penalidad del 12,5 % de la mensualidad por el tiempo que falta para cumplir la "
        "permanencia mínima (el último mes, prorrateado por días)."
    )


# --- bounds: the rule, the service, the database -----------------------------------------


@pytest.mark.parametrize(
    ("code", "values", "field"),
    [
        (TeamRuleCode.PROMISE_MAX_DAYS, {"days": 0}, "days"),
        (TeamRuleCode.PROMISE_MAX_DAYS, {"days": 32}, "days"),
        (TeamRuleCode.PROMISE_MAX_DAYS, {"days": None}, "days"),
        (TeamRuleCode.DUNNING_LETTER_TRIGGER, {"choice": "always"}, "choice"),
        (TeamRuleCode.PROMISE_KEPT, {"choice": ""}, "choice"),
        (TeamRuleCode.PENALTY_FORMULA, {"choice": "whole_months", "percent": None}, "percent"),
        (TeamRuleCode.PENALTY_FORMULA, {"choice": "whole_months", "percent": "0"}, "percent"),
        (TeamRuleCode.PENALTY_FORMULA, {"choice": "whole_months", "percent": "100.01"}, "percent"),
        (TeamRuleCode.PENALTY_FORMULA, {"choice": "by_weeks", "percent": "50"}, "choice"),
    ],
)
def test_a_value_out_of_bounds_is_refused_by_field_and_nothing_changes(code, values, field):
    values = {
        name: Decimal(value) if name == "percent" and value is not None else value
        for name, value in values.items()
    }
    days, choice, percent = values.get("days"), values.get("choice", ""), values.get("percent")
    assert field in team_rule_errors(code=code, days=days, choice=choice, percent=percent)
    before = TeamRule.objects.values().get(code=code)
    with pytest.raises(ValidationError) as excinfo:
        team_rule_update(rule=team_rule(code), **values)
    assert field in excinfo.value.message_dict
    assert TeamRule.objects.values().get(code=code) == before


@pytest.mark.parametrize(
    ("code", "changes"),
    [
        (TeamRuleCode.PROMISE_MAX_DAYS, {"days": 0}),
        (TeamRuleCode.PROMISE_MAX_DAYS, {"days": 32}),
        (TeamRuleCode.PROMISE_MAX_DAYS, {"choice": "no_promise"}),
        (TeamRuleCode.DUNNING_LETTER_TRIGGER, {"choice": "sometimes"}),
        (TeamRuleCode.DUNNING_LETTER_TRIGGER, {"days": 3}),
        (TeamRuleCode.PROMISE_KEPT, {"choice": "no_promise"}),
        (TeamRuleCode.PENALTY_FORMULA, {"percent": Decimal("0")}),
        (TeamRuleCode.PENALTY_FORMULA, {"percent": Decimal("100.01")}),
        (TeamRuleCode.PENALTY_FORMULA, {"percent": None}),
        (TeamRuleCode.PENALTY_FORMULA, {"choice": "promised_amount"}),
    ],
)
def test_the_database_holds_each_rule_to_its_type_and_bounds(code, changes):
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamRule.objects.filter(code=code).update(**changes)


def test_the_database_knows_only_the_rules_the_code_reads():
    with pytest.raises(IntegrityError), transaction.atomic():
        TeamRule.objects.create(code="i_grace_days", procedure="I", label="x", days=3)


def test_the_service_keeps_only_the_value_the_code_types():
    rule = team_rule_update(
        rule=team_rule(TeamRuleCode.PROMISE_KEPT),
        days=5,
        choice=PromiseKept.ALL_OVERDUE,
        percent=Decimal("10"),
        note="  Decidido en la reunión de equipo.  ",
    )
    assert (rule.days, rule.choice, rule.percent) == (None, PromiseKept.ALL_OVERDUE, None)
    assert rule.note == "Decidido en la reunión de equipo."


def test_changing_the_penalty_percentage_moves_the_tariff_with_it():
    team_rule_update(
        rule=team_rule(TeamRuleCode.PENALTY_FORMULA),
        choice=PenaltyFormula.WHOLE_MONTHS,
        percent=Decimal("35.00"),
    )
    assert Tariff.objects.get(code=TariffCode.EARLY_TERMINATION_PENALTY).amount == Decimal("35")


# --- the admin -------------------------------------------------------------------------------


def test_the_admin_lists_the_rules_as_the_teams_not_the_manuals(admin_client):
    response = admin_client.get(reverse("admin:catalog_teamrule_changelist"))
    assert response.status_code == 200
    page = response.content.decode()
    assert page.count(_("team rule (not from the manual)")) >= 4
    for rule in TeamRule.objects.all():
        assert rule.label in page
    assert admin_client.get(reverse("admin:catalog_teamrule_add")).status_code == 403
    rule = team_rule(TeamRuleCode.PROMISE_MAX_DAYS)
    delete = reverse("admin:catalog_teamrule_delete", args=[rule.pk])
    assert admin_client.get(delete).status_code == 403


@pytest.mark.parametrize(
    ("code", "shown", "hidden"),
    [
        (TeamRuleCode.PROMISE_MAX_DAYS, {"days"}, {"choice", "percent"}),
        (TeamRuleCode.DUNNING_LETTER_TRIGGER, {"choice"}, {"days", "percent"}),
        (TeamRuleCode.PROMISE_KEPT, {"choice"}, {"days", "percent"}),
        (TeamRuleCode.PENALTY_FORMULA, {"choice", "percent"}, {"days"}),
    ],
)
def test_each_rules_page_asks_for_the_value_its_code_types(admin_client, code, shown, hidden):
    rule = team_rule(code)
    response = admin_client.get(reverse("admin:catalog_teamrule_change", args=[rule.pk]))
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert shown <= set(form.fields) and not hidden & set(form.fields)
    page = response.content.decode()
    assert team_rule_text(rule) in page  # as the steps show it
    assert _("team rule (not from the manual)") in page


def test_the_admin_edits_a_rule_through_the_service_and_keeps_its_history(admin_client):
    rule = set_team_rule(admin_client, TeamRuleCode.PROMISE_MAX_DAYS, days=10)
    assert rule.days == 10 and rule.code == TeamRuleCode.PROMISE_MAX_DAYS
    entry = LogEntry.objects.get_for_object(rule).latest("timestamp")
    assert entry.changes_dict["days"] == ["7", "10"]
    history = reverse("admin:catalog_teamrule_auditlog", args=[rule.pk])
    assert admin_client.get(history).status_code == 200


@pytest.mark.parametrize(
    ("code", "data", "field"),
    [
        (TeamRuleCode.PROMISE_MAX_DAYS, {"days": "0"}, "days"),
        (TeamRuleCode.PROMISE_MAX_DAYS, {"days": "45"}, "days"),
        (TeamRuleCode.PROMISE_MAX_DAYS, {"days": "99999999999999999999"}, "days"),
        (TeamRuleCode.PROMISE_MAX_DAYS, {"days": ""}, "days"),
        (TeamRuleCode.DUNNING_LETTER_TRIGGER, {"choice": "never"}, "choice"),
        (TeamRuleCode.PENALTY_FORMULA, {"choice": "whole_months", "percent": "150"}, "percent"),
        (TeamRuleCode.PENALTY_FORMULA, {"choice": "whole_months", "percent": "-5"}, "percent"),
        (TeamRuleCode.PENALTY_FORMULA, {"choice": "whole_months", "percent": "abc"}, "percent"),
    ],
)
def test_the_admin_refuses_a_bad_value_with_a_message_and_changes_nothing(
    admin_client, code, data, field
):
    rule = team_rule(code)
    before = TeamRule.objects.values().get(pk=rule.pk)
    response = admin_client.post(
        reverse("admin:catalog_teamrule_change", args=[rule.pk]), {"note": rule.note, **data}
    )
    assert response.status_code == 200
    assert field in response.context["adminform"].form.errors
    assert TeamRule.objects.values().get(pk=rule.pk) == before


def test_the_penalty_tariffs_amount_is_read_only_in_the_admin(admin_client):
    tariff = Tariff.objects.get(code=TariffCode.EARLY_TERMINATION_PENALTY)
    response = admin_client.post(
        reverse("admin:catalog_tariff_change", args=[tariff.pk]),
        {"amount": "80.00", "note": tariff.note},
    )
    assert response.status_code == 302
    tariff.refresh_from_db()
    assert tariff.amount == Decimal("50.00")  # set by the rule, not here
