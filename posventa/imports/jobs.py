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


def sync_folder() -> int:
    """Every five minutes: the sync folder's new extracts, each taken once,
    checked and imported; the team lead told of those that need a person
    (imports/sync.py). Returns how many files were taken."""
    from posventa.imports.sync import sync_folder_take

    return len(sync_folder_take())
