"""The OpenAPI document (/api/v1/openapi.json) keeps the API's promises on
every operation, present and future — read from the document a client reads:

- every POST documents the optional `Idempotency-Key` header and its 409;
- every list (a 200 whose body is an array) documents `limit` and `offset`
  and the `X-Total-Count` and `Link` headers (posventa/api/pagination.py);
- every string whose values are a closed set (a code: procedure, channel,
  state…) is an `enum`, and every enum carries its Spanish labels
  (`x-labels`, posventa/api/types.Choice);
- every 4xx (and 503) answer is the `Error` schema, whose `code` is a
  required enum with Spanish labels.

Each rule lists its offenders by operation and field, so that a new endpoint
that forgets one is named. STRAGGLERS holds the offenders known when the rule
came, to be fixed by their owners: the test fails when a new one appears,
and when one is fixed without being struck from the list.
"""

import typing
from collections import defaultdict

import pytest
from django.test import Client
from pydantic import BaseModel

from posventa.api.api import api
from posventa.api.errors import CODES

SCHEMA = api.get_openapi_schema()
ERROR_REF = "#/components/schemas/Error"

# Names of string fields whose values are codes of a closed set.
CODE_NAMES = {
    "procedure",
    "channel",
    "status",
    "state",
    "outcome",
    "role",
    "kind",
    "priority",
    "technology",
    "unit",
    "source",
    "indicator",
    "condition",
    "decision",
    "request_kind",
    "interaction_channel",
    "send_by",
    "damaged_service",
    "cause",
}

# Offenders known when the rules came (owner's to fix; strike them then).
STRAGGLERS: dict[str, set[str]] = {
    "idempotency": set(),
    "pagination": set(),
    "enum": set(),
    "labels": set(),
    "error": set(),
}


def _operations():
    for path, methods in SCHEMA["paths"].items():
        for method, operation in methods.items():
            yield f"{method.upper()} {path}", method, operation


def _resolve(schema: dict) -> dict:
    if "$ref" in schema:
        return _resolve(SCHEMA["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]])
    return schema


def _strings(schema: dict, where: str, seen: set):
    """(where, name, schema) of every named string property under `schema`."""
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        if name in seen:
            return
        seen = seen | {name}
        schema = SCHEMA["components"]["schemas"][name]
        where = name
    for key in ("anyOf", "oneOf", "allOf"):
        for option in schema.get(key, []):
            yield from _strings(option, where, seen)
    if "items" in schema:
        yield from _strings(schema["items"], where, seen)
    if isinstance(schema.get("additionalProperties"), dict):
        yield from _strings(schema["additionalProperties"], where, seen)
    for name, field in (schema.get("properties") or {}).items():
        yield where, name, field
        yield from _strings(field, where, seen)


def _string_fields():
    """(operation, field name, schema) of every parameter and body or answer
    property."""
    for op, _method, operation in _operations():
        for parameter in operation.get("parameters", []):
            yield op, parameter["name"], parameter.get("schema", {})
        for content in (operation.get("requestBody") or {}).get("content", {}).values():
            for where, name, field in _strings(content.get("schema", {}), "body", set()):
                yield f"{op} {where}", name, field
        for status, answer in operation.get("responses", {}).items():
            for content in (answer.get("content") or {}).values():
                for where, name, field in _strings(content.get("schema", {}), status, set()):
                    yield f"{op} {where}", name, field


def _flat(schema: dict) -> dict:
    """A field's schema without its `anyOf` with null."""
    schema = _resolve(schema)
    options = [s for s in schema.get("anyOf", []) if s.get("type") != "null"]
    if len(options) == 1:
        return {**_flat(options[0]), **{k: v for k, v in schema.items() if k != "anyOf"}}
    return schema


def offenders_idempotency() -> set[str]:
    found = set()
    for op, method, operation in _operations():
        if method != "post":
            continue
        header = [
            p
            for p in operation.get("parameters", [])
            if p["in"] == "header" and p["name"] == "Idempotency-Key"
        ]
        answer = _answer(operation, 409)
        if not header or header[0].get("required") or not _is_error(answer):
            found.add(op)
    return found


def offenders_pagination() -> set[str]:
    found = set()
    for op, _method, operation in _operations():
        ok = _answer(operation, 200) or {}
        body = (ok.get("content") or {}).get("application/json", {}).get("schema", {})
        if _resolve(body).get("type") != "array":
            continue
        names = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        headers = set(ok.get("headers") or {})
        if not {"limit", "offset"} <= names or not {"X-Total-Count", "Link"} <= headers:
            found.add(op)
    return found


def offenders_enum() -> set[str]:
    found = set()
    for where, name, field in _string_fields():
        flat = _flat(field)
        if name in CODE_NAMES and flat.get("type") == "string" and "enum" not in flat:
            found.add(f"{where}.{name}")
    return found


def offenders_labels() -> set[str]:
    found = set()
    for where, name, field in _string_fields():
        flat = _flat(field)
        if "enum" in flat and not flat.get("x-labels"):
            found.add(f"{where}.{name}")
    return found


def _answer(operation: dict, status: int) -> dict | None:
    # The document's statuses are integers in Python, strings once in JSON.
    answers = operation.get("responses", {})
    return answers.get(status) or answers.get(str(status))


def _is_error(answer) -> bool:
    if not answer:
        return False
    content = answer.get("content") or {}
    schema = content.get("application/json", {}).get("schema", {})
    return schema.get("$ref") == ERROR_REF


def offenders_error() -> set[str]:
    found = set()
    for op, _method, operation in _operations():
        for status, answer in operation.get("responses", {}).items():
            if (400 <= int(status) < 500 or int(status) == 503) and not _is_error(answer):
                found.add(f"{op} {status}")
    return found


RULES = {
    "idempotency": offenders_idempotency,
    "pagination": offenders_pagination,
    "enum": offenders_enum,
    "labels": offenders_labels,
    "error": offenders_error,
}


@pytest.mark.parametrize("rule", list(RULES))
def test_every_operation_keeps_the_apis_promises(rule):
    found = RULES[rule]()
    new = sorted(found - STRAGGLERS[rule])
    fixed = sorted(STRAGGLERS[rule] - found)
    assert not new, f"{rule}: these break the rule:\n" + "\n".join(new)
    assert not fixed, f"{rule}: fixed — strike them from STRAGGLERS:\n" + "\n".join(fixed)


def test_the_rules_can_find_an_offender():
    """Each rule finds what it looks for in a document that breaks it."""
    operation = SCHEMA["paths"]["/api/v1/cases"]["post"]
    header = [p for p in operation["parameters"] if p["name"] == "Idempotency-Key"]
    assert header and header[0]["required"] is False
    assert _is_error(operation["responses"][409])
    lists = SCHEMA["paths"]["/api/v1/claims"]["get"]
    assert "/api/v1/claims" not in " ".join(offenders_pagination())
    assert {"X-Total-Count", "Link"} <= set(lists["responses"][200]["headers"])
    saved = lists["responses"][200].pop("headers")
    try:
        assert "GET /api/v1/claims" in offenders_pagination()
    finally:
        lists["responses"][200]["headers"] = saved


def test_the_error_schema_has_a_required_code_with_spanish_labels():
    error = SCHEMA["components"]["schemas"]["Error"]
    assert set(error["required"]) == {"code", "detail"}
    code = error["properties"]["code"]
    assert code["enum"] == list(CODES)
    assert code["x-labels"]["not_found"] == "No encontrado"
    assert code["x-labels"]["task_moved"] == "La tarea ya avanzó"


@pytest.mark.django_db
def test_the_document_served_is_the_one_checked(client: Client):
    served = client.get("/api/v1/openapi.json").json()
    assert set(served["paths"]) == set(SCHEMA["paths"])
    assert served["components"]["schemas"]["Error"]["required"] == ["code", "detail"]


def _models(annotation, seen: set) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation in seen:
            return
        seen.add(annotation)
        for field in annotation.model_fields.values():
            _models(field.annotation, seen)
    for argument in typing.get_args(annotation):
        _models(argument, seen)


@pytest.mark.parametrize("which", ["api", "tmf"])
def test_no_two_schemas_share_a_name(which):
    """ninja names each schema in the document by its class name: two classes
    of one name would silently become one, and a client would read the wrong
    fields for one of them."""
    from posventa.tmf.api import api as tmf_api

    seen: set = set()
    for _prefix, router in (api if which == "api" else tmf_api)._routers:
        for view in router.path_operations.values():
            for operation in view.operations:
                for model in operation.models:
                    _models(model, seen)
                for model in (operation.response_models or {}).values():
                    _models(model, seen)
    modules = defaultdict(set)
    for model in seen:
        modules[model.__name__].add(f"{model.__module__}.{model.__qualname__}")
    assert {name: where for name, where in modules.items() if len(where) > 1} == {}


@pytest.mark.parametrize("which", ["api", "tmf"])
def test_every_operation_has_its_own_operation_id(which):
    """Client generators name a method after it; two of one name (the three
    TMF hubs share a router factory) would make one method of two calls."""
    from posventa.tmf.api import api as tmf_api

    document = (api if which == "api" else tmf_api).get_openapi_schema()
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert sorted(i for i in set(ids) if ids.count(i) > 1) == []
