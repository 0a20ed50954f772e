"""The one shape of the API's refusals, and the handlers that give it.

Every 4xx (and 503) answer of /api/v1/ is a JSON object

    {"code": "<machine code>", "detail": "<a Spanish sentence>",
     "errors": {"<field>": ["<Spanish message>", …]}}

- `code`, always: what kind of refusal, for a program to branch on (CODES
  below: "invalid", "not_found", "task_moved"…; its Spanish label in the
  schema's `x-labels`). A 409 says which conflict: "task_moved" (the task was
  completed or taken meanwhile), "case_collision" (the product has an open
  case), "idempotency_conflict" (an Idempotency-Key reused or in progress),
  "conflict" (anything else: a closed case, a step that failed).
- `detail`, always: the message, in Spanish, for a person.
- `errors`, when the refusal is about fields (422, and a 400 of a query
  string): the field is the body's key ("subject"), a dotted path into the
  body ("data.new_plan"), a query or path parameter ("company_id"), or
  "__all__" for the request as a whole.

`detail` and `errors` are what the API's first clients read; `code` came
after, next to them. The `Error` schema below is declared
on every operation, so a client (and schemathesis) can check each answer; `API`
gives the same shape to a path the API does not have (404) and a method a path
does not take (405).

The database out of reach (restarting, refusing connections) is a 503 with
`Retry-After` and the same shape, `{"code": "unavailable", "detail": …}`: the same answer
`common.middleware.DatabaseUnavailableMiddleware` gives when it fails before
the API is reached (docs/resilience.md).

A 500 is a bug: nothing a client sends is meant to reach one. The last two
handlers (DataError, OverflowError) turn what the schemas' bounds
(posventa/api/types.py) should have refused into a 422 and log it as a
warning, so the bug is found without the client seeing a server error.
"""

import functools
import logging
import re
from typing import Literal

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.db import DataError, InterfaceError, OperationalError
from django.http import Http404, HttpResponseNotAllowed
from django.urls import URLPattern, re_path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.csrf import csrf_exempt
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from pydantic import ConfigDict, ValidationInfo, field_validator

from posventa.common.middleware import database_unavailable
from posventa.engine import services as engine
from posventa.procedures.collisions import CaseCollision

logger = logging.getLogger(__name__)


# The machine codes of a refusal, with their Spanish labels (the schema's x-labels).
CODES = {
    "malformed": gettext_lazy("Malformed request"),
    "unauthenticated": gettext_lazy("No valid token"),
    "forbidden": gettext_lazy("Not allowed"),
    "not_found": gettext_lazy("Not found"),
    "method_not_allowed": gettext_lazy("Method not allowed"),
    "conflict": gettext_lazy("Conflict with the current state"),
    "task_moved": gettext_lazy("The task moved on"),
    "case_collision": gettext_lazy("The product has an open case"),
    "idempotency_conflict": gettext_lazy("Idempotency-Key already used"),
    "too_large": gettext_lazy("Body too large"),
    "invalid": gettext_lazy("Invalid data"),
    "throttled": gettext_lazy("Too many requests"),
    "unavailable": gettext_lazy("Service unavailable"),
}
ErrorCode = Literal[tuple(CODES)]

# The code of a status when nothing more precise is said.
STATUS_CODES = {
    400: "malformed",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    429: "throttled",
    503: "unavailable",
}


def code_for(status: int) -> str:
    """The code of a refusal with this status ("invalid" for a 4xx without one)."""
    if status in STATUS_CODES:
        return STATUS_CODES[status]
    return "unavailable" if status >= 500 else "invalid"


def error_body(status: int, detail: str, errors: dict | None = None, code: str = "") -> dict:
    """The one shape of a refusal: code, detail, and errors when about fields."""
    body = {"code": code or code_for(status), "detail": str(detail)}
    if errors:
        body["errors"] = errors
    return body


def _code_schema(schema: dict) -> None:
    schema.pop("default", None)
    schema["x-labels"] = {code: str(label) for code, label in CODES.items()}


def _required_code(schema: dict) -> None:
    schema["required"] = ["code", "detail"]


class Error(Schema):
    """A refusal: its machine code, what went wrong in Spanish, and per field
    when it is about fields."""

    # `code` has a default only so that an endpoint returning Status(4xx,
    # {"detail": …}) gets the code of its status; the schema marks it
    # required, as every answer has it (`errors` stays optional).
    model_config = ConfigDict(json_schema_extra=_required_code)

    code: ErrorCode = Field(
        None,
        validate_default=True,
        description="What kind of refusal, for a program: one of the enum (x-labels: in Spanish).",
        json_schema_extra=_code_schema,
    )
    detail: str = Field(description="Qué falló, en una oración en español.")
    errors: dict[str, list[str]] | None = Field(
        None,
        description='Por campo ("subject", "data.new_plan", "company_id"; "__all__" para '
        "la petición entera), sus mensajes en español.",
    )

    @field_validator("code", mode="before")
    @classmethod
    def _code_of_status(cls, value, info: ValidationInfo):
        if value is None:
            return code_for((info.context or {}).get("response_status", 422))
        return value


# Every operation may answer these: a query or body that is not valid (400,
# 422), no token (401), too many requests (429), the database out of reach
# (503, with Retry-After).
COMMON = (400, 401, 422, 429, 503)


def responses(ok: dict, *codes: int, body: bool = False) -> dict:
    """An operation's `response=`: its success schemas, then `Error` for the
    statuses every operation may give, `codes`, and 413 when it takes a body."""
    statuses = {*COMMON, *codes, *((413,) if body else ())}
    return {**ok, **{status: Error for status in sorted(statuses)}}


def _deep_merge(into: dict, extra: dict) -> None:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value)
        else:
            into[key] = value


def _merge_statuses(answers: dict) -> None:
    """ninja keys an operation's answers by integer status; an `openapi_extra`
    (pagination.PAGED's headers) by the string "200". Both would be written
    as "200" in the JSON document, the second one erasing the first: merge
    them under the integer."""
    for key in [k for k in answers if isinstance(k, str) and k.isdigit()]:
        extra = answers.pop(key)
        _deep_merge(answers.setdefault(int(key), {}), extra)


class API(NinjaAPI):
    """django-ninja's API, whose answers outside its operations keep the one
    shape too: a path under /api/v1/ it does not have is a 404 (not Django's
    HTML page), a method a path does not take a 405 (with its Allow header)."""

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for operation in operations.values():
                _merge_statuses(operation.get("responses", {}))
        return schema

    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = self._shaped(pattern.callback)
        # Last, so that it takes only what no operation took.
        urls.append(re_path(r"^.*$", csrf_exempt(self._unknown_path)))
        return urls

    def _unknown_path(self, request, *args, **kwargs):
        return self.create_response(request, error_body(404, _("Not found.")), status=404)

    def _shaped(self, view):
        @functools.wraps(view)
        def shaped(request, *args, **kwargs):
            try:
                response = view(request, *args, **kwargs)
            except Http404:  # the API's root path, which ninja keeps for reversing
                return self._unknown_path(request)
            if isinstance(response, HttpResponseNotAllowed):
                allowed = response["Allow"]
                response = self.create_response(
                    request,
                    error_body(
                        405,
                        _("This path does not take the method %(method)s.")
                        % {"method": request.method},
                    ),
                    status=405,
                )
                response["Allow"] = allowed
            return response

        return shaped


# --- pydantic's errors, in Spanish ---------------------------------------------------------


def _choices(ctx: dict) -> str:
    # pydantic writes them as "'A', 'B' or 'C'".
    expected = str(ctx.get("expected", ""))
    return ", ".join(re.findall(r"'([^']*)'", expected)) or expected


def _message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    if kind == "missing":
        return _("This field is required.")
    if kind == "string_too_long":
        return _("At most %(max)s characters.") % {"max": ctx.get("max_length")}
    if kind == "string_too_short":
        if ctx.get("min_length") == 1:
            return _("This field cannot be empty.")
        return _("At least %(min)s characters.") % {"min": ctx.get("min_length")}
    if kind == "nul_character":
        return _("The text cannot contain the NUL character (U+0000).")
    if kind == "lone_surrogate":
        return _("The text is not valid Unicode (it has half of a surrogate pair).")
    if kind in {"string_type", "string_unicode"}:
        return _("Give a text.")
    if kind in {"int_parsing", "int_type", "int_from_float", "int_parsing_size"}:
        return _("Give a whole number.")
    if kind in {"greater_than_equal", "greater_than"}:
        limit = ctx.get("ge", ctx.get("gt"))
        return _("The number must be at least %(limit)s.") % {"limit": limit}
    if kind in {"less_than_equal", "less_than"}:
        limit = ctx.get("le", ctx.get("lt"))
        return _("The number must be at most %(limit)s.") % {"limit": limit}
    if kind in {"int_out_of_range", "number_out_of_range", "finite_number"}:
        return _("The number is out of the range the system holds.")
    if kind in {"float_parsing", "float_type", "decimal_parsing", "decimal_type"}:
        return _("Give a number.")
    if kind in {"uuid_parsing", "uuid_type", "uuid_version"}:
        return _("Give a valid task id (a UUID).")
    if kind.startswith("datetime") or kind == "timezone_aware":
        return _("Give a date and time in ISO 8601, e.g. 2026-11-16T10:00:00-04:00.")
    if kind.startswith("date"):
        return _("Give a date as YYYY-MM-DD.")
    if kind == "year_out_of_range":
        return _("The year must be between %(min)s and %(max)s.") % {
            "min": ctx.get("min_year"),
            "max": ctx.get("max_year"),
        }
    if kind in {"literal_error", "enum"}:
        return _("Choose one of: %(choices)s.") % {"choices": _choices(ctx)}
    if kind.startswith("bool"):
        return _("Give true or false.")
    if kind in {"dict_type", "model_type", "model_attributes_type", "dataclass_type"}:
        return _("Give a JSON object.")
    if kind in {"list_type", "tuple_type", "set_type"}:
        return _("Give a list.")
    if kind == "too_long":
        return _("At most %(max)s items.") % {"max": ctx.get("max_length")}
    if kind == "form_value_type":
        return _("Give a text, a number, true or false, or a list of them.")
    if kind == "json_invalid":
        return _("The request's body is not valid JSON.")
    return _("The value is not valid.")


def _field(loc: tuple) -> str:
    # ninja puts the source first ("body", "query", "path"); a body's next
    # part is the operation's parameter ("payload"), which the client never wrote.
    parts = list(loc[2:] if loc and loc[0] == "body" else loc[1:])
    return ".".join(str(part) for part in parts) or "__all__"


def pydantic_errors(errors: list[dict]) -> dict[str, list[str]]:
    fields: dict[str, list[str]] = {}
    for error in errors:
        field = _field(tuple(error.get("loc") or ()))
        if field == "__all__" and error.get("type") == "missing":
            message = _("Send the data as a JSON object in the request's body.")
        else:
            message = _message(error)
        if message not in fields.setdefault(field, []):
            fields[field].append(message)
    return fields


def django_errors(err: ValidationError) -> dict[str, list[str]]:
    if hasattr(err, "error_dict"):
        return {field: [str(m) for m in messages] for field, messages in err.message_dict.items()}
    return {"__all__": [str(m) for m in err.messages]}


# --- the handlers --------------------------------------------------------------------------


def install(api) -> None:
    """Give every refusal of `api` the one shape, in Spanish."""

    def answer(
        request, status: int, detail: str, errors: dict | None = None, headers=(), code: str = ""
    ):
        body = error_body(status, detail, errors, code)
        response = api.create_response(request, body, status=status)
        for name, value in headers:
            response[name] = value
        return response

    @api.exception_handler(NinjaValidationError)
    def invalid_input(request, exc):
        return answer(request, 422, _("The data is not valid."), pydantic_errors(exc.errors))

    @api.exception_handler(engine.FormInvalid)
    def form_invalid(request, exc):
        errors = {
            f: [e["message"] for e in items] for f, items in exc.form.errors.get_json_data().items()
        }
        return answer(request, 422, _("The data does not pass the form."), errors)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc):
        return answer(request, 422, _("The data is not valid."), django_errors(exc))

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return answer(
            request,
            401,
            _("Give a valid API token in the header Authorization: Bearer pv_…"),
            headers=[("WWW-Authenticate", 'Bearer realm="api"')],
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        # ninja's own: 400 for a body that is not JSON, 429 when throttled.
        status = exc.status_code
        if status == 400:
            detail = _("The request's body is not valid JSON.")
        elif status == 429:
            wait = getattr(exc, "wait", None)
            detail = (
                _("Too many requests: wait %(seconds)s seconds and try again.")
                % {"seconds": int(wait + 0.999)}
                if wait
                else _("Too many requests: wait a moment and try again.")
            )
        elif status == 403:
            detail = _("You may not do this.")
        elif status == 404:
            detail = _("Not found.")
        else:
            detail = _("The request cannot be answered.")
        return answer(request, status, detail)

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        return answer(request, 403, str(exc) or _("You may not do this."))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        # One body for "missing" and "not yours": no existence oracle.
        return answer(request, 404, _("Not found."))

    @api.exception_handler(engine.EngineError)
    def engine_error(request, exc):
        # TaskAlreadyCompleted (the task moved on meanwhile); someone else's
        # claim, a closed case, a step that failed: a conflict.
        moved = isinstance(exc, engine.TaskAlreadyCompleted | engine.NoInstanceWaiting)
        return answer(request, 409, str(exc), code="task_moved" if moved else "conflict")

    @api.exception_handler(CaseCollision)
    def case_collision(request, exc):
        # One product, one change at a time: the open cases are named.
        return answer(
            request,
            409,
            exc.message(),
            {"product_id": [c.message() for c in exc.collisions]},
            code="case_collision",
        )

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return answer(request, 413, _("The request's body is too large."))

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request, exc):
        # Too many query fields, a malformed header: Django's own 400s.
        return answer(request, 400, _("The request is malformed."))

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def database_down(request, exc):
        # ninja would turn it into a 500 of its own (with DEBUG on) before
        # the middleware could see it.
        return database_unavailable(request, exc)

    @api.exception_handler(RecursionError)
    def too_deep(request, exc):
        # A body nested deeper than the parser's recursion (100 000 "[" or
        # "{"), when an endpoint reads the body itself: malformed, not a 500.
        logger.warning("A request's body was too deep to read", exc_info=exc)
        return answer(request, 400, _("The request's body is not valid JSON."))

    @api.exception_handler(DataError)
    def data_error(request, exc):
        logger.warning("The API's bounds let through a value the database refused", exc_info=exc)
        return answer(request, 422, _("A value is out of the range the system holds."))

    @api.exception_handler(OverflowError)
    def overflow(request, exc):
        logger.warning("The API's bounds let through a value that overflowed", exc_info=exc)
        return answer(request, 422, _("A value is out of the range the system holds."))
