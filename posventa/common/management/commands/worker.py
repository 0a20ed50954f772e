"""`manage.py worker`: the job worker (django-q2's cluster) with Python's
garbage collector tuned for a long-lived process (`common.gc_tuning`): the
process models and heavy libraries are loaded and frozen before the cluster
forks its processes, which inherit them — no full collection of them inside
a job.

On Redis, it waits for the broker to answer before starting the cluster:
django-q2's cluster gives up at once when Redis does not answer at its start
(exit code 1), while it rides out an outage that begins later — its pusher
reconnects, and the scheduler creates the jobs that came due once Redis is
back (docs/resilience.md)."""

import logging
import time

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from posventa.common import gc_tuning

logger = logging.getLogger(__name__)

# Seconds between two tries while the broker does not answer, at most.
BROKER_WAIT_MAX_SECONDS = 30


def wait_for_broker(*, sleep=time.sleep) -> int:
    """Return once the job broker answers; how many tries failed before."""
    if not settings.REDIS_URL:
        return 0  # the queue is the database: nothing else to wait for
    from django_q.brokers import get_broker

    failed = 0
    delay = 1.0
    while True:
        broker = get_broker()
        try:
            broker.connection.ping()
            return failed
        except Exception as exc:  # redis's ConnectionError, TimeoutError, AuthenticationError
            failed += 1
            logger.warning("The job broker does not answer (%s); trying again in %ss", exc, delay)
        finally:
            broker.connection.close()
        sleep(delay)
        delay = min(delay * 2, BROKER_WAIT_MAX_SECONDS)


class Command(BaseCommand):
    help = "Run the job worker (django-q2) with the process models loaded and frozen."

    def handle(self, *args, **options):
        wait_for_broker()
        gc_tuning.warm_up()
        # The forked processes open their own connections.
        connections.close_all()
        gc_tuning.freeze_after_warm_up()
        call_command("qcluster")
