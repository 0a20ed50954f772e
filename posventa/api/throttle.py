"""Failed API tokens are throttled like failed logins (accounts/lockout.py).

A bad bearer token has no username to pair the address with, so the count is
per address: after AXES_FAILURE_LIMIT failed tokens from one address, each
within AXES_COOLOFF_TIME of the one before, every API request from there is
answered 429 with Retry-After — good token or not, so that guessing cannot go
on while locked — until the cool-off has passed since the last failure, or
someone unlocks the address in the admin ("API address lockouts").

A success does not clear the count: with one valid token of her own, someone
could otherwise keep guessing other people's in between.

Counted in the database (`TokenFailure`), not the cache: every worker process
of the app server sees the same count. AXES_ENABLED switches it with the login
lockout (the test settings turn both off; their tests turn them on).
"""

import logging
import math
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import ngettext

from posventa.accounts.lockout import LOCKOUT_STATUS, client_ip_address, cool_off
from posventa.api.errors import error_body
from posventa.api.models import TokenFailure

logger = logging.getLogger(__name__)


class AddressLocked(Exception):
    """The address made too many failed token attempts; `retry_after` in seconds."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        count = max(1, math.ceil(retry_after / 60))
        message = ngettext(
            "Too many failed API tokens from this address. Try again in %(minutes)d "
            "minute, or ask the administrator to unlock the address.",
            "Too many failed API tokens from this address. Try again in %(minutes)d "
            "minutes, or ask the administrator to unlock the address.",
            count,
        ) % {"minutes": count}
        super().__init__(message)


def _address(request: HttpRequest) -> str:
    # Without any address (a bare socket, no proxy header) all such requests
    # share one count rather than escape counting.
    return client_ip_address(request) or "0.0.0.0"


def lockout_end(row: TokenFailure, request: HttpRequest | None = None) -> datetime | None:
    """When the address's lockout ends; None when it is not locked (fewer
    failures than the limit, or the cool-off over)."""
    if row.failures < settings.AXES_FAILURE_LIMIT:
        return None
    end = row.last_failure_at + cool_off(request)
    return end if end > timezone.now() else None


def check(request: HttpRequest) -> None:
    """Raises AddressLocked while the request's address is locked out."""
    if not settings.AXES_ENABLED:
        return
    row = TokenFailure.objects.filter(ip_address=_address(request)).first()
    end = lockout_end(row, request) if row is not None else None
    if end is not None:
        raise AddressLocked(math.ceil((end - timezone.now()).total_seconds()))


def failure_record(request: HttpRequest) -> None:
    """Counts a failed token from the request's address; raises AddressLocked
    when this failure reaches the limit (so the last try already reads why)."""
    if not settings.AXES_ENABLED:
        return
    ip_address = _address(request)
    now = timezone.now()
    with transaction.atomic():
        row, created = TokenFailure.objects.select_for_update().get_or_create(
            ip_address=ip_address,
            defaults={"failures": 1, "first_failure_at": now, "last_failure_at": now},
        )
        if not created:
            if row.last_failure_at <= now - cool_off(request):
                # The earlier failures are older than the cool-off: they no longer count.
                row.failures, row.first_failure_at = 1, now
            else:
                row.failures += 1
            row.last_failure_at = now
            row.save(update_fields=["failures", "first_failure_at", "last_failure_at"])
    # Raised once the count is saved: the exception must not roll it back.
    if row.failures >= settings.AXES_FAILURE_LIMIT:
        logger.warning("API locked out for %s after %d failed tokens", ip_address, row.failures)
        raise AddressLocked(math.ceil(cool_off(request).total_seconds()))


def install(api) -> None:
    """Answer a locked-out address with 429, Retry-After and the API's error
    shape (posventa/api/errors.py): `{"code": "throttled", "detail": "<Spanish
    sentence>"}`."""

    @api.exception_handler(AddressLocked)
    def address_locked(request, exc):
        body = error_body(LOCKOUT_STATUS, str(exc), code="throttled")
        response = api.create_response(request, body, status=LOCKOUT_STATUS)
        response["Retry-After"] = str(exc.retry_after)
        return response
