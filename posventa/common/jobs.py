"""Jobs the worker (django-q2) runs for the site as a whole."""

from django.utils import timezone

from posventa.common.models import WorkerHeartbeat

HEARTBEAT = "worker"


def heartbeat() -> None:
    """Every minute: the worker says it is alive (read by /health/ready)."""
    WorkerHeartbeat.objects.update_or_create(name=HEARTBEAT, defaults={"beat_at": timezone.now()})
