"""Login throttling with django-axes: whose address a request comes from, and
what a locked-out person reads.

After AXES_FAILURE_LIMIT failed logins of one username from one address, that
pair is refused (even with the right password) until AXES_COOLOFF_TIME has
passed since the last failure, someone unlocks it in the admin, or she resets
her password by e-mail. Settings: AXES_CLIENT_IP_CALLABLE names
`client_ip_address`, AXES_LOCKOUT_CALLABLE names `lockout_response`.
"""

import ipaddress
import math
from datetime import timedelta

from axes.helpers import get_cool_off
from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import ngettext

# 429 rather than 403: the refusal is about the rate of attempts and ends by
# itself (Retry-After says when), not about who she is; it is also what
# django-axes and the API's throttle answer.
LOCKOUT_STATUS = 429


def client_ip_address(request: HttpRequest) -> str:
    """The address of the person behind the request.

    Behind the TLS proxy (POSVENTA_BEHIND_TLS_PROXY) every request arrives from
    the proxy, which appends the address it saw to X-Forwarded-For: only that
    last entry is the proxy's word, anything before it the client may have
    written itself. Anywhere else the header is the client's own claim and is
    ignored, so that a forged header cannot dodge a lockout.
    """
    remote = request.META.get("REMOTE_ADDR", "")
    if settings.POSVENTA_BEHIND_TLS_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        last = forwarded.rsplit(",", 1)[-1].strip()
        if last:
            try:
                return str(ipaddress.ip_address(last))
            except ValueError:
                pass  # a proxy misconfigured: count the proxy, not a made-up name
    return remote


def cool_off(request: HttpRequest | None = None) -> timedelta:
    """How long a lockout lasts after the last failure (AXES_COOLOFF_TIME)."""
    return get_cool_off(request)


def minutes(delta: timedelta) -> int:
    return max(1, math.ceil(delta.total_seconds() / 60))


def lockout_message(delta: timedelta) -> str:
    count = minutes(delta)
    return ngettext(
        "Too many failed attempts. For security, this account was locked from this "
        "address for %(minutes)d minute; ask the team lead or the administrator to "
        "unlock it.",
        "Too many failed attempts. For security, this account was locked from this "
        "address for %(minutes)d minutes; ask the team lead or the administrator to "
        "unlock it.",
        count,
    ) % {"minutes": count}


def lockout_response(
    request: HttpRequest, original_response: HttpResponse | None = None, credentials=None
) -> HttpResponse:
    """The login page, saying in Spanish that the account is locked from here.

    No form to try again: every attempt while locked starts the cool-off anew
    (AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT). The page offers the
    password reset, which unlocks her, and logging in as someone else.
    """
    delta = cool_off(request)
    response = render(
        request,
        "registration/login.html",
        {"lockout_message": lockout_message(delta)},
        status=LOCKOUT_STATUS,
    )
    response["Retry-After"] = str(math.ceil(delta.total_seconds()))
    return response
