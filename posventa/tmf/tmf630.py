"""TMF630 REST API design guidelines, as every facade under /tmf-api/ follows
them (docs/tmf.md, "TMF630 conventions").

- Resources carry `id`, `href` (absolute URL), `@type`, `@baseType` and
  `@schemaLocation` (`resource_base`); moments are ISO 8601 with their offset.
- `fields=a,b.c` selects the attributes of each answer (`select_fields`):
  `id`, `href` and `@type` always stay.
- `offset`/`limit` page a list (`page`): `X-Total-Count` tells how many the
  whole list has, `X-Result-Count` how many this page has.
- A list is filtered by attribute (`?status=inProgress`,
  `?relatedParty.id=42`, a comma for "any of": `?status=pending,held`); each
  facade declares which attributes it filters on (`check_query`), and any
  other query parameter is refused with a 400 in Spanish, not ignored.
- Every refusal (4xx) is TMF630's `Error` object, in Spanish:

      {"code": "notFound", "reason": "No encontrado",
       "message": "No encontrado.", "status": "404", "@type": "Error"}

  `code` is a stable token for programs, `reason` a short Spanish label of
  the class of error, `message` the Spanish sentence saying what failed
  (field by field when a value was refused: "campo: mensaje; …").

The API object (`TMFAPI`) reuses /api/v1/'s machinery — bearer tokens,
the failed-token lockout, `Idempotency-Key` on POST and PATCH
(posventa/api/idempotency.py), the 404/405 for paths and methods it does not
have — and turns every refusal that machinery writes in /api/v1/'s shape
(`{"detail": …}`) into the TMF shape in one place, `create_response`.
"""

import logging
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Annotated, Any

from django.core.exceptions import (
    PermissionDenied,
    RequestDataTooBig,
    SuspiciousOperation,
    ValidationError,
)
from django.db import DataError, InterfaceError, OperationalError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from posventa.api import errors as api_errors
from posventa.api.idempotency import IdempotentAPI
from posventa.api.types import MAX_ID, Text
from posventa.common.middleware import database_unavailable
from posventa.engine import services as engine
from posventa.procedures.collisions import CaseCollision

logger = logging.getLogger(__name__)

DEFAULT_LIMIT = 50
MAX_LIMIT = 500
# The query parameters every list takes besides its filters.
LIST_PARAMETERS = frozenset({"fields", "offset", "limit"})
# Kept whatever `fields=` asks (TMF630: the resource stays addressable).
ALWAYS_KEPT = ("id", "href", "@type")

Limit = Annotated[int, Field(ge=1, le=MAX_LIMIT, description=f"How many items, 1 to {MAX_LIMIT}.")]
Offset = Annotated[int, Field(ge=0, le=MAX_ID, description="How many items to skip.")]
Fields = Annotated[
    str | None,
    Field(
        max_length=1000,
        pattern=r"^[A-Za-z@][A-Za-z0-9@._]*(,[A-Za-z@][A-Za-z0-9@._]*)*$",
        description="Comma-separated attributes to return (TMF630 attribute selection); "
        "id, href and @type are always returned.",
    ),
]


class Error(Schema):
    """TMF630's error: a stable code, and in Spanish the class of error and what failed."""

    code: str = Field(description="A stable token: notFound, invalidQuery, conflict…")
    reason: str = Field(description="La clase de error, en español.")
    message: str | None = Field(None, description="Qué falló, en español.")
    status: str | None = Field(None, description="The HTTP status, as a string.")
    referenceError: str | None = None  # TMF's attribute name
    type_: str = Field("Error", alias="@type")

    model_config = {"populate_by_name": True}


# Every operation may answer these.
COMMON = (400, 401, 429)


def responses(ok: dict, *codes: int, body: bool = False) -> dict:
    """An operation's `response=`: its success schemas, then `Error` for the
    statuses every operation may give, `codes`, and 413/422 when it takes a body."""
    statuses = {*COMMON, *codes, *((413, 422) if body else ())}
    return {**ok, **{status: Error for status in sorted(statuses)}}


# The class of error of each status: (code, Spanish reason).
def _reason(status: int) -> tuple[str, str]:
    reasons = {
        400: ("invalidQuery", _("Bad request")),
        401: ("unauthorized", _("Not authenticated")),
        403: ("forbidden", _("Not allowed")),
        404: ("notFound", _("Not found")),
        405: ("methodNotAllowed", _("Method not allowed")),
        409: ("conflict", _("Conflict")),
        413: ("tooLarge", _("Request too large")),
        422: ("invalidValue", _("Value refused")),
        429: ("tooManyRequests", _("Too many requests")),
        503: ("unavailable", _("Service unavailable")),
    }
    return reasons.get(status, ("error", _("Request refused")))


def error_body(
    status: int, message: str, *, code: str = "", field_errors: dict | None = None
) -> dict:
    """TMF630's Error object for `status`, in Spanish."""
    default_code, reason = _reason(status)
    if field_errors:
        details = "; ".join(
            f"{field}: {' '.join(messages)}" if field != "__all__" else " ".join(messages)
            for field, messages in field_errors.items()
        )
        message = f"{message} {details}"
    return {
        "code": code or default_code,
        "reason": reason,
        "message": message,
        "status": str(status),
        "@type": "Error",
    }


class BadQuery(Exception):
    """A query parameter the operation does not take, or a value it cannot use."""

    def __init__(self, message: str, *, code: str = "invalidQuery") -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class TMFAPI(IdempotentAPI):
    """/api/v1/'s API machinery (idempotency, unknown path/method answers)
    whose every refusal is TMF630's Error object."""

    def create_response(self, request, data, *, status=None, temporal_response=None):
        code = temporal_response.status_code if temporal_response else status
        if code and code >= 400 and isinstance(data, dict) and "detail" in data:
            # /api/v1/'s shape from the machinery reused: the same Spanish, TMF's shape.
            data = error_body(code, str(data["detail"]), field_errors=data.get("errors"))
        return super().create_response(
            request, data, status=status, temporal_response=temporal_response
        )


def install(api) -> None:
    """Give every refusal of `api` TMF630's shape, in Spanish; never a 500
    for what a client sends."""

    def answer(request, status: int, message: str, *, code="", field_errors=None, headers=()):
        body = error_body(status, message, code=code, field_errors=field_errors)
        response = api.create_response(request, body, status=status)
        for name, value in headers:
            response[name] = value
        return response

    @api.exception_handler(NinjaValidationError)
    def invalid_input(request, exc):
        unsupported = [e for e in exc.errors if e.get("type") == "extra_forbidden"]
        fields = api_errors.pydantic_errors(
            [e for e in exc.errors if e.get("type") != "extra_forbidden"]
        )
        for error in unsupported:
            name = api_errors._field(tuple(error.get("loc") or ()))
            fields.setdefault(name, []).append(_("This API does not take this attribute."))
        in_body = any((e.get("loc") or ("",))[0] == "body" for e in exc.errors)
        return answer(
            request,
            400,
            _("The data is not valid."),
            code="invalidBody" if in_body else "invalidQuery",
            field_errors=fields,
        )

    @api.exception_handler(BadQuery)
    def bad_query(request, exc):
        return answer(request, 400, exc.message, code=exc.code)

    @api.exception_handler(engine.FormInvalid)
    def form_invalid(request, exc):
        fields = {
            f: [e["message"] for e in items] for f, items in exc.form.errors.get_json_data().items()
        }
        return answer(request, 422, _("The data does not pass the form."), field_errors=fields)

    @api.exception_handler(ValidationError)
    def validation_error(request, exc):
        return answer(
            request,
            422,
            _("The data is not valid."),
            field_errors=api_errors.django_errors(exc),
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request, exc):
        return answer(
            request,
            401,
            _("Give a valid API token in the header Authorization: Bearer pv_…"),
            headers=[("WWW-Authenticate", 'Bearer realm="tmf-api"')],
        )

    @api.exception_handler(HttpError)
    def http_error(request, exc):
        status = exc.status_code
        if status == 400:
            return answer(
                request, 400, _("The request's body is not valid JSON."), code="invalidBody"
            )
        if status == 403:
            return answer(request, 403, _("You may not do this."))
        if status == 404:
            return answer(request, 404, _("Not found."))
        return answer(request, status, _("The request cannot be answered."))

    @api.exception_handler(PermissionDenied)
    def permission_denied(request, exc):
        return answer(request, 403, str(exc) or _("You may not do this."))

    @api.exception_handler(Http404)
    def not_found(request, exc):
        # One answer for "missing" and "not yours": no existence oracle.
        return answer(request, 404, _("Not found."))

    @api.exception_handler(engine.EngineError)
    def engine_error(request, exc):
        return answer(request, 409, str(exc))

    @api.exception_handler(CaseCollision)
    def case_collision(request, exc):
        # One product, one change at a time: the open cases are named.
        return answer(
            request,
            409,
            exc.message(),
            code="collision",
            field_errors={"product": [c.message() for c in exc.collisions]},
        )

    @api.exception_handler(RequestDataTooBig)
    def too_big(request, exc):
        return answer(request, 413, _("The request's body is too large."))

    @api.exception_handler(SuspiciousOperation)
    def suspicious(request, exc):
        return answer(request, 400, _("The request is malformed."))

    @api.exception_handler(OperationalError)
    @api.exception_handler(InterfaceError)
    def database_down(request, exc):
        return database_unavailable(request, exc)

    @api.exception_handler(DataError)
    def data_error(request, exc):
        logger.warning(
            "The TMF API's bounds let through a value the database refused", exc_info=exc
        )
        return answer(request, 422, _("A value is out of the range the system holds."))

    @api.exception_handler(OverflowError)
    def overflow(request, exc):
        logger.warning("The TMF API's bounds let through a value that overflowed", exc_info=exc)
        return answer(request, 422, _("A value is out of the range the system holds."))


# --- resources -----------------------------------------------------------------------------


def absolute(request: HttpRequest, path: str) -> str:
    """The resource's `href`: an absolute URL on the host the client called."""
    return request.build_absolute_uri(path)


def resource_base(request: HttpRequest, path: str, *, id: str, type_: str, base: str = "") -> dict:
    """The attributes every TMF resource starts with."""
    body = {"id": id, "href": absolute(request, path), "@type": type_}
    if base:
        body["@baseType"] = base
    return body


def select_fields(resource: dict, fields: str | None) -> dict:
    """TMF630 attribute selection: only the attributes `fields` names (a
    dotted name keeps that part of a nested object or of each item of a
    list), with id, href and @type always."""
    if not fields:
        return resource
    wanted: dict[str, set[str]] = {}
    for name in (f.strip() for f in fields.split(",")):
        if name:
            head, _sep, rest = name.partition(".")
            wanted.setdefault(head, set())
            if rest:
                wanted[head].add(rest)
            else:
                wanted[head].add("")
    out = {}
    for key, value in resource.items():
        if key in ALWAYS_KEPT:
            out[key] = value
        elif key in wanted:
            parts = wanted[key]
            if "" in parts or not isinstance(value, dict | list):
                out[key] = value
            else:
                sub = ",".join(sorted(parts))
                if isinstance(value, dict):
                    out[key] = _select_nested(value, sub)
                else:
                    out[key] = [_select_nested(v, sub) if isinstance(v, dict) else v for v in value]
    return out


def _select_nested(value: dict, fields: str) -> dict:
    # Inside a resource, the referred object keeps its own id and @referredType:
    # a reference without them is not one (TMF's schemas require them).
    kept = {k: v for k, v in value.items() if k in ("id", "@referredType", "role")}
    return {**kept, **select_fields(value, fields)}


def check_query(request: HttpRequest, filters: Iterable[str]) -> dict[str, list[str]]:
    """The filters of a list request, attribute → the values asked (a comma
    is "any of"); a query parameter that is neither a list parameter nor a
    declared filter is refused (400), as is a filter given twice or empty."""
    allowed = set(filters)
    asked: dict[str, list[str]] = {}
    for name in request.GET:
        if name in LIST_PARAMETERS:
            continue
        if name not in allowed:
            raise BadQuery(
                _("The list cannot be filtered by %(name)s. It can be filtered by: %(allowed)s.")
                % {"name": name[:100], "allowed": ", ".join(sorted(allowed))},
                code="unknownFilter",
            )
        values = request.GET.getlist(name)
        if len(values) > 1:
            raise BadQuery(
                _("Give the filter %(name)s once (several values separated by commas).")
                % {"name": name}
            )
        parts = [v.strip() for v in values[0].split(",") if v.strip()]
        if not parts:
            raise BadQuery(_("The filter %(name)s has no value.") % {"name": name})
        asked[name] = parts
    return asked


def page(
    response: HttpResponse,
    items: QuerySet | Sequence[Any],
    *,
    limit: int,
    offset: int,
) -> list:
    """The items from `offset`, at most `limit`; sets X-Total-Count (the
    whole list) and X-Result-Count (this page)."""
    total = items.count() if isinstance(items, QuerySet) else len(items)
    chunk = list(items[offset : offset + limit])
    response["X-Total-Count"] = str(total)
    response["X-Result-Count"] = str(len(chunk))
    return chunk


# The integer key merges with ninja's own 200 (a "200" string would replace
# it, and the list's body schema with it).
PAGED = {
    "responses": {
        200: {
            "headers": {
                "X-Total-Count": {
                    "description": "How many items the list has, all pages together.",
                    "schema": {"type": "integer", "minimum": 0},
                },
                "X-Result-Count": {
                    "description": "How many items this page has.",
                    "schema": {"type": "integer", "minimum": 0},
                },
            }
        }
    }
}


# --- the common TMF schemas ----------------------------------------------------------------
#
# Outputs: every attribute but the envelope is optional, since `fields=` may
# leave it out; the operations drop the absent ones (exclude_none).
# Inputs: an attribute the facade does not take is refused (400), never
# ignored in silence.


class TMFOut(Schema):
    model_config = {"populate_by_name": True}


class TMFIn(Schema):
    model_config = {"populate_by_name": True, "extra": "forbid"}

    type_: Text(100) | None = Field(None, alias="@type")
    baseType: Text(100) | None = Field(None, alias="@baseType")
    schemaLocation: Text(500) | None = Field(None, alias="@schemaLocation")


class RefOut(TMFOut):
    """A reference to another resource (RelatedParty, RelatedEntity, a product, a channel)."""

    id: str
    href: str | None = None
    name: str | None = None
    role: str | None = None
    type_: str | None = Field(None, alias="@type")
    referredType: str | None = Field(None, alias="@referredType")


class RefIn(TMFIn):
    """A reference given by a client: `id` names the record."""

    id: Text(100, min_length=1)
    href: Text(500) | None = None
    name: Text(200) | None = None
    role: Text(100) | None = None
    referredType: Text(100) | None = Field(None, alias="@referredType")


class NoteOut(TMFOut):
    id: str | None = None
    author: str | None = None
    date: datetime | None = None
    text: str | None = None
    type_: str | None = Field(None, alias="@type")


class StatusChangeOut(TMFOut):
    status: str | None = None
    changeDate: datetime | None = None
    changeReason: str | None = None
    type_: str | None = Field(None, alias="@type")
