"""Spanish for django-axes' admin screens: axes ships no Spanish catalogue.

Django looks a text up by its English msgid in every catalogue, the project's
first, so listing axes' own msgids here puts them in `locale/es` (through
`make messages`) and the admin's "Axes" pages read in Spanish. Nothing imports
this module; it exists for makemessages. Keep the msgids exactly as axes
writes them (axes/models.py, axes/admin.py).
"""

from django.utils.translation import gettext_noop

AXES_MSGIDS = [
    # Models and their fields.
    gettext_noop("access attempt"),
    gettext_noop("access attempts"),
    gettext_noop("access log"),
    gettext_noop("access logs"),
    gettext_noop("access failure"),
    gettext_noop("access failures"),
    gettext_noop("access attempt expiration"),
    gettext_noop("access attempt expirations"),
    gettext_noop("Access Attempt"),
    gettext_noop("User Agent"),
    gettext_noop("IP Address"),
    gettext_noop("Username"),
    gettext_noop("HTTP Accept"),
    gettext_noop("Path"),
    gettext_noop("Attempt Time"),
    gettext_noop("GET Data"),
    gettext_noop("POST Data"),
    gettext_noop("Failed Logins"),
    gettext_noop("Logout Time"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("Access lock out"),
    gettext_noop("Expires At"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    # The admin pages.
    gettext_noop("Form Data"),
    gettext_noop("Meta Data"),
    gettext_noop("Locked Out"),
    gettext_noop("Attempt Remaining"),
    gettext_noop("Clean up expired attempts"),
    gettext_noop("Not set"),
]
