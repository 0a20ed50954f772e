"""The one door to the job queue: `enqueue("posventa.app.jobs.name", *args)`.

With the queue in the database (the embedded profile) a job asked for inside
a transaction is written in that same transaction: it exists exactly when
the change that asked for it commits, and enqueueing from `on_commit` would
make django-q2 close and reopen the connection (27 ms of a 47 ms step,
bench/procedure_b.py). With another broker (Redis), or run at once (the
tests' sync mode), the job is enqueued after the commit, so a rolled-back
change never runs its job and a job never looks for a row not committed yet.

A broker that refuses (Redis down or restarting) never breaks the caller,
whose change has already committed: the job is kept in the database
(`common.DeferredJob`) and `relay_deferred` hands it to the broker once it
answers again (every minute, `common.queue_jobs.relay_deferred`). Arguments
are therefore JSON values (ids, short texts), which is what a job should take
anyway. Jobs run at least once (docs/resilience.md): each is written to be
harmless when run again.
"""

import logging

from django.db import transaction

logger = logging.getLogger(__name__)

# Deferred jobs handed over per relay run: a run stays short whatever piled up.
RELAY_BATCH = 500


def _push(func: str, args: tuple | list, kwargs: dict, timeout: int | None) -> None:
    from django_q.tasks import async_task

    options = {"timeout": timeout} if timeout is not None else {}
    async_task(func, *args, **kwargs, **options)


def _defer(func: str, args: tuple, kwargs: dict, timeout: int | None, exc: Exception) -> None:
    from posventa.common.models import DeferredJob

    reason = f"{type(exc).__name__}: {exc}"[:500]
    try:
        DeferredJob.objects.create(
            func=func,
            args=list(args),
            kwargs=kwargs,
            timeout=timeout,
            attempts=1,
            last_error=reason,
        )
    except Exception:
        # Neither the broker nor the database: the job is lost here; the
        # sweepers that rebuild work from the database's state take it up
        # (docs/resilience.md lists which jobs have one).
        logger.exception("Job %s could not be enqueued nor kept for later (%s)", func, reason)
    else:
        logger.warning("Job %s kept for later: the broker refused it (%s)", func, reason)


def hand_over(func: str, *args, timeout: int | None = None, **kwargs) -> None:
    """Push the job to the broker now, for a caller that runs after its
    commit (an `on_commit` hook); kept for later if the broker refuses."""
    from django_q.conf import Conf

    if Conf.SYNC:
        _push(func, args, kwargs, timeout)  # run here and now: its errors are the caller's
        return
    try:
        _push(func, args, kwargs, timeout)
    except Exception as exc:  # redis's ConnectionError, TimeoutError, a refused AUTH…
        _defer(func, args, kwargs, timeout, exc)


def enqueue(func: str, *args, timeout: int | None = None, **kwargs) -> None:
    """Queue `func(*args, **kwargs)` for the worker, as the module says."""
    from django_q.conf import Conf

    if Conf.ORM and not Conf.SYNC and transaction.get_connection(Conf.ORM).in_atomic_block:
        # The broker is this database: a failure here is the transaction's own.
        _push(func, args, kwargs, timeout)
    else:
        transaction.on_commit(lambda: hand_over(func, *args, timeout=timeout, **kwargs))


def relay_deferred(*, limit: int = RELAY_BATCH) -> int:
    """Hand the jobs the broker refused over to it, oldest first; how many.
    Each row is deleted in the transaction that pushes it (pushed last, just
    before the commit), locked so that two relays never hand the same job
    over twice; a broker that refuses again stops the run, the rest waits
    for the next one."""
    from posventa.common.models import DeferredJob

    handed = 0
    pending = list(DeferredJob.objects.order_by("pk").values_list("pk", flat=True)[:limit])
    for pk in pending:
        with transaction.atomic():
            job = DeferredJob.objects.select_for_update(skip_locked=True).filter(pk=pk).first()
            if job is None:
                continue  # another relay has it, or handed it over already
            job.delete()
            try:
                _push(job.func, job.args, job.kwargs, job.timeout)
            except Exception as exc:
                transaction.set_rollback(True)
                failed = exc
            else:
                handed += 1
                continue
        DeferredJob.objects.filter(pk=pk).update(
            attempts=job.attempts + 1, last_error=f"{type(failed).__name__}: {failed}"[:500]
        )
        logger.warning("Deferred jobs wait: the broker still refuses (%s)", failed)
        break
    return handed
