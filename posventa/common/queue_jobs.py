"""The worker's job for the queue itself."""

from posventa.common.queue import relay_deferred


def relay() -> int:
    """Every minute: hand the jobs the broker refused (Redis was down) over to
    it, now that it answers (this job could not run otherwise)."""
    return relay_deferred()
