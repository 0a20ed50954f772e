"""The one shape of the API's refusals, and the handlers that give it.

Every 4xx answer of /api/v1/ is a JSON object

    {"detail": "<a Spanish sentence>", "errors": {"<field>": ["<Spanish message>", …]}}

where `errors` is there when the refusal is about fields (422, and a 400 of
a query string): the field is the body's key ("subject"), a dotted path into
the body ("data.new_plan"), a query or path parameter ("company_id"), or
"__all__" for the request as a whole. `detail` alone otherwise (400 malformed
JSON, 401, 403, 404, 405, 409, 413, 429). The `Error` schema below is declared
on every operation, so a client (and schemathesis) can check each answer; `API`
gives the same shape to a path the API does not have (404) and a method a path
does not take (405).

The database out of reach (restarting, refusing connections) is a 503 with
`Retry-After` and the same shape, `{"detail": …}`: the same answer
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
from django.views.decorators.csrf import csrf_exempt
from ninja import Field, NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from posventa.common.middleware import database_unavailable
from posventa.engine import services as engine
from posventa.procedures.collisions import CaseCollision

logger = logging.getLogger(__name__)


class Error(Schema):
    """A refusal: what went wrong, in Spanish, and per field when it is about fields."""

    detail: str = Field(description="Qué falló, en una oración en español.")
    errors: dict[str, list[str]] | None = Field(
        None,
        description='Por campo ("subject", "data.new_plan", "company_id"; "__all__" para '
        "la petición entera), sus mensajes en español.",
    )


# Every operation may answer these: a query or body that is not valid (400,
# 422), no token (401), too many requests (429).
COMMON = (400, 401, 422, 429)


def responses(ok: dict, *codes: int, body: bool = False) -> dict:
    """An operation's `response=`: its success schemas, then `Error` for the
    statuses every operation may give, `codes`, and 413 when it takes a body."""
    statuses = {*COMMON, *codes, *((413,) if body else ())}
    return {**ok, **{status: Error for status in sorted(statuses)}}


class API(NinjaAPI):
    """django-ninja's API, whose answers outside its operations keep the one
    shape too: a path under /api/v1/ it does not have is a 404 (not Django's
    HTML page), a method a path does not take a 405 (with its Allow header)."""

    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = self._shaped(pattern.callback)
        # Last, so that it takes only what no operation took.
        urls.append(re_path(r"^.*$", csrf_exempt(self._unknown_path)))
        return urls

    def _unknown_path(self, request, *args, **kwargs):
        return self.create_response(request, {"detail": _("Not found.")}, status=404)

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
                    {
                        "detail": _("This path does not take the method %(method)s.")
                        % {"method": request.method}
                    },
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

    def answer(request, status: int, detail: str, errors: dict | None = None, headers=()):
        body = {"detail": detail}
        if errors:
            body["errors"] = errors
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
        # TaskAlreadyCompleted, someone else's claim, a step that failed.
        return answer(request, 409, str(exc))

    @api.exception_handler(CaseCollision)
    def case_collision(request, exc):
        # One product, one change at a time: the open cases are named.
        return answer(
            request, 409, exc.message(), {"product_id": [c.message() for c in exc.collisions]}
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

    @api.exception_handler(DataError)
    def data_error(request, exc):
        logger.warning("The API's bounds let through a value the database refused", exc_info=exc)
        return answer(request, 422, _("A value is out of the range the system holds."))

    @api.exception_handler(OverflowError)
    def overflow(request, exc):
        logger.warning("The API's bounds let through a value that overflowed", exc_info=exc)
        return answer(request, 422, _("A value is out of the range the system holds."))
