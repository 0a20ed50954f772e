"""The worker's jobs of procedure I: the monthly proformas, in chunks shared
by the worker's processes (services: "The month's run, in chunks")."""

from django.utils import timezone
from django_q.conf import Conf

from posventa.collections.models import ProformaRun
from posventa.collections.services import (
    proforma_chunk_execute,
    proforma_run_dispatch,
    proforma_run_execute,
    proforma_run_start,
)
from posventa.collections.services import (
    resume_proforma_runs as _resume,
)


def _go(run: ProformaRun) -> int:
    """The run's chunks to the queue, one job each. In the queue's sync mode
    (no worker: each job runs where it is queued, after the commit) they run
    here, one after another. Returns the proformas produced by then."""
    if Conf.SYNC:
        return proforma_run_execute(run=run).proformas_created
    proforma_run_dispatch(run=run)
    run.refresh_from_db()
    return run.proformas_created


def monthly_proformas() -> int:
    """Scheduled on the first of every month: the proformas of the month (a
    run already under way is left to its jobs)."""
    run = proforma_run_start(period=timezone.localdate())
    if not getattr(run, "just_created", False):
        return 0
    return _go(run)


def run_proformas(run_id: int) -> int:
    """On demand, from the proformas page (its progress row and chunks exist)."""
    return _go(ProformaRun.objects.get(pk=run_id))


def run_proforma_chunk(run_id: int, chunk_id: int) -> int:
    """One chunk of a run (`run_id` names it in the queue's list)."""
    return proforma_chunk_execute(chunk_id=chunk_id)


def resume_proforma_runs() -> int:
    """Every 5 minutes: chunks of a running run whose job was lost are queued
    again; returns how many."""
    return _resume()
