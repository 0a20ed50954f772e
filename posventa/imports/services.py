"""Writes of the imports: open a file (checked, kept, its columns mapped),
say which field an unknown column is, confirm the import after its dry run,
cancel. The phases themselves run in the worker (jobs.py → engine.py)."""

import hashlib
import re
import unicodedata

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from posventa.accounts.roles import Capability, can
from posventa.common.queue import enqueue
from posventa.common.uploads import safe_filename
from posventa.imports import headers, reading
from posventa.imports.entities import spec_for
from posventa.imports.models import (
    ColumnMapping,
    Entity,
    ImportRun,
    ImportSource,
    ImportStatus,
)

# The longest a phase may run in the worker (django-q's own timeout, 5
# minutes, is for the small jobs): a file of the largest size at the
# slowest rate measured, with room to spare.
JOB_TIMEOUT = 6 * 60 * 60


def _allowed(user) -> None:
    """A person must be allowed to import; a job (user None) always is."""
    if user is not None and not can(user, Capability.IMPORT_DATA):
        raise PermissionDenied(_("You may not load the commercial system's files."))


def _shown_name(name: str) -> str:
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C").strip()
    return base[:250] or "archivo"


def _megabytes(size: int) -> str:
    return f"{number_format(size / (1024 * 1024), decimal_pos=1)} MB"


def _enqueue(job: str, run: ImportRun) -> None:
    enqueue(f"posventa.imports.jobs.{job}", run.pk, timeout=JOB_TIMEOUT)


def import_open(
    *,
    file,
    user=None,
    source: str = ImportSource.WEB,
    entity: str | None = None,
    sheet: str = "",
    enqueue: bool = True,
) -> ImportRun:
    """Keep a file of the commercial system and get it ready for its dry run.

    `file` is a Django File or UploadedFile. Refused, with a Spanish message
    and nothing written: an empty file, one over POSVENTA_IMPORT_MAX_BYTES
    or POSVENTA_IMPORT_MAX_ROWS, one that is neither an .xlsx workbook nor a
    CSV text by its content, one without a header row, one whose kind of
    records cannot be told (`entity` not given and not guessed from the
    headers nor the name: ValidationError on "entity"), and — from the sync
    folder — a file whose bytes were already taken (code "already_imported").

    The headers are mapped to fields (saved mappings, then the known
    synonyms). With a required field unmapped the run waits in MAPPING for
    `import_map_columns`; otherwise it is CHECKING and its dry run is queued
    once this transaction commits (`enqueue=False`: the caller runs it)."""
    _allowed(user)
    if entity is not None and entity not in Entity.values:
        raise ValidationError(
            {"entity": _("Unknown kind of records: %(entity)s.") % {"entity": entity}}
        )
    name = _shown_name(getattr(file, "name", ""))
    size = file.size or 0
    if size == 0:
        raise ValidationError(_("The file “%(name)s” is empty.") % {"name": name}, code="empty")
    if size > reading.max_bytes():
        raise ValidationError(
            _("The file “%(name)s” weighs %(size)s; the maximum is %(max)s.")
            % {"name": name, "size": _megabytes(size), "max": _megabytes(reading.max_bytes())},
            code="too_big",
        )
    stream = getattr(file, "file", None) or file
    kind = reading.detect_kind(stream)
    digest = hashlib.sha256()
    stream.seek(0)
    for chunk in iter(lambda: stream.read(1024 * 1024), b""):
        digest.update(chunk)
    stream.seek(0)
    checksum = digest.hexdigest()
    if (
        source == ImportSource.SYNC
        and ImportRun.objects.filter(source=ImportSource.SYNC, checksum=checksum).exists()
    ):
        raise _already_imported(name)
    run = ImportRun(
        source=source,
        original_name=name,
        checksum=checksum,
        started_by=user,
        status=ImportStatus.CHECKING,
    )
    run.file.save(safe_filename(name, extension=kind), file, save=False)
    try:
        with transaction.atomic():
            _inspect_and_save(run, kind=kind, entity=entity, sheet=sheet)
    except IntegrityError:
        run.file.delete(save=False)
        raise _already_imported(name) from None
    except BaseException:
        run.file.delete(save=False)
        raise
    if run.status == ImportStatus.CHECKING and enqueue:
        _enqueue("check_run", run)
    return run


def _already_imported(name: str) -> ValidationError:
    return ValidationError(
        _("The file “%(name)s” was already taken from the sync folder.") % {"name": name},
        code="already_imported",
    )


def _inspect_and_save(run: ImportRun, *, kind: str, entity: str | None, sheet: str) -> None:
    try:
        inspection = reading.inspect(run.file.path, kind=kind, sheet=sheet)
    except reading.ReadError as error:
        raise ValidationError(str(error), code="unreadable") from None
    found = [h for h in inspection.headers if h]
    if not found:
        raise ValidationError(_("The file has no header row: its first rows are empty."))
    limit = reading.max_rows()
    if inspection.rows_estimate is not None and inspection.rows_estimate > limit:
        raise ValidationError(
            _("The file has more than %(max)s rows: split it in smaller files.") % {"max": limit},
            code="too_many_rows",
        )
    entity = entity or headers.guess_entity(found, run.original_name)
    if entity is None:
        raise ValidationError(
            {
                "entity": _(
                    "The kind of records in the file cannot be told from its headers or its "
                    "name: say whether it holds companies, contacts, products, services, "
                    "equipment, invoices or payments."
                )
            }
        )
    run.entity = entity
    run.sheet = inspection.sheet
    run.mapping = headers.auto_mapping(entity, found)
    run.rows_total = inspection.rows_estimate or 0
    if headers.missing_required(entity, run.mapping):
        run.status = ImportStatus.MAPPING
    run.full_clean(exclude=["file", "report"], validate_constraints=False)
    run.save()


def import_map_columns(*, run: ImportRun, mapping: dict[str, str], user) -> ImportRun:
    """Say which field each column of the file is (`mapping`: {header as
    written: field, or "" to leave the column out}), for this file and —
    saved as ColumnMapping — for the next files with those headers. A field
    may take one column; every required field must have one. The dry run is
    then queued (a run already checked is checked again)."""
    _allowed(user)
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status not in (ImportStatus.MAPPING, ImportStatus.CHECKED):
            raise ValidationError(
                _("The columns of this import can no longer be changed (%(status)s).")
                % {"status": run.get_status_display()}
            )
        from posventa.imports.selectors import run_headers

        file_headers = run_headers(run=run)
        spec = spec_for(run.entity)
        fields = {f.name: f for f in spec.fields}
        errors = []
        unknown = [h for h in mapping if h not in file_headers]
        if unknown:
            errors.append(
                _("The file has no column %(headers)s.")
                % {"headers": ", ".join(f"“{h}”" for h in unknown)}
            )
        wrong = sorted({f for f in mapping.values() if f and f not in fields})
        if wrong:
            errors.append(_("Unknown fields: %(fields)s.") % {"fields": ", ".join(wrong)})
        merged = {h: mapping.get(h, run.mapping.get(h, "")) for h in file_headers}
        chosen = [f for f in merged.values() if f]
        twice = sorted({f for f in chosen if chosen.count(f) > 1 and f in fields})
        for field in twice:
            errors.append(
                _("“%(field)s” is given to more than one column.") % {"field": fields[field].label}
            )
        missing = [str(fields[f].label) for f in headers.missing_required(run.entity, merged)]
        if missing:
            errors.append(_("Say which column is: %(fields)s.") % {"fields": ", ".join(missing)})
        if errors:
            raise ValidationError({"mapping": errors})
        for header in mapping:
            ColumnMapping.objects.update_or_create(
                entity=run.entity,
                header_key=headers.header_key(header),
                defaults={"header": header[:100], "field": merged[header], "saved_by": user},
            )
        run.mapping = merged
        run.status = ImportStatus.CHECKING
        run.rows_done = 0
        run.save(update_fields=["mapping", "status", "rows_done", "updated_at"])
        _enqueue("check_run", run)
    return run


def import_confirm(*, run: ImportRun, user, enqueue: bool = True) -> ImportRun:
    """Import a checked file: the run goes IMPORTING and the import is
    queued (`enqueue=False`: the caller runs it). `user` None: a job (the
    sync folder) confirms, and its changes have no actor."""
    _allowed(user)
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status != ImportStatus.CHECKED:
            raise ValidationError(
                _("Only a checked import can be confirmed (this one: %(status)s).")
                % {"status": run.get_status_display()}
            )
        run.status = ImportStatus.IMPORTING
        run.confirmed_by = user
        run.rows_done = 0
        run.cancel_requested = False
        run.save(
            update_fields=["status", "confirmed_by", "rows_done", "cancel_requested", "updated_at"]
        )
        if enqueue:
            _enqueue("apply_run", run)
    return run


def import_cancel(*, run: ImportRun, user) -> ImportRun:
    """Stop an import: at once while it waits (for its mapping or its
    confirmation); after the batch in course while its dry run or its import
    runs (the job sees `cancel_requested` and ends CANCELLED, the batches
    already written staying in). A finished one cannot be cancelled."""
    _allowed(user)
    with transaction.atomic():
        run = ImportRun.objects.select_for_update().get(pk=run.pk)
        if run.status in (ImportStatus.MAPPING, ImportStatus.CHECKED):
            run.status = ImportStatus.CANCELLED
            run.finished_at = timezone.now()
            run.save(update_fields=["status", "finished_at", "updated_at"])
        elif run.status in (ImportStatus.CHECKING, ImportStatus.IMPORTING):
            run.cancel_requested = True
            run.save(update_fields=["cancel_requested", "updated_at"])
        else:
            raise ValidationError(
                _("This import is over (%(status)s): there is nothing to cancel.")
                % {"status": run.get_status_display()}
            )
    return run
