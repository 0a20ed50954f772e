"""One layer against hostile input on the web: a NUL byte in what no form
reads — the address, the query string, a cookie — is answered with a 400
page in Spanish before any view (or the session lookup) reads it. A NUL in a
form's field is left to the form, which shows it as that field's error.

Why: PostgreSQL cannot hold a NUL in a text value, and psycopg refuses the
whole query ("A string literal cannot contain NUL (0x00) characters"), so a
NUL that reaches a filter, a lookup or the session key is a server error on
PostgreSQL and passes unnoticed on SQLite. No one types a NUL byte. The forms
refuse it (Django's CharField and choice of rows, common/forms.py); this
layer covers what no form reads (a path segment, a cookie, a list's filters,
the admin's search). The APIs (/api/, /tmf-api/) answer in JSON with their
own rules (api/errors.py, tmf/tmf630.py) and are left to them.

Settings: after CSPMiddleware (the page gets its nonce) and before
SessionMiddleware (the session key is a cookie).
"""

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

API_PREFIX = ("/api/", "/tmf-api/")  # the two APIs answer NULs in their own JSON


def _has_nul(items) -> bool:
    return any("\x00" in key or any("\x00" in v for v in values) for key, values in items)


def carries_nul(request: HttpRequest) -> bool:
    """Whether the request's address, query string or cookies hold a NUL byte."""
    if "\x00" in request.path or _has_nul(request.GET.lists()):
        return True
    return _has_nul((name, [value]) for name, value in request.COOKIES.items())


class NulByteMiddleware:
    """A NUL byte in the request: 400 with a page that says what to do."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not request.path.startswith(API_PREFIX) and carries_nul(request):
            return HttpResponse(
                render_to_string(
                    "400.html",
                    {"reason": _("The request contains a character that is not allowed.")},
                    request=request,
                ),
                status=400,
            )
        return self.get_response(request)
