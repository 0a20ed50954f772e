"""Jobs the worker (django-q2) runs for the site as a whole."""

import logging

from django.conf import settings
from django.utils import timezone

from posventa.common.backup import backup_create, backups_prune
from posventa.common.models import WorkerHeartbeat

logger = logging.getLogger("posventa.backup")

HEARTBEAT = "worker"


def heartbeat() -> None:
    """Every minute: the worker says it is alive (read by /health/ready)."""
    WorkerHeartbeat.objects.update_or_create(name=HEARTBEAT, defaults={"beat_at": timezone.now()})


def backup_nightly() -> str:
    """Every night: a backup of the database and the documents, then only the
    newest POSVENTA_BACKUP_KEEP are kept (docs/backup.md). Returns the name
    of the file written."""
    path = backup_create()
    removed = backups_prune(keep=settings.POSVENTA_BACKUP_KEEP)
    logger.info(
        "nightly backup: %s (%d bytes); removed %d old: %s",
        path.name,
        path.stat().st_size,
        len(removed),
        ", ".join(old.name for old in removed) or "-",
    )
    return path.name
