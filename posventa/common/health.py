"""Health URLs for a load balancer or an orchestrator: no login, JSON, and
nothing in the answer an outsider could use (no versions, hosts or errors —
the reason of a failing check goes to the log).

- `/health/live`: the process answers (no database touched).
- `/health/ready`: the database answers, the job broker answers, the worker's
  heartbeat is recent, and no migration is waiting. 200 when all hold, 503
  otherwise, with each check's verdict.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from posventa.common.jobs import HEARTBEAT
from posventa.common.models import WorkerHeartbeat

logger = logging.getLogger("posventa.health")

# Once the schema is found current it stays so for the life of the process
# (a process never sees migrations newer than its own code): the migration
# graph, which costs tens of milliseconds to load, is read until then only.
_migrations_current = False


def _database() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        return cursor.fetchone() == (1,)


def _broker() -> bool:
    if not settings.REDIS_URL:
        return True  # the ORM broker is the database, checked above
    import redis

    client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
    try:
        return bool(client.ping())
    finally:
        client.close()


def _worker() -> bool:
    beat = WorkerHeartbeat.objects.filter(name=HEARTBEAT).values_list("beat_at", flat=True).first()
    limit = timedelta(seconds=settings.POSVENTA_WORKER_HEARTBEAT_MAX_SECONDS)
    return beat is not None and timezone.now() - beat <= limit


def _migrations() -> bool:
    global _migrations_current
    if not _migrations_current:
        executor = MigrationExecutor(connection)
        _migrations_current = not executor.migration_plan(executor.loader.graph.leaf_nodes())
    return _migrations_current


CHECKS = {"database": _database, "broker": _broker, "worker": _worker, "migrations": _migrations}


@never_cache
@require_GET
def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok"})


@never_cache
@require_GET
def ready(request: HttpRequest) -> JsonResponse:
    checks: dict[str, str] = {}
    for name, check in CHECKS.items():
        if name != "database" and checks.get("database") == "failing":
            checks[name] = "unknown"  # the others read the database too
            continue
        try:
            checks[name] = "ok" if check() else "failing"
        except Exception:
            logger.exception("readiness check %s raised", name)
            checks[name] = "failing"
    healthy = all(verdict == "ok" for verdict in checks.values())
    return JsonResponse(
        {"status": "ok" if healthy else "unavailable", "checks": checks},
        status=200 if healthy else 503,
    )
