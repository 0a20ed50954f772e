"""Middleware of the whole site: the request's id and log line, and the
inactivity limit of a session."""

import logging
import re
import time
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from posventa.common.logs import request_id_var

logger = logging.getLogger("posventa.request")

# An id handed in by the proxy is kept when it looks like one (so that the
# proxy's log and ours match); anything else is replaced, never echoed.
_GOOD_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
REQUEST_ID_HEADER = "X-Request-ID"


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
            user = getattr(request, "user", None)
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
