"""Instructions written in the model ("Faltan: {{ missing_requirements }}")
filled in with the task's variables — plain substitution, nothing executed."""

import re

_PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*\}\}")


def _text(value) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def render_instructions(template: str, variables: dict) -> str:
    return _PLACEHOLDER.sub(lambda m: _text(variables.get(m.group(1), "")), template or "")
