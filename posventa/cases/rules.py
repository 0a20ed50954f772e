"""The manual's promise on every request."""

from datetime import datetime, timedelta

# "Oportunidad": a request is attended in time when answered in less than 24 hours.
ATTENTION_HOURS = 24


def attention_due(received_at: datetime) -> datetime:
    return received_at + timedelta(hours=ATTENTION_HOURS)
