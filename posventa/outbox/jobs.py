"""The worker's job for the outbox."""

from datetime import timedelta

from posventa.outbox.services import outbox_deliver_pending


def deliver_pending() -> int:
    # Leave a minute to the send that follows each commit.
    return outbox_deliver_pending(older_than=timedelta(minutes=1))
