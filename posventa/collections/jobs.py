"""The worker's jobs of procedure I: the monthly proformas."""

from django.utils import timezone

from posventa.collections.models import ProformaRun
from posventa.collections.services import proforma_run_execute, proforma_run_start


def monthly_proformas() -> int:
    """Scheduled on the first of every month: the proformas of the month."""
    run = proforma_run_start(period=timezone.localdate())
    run = proforma_run_execute(run=run)
    return run.proformas_created


def run_proformas(run_id: int) -> int:
    """On demand, from the proformas page (its progress row already exists)."""
    run = proforma_run_execute(run=ProformaRun.objects.get(pk=run_id))
    return run.proformas_created
