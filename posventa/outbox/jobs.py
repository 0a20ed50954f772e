"""The worker's jobs for the outbox."""

from datetime import timedelta

from posventa.outbox.services import email_deliver, outbox_deliver_pending


def deliver(email_id: int) -> str:
    """Send one e-mail, queued by its transaction (`email_queue`); its status.
    Harmless when run again: a sent e-mail is not sent twice."""
    return email_deliver(email_id=email_id).status


def deliver_pending() -> int:
    # Leave a minute to the job each commit queued (`deliver`).
    return outbox_deliver_pending(older_than=timedelta(minutes=1))
