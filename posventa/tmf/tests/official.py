"""Validate a TMF response body against the official TM Forum document.

The documents are the TM Forum's own, kept byte for byte under docs/tmf/
(docs/tmf/README.md says where each came from): `assert_matches("TMF637",
"Product", body)` checks `body` against `definitions/Product` of
docs/tmf/TMF637-*-v4.json, with every `$ref` resolved inside that document.
Swagger 2.0 documents ("definitions", JSON Schema draft 4) and OpenAPI 3
documents ("components/schemas": 3.0 as draft 4, 3.1 as 2020-12) both work.

Two choices, both explicit:

- **Strict by default.** The official schemas never say
  `additionalProperties`, so a misspelt attribute (`relatedparty`) would pass
  silently. `strict=True` closes every object schema of the document: an
  attribute the specification does not define is an error, at any depth.
  Pass `strict=False` to validate exactly as the document is written (e.g. a
  body carrying a declared TMF extension through `@schemaLocation`).
- **Partial representations (TMF630 `fields=`).** A body asked for with
  `fields=a,b` legitimately lacks required attributes. Give the same
  selection as `fields=`: the top-level `required` list is cut to the
  selected attributes (nothing else is relaxed: nested objects are full and
  validated as such, except one selected in part — `fields=relatedParty.name`
  — whose own `required` is dropped too), and an attribute outside the selection plus the
  envelope (`id`, `href`, `@type`, `@baseType`, `@schemaLocation`) is an
  error, since TMF630 says only the selected attributes come back. Without
  `fields` the body is a full representation and validated as one.

Formats are checked (`date-time` must be RFC 3339, `uri` a URI); formats the
JSON Schema drafts do not define (Swagger's `float`, `int32`) are ignored.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from functools import cache
from pathlib import Path

import jsonschema_rs

DOCS = Path(__file__).resolve().parents[3] / "docs" / "tmf"

# What a TMF630 partial representation may carry besides the selected attributes.
ENVELOPE = frozenset({"id", "href", "@type", "@baseType", "@schemaLocation"})

MAX_REPORTED_ERRORS = 15


@cache
def document(api: str) -> dict:
    """The official document of `api` ("TMF637"): docs/tmf/TMF637-<name>-v4.json."""
    matches = sorted(DOCS.glob(f"{api}-*-v4.json"))
    if len(matches) != 1:
        raise LookupError(f"expected one docs/tmf/{api}-*-v4.json, found {matches}")
    return json.loads(matches[0].read_text(encoding="utf-8"))


def _schemas(doc: dict) -> tuple[dict, str, str]:
    """(named schemas, where they sit as a JSON pointer prefix, the container key path)."""
    if "swagger" in doc:
        return doc["definitions"], "#/definitions/", "definitions"
    return doc["components"]["schemas"], "#/components/schemas/", "components"


def _closed(schemas: dict) -> dict:
    """A copy of `schemas` where every object schema refuses undeclared attributes."""
    closed = copy.deepcopy(schemas)

    def close(node):
        if isinstance(node, dict):
            if isinstance(node.get("properties"), dict) and "additionalProperties" not in node:
                node["additionalProperties"] = False
            for value in node.values():
                close(value)
        elif isinstance(node, list):
            for value in node:
                close(value)

    close(closed)
    return closed


def _selection(fields: str | Iterable[str]) -> frozenset[str]:
    if isinstance(fields, str):
        fields = fields.split(",")
    return frozenset(name.strip() for name in fields if name.strip())


def _without_required(schema: dict, schemas: dict, prefix: str) -> dict:
    """An attribute selected only in part (`fields=relatedParty.name`): its
    object, or each item of its list, need not carry its required attributes;
    deeper objects stay full."""
    if schema.get("type") == "array" and isinstance(schema.get("items"), dict):
        return {**schema, "items": _without_required(schema["items"], schemas, prefix)}
    ref = schema.get("$ref", "")
    if ref.startswith(prefix):
        schema = schemas[ref[len(prefix) :]]
    relaxed = {key: value for key, value in schema.items() if key != "required"}
    return relaxed


@cache
def _validator(api: str, definition: str, fields: frozenset[str] | None, strict: bool):
    doc = document(api)
    schemas, prefix, container = _schemas(doc)
    if definition not in schemas:
        raise LookupError(f"{api} defines no {definition!r}")
    if strict:
        schemas = _closed(schemas)
    if fields is None:
        root = {"$ref": prefix + definition}
    else:
        # A partial representation: only the selected attributes (and the
        # envelope), each still validated by its official schema.
        full = schemas[definition]
        properties = full.get("properties", {})
        heads: dict[str, set[str]] = {}
        for name in fields:
            head, _dot, rest = name.partition(".")
            heads.setdefault(head, set()).add(rest)
        unknown = set(heads) - set(properties)
        if unknown:
            raise LookupError(f"{api} {definition} has no attribute {sorted(unknown)}")
        kept = set(heads) | ENVELOPE
        root = {
            "type": "object",
            "properties": {
                name: (
                    _without_required(s, schemas, prefix) if "" not in heads.get(name, {""}) else s
                )
                for name, s in properties.items()
                if name in kept
            },
            "additionalProperties": False,
        }
        required = [name for name in full.get("required", []) if name in heads]
        if required:  # draft 4 refuses an empty `required`
            root["required"] = required
    if container == "definitions":
        wrapper = {"allOf": [root], "definitions": schemas}
        cls = jsonschema_rs.Draft4Validator
    else:
        wrapper = {"allOf": [root], "components": {"schemas": schemas}}
        cls = (
            jsonschema_rs.Draft202012Validator
            if str(doc.get("openapi", "")).startswith("3.1")
            else jsonschema_rs.Draft4Validator
        )
    return cls(wrapper, validate_formats=True)


def errors(
    api: str,
    definition: str,
    payload,
    *,
    fields: str | Iterable[str] | None = None,
    strict: bool = True,
) -> list[str]:
    """Every way `payload` departs from the official definition, as readable lines."""
    selection = None if fields is None else _selection(fields)
    validator = _validator(api, definition, selection, strict)
    found = []
    for error in validator.iter_errors(payload):
        where = "/".join(str(step) for step in error.instance_path) or "(root)"
        found.append(f"{where}: {error.message}")
    return found


def assert_matches(
    api: str,
    definition: str,
    payload,
    *,
    fields: str | Iterable[str] | None = None,
    strict: bool = True,
) -> None:
    """Fail unless `payload` is a valid `definition` of the official `api` document.

    `fields`: the TMF630 selection the body was asked for (None: a full
    representation). `strict`: refuse attributes the document does not define.
    """
    found = errors(api, definition, payload, fields=fields, strict=strict)
    if found:
        shown = "\n  ".join(found[:MAX_REPORTED_ERRORS])
        more = len(found) - MAX_REPORTED_ERRORS
        tail = f"\n  … and {more} more" if more > 0 else ""
        raise AssertionError(
            f"not a valid {api} {definition} ({len(found)} error(s)):\n  {shown}{tail}"
        )


def assert_each_matches(api: str, definition: str, payloads, **options) -> None:
    """`assert_matches` for every item of a list body (a list answer is never empty here:
    an empty list proves nothing, so it fails)."""
    assert isinstance(payloads, list), f"expected a JSON array, got {type(payloads).__name__}"
    assert payloads, "an empty list validates nothing"
    for index, payload in enumerate(payloads):
        try:
            assert_matches(api, definition, payload, **options)
        except AssertionError as error:
            raise AssertionError(f"item {index}: {error}") from None
