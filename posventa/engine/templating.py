"""Instructions written in the model ("Faltan: {{ missing_requirements }}")
filled in with the task's variables — plain substitution, nothing executed.

A number is written for people the Bolivian way through a filter named in
the placeholder: `{{ amount|bs }}` gives "Bs 1.234,50", `{{ metres|number }}`
gives "1.234,5" (common/money.py). An unknown filter, or a value that is not
a number, leaves the value as it is."""

import re

from posventa.common.money import format_bs, format_number

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?:\|\s*([a-z_]+)\s*)?\}\}")

_FILTERS = {"bs": format_bs, "number": format_number}


def _text(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def _filtered(value, name: str | None) -> str:
    if name is None or value in (None, "") or isinstance(value, bool | list | tuple | dict):
        return _text(value)
    try:
        return _FILTERS[name](value)
    except (KeyError, ArithmeticError, ValueError, TypeError):
        return _text(value)


def render_instructions(template: str, variables: dict) -> str:
    return _PLACEHOLDER.sub(
        lambda m: _filtered(variables.get(m.group(1), ""), m.group(2)), template or ""
    )
