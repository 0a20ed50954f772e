"""Reads of the imports: the runs a person may see, a run's headers and
notes, the fields of each kind of records."""

from django.db.models import QuerySet

from posventa.accounts.roles import Capability, can
from posventa.imports import reading
from posventa.imports.entities import spec_for
from posventa.imports.models import ImportRowNote, ImportRun


def import_runs_for(*, user) -> QuerySet[ImportRun]:
    """Every run for those who may import (the team lead, an administrator);
    none for anybody else."""
    runs = ImportRun.objects.select_related("started_by", "confirmed_by")
    return runs if can(user, Capability.IMPORT_DATA) else runs.none()


def run_headers(*, run: ImportRun) -> list[str]:
    """The file's header row as written, each header once, empty ones left
    out (nothing can be mapped to them). Read again from the kept file: its
    head only."""
    from posventa.imports.engine import kind_of, stored_path

    try:
        inspection = reading.inspect(
            stored_path(run), kind=kind_of(run), sheet=run.sheet, count=False
        )
    except (reading.ReadError, OSError, ValueError):
        return list(run.mapping)
    found = []
    for header in inspection.headers:
        if header and header not in found:
            found.append(header)
    return found


def entity_fields(entity: str) -> list[tuple[str, str, bool]]:
    """(field name, its name in Spanish, whether the file must have it)."""
    return [(f.name, str(f.label), f.required) for f in spec_for(entity).fields]


def run_notes(*, run: ImportRun, outcome: str | None = None) -> QuerySet[ImportRowNote]:
    """The rows the last phase noted (the import's once it started, else
    the dry run's), in file order; only those of `outcome` if given."""
    notes = run.notes.all()
    applied = notes.filter(applied=True).exists()
    notes = notes.filter(applied=applied)
    if outcome:
        notes = notes.filter(outcome=outcome)
    return notes.order_by("line")
