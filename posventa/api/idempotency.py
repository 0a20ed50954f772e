"""`Idempotency-Key` on every POST of the API: a request a client retries
(its connection broke before the answer came) runs once.

A client sends `Idempotency-Key: <1 to 255 visible ASCII characters>` (a
UUID will do) with a POST. The first request with the key runs and its
answer is kept; a retry with the same key and the same request (method,
path with its query, the body's SHA-256 — the raw body, whatever its content
type) gets that answer again, byte for byte (status, content type, body),
with `Idempotent-Replayed: true`. The same key with another request is a 409;
a retry that arrives while the first still runs is a 409 "en curso" (it does
not run twice). Without the header nothing changes.

- Its 409s have the code "idempotency_conflict" (posventa/api/errors.py).
- Keys belong to the token that sent them: two clients' keys never meet.
- Answers 2xx, 3xx and 4xx are kept (a retry of a refused request gets the
  same refusal), except 401 and 429 — a token revoked or an address locked
  out is not about the request, and the retry must run once they are over —
  and 405 (nothing ran; its Allow header is not kept).
  A 5xx, or an exception, is not kept: the key is forgotten and a retry runs.
- An answer over MAX_STORED_BODY is not kept: the key stays used and a
  retry is told so (409), rather than run a second time.
- A key is kept 24 hours (KEPT_FOR); `keys_expire()` deletes the older ones
  (the worker's job "Claves de idempotencia vencidas", posventa/api/jobs.py).
  A key still "in progress" after IN_PROGRESS_TIMEOUT (far over the web
  server's timeout) belongs to a request whose worker died: a retry runs.

How it is applied: `IdempotentAPI` wraps the view of every URL of the API
(every router's, present and future), so a new endpoint cannot forget it,
and writes the header and the 409 into every POST of the OpenAPI document.
The wrapper finds the token as the API's auth does (`token_active`); without
a valid one it lets the request through for the API to answer 401.

The row is inserted first, in its own transaction (the requests are not
atomic: ATOMIC_REQUESTS is off), so the unique constraint (token, key)
decides which of two simultaneous requests runs: on PostgreSQL the second
INSERT waits for the first to commit and then fails; on SQLite the
IMMEDIATE transactions queue on the write lock. The loser reads the row.
"""

import functools
import hashlib
import logging
import re
from datetime import timedelta

from django.core.exceptions import RequestDataTooBig
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.api import errors
from posventa.api.models import ApiToken, IdempotencyKey
from posventa.api.services import token_active

logger = logging.getLogger(__name__)

HEADER = "Idempotency-Key"
REPLAYED_HEADER = "Idempotent-Replayed"
# The methods HTTP does not define as idempotent (the API has only POST today).
METHODS = ("POST", "PATCH")
KEY_PATTERN = r"^[!-~]{1,255}$"  # visible ASCII, no space: a UUID, a ULID, "order-123/2"
KEPT_FOR = timedelta(hours=24)
IN_PROGRESS_TIMEOUT = timedelta(minutes=10)
MAX_STORED_BODY = 1 << 20  # 1 MiB; the API's answers are a few kB
# Not kept: 401 and 429 are not about the request (a retry must run once the
# token or the address is fine); a 405 ran nothing and its Allow header
# would not be replayed.
NOT_KEPT = (401, 405, 429)

_KEY = re.compile(KEY_PATTERN)
CONFLICT = "idempotency_conflict"  # the 409s' code (posventa/api/errors.py)

DESCRIPTION = (
    "Optional. 1 to 255 visible ASCII characters (a UUID will do), one per request "
    "you mean to make once. A retry with the same key and the same request (method, "
    "path, body) gets the first answer again, byte for byte, with "
    "`Idempotent-Replayed: true`; the same key with another request, or while the "
    "first still runs, is a 409. Keys belong to the token and are kept 24 hours; "
    "4xx answers are kept too, except 401, 405 and 429; a 5xx is not (a retry runs)."
)


def keys_expire(*, now=None) -> int:
    """Deletes the keys older than KEPT_FOR; returns how many."""
    now = now or timezone.now()
    deleted, _by_model = IdempotencyKey.objects.filter(created_at__lt=now - KEPT_FOR).delete()
    return deleted


def _token(request: HttpRequest) -> ApiToken | None:
    # As ninja's HttpBearer reads the header, and the API's auth the token.
    value = request.headers.get("Authorization") or ""
    scheme, _sep, key = value.partition(" ")
    if scheme.lower() != "bearer" or not key:
        return None
    return token_active(key)


def _claim(*, token, key, method, path, body_sha256) -> tuple[IdempotencyKey | None, bool]:
    """(row, True) when this request is the key's first and is to run; (row,
    False) when another has the key; (None, False) when it is being taken and
    let go too fast to read (treated as in progress)."""
    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                row = IdempotencyKey.objects.create(
                    token=token,
                    key=key,
                    method=method,
                    path=path,
                    body_sha256=body_sha256,
                    created_at=now,
                )
            return row, True
        except IntegrityError:
            pass
        row = IdempotencyKey.objects.filter(token=token, key=key).first()
        if row is None:  # forgotten meanwhile (a 5xx): try again
            continue
        expired = row.created_at <= now - KEPT_FOR
        abandoned = (
            row.state == IdempotencyKey.State.IN_PROGRESS
            and row.created_at <= now - IN_PROGRESS_TIMEOUT
        )
        if not (expired or abandoned):
            return row, False
        if abandoned and not expired:
            logger.warning("Idempotency key %s abandoned in progress; a retry runs", row.pk)
        # Only the row as read: another retry may have replaced it already.
        IdempotencyKey.objects.filter(pk=row.pk, state=row.state).delete()
    return None, False


def _forget(row: IdempotencyKey) -> None:
    IdempotencyKey.objects.filter(pk=row.pk).delete()


def _keep(row: IdempotencyKey, response: HttpResponse) -> None:
    content = bytes(response.content)
    IdempotencyKey.objects.filter(pk=row.pk).update(
        state=IdempotencyKey.State.DONE,
        status=response.status_code,
        content_type=(response.get("Content-Type") or "")[:100],
        body=content if len(content) <= MAX_STORED_BODY else None,
        completed_at=timezone.now(),
    )


def _replay(row: IdempotencyKey) -> HttpResponse:
    response = HttpResponse(bytes(row.body), status=row.status, content_type=row.content_type)
    response[REPLAYED_HEADER] = "true"
    return response


class IdempotentAPI(errors.API):
    """The API whose every POST (and PATCH) honours `Idempotency-Key`, and
    whose OpenAPI document says so on each of them."""

    def _get_urls(self):
        urls = super()._get_urls()
        for pattern in urls:
            if isinstance(pattern, URLPattern):
                pattern.callback = self._idempotent(pattern.callback)
        return urls

    def get_openapi_schema(self, *args, **kwargs):
        schema = super().get_openapi_schema(*args, **kwargs)
        for operations in schema["paths"].values():
            for method, operation in operations.items():
                if method.upper() in METHODS:
                    _document(operation)
        return schema

    def _refuse(
        self, request, status: int, detail: str, field_errors=None, code: str = ""
    ) -> HttpResponse:
        body = errors.error_body(status, detail, field_errors, code)
        return self.create_response(request, body, status=status)

    def _idempotent(self, view):
        @functools.wraps(view)
        def idempotent(request, *args, **kwargs):
            key = request.headers.get(HEADER)
            if request.method not in METHODS or key is None:
                return view(request, *args, **kwargs)
            token = _token(request)
            if token is None:  # the API answers 401 (and counts the failure)
                return view(request, *args, **kwargs)
            if not _KEY.match(key):
                return self._refuse(
                    request,
                    422,
                    _("The data is not valid."),
                    {
                        HEADER: [
                            _(
                                "The Idempotency-Key header must be 1 to 255 visible ASCII "
                                "characters (letters, digits, punctuation; no spaces), "
                                "such as a UUID."
                            )
                        ]
                    },
                )
            try:
                body = request.body
            except RequestDataTooBig:
                # The whole body is hashed, so it must fit in memory.
                return self._refuse(request, 413, _("The request's body is too large."))
            row, mine = _claim(
                token=token,
                key=key,
                method=request.method,
                path=request.get_full_path(),
                body_sha256=hashlib.sha256(body).hexdigest(),
            )
            if not mine:
                return self._answer_again(request, row)
            try:
                response = view(request, *args, **kwargs)
            except BaseException:
                _forget(row)
                raise
            status = response.status_code
            if status >= 500 or status in NOT_KEPT or getattr(response, "streaming", False):
                _forget(row)
            else:
                _keep(row, response)
            return response

        return idempotent

    def _answer_again(self, request, row: IdempotencyKey | None) -> HttpResponse:
        if row is not None and (
            row.method != request.method
            or row.path != request.get_full_path()
            or row.body_sha256 != hashlib.sha256(request.body).hexdigest()
        ):
            return self._refuse(
                request,
                409,
                _(
                    "This Idempotency-Key was already used with another request (another "
                    "path or body): send a new key with each new request."
                ),
                code=CONFLICT,
            )
        if row is None or row.state == IdempotencyKey.State.IN_PROGRESS:
            return self._refuse(
                request,
                409,
                _(
                    "The request with this Idempotency-Key is still in progress: wait for "
                    "its answer, then retry with the same key to read it."
                ),
                code=CONFLICT,
            )
        if row.body is None:
            return self._refuse(
                request,
                409,
                _(
                    "The request with this Idempotency-Key was done, but its answer is too "
                    "large to repeat: read the result with a GET."
                ),
                code=CONFLICT,
            )
        return _replay(row)


def _document(operation: dict) -> dict:
    """The header and the 409 in one operation of the OpenAPI document."""
    parameters = operation.setdefault("parameters", [])
    if not any(p.get("in") == "header" and p.get("name") == HEADER for p in parameters):
        parameters.append(
            {
                "in": "header",
                "name": HEADER,
                "required": False,
                "description": DESCRIPTION,
                "schema": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": 255,
                    "pattern": KEY_PATTERN,
                },
            }
        )
    responses = operation.setdefault("responses", {})
    responses.setdefault(
        409,
        {
            "description": "Conflict",
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
        },
    )
    return operation
