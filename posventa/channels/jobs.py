"""The worker's jobs for the channels (listed in `common/schedules.py`)."""


def read_mailbox() -> int:
    """Take in what reached the team's mailbox since the last read."""
    from posventa.channels.imap import mailbox_read

    return mailbox_read()


def process_webhooks() -> int:
    """Take in the WhatsApp webhook deliveries not processed yet."""
    from posventa.channels.whatsapp_in import webhooks_process_pending

    return webhooks_process_pending()


def deliver_notifications() -> int:
    """Send again the notifications to customers that are queued or failed."""
    from posventa.channels.notify import notifications_deliver_pending

    return notifications_deliver_pending()


def deliver_notification(notification_id: int) -> str:
    """Send one notification to a customer, queued by the transaction that
    created it; its status."""
    from posventa.channels.notify import notification_deliver

    return notification_deliver(notification_id=notification_id).status
