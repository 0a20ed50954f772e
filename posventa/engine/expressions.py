"""A safe, bounded expression engine for BPMN and DMN.

SpiffWorkflow's stock engine runs Python's `eval`/`exec` on every gateway
condition, timer, DMN cell and script: whoever edits a model could run any
code on the server. Here every expression goes through simpleeval, which
allows names, literals, operators and an allow-list of functions and
attributes — no attributes starting with "_", no imports. Script tasks may
only hold `name = expression` lines.

Safe is not enough: `2 ** 10 ** 8`, `"x" * 10 ** 12` or `round(1, -10 ** 15)`
break nothing and keep a worker busy for minutes. So an expression is also
**bounded** (the values below, with their reasons):

- what can be seen in its text is refused before it runs, at deploy time
  (`check_expression`, called by `deployment.validate`) and again when run:
  its length, its nesting, literal numbers and strings, constant exponents,
  and any constant part (`10 ** 20 * 2`) whose value would break a bound;
- what it computes is checked at every node of its syntax tree as it runs
  (`BoundedEval._eval`): each number within ±MAX_NUMBER, each text or
  collection within MAX_LENGTH characters/items, each exponent within
  MAX_EXPONENT — checked *before* the costly operations (`**`, `*`, `+` on
  sequences, `round`) so that no single node can run long — and a time
  budget (`POSVENTA_EXPRESSION_BUDGET_MS`, see `Budget`) checked before each
  node stops an evaluation made of many cheap nodes. No threads, no signals.

Values the expression only reads (a variable, `data["key"]`) are not
checked: they are already stored; what the expression makes of them is.

A run-time bound raises `ExpressionBoundExceeded` (the time budget:
`ExpressionBudgetExceeded`); `HostScriptEngine` turns it into a
WorkflowTaskException naming the element, which the engine's services turn
into StepFailed: the step is rolled back and the person reads why.
"""

import ast
import decimal
import functools
import gc
import json
import math
import re
import threading
import time
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.utils import translation
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from simpleeval import DEFAULT_OPERATORS, EvalWithCompoundTypes, InvalidExpression
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.exceptions import SpiffWorkflowException

# --- bounds ----------------------------------------------------------------------------
# One place for every bound; docs/engine.md ("Bounds on expressions") lists them.

MAX_SOURCE_LENGTH = 2_000
"""Characters in one expression (in a script: in each line's expression). The
longest in the twelve procedures is about 150 (the suspension's summary line);
2 000 leaves room for any rule of the manual and keeps checking it trivial."""

MAX_SCRIPT_LENGTH = 10 * MAX_SOURCE_LENGTH
"""Characters in a whole script task: ten full-length lines. The procedures'
scripts copy four values at most."""

MAX_NESTING = 100
"""Depth of an expression's syntax tree. A rule nests a handful of levels; a
chain of 100 terms (`a + b + …`) is already absurd. It keeps the evaluator,
which recurses, far from Python's limit of 1 000 frames."""

MAX_EXPONENT = 1_000
"""Largest exponent of `**`. The manual has no powers at all; money, months
and days would need at most compound interest over some years (months: 12 a
year; days: 365), well under 1 000. simpleeval's own 4 000 000 lets one
node compute a number of millions of digits."""

MAX_NUMBER = 10**15
"""Largest magnitude of any number computed (int, float or Decimal; floats
and Decimals must also be finite). Bs amounts of a whole year of the
company, in centavos, or days over centuries are far below it; and it is
under 2**53, so every integer within it is exact as a float and in JSON."""

MAX_LENGTH = 10_000
"""Most characters of a computed text, or items of a list, tuple, set or
dict (counting what it contains). The longest text a rule writes is a
summary or an e-mail line of a few hundred characters; a customer's lines or
invoices are hundreds at most."""

MAX_ROUND_DIGITS = 30
"""Most digits `round()` may keep or drop: numbers within MAX_NUMBER and
Decimal's 28 digits need no more, and `round(1, -10**15)` computes
10**(10**15) before answering."""

DEFAULT_BUDGET_MS = 50
"""Time one evaluation (an expression, or a whole script) may take, in ms,
unless the setting POSVENTA_EXPRESSION_BUDGET_MS says otherwise. A
condition costs 30–45 µs (ENGINE-NOTES, section 2): the budget is a thousand
times that, and a step still answers at once."""


def budget_ms() -> float:
    return getattr(settings, "POSVENTA_EXPRESSION_BUDGET_MS", DEFAULT_BUDGET_MS)


# --- functions an expression may call, attributes it may read -----------------------


def _bounded_round(number, ndigits=None):
    if ndigits is None:
        return round(number)
    if isinstance(ndigits, int) and abs(ndigits) > MAX_ROUND_DIGITS:
        raise ExpressionBoundExceeded(
            _("it rounds to %(digits)s digits, beyond %(max)s")
            % {"digits": _shown(ndigits), "max": MAX_ROUND_DIGITS}
        )
    return round(number, ndigits)


def _sum_numbers(values, start=0):
    # sum(lists, []) concatenates in quadratic time; numbers are what rules add.
    if not isinstance(start, int | float | Decimal):
        raise UnsafeExpression("sum() adds numbers only")
    return sum(values, start)


SAFE_FUNCTIONS = {
    "len": len,
    "min": min,
    "max": max,
    "abs": abs,
    "round": _bounded_round,
    "sum": _sum_numbers,
    "int": int,
    "float": float,
    "str": str,
    "bool": bool,
    "Decimal": Decimal,
    "date": date,
    "datetime": datetime,
    "timedelta": timedelta,
}

_DATE_PARTS = {"year", "month", "day", "weekday", "isoweekday", "isoformat"}
ALLOWED_ATTRIBUTES = {
    # Only what reads a value or gives something no bigger than it: no
    # method that pads or repeats a text ("x".ljust(10**12)), none that
    # changes the task data in place (list.append).
    dict: {"get", "keys", "values", "items"},
    str: {
        "lower",
        "upper",
        "strip",
        "lstrip",
        "rstrip",
        "startswith",
        "endswith",
        "split",
        "count",
        "find",
        "isdigit",
        "title",
        "capitalize",
    },
    list: {"count", "index"},
    tuple: {"count", "index"},
    date: _DATE_PARTS,
    datetime: _DATE_PARTS | {"hour", "minute", "second", "date"},
    timedelta: {"days", "seconds", "total_seconds"},
    Decimal: {"quantize"},
}


# --- errors ------------------------------------------------------------------------------


class UnsafeExpression(ValueError):
    """An expression or script the safe engine refuses."""


class ExpressionBoundExceeded(UnsafeExpression):
    """While running, the expression went beyond a bound: a number too large,
    a text or list too long, an exponent too high. The message says which,
    for the person whose step stopped."""


class ExpressionBudgetExceeded(ExpressionBoundExceeded):
    """The evaluation ran past its time budget and was stopped."""


def _shown(number) -> str:
    # str() of an int of thousands of digits is itself slow (and refused).
    if isinstance(number, int) and abs(number) > 10**30:
        return _("a number of more than 30 digits")
    return str(number)


def _grouped(number: int) -> str:
    """1.000.000 in Spanish, 1,000,000 in English."""
    return number_format(number, force_grouping=True)


def _number_beyond() -> ExpressionBoundExceeded:
    return ExpressionBoundExceeded(
        _("it computed a number beyond ±%(max)s") % {"max": _grouped(MAX_NUMBER)}
    )


def _too_long() -> ExpressionBoundExceeded:
    return ExpressionBoundExceeded(
        _("it computed a text or list longer than %(max)s characters or items")
        % {"max": _grouped(MAX_LENGTH)}
    )


# --- sizes and magnitudes ------------------------------------------------------------------

_SEQUENCES = str | bytes | list | tuple
_COLLECTIONS = list | tuple | set | frozenset


def _size(value, limit: int = MAX_LENGTH) -> int:
    """Characters and items in `value`, those it contains included, counted
    only until `limit` is passed (so the count itself stays cheap)."""
    total, pending = 0, [value]
    while pending and total <= limit:
        item = pending.pop()
        if isinstance(item, str | bytes):
            total += len(item)
        elif isinstance(item, _COLLECTIONS | dict):
            total += len(item)
            if total <= limit:
                if isinstance(item, dict):
                    pending.extend(item.keys())
                    pending.extend(item.values())
                else:
                    pending.extend(item)
    return total


def _within(number) -> bool:
    """A number is finite and within ±MAX_NUMBER."""
    if isinstance(number, int):
        return -MAX_NUMBER <= number <= MAX_NUMBER
    if isinstance(number, float):
        return math.isfinite(number) and abs(number) <= MAX_NUMBER
    if isinstance(number, Decimal):
        return number.is_finite() and abs(number) <= MAX_NUMBER
    if isinstance(number, complex):
        return _within(number.real) and _within(number.imag)
    return True


def _check_result(value) -> None:
    """Raise ExpressionBoundExceeded when a computed value is beyond a bound."""
    if value is None or isinstance(value, bool):
        return
    if isinstance(value, int | float | Decimal | complex):
        if not _within(value):
            raise _number_beyond()
    elif isinstance(value, str | bytes | _COLLECTIONS | dict) and _size(value) > MAX_LENGTH:
        raise _too_long()


# --- operators, bounded before they compute -------------------------------------------------


def _power(base, exponent):
    if isinstance(exponent, int | float | Decimal) and abs(exponent) > MAX_EXPONENT:
        raise ExpressionBoundExceeded(
            _("it raises to the power %(exponent)s, beyond %(max)s")
            % {"exponent": _shown(exponent), "max": MAX_EXPONENT}
        )
    # 2 ** (bits - 1) <= |base|: the result has at least (bits - 1) * exponent bits.
    if (
        type(base) is int
        and type(exponent) is int
        and exponent > 0
        and (abs(base).bit_length() - 1) * exponent > MAX_NUMBER.bit_length()
    ):
        raise _number_beyond()
    return base**exponent


def _multiply(left, right):
    for sequence, times in ((left, right), (right, left)):
        if (
            isinstance(sequence, _SEQUENCES)
            and isinstance(times, int)
            and times > 0
            and _size(sequence) * times > MAX_LENGTH
        ):
            raise _too_long()
    return left * right


def _add(left, right):
    if (
        isinstance(left, _SEQUENCES)
        and isinstance(right, _SEQUENCES)
        and _size(left) + _size(right) > MAX_LENGTH
    ):
        raise _too_long()
    return left + right


def _modulo(left, right):
    # "%0999999999d" % 1 would be a gigabyte of text.
    if isinstance(left, str | bytes):
        raise UnsafeExpression("formatting a text with % is not allowed")
    return left % right


_OPERATORS = {
    **DEFAULT_OPERATORS,
    ast.Pow: _power,
    ast.Mult: _multiply,
    ast.Add: _add,
    ast.Mod: _modulo,
}

_READS = ast.Name | ast.Subscript | ast.Attribute


class BoundedEval(EvalWithCompoundTypes):
    """simpleeval with every node's result bounded and a time budget.

    `_eval` is called for every node of the tree: it checks the budget
    before the node and the node's result after it. The operators above
    refuse, before computing, what would be too big to compute cheaply."""

    def __init__(self, *, names: dict, budget: "Budget"):
        super().__init__(operators=dict(_OPERATORS), names=names)
        # Not simpleeval's defaults (rand, list, dict…): the allow-list only.
        self.functions = dict(SAFE_FUNCTIONS)
        self.budget = budget

    def _eval(self, node):
        self.budget.check()
        try:
            result = super()._eval(node)
        except (OverflowError, decimal.Overflow) as err:
            raise _number_beyond() from err
        if not isinstance(node, _READS):
            _check_result(result)
        return result

    def _eval_attribute(self, node):
        if node.attr.startswith("_"):
            raise UnsafeExpression(f"attribute {node.attr!r} is not allowed")
        value = self._eval(node.value)
        if node.attr in ALLOWED_ATTRIBUTES.get(type(value), ()):
            return getattr(value, node.attr)
        if isinstance(value, dict) and node.attr in value:
            return value[node.attr]  # data.key reads data["key"], as simpleeval does
        raise UnsafeExpression(
            f"attribute {node.attr!r} of a {type(value).__name__} is not allowed"
        )

    def _eval_formattedvalue(self, node):
        if node.format_spec is not None:
            spec = self._eval(node.format_spec)
            # f"{x:>999999999}" pads to a gigabyte.
            if any(len(n) > 5 or int(n) > MAX_LENGTH for n in re.findall(r"\d+", str(spec))):
                raise _too_long()
        return super()._eval_formattedvalue(node)


class _CollectorTime(threading.local):
    """CPU time this thread has spent in Python's garbage collector. A full
    collection in a large process can take tens of milliseconds; when one
    happens to run during an evaluation, that time is not the expression's."""

    total = 0.0
    started = 0.0


_collector = _CollectorTime()


def _on_collection(phase: str, info: dict) -> None:
    if phase == "start":
        _collector.started = time.thread_time()
    else:
        _collector.total += time.thread_time() - _collector.started


gc.callbacks.append(_on_collection)


class Budget:
    """The time one evaluation may take, checked before each node.

    What is bounded is the CPU time of this thread, so that a busy machine
    pausing the worker does not stop a cheap expression, less the time the
    garbage collector took meanwhile (it may start during any evaluation and
    says nothing about the expression). Reading the CPU clock is a system
    call (about 1 µs); the wall clock costs a tenth of it and never runs
    behind CPU time, so it is what each node reads, and the CPU clock is read
    only once the wall-clock deadline has passed."""

    def __init__(self, ms: float | None = None):
        self.ms = budget_ms() if ms is None else ms
        self.seconds = self.ms / 1000
        self.cpu_start = time.thread_time()
        self.collector_start = _collector.total
        self.deadline = time.monotonic() + self.seconds

    def check(self) -> None:
        if time.monotonic() < self.deadline:
            return
        collector = _collector.total - self.collector_start
        used = time.thread_time() - self.cpu_start - collector
        if used >= self.seconds:
            raise ExpressionBudgetExceeded(
                _("it took longer than its budget of %(ms)s ms") % {"ms": self.ms}
            )
        self.deadline = time.monotonic() + (self.seconds - used)


def _evaluate(tree, expression: str, names: dict, budget: Budget):
    evaluator = BoundedEval(names=names, budget=budget)
    try:
        return evaluator.eval(expression, previously_parsed=tree)
    except InvalidExpression as err:
        raise UnsafeExpression(str(err)) from err


# --- what can be refused before running ---------------------------------------------------

_CONSTANT_NODES = (
    ast.Constant,
    ast.UnaryOp,
    ast.BinOp,
    ast.BoolOp,
    ast.Compare,
    ast.IfExp,
    ast.List,
    ast.Tuple,
    ast.Set,
    ast.Dict,
    ast.operator,
    ast.unaryop,
    ast.cmpop,
    ast.boolop,
    ast.expr_context,
)


def _is_constant(node) -> bool:
    """Made of literals and operators only: its value is known before running."""
    return all(isinstance(n, _CONSTANT_NODES) for n in ast.walk(node))


def _constant_value(node):
    """The value of a constant part, computed with the bounds (it is cheap:
    bounded operators, a budget). A bound it breaks is the model's error;
    any other error (1 / 0) is left for run time, where it may never come."""
    with translation.override("en"):  # deploy messages are in English
        try:
            return _evaluate(node, ast.unparse(node), {}, Budget())
        except ExpressionBoundExceeded as err:
            raise UnsafeExpression(
                f"its constant part {_excerpt(ast.unparse(node))} breaks a bound: {err}"
            ) from err
        except Exception:
            return None


def _excerpt(text: str, limit: int = 60) -> str:
    return repr(text if len(text) <= limit else text[:limit] + "…")


def _walk_with_depth(tree):
    pending = [(tree, 0)]
    while pending:
        node, depth = pending.pop()
        yield node, depth
        pending.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


@functools.lru_cache(maxsize=1024)
def _parsed_expression(expression: str) -> ast.expr:
    """The expression's tree, once it passes every check that needs no data.
    Cached: the same model's expressions run again and again."""
    expression = expression.strip()
    if len(expression) > 100 * MAX_SOURCE_LENGTH:  # not even worth parsing
        raise UnsafeExpression(
            f"it has {len(expression):,} characters, more than the {MAX_SOURCE_LENGTH:,} allowed"
        )
    try:
        tree = ast.parse(expression, mode="eval")
    except SyntaxError as err:
        raise UnsafeExpression(f"not a valid expression: {err.msg}") from err
    except (ValueError, RecursionError, MemoryError) as err:
        raise UnsafeExpression(f"not a valid expression: {err}") from err
    for node, depth in _walk_with_depth(tree):
        if depth > MAX_NESTING:
            raise UnsafeExpression(f"it nests deeper than {MAX_NESTING} levels")
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
        if isinstance(node, ast.Constant):
            value = node.value
            if isinstance(value, int | float | complex) and not _within(value):
                raise UnsafeExpression(f"the number {_shown(value)} is beyond ±{MAX_NUMBER:,}")
            if isinstance(value, str | bytes) and len(value) > MAX_LENGTH:
                raise UnsafeExpression(
                    f"a text literal of {len(value):,} characters is longer than {MAX_LENGTH:,}"
                )
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Mod)
            and isinstance(node.left, ast.Constant)
            and isinstance(node.left.value, str | bytes)
        ):
            raise UnsafeExpression("formatting a text with % is not allowed")
        if (
            isinstance(node, ast.BinOp)
            and isinstance(node.op, ast.Pow)
            and _is_constant(node.right)
            and isinstance(exponent := _constant_value(node.right), int | float)
            and abs(exponent) > MAX_EXPONENT
        ):
            raise UnsafeExpression(f"the exponent {_shown(exponent)} is beyond {MAX_EXPONENT:,}")
    _check_constant_parts(tree.body)
    if len(expression) > MAX_SOURCE_LENGTH:
        raise UnsafeExpression(
            f"it has {len(expression):,} characters, more than the {MAX_SOURCE_LENGTH:,} allowed"
        )
    return tree.body


def _check_constant_parts(node) -> None:
    """Compute each largest constant part (`10 ** 20 * 2`, `"x" * 99999`) once."""
    pending = [node]
    while pending:
        node = pending.pop()
        if isinstance(node, ast.UnaryOp | ast.BinOp) and _is_constant(node):
            _constant_value(node)
        else:
            pending.extend(ast.iter_child_nodes(node))


def check_expression(expression: str) -> None:
    """Refuse, before anything runs, what the safe engine could never
    evaluate or would not evaluate within its bounds: syntax errors, dunder
    names or attributes, lambdas, comprehensions, unknown functions; a
    source longer than MAX_SOURCE_LENGTH or nested deeper than MAX_NESTING;
    literal numbers beyond MAX_NUMBER, literal texts beyond MAX_LENGTH,
    constant exponents beyond MAX_EXPONENT, constant parts that break a bound."""
    _parsed_expression(expression)


@functools.lru_cache(maxsize=256)
def _parsed_script(script: str) -> tuple:
    """((variable, expression, tree), …) of a script of `name = expression` lines."""
    if len(script) > MAX_SCRIPT_LENGTH:
        raise UnsafeExpression(
            f"the script has {len(script):,} characters,"
            f" more than the {MAX_SCRIPT_LENGTH:,} allowed"
        )
    try:
        body = ast.parse(script).body
    except SyntaxError as err:
        raise UnsafeExpression(f"not a valid script: {err.msg}") from err
    except (ValueError, RecursionError, MemoryError) as err:
        raise UnsafeExpression(f"not a valid script: {err}") from err
    lines = []
    for statement in body:
        if not (
            isinstance(statement, ast.Assign)
            and len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
        ):
            raise UnsafeExpression(
                'only "name = expression" lines are allowed,'
                f" not {_excerpt(ast.unparse(statement))}"
            )
        expression = ast.unparse(statement.value)
        lines.append((statement.targets[0].id, expression, _parsed_expression(expression)))
    return tuple(lines)


def check_script(script: str) -> None:
    """A script task may only assign expressions to names, each one bounded
    as check_expression says, the whole at most MAX_SCRIPT_LENGTH long."""
    _parsed_script(script)


# --- SpiffWorkflow's side -------------------------------------------------------------------


class SafeEnvironment(BasePythonScriptEngineEnvironment):
    """Evaluates with bounded simpleeval; service tasks call an allow-list of actions."""

    def __init__(self, *, services=None):
        super().__init__({})
        self.services = services if services is not None else {}

    def evaluate(self, expression, context, external_context=None):
        tree = _parsed_expression(expression)
        names = {**context, **(external_context or {})}
        return _evaluate(tree, expression, names, Budget())

    def execute(self, script, context, external_context=None):
        # One budget for the whole script, like one evaluation.
        budget = Budget()
        for variable, expression, tree in _parsed_script(script):
            names = {**context, **(external_context or {})}
            context[variable] = _evaluate(tree, expression, names, budget)
        return True

    def call_service(self, context, operation_name, operation_params):
        if operation_name not in self.services:
            raise ValueError(f"unknown service action {operation_name!r}")
        kwargs = {name: param["value"] for name, param in operation_params.items()}
        # SpiffWorkflow json.loads() what a service returns.
        return json.dumps(self.services[operation_name](**kwargs), default=str)


def _stopped(task, err: ExpressionBoundExceeded) -> WorkflowTaskException:
    """The error of a step whose expression a bound stopped, naming the
    element: what the person who tried the step reads."""
    spec = task.task_spec
    element = getattr(spec, "bpmn_name", None) or getattr(spec, "bpmn_id", None) or spec.name
    return WorkflowTaskException(
        _('The expression at "%(element)s" was stopped: %(reason)s')
        % {"element": element, "reason": err},
        task=task,
        exception=err,
    )


class HostScriptEngine(PythonScriptEngine):
    """SpiffWorkflow 3.2.0's `call_service` hides a failing action behind a
    NameError; this one raises the real error, attached to its task. An
    expression stopped by a bound says so, naming its element."""

    def evaluate(self, task, expression, external_context=None):
        try:
            return self.environment.evaluate(expression, task.data, external_context)
        except ExpressionBoundExceeded as err:
            raise _stopped(task, err) from err
        except SpiffWorkflowException as err:
            err.add_note(f"Error evaluating expression '{expression}'")
            raise
        except Exception as err:
            raise WorkflowTaskException(
                f"Error evaluating expression '{expression}'", task=task, exception=err
            ) from err

    def execute(self, task, script, external_context=None):
        try:
            return self.environment.execute(script, task.data, external_context or {})
        except ExpressionBoundExceeded as err:
            raise _stopped(task, err) from err
        except Exception as err:
            raise self.create_task_exec_exception(task, script, err) from err

    def call_service(self, task, **kwargs):
        try:
            return self.environment.call_service(task.data, **kwargs)
        except WorkflowTaskException:
            raise
        except Exception as err:
            raise WorkflowTaskException(
                f"{kwargs.get('operation_name')} failed: {err}", task=task, exception=err
            ) from err
