"""The worker's jobs for webhooks: send what was just published, and, every
minute, what is due (retries, and anything whose first job was lost)."""

from posventa.events.delivery import deliver_due, delivery_attempt


def deliver(delivery_ids: list[int]) -> int:
    """Send these deliveries (enqueued after the commit that made them); how
    many were delivered. Harmless when run again: a delivery already sent,
    or being sent by another worker, is not claimed."""
    delivered = 0
    for delivery_id in delivery_ids:
        result = delivery_attempt(delivery_id=delivery_id)
        if result is not None and result.status == "delivered":
            delivered += 1
    return delivered


def deliver_pending() -> int:
    return deliver_due()
