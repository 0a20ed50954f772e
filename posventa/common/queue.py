"""The one door to the job queue: `enqueue("posventa.app.jobs.name", *args)`.

With the queue in the database (the embedded profile) a job asked for inside
a transaction is written in that same transaction: it exists exactly when
the change that asked for it commits, and enqueueing from `on_commit` would
make django-q2 close and reopen the connection (27 ms of a 47 ms step,
bench/procedure_b.py). With another broker (Redis), or run at once (the
tests' sync mode), the job is enqueued after the commit, so a rolled-back
change never runs its job and a job never looks for a row not committed yet.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)


def enqueue(func: str, *args, timeout: int | None = None, **kwargs) -> None:
    """Queue `func(*args, **kwargs)` for the worker, as the module says."""
    from django_q.conf import Conf
    from django_q.tasks import async_task

    options = {"timeout": timeout} if timeout is not None else {}

    def send() -> None:
        async_task(func, *args, **kwargs, **options)

    if Conf.ORM and not Conf.SYNC and transaction.get_connection(Conf.ORM).in_atomic_block:
        send()
    else:
        transaction.on_commit(send)
