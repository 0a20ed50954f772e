import time
from datetime import date

import pytest
from django.urls import reverse
from django.utils import translation

from posventa.accounts.roles import Role
from posventa.engine import services
from posventa.engine.expressions import (
    ExpressionBoundExceeded,
    ExpressionBudgetExceeded,
    SafeEnvironment,
    UnsafeExpression,
)
from posventa.engine.models import InstanceStatus
from posventa.engine.tests.conftest import model_files


@pytest.mark.parametrize(
    "expression",
    [
        "__import__('os').getpid()",
        "().__class__.__base__.__subclasses__()",
        "open('/etc/hostname').read()",
        "9**9**9",
        "(lambda: 1)()",
    ],
)
def test_dangerous_expressions_never_run(expression):
    with pytest.raises(UnsafeExpression):
        SafeEnvironment().evaluate(expression, {})


def test_ordinary_conditions_evaluate_against_the_task_data():
    env = SafeEnvironment()
    assert env.evaluate("docs_ok == True and months <= 4", {"docs_ok": True, "months": 3})
    assert env.evaluate('source in ["Comteco", "Boliviatel"]', {"source": "Comteco"})


def test_scripts_may_only_assign():
    env = SafeEnvironment()
    context = {"a": 2}
    env.execute("b = a * 3\nc = b + 1", context)
    assert context == {"a": 2, "b": 6, "c": 7}
    with pytest.raises(UnsafeExpression):
        env.execute("import os", {})


# --- bounds ---------------------------------------------------------------------------------


@pytest.fixture
def english():
    """The bound's reason in English (people read it in Spanish: see the tests of a step)."""
    with translation.override("en"):
        yield


def test_the_procedures_kinds_of_expression_stay_within_the_bounds():
    env = SafeEnvironment()
    suspension = {"starts": "2026-03-01", "ends": "2026-06-30"}
    assert (
        env.evaluate(
            '"Suspensión del " + suspension["starts"] + " al " + suspension["ends"]',
            {"suspension": suspension},
        )
        == "Suspensión del 2026-03-01 al 2026-06-30"
    )
    assert env.evaluate("(months_back) == (0)", {"months_back": 0})  # a DMN cell as run
    assert env.evaluate("12 * months * 1.13 ** 3", {"months": 4}) == pytest.approx(69.25, 0.01)
    assert env.evaluate(
        'complaint.get("state") == "resolved"', {"complaint": {"state": "resolved"}}
    )
    assert env.evaluate("due.year == 2026", {"due": date(2026, 5, 1)})


def test_values_only_read_from_the_task_data_are_not_bounded():
    # A long note already stored may be looked at; only what an expression computes is bounded.
    assert SafeEnvironment().evaluate('notes != ""', {"notes": "n" * 50_000})


@pytest.mark.parametrize(
    "expression, data, rule",
    [
        ("amount * amount * amount * amount", {"amount": 100_000}, "number beyond"),
        ("rate * big", {"rate": 1.5, "big": 1e300}, "number beyond"),
        ('Decimal("1e999") * amount', {"amount": 2}, "number beyond"),
        ("base ** 900", {"base": 10}, "number beyond"),
        ("base ** exponent", {"base": 2, "exponent": 10**6}, "power 1000000, beyond 1000"),
        ('"ab" * times', {"times": 10**9}, "longer than 10,000"),
        ("(word * 100) * 100", {"word": "abc"}, "longer than 10,000"),
        ("[row] * 100 * 200", {"row": 1}, "longer than 10,000"),
        ("([word * 100] * 50)", {"word": "abc"}, "longer than 10,000"),
        ('f"{amount:>999999999}"', {"amount": 1}, "longer than 10,000"),
        ("round(amount, -digits)", {"amount": 5, "digits": 10**15}, "beyond 30"),
    ],
)
def test_a_value_computed_beyond_a_bound_ends_the_evaluation_with_a_clear_error(
    english, expression, data, rule
):
    with pytest.raises(ExpressionBoundExceeded, match=rule):
        SafeEnvironment().evaluate(expression, data)


@pytest.mark.parametrize(
    "expression, data",
    [
        ('"x".ljust(width)', {"width": 10**12}),  # pads: only reading methods are allowed
        ("items.append(1)", {"items": []}),  # changes the task data in place
        ("pattern % amount", {"pattern": "%0999999999d", "amount": 1}),
        ("sum(rows, [])", {"rows": [[1]] * 5000}),  # concatenates in quadratic time
    ],
)
def test_operations_that_grow_without_a_bound_are_refused(expression, data):
    with pytest.raises(UnsafeExpression):
        SafeEnvironment().evaluate(expression, data)


# 80 sums of 9 999 numbers each: legal pieces, within every static bound,
# about a second of work.
SLOW = "len([" + ", ".join(["sum([amount] * 9999)"] * 80) + "])"


def test_an_evaluation_longer_than_its_budget_ends_with_the_budget_error(english, settings):
    assert len(SLOW) < 2_000
    settings.POSVENTA_EXPRESSION_BUDGET_MS = 1
    with pytest.raises(ExpressionBudgetExceeded, match="budget of 1 ms"):
        SafeEnvironment().evaluate(SLOW, {"amount": 7})


def _busy(seconds: float) -> None:
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        pass


def test_time_in_the_garbage_collector_is_not_charged_to_the_expression():
    """A full collection may start during any evaluation: its time says
    nothing about the expression, and must not stop a cheap one."""
    from posventa.engine import expressions

    budget = expressions.Budget(ms=20)
    expressions._on_collection("start", {})
    _busy(0.05)  # a long collection
    expressions._on_collection("stop", {})
    budget.check()  # 50 ms of CPU, all of it the collector's: within budget
    _busy(0.03)  # the expression's own time
    with pytest.raises(ExpressionBudgetExceeded):
        budget.check()


def test_a_script_has_one_budget_for_all_its_lines(settings):
    settings.POSVENTA_EXPRESSION_BUDGET_MS = 1
    lines = [f"part{n} = sum([amount] * 9999)" for n in range(80)]
    with pytest.raises(ExpressionBudgetExceeded):
        SafeEnvironment().execute("\n".join(lines), {"amount": 7})


@pytest.mark.parametrize(
    "expression, rule",
    [
        ("amount ** 100000", "the exponent 100000 is beyond 1,000"),
        ("amount < 12345678901234567", "the number 12345678901234567 is beyond"),
        ("note == '" + "x" * 100_000 + "'", "a text literal of 100,000 characters"),
        ("max(" + ", ".join(["amount"] * 300) + ")", "more than the 2,000 allowed"),
        ("-" * 500 + "amount", "nests deeper than 100 levels"),
    ],
)
def test_bounds_seen_in_the_text_are_refused_before_it_runs(expression, rule):
    with pytest.raises(UnsafeExpression, match=rule):
        SafeEnvironment().evaluate(expression, {"amount": 1, "note": ""})


# --- a step stopped by a bound ----------------------------------------------------------------


@pytest.fixture
def clerk(make_user):
    return make_user(Role.EXECUTIVE, username="clerk")


@pytest.fixture
def boss(make_user):
    return make_user(Role.COMMERCIAL_MANAGER, username="boss")


def only_task(instance):
    instance.refresh_from_db()
    [task] = instance.human_tasks.all()
    return task


def test_a_condition_beyond_a_bound_fails_its_step_and_changes_nothing(deployed, clerk, boss):
    files = model_files("approval.bpmn")
    files["approval.bpmn"] = files["approval.bpmn"].replace(
        "approved == True and amount &lt;= 1000", "amount * amount * amount * amount &gt; 0"
    )
    deployed(files=files)
    instance = services.instance_start(process_id="approval", business_key="B-1", data={})
    services.task_complete(
        task_id=only_task(instance).task_id, user=clerk, data={"amount": 100_000}
    )
    approve = only_task(instance)
    state, events = instance.state, instance.events.count()

    with pytest.raises(services.StepFailed) as failure:
        services.task_complete(task_id=approve.task_id, user=boss, data={"approved": "on"})

    # What the person reads, in Spanish: which element, which bound.
    assert "Se detuvo la expresión de «Approved?»" in str(failure.value)
    assert "calculó un número fuera de ±1.000.000.000.000.000" in str(failure.value)
    instance.refresh_from_db()
    assert instance.state == state and instance.status == InstanceStatus.RUNNING
    assert only_task(instance).task_id == approve.task_id  # still waiting for the boss
    assert instance.events.count() == events


def test_a_script_over_its_budget_fails_its_step_and_changes_nothing(deployed, clerk, settings):
    files = model_files("expressions.bpmn", "expressions_fee.dmn")
    files["expressions.bpmn"] = files["expressions.bpmn"].replace(
        "total = amount * 2", f"total = amount * 2\nslow = {SLOW}"
    )
    deployed(files=files)
    instance = services.instance_start(process_id="expressions", business_key="S-1", data={})
    request = only_task(instance)
    settings.POSVENTA_EXPRESSION_BUDGET_MS = 1

    with pytest.raises(services.StepFailed) as failure:
        services.task_complete(task_id=request.task_id, user=clerk, data={"amount": 5000})

    assert "Se detuvo la expresión de «Compute the total»" in str(failure.value)
    assert "tardó más que su límite de 1 ms" in str(failure.value)
    assert only_task(instance).task_id == request.task_id
    assert not instance.events.filter(bpmn_id="compute").exists()


def test_a_step_stopped_by_a_bound_shows_why_on_the_task_page_not_a_server_error(
    plan_change_case, team, internet_plans, client, settings
):
    case = plan_change_case
    [task] = case.instance.human_tasks.all()
    state = case.instance.state
    client.force_login(team[Role.EXECUTIVE])
    settings.POSVENTA_EXPRESSION_BUDGET_MS = 0  # every expression is over its budget

    response = client.post(
        reverse("cases:task", args=[task.task_id]), {"new_plan": internet_plans[2].pk}
    )

    assert response.status_code == 200
    page = response.content.decode()
    assert "Se detuvo la expresión de «¿Requisitos completos?»" in page
    assert "tardó más que su límite de 0 ms" in page
    case.instance.refresh_from_db()
    assert case.instance.state == state
    assert list(case.instance.human_tasks.values_list("task_id", flat=True)) == [task.task_id]
