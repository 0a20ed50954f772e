"""A safe expression engine for BPMN and DMN.

SpiffWorkflow's stock engine runs Python's `eval`/`exec` on every gateway
condition, timer, DMN cell and script: whoever edits a model could run any
code on the server. Here every expression goes through simpleeval, which
allows names, literals, operators and an allow-list of functions — no
attributes starting with "_", no imports, no huge powers. Script tasks may
only hold `name = expression` lines.
"""

import ast
import json
from datetime import date, datetime, timedelta
from decimal import Decimal

from simpleeval import EvalWithCompoundTypes, InvalidExpression
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

SAFE_FUNCTIONS = {
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": round,
    "sum": sum,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "Decimal": Decimal,
    "date": date,
    "datetime": datetime,
    "timedelta": timedelta,
}


class UnsafeExpression(ValueError):
    """An expression or script the safe engine refuses."""


def check_expression(expression: str) -> None:
    """Refuse, before anything runs, what the safe engine could never evaluate:
    syntax errors, dunder names or attributes, lambdas, comprehensions."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError as err:
        raise UnsafeExpression(f"not a valid expression: {err.msg}") from err
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id.startswith("__"):
            raise UnsafeExpression(f"name {node.id!r} is not allowed")
        if isinstance(node, ast.Attribute) and node.attr.startswith("_"):
            raise UnsafeExpression(f"attribute {node.attr!r} is not allowed")
        if isinstance(
            node,
            ast.Lambda
            | ast.ListComp
            | ast.DictComp
            | ast.SetComp
            | ast.GeneratorExp
            | ast.NamedExpr
            | ast.Await
            | ast.Yield,
        ):
            raise UnsafeExpression(f"{type(node).__name__} is not allowed")
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id not in SAFE_FUNCTIONS
        ):
            raise UnsafeExpression(f"function {node.func.id!r} is not allowed")


def check_script(script: str) -> None:
    """A script task may only assign expressions to names."""
    try:
        body = ast.parse(script).body
    except SyntaxError as err:
        raise UnsafeExpression(f"not a valid script: {err.msg}") from err
    for statement in body:
        if not (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
        ):
            raise UnsafeExpression(
                f'only "name = expression" lines are allowed, not {ast.unparse(statement)!r}'
            )
        check_expression(ast.unparse(statement.value))


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates with simpleeval; service tasks call an allow-list of actions."""

    def __init__(self, *, services=None):
        super().__init__({})
        self.services = services if services is not None else {}

    def evaluate(self, expression, context, external_context=None):
        check_expression(expression)
        names = {**context, **(external_context or {})}
        try:
            return EvalWithCompoundTypes(names=names, functions=SAFE_FUNCTIONS).eval(expression)
        except InvalidExpression as err:
            raise UnsafeExpression(str(err)) from err

    def execute(self, script, context, external_context=None):
        check_script(script)
        for statement in ast.parse(script).body:
            context[statement.targets[0].id] = self.evaluate(
                ast.unparse(statement.value), context, external_context
            )
        return True

    def call_service(self, context, operation_name, operation_params):
        if operation_name not in self.services:
            raise ValueError(f"unknown service action {operation_name!r}")
        kwargs = {name: param["value"] for name, param in operation_params.items()}
        # SpiffWorkflow json.loads() what a service returns.
        return json.dumps(self.services[operation_name](**kwargs), default=str)


class HostScriptEngine(PythonScriptEngine):
    """SpiffWorkflow 3.2.0's `call_service` hides a failing action behind a
    NameError; this one raises the real error, attached to its task."""

    def call_service(self, task, **kwargs):
        try:
            return self.environment.call_service(task.data, **kwargs)
        except WorkflowTaskException:
            raise
        except Exception as err:
            raise WorkflowTaskException(
                f"{kwargs.get('operation_name')} failed: {err}", task=task, exception=err
            ) from err
