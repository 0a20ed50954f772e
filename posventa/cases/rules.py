"""The manual's promise on every request."""

from datetime import datetime, timedelta

from django.conf import settings

# "Oportunidad": a request is attended in time when answered in less than 24 hours.
ATTENTION_HOURS = 24


def attention_due(received_at: datetime) -> datetime:
    return received_at + timedelta(hours=ATTENTION_HOURS)


def warning_hours() -> float:
    """When the 24-hour watch warns that a request's time is about to pass
    (setting POSVENTA_ATTENTION_WARNING_HOURS, default 18 h after reception)."""
    return float(getattr(settings, "POSVENTA_ATTENTION_WARNING_HOURS", 18))


def attention_warning_at(received_at: datetime) -> datetime:
    return received_at + timedelta(hours=warning_hours())
