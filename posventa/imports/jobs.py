"""The worker's jobs of the imports (django-q runs them; Q_CLUSTER sync=True
in the tests runs them inline). Each is idempotent: a second delivery finds
the run's status moved on, or its lock taken, and does nothing."""

from posventa.imports import engine
from posventa.imports.models import ImportRun


def check_run(run_id: int) -> None:
    """The dry run: CHECKING -> CHECKED (or CANCELLED / FAILED)."""
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is not None:
        engine.run_phase(run, apply=False)


def apply_run(run_id: int) -> None:
    """The import: IMPORTING -> DONE (or CANCELLED / FAILED)."""
    run = ImportRun.objects.filter(pk=run_id).first()
    if run is not None:
        engine.run_phase(run, apply=True)
