"""Jobs the worker (django-q2) runs for the engine."""

from posventa.engine.services import timers_advance


def advance_timers() -> int:
    """Every minute: fire the process timers that are due."""
    return timers_advance()
