"""The scheduled jobs of procedure K (see migration 0002)."""

from posventa.reviews.services import daily_reports_send, worklist_refresh


def send_daily_reports() -> int:
    """18:00 in La Paz, each working day: every analyst's day by e-mail (step 10)."""
    return daily_reports_send()


def refresh_worklist() -> int:
    """Each morning: the review list from the data (step 1)."""
    return worklist_refresh()
