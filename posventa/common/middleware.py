"""Middleware of the whole site: the request's id and log line, the
inactivity limit of a session, and a 503 when the database is out of reach."""

import logging
import re
import sys
import time
import uuid

from django.conf import settings
from django.core.signals import got_request_exception
from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.functional import LazyObject, empty
from django.utils.html import escape
from django.utils.translation import gettext as _

from posventa.common.logs import request_id_var

logger = logging.getLogger("posventa.request")

# An id handed in by the proxy is kept when it looks like one (so that the
# proxy's log and ours match); anything else is replaced, never echoed.
_GOOD_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REQUEST_ID_HEADER = "X-Request-ID"


def _loaded_user(request: HttpRequest):
    """The request's user if something already loaded it: the log line never
    reads the database itself (it may be out of reach: a 503)."""
    user = getattr(request, "user", None)
    if isinstance(user, LazyObject) and user._wrapped is empty:
        return None
    return user


class RequestLogMiddleware:
    """Gives every request an id (`X-Request-ID` on the response) and writes one
    line when it ends: request id, user id, method, path, status, duration.
    A server error's traceback is logged by Django's `django.request` logger,
    under the same request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get(REQUEST_ID_HEADER, "")
        request_id = incoming if _GOOD_REQUEST_ID.match(incoming) else uuid.uuid4().hex
        request.request_id = request_id
        token = request_id_var.set(request_id)
        started = time.perf_counter()
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            user = _loaded_user(request)
            logger.info(
                "%s %s %s",
                request.method,
                request.path,
                response.status_code,
                extra={
                    "user_id": user.pk if user is not None and user.is_authenticated else None,
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            return response
        finally:
            request_id_var.reset(token)


LAST_SEEN = "_last_seen"


def mark_session_seen(sender, request: HttpRequest, user, **kwargs) -> None:
    """At login the session is written anyway: note the moment, so that the
    next requests of the minute need no write (connected in CommonConfig)."""
    request.session[LAST_SEEN] = int(time.time())


class SessionIdleTimeoutMiddleware:
    """A session ends after SESSION_COOKIE_AGE of inactivity: each request of a
    logged-in user pushes the end forward. To spare a database write per
    request, the session is saved again only once a minute of use has passed."""

    REFRESH_SECONDS = 60

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if session is not None and user is not None and user.is_authenticated:
            now = int(time.time())
            if now - session.get(LAST_SEEN, 0) >= self.REFRESH_SECONDS:
                session[LAST_SEEN] = now  # marks it modified: saved with a new expiry
                session.set_expiry(settings.SESSION_COOKIE_AGE)
        return self.get_response(request)


# --- the database out of reach ----------------------------------------------------------------

# What psycopg and sqlite3 raise, wrapped by Django, when the server is down,
# restarting, refuses the connection or drops it mid-request, and SQLite's
# "database is locked" once its busy timeout is over.
DATABASE_DOWN = (OperationalError, InterfaceError)
RETRY_AFTER_SECONDS = 15
# The API answers in its one shape (posventa/api/errors.py).
_API_PREFIXES = ("/api/", "/tmf-api/")
_FLAG = "_posventa_database_down"


def _unavailable_message() -> str:
    return _("The system cannot serve you right now. Try again in a few seconds.")


class _DatabaseDownLogFilter(logging.Filter):
    """Drops django.request's "Internal Server Error" for a database outage:
    DatabaseUnavailableMiddleware answers it with a 503 and logs it once, at
    WARNING."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return not isinstance(exc, DATABASE_DOWN)


def _flag_request(sender, request=None, **kwargs) -> None:
    # Sent while the exception is being handled, by the middleware layer
    # that turns it into a 500 (the sessions' or authentication's, which
    # read the database before any view); the 500 is replaced on the way out.
    exc = sys.exc_info()[1]
    if request is not None and isinstance(exc, DATABASE_DOWN):
        setattr(request, _FLAG, exc)


class DatabaseUnavailableMiddleware:
    """The database out of reach (restarting, refusing, a dropped connection,
    SQLite locked past its timeout) is a 503 with `Retry-After`, never a 500:
    a Spanish page, or the API's JSON error under /api/. Nothing in the answer
    reads the database (the page is rendered without a request or context
    processors). Once the database is back the next request works: the
    connections are checked before reuse (`conn_health_checks`) and a broken
    one is replaced.

    Placed before the session and authentication middleware, which read the
    database first: Django turns an exception raised inside a middleware into
    a 500 right there, so such an exception is noted on the request
    (`got_request_exception`) and its 500 replaced here; a view's exception
    comes to `process_exception`."""

    def __init__(self, get_response):
        self.get_response = get_response
        got_request_exception.connect(_flag_request, dispatch_uid="posventa-database-down")
        request_logger = logging.getLogger("django.request")
        if not any(isinstance(f, _DatabaseDownLogFilter) for f in request_logger.filters):
            request_logger.addFilter(_DatabaseDownLogFilter())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except Exception:
            # Django's own 500 page failed in its turn (a missing static file):
            # the outage still gets its 503.
            if getattr(request, _FLAG, None) is None:
                raise
            response = None
        exc = getattr(request, _FLAG, None)
        if exc is not None and (response is None or response.status_code >= 500):
            return database_unavailable(request, exc)
        return response

    def process_exception(self, request: HttpRequest, exception: Exception):
        if isinstance(exception, DATABASE_DOWN):
            return database_unavailable(request, exception)
        return None


def _unavailable_page() -> str:
    message = _unavailable_message()
    try:
        return render_to_string("503.html", {"message": message})
    except Exception:  # the answer of last resort must not fail (a missing static file…)
        logger.exception("The 503 page could not be rendered")
        return f'<!DOCTYPE html><html lang="es"><meta charset="utf-8"><p>{escape(message)}</p>'


def database_unavailable(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The 503 of a database out of reach, logged once at WARNING (with the
    request id, like every line of the request)."""
    logger.warning(
        "Database unavailable: %s %s answered 503 (%s: %s)",
        request.method,
        request.path,
        type(exc).__name__,
        str(exc).strip().splitlines()[0] if str(exc).strip() else "",
        extra={"method": request.method, "path": request.path, "status": 503},
    )
    with translation.override(settings.LANGUAGE_CODE):
        if request.path.startswith(_API_PREFIXES):
            # The API's error shape (posventa/api/errors.py), without importing it.
            body = {"code": "unavailable", "detail": _unavailable_message()}
            response = JsonResponse(body, status=503)
        else:
            response = HttpResponse(_unavailable_page(), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    # Logged above, once: not again as an error by django.request.
    response._has_been_logged = True
    return response
