"""Jobs the worker (django-q2) runs for the engine."""

from django.conf import settings
from django.utils import translation

from posventa.engine.services import timers_advance


def advance_timers() -> int:
    """Every minute: fire the process timers that are due. The worker has no
    request to take a language from; what the actions write (warnings,
    e-mails) is in the site's language."""
    with translation.override(settings.LANGUAGE_CODE):
        return timers_advance()
