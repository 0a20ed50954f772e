import pytest

from posventa.engine.expressions import SafeEnvironment, UnsafeExpression


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
