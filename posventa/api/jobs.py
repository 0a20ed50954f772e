"""The worker's jobs for the API (listed in `common/schedules.py`)."""


def expire_idempotency_keys() -> int:
    """Forget the Idempotency-Keys older than 24 hours (posventa/api/idempotency.py)."""
    from posventa.api.idempotency import keys_expire

    return keys_expire()
