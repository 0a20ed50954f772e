"""The sync folder: the commercial system drops its daily extracts (.xlsx or
CSV) in `settings.POSVENTA_IMPORT_SYNC_DIR`, a local folder or a mounted
share; every five minutes the worker (`jobs.sync_folder`) takes each new
file once, checks it and imports it without waiting for a person, and tells
the team lead by e-mail when a file needs a person: rows refused, a file
that could not be read, or headers nobody has mapped yet.

The choices, and why (docs/commercial-system.md, "Sync folder"):

- **A file is taken once, by its bytes.** The run keeps the file's SHA-256;
  the database refuses a second sync run with the same checksum
  (`importrun_sync_file_once`), so the same bytes dropped again under another
  name, a second tick, or two workers racing never import twice.
- **Nothing is moved.** The folder is the commercial system's (a share may
  even be read-only for us): each file stays where it was dropped. To keep
  a folder of old extracts cheap, a file already taken under its name, not
  modified since and of the same size is not read again (a stat, no hash).
- **A file still being written is left for the next tick**: hidden files,
  Office's "~$" lock files, names that do not end in .xlsx/.csv (a
  "…xlsx.part" or "…tmp" of a copy in progress), and a file modified in the
  last `STABLE_SECONDS` or whose size or time changed while it was read.
- **The confirmation comes on the next tick.** The dry run runs in the
  worker; each tick first confirms the sync runs whose dry run has ended
  (CHECKED), then takes the new files (with the jobs run inline, as in the
  tests, a file is checked and confirmed in the same tick).
- **Each alert once per run**: the e-mail is queued under the run's row lock
  and its template and the run's address in its body mark it sent; the job
  is run at least once, and twice is harmless.
"""

import hashlib
import logging
import time
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import IntegrityError, models, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from posventa.accounts.roles import Role
from posventa.imports import headers, services
from posventa.imports.models import Entity, ImportRun, ImportSource, ImportStatus
from posventa.outbox.models import OutgoingEmail
from posventa.outbox.selectors import role_addresses
from posventa.outbox.services import email_queue

logger = logging.getLogger(__name__)

EXTENSIONS = (".xlsx", ".csv")
# A file modified this recently may still be being copied in.
STABLE_SECONDS = 10
# A daily extract that needs a person is listed first, and alerted, this long.
ATTENTION_DAYS = 7
HASH_CHUNK = 1024 * 1024

PROBLEM_TEMPLATE = "imports/email/sync_problem"
MAPPING_TEMPLATE = "imports/email/sync_mapping"


# --- Which runs need a person ------------------------------------------------


def _attention_condition() -> models.Q:
    """A daily extract of the last days that ended with refused rows, failed,
    or waits for its column mapping."""
    since = timezone.now() - timedelta(days=ATTENTION_DAYS)
    return models.Q(source=ImportSource.SYNC, created_at__gte=since) & (
        models.Q(status=ImportStatus.FAILED)
        | models.Q(status=ImportStatus.MAPPING)
        | models.Q(status=ImportStatus.DONE, refused__gt=0)
    )


def with_attention(runs: models.QuerySet) -> models.QuerySet:
    """The runs with `attention` (1 or 0): the import page lists those first."""
    return runs.annotate(
        attention=models.Case(
            models.When(_attention_condition(), then=models.Value(1)),
            default=models.Value(0),
            output_field=models.IntegerField(),
        )
    )


def needs_attention(run: ImportRun) -> bool:
    return ImportRun.objects.filter(_attention_condition(), pk=run.pk).exists()


# --- The folder ------------------------------------------------------------------


def sync_dir() -> Path:
    """The folder, created when missing (a fresh machine, a share not yet
    populated)."""
    folder = Path(settings.POSVENTA_IMPORT_SYNC_DIR)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


@dataclass(frozen=True)
class Candidate:
    path: Path
    size: int
    mtime: float


def _looks_finished(path: Path) -> bool:
    name = path.name
    return (
        not name.startswith((".", "~$"))
        and name.lower().endswith(EXTENSIONS)
        and len(name) <= 250  # ImportRun.original_name
    )


def candidates(folder: Path, *, now: float | None = None) -> list[Candidate]:
    """The files of the folder that look like finished extracts, oldest first
    (a day's extracts are taken in the order they were written)."""
    now = time.time() if now is None else now
    found = []
    for path in folder.iterdir():
        if not _looks_finished(path):
            continue
        try:
            if not path.is_file():
                continue
            stat = path.stat()
        except OSError:  # gone meanwhile, or a broken link
            continue
        if now - stat.st_mtime < STABLE_SECONDS:
            continue
        found.append(Candidate(path, stat.st_size, stat.st_mtime))
    return sorted(found, key=lambda c: (c.mtime, c.path.name))


def checksum(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _taken_before(candidate: Candidate, taken: dict[str, list[ImportRun]]) -> bool:
    """Taken already under this name, and not touched since: no need to read
    it again. A file rewritten under the same name has a later time (or
    another size) and is read; its checksum then decides."""
    for run in taken.get(candidate.path.name, ()):
        if candidate.mtime < run.created_at.timestamp():
            try:
                if run.file and run.file.size == candidate.size:
                    return True
            except OSError:
                continue
    return False


def _unchanged(candidate: Candidate) -> bool:
    try:
        stat = candidate.path.stat()
    except OSError:
        return False
    return (stat.st_size, stat.st_mtime) == (candidate.size, candidate.mtime)


# --- Taking the files ------------------------------------------------------------


def _already_imported(error: ValidationError) -> bool:
    if hasattr(error, "error_dict"):
        errors = [e for listed in error.error_dict.values() for e in listed]
    else:
        errors = error.error_list
    return any(e.code == "already_imported" for e in errors)


def _take(candidate: Candidate, digest: str) -> ImportRun | None:
    """Open the file as a sync run; a file `import_open` refuses becomes a
    failed run (the alert tells why, and its checksum keeps the next ticks
    from trying it again). None when another tick or worker took it, or
    when the file could not be read for now (the next tick tries again)."""
    try:
        with candidate.path.open("rb") as handle:
            return services.import_open(
                file=File(handle, name=candidate.path.name),
                user=None,
                source=ImportSource.SYNC,
            )
    except ValidationError as error:
        if _already_imported(error):
            return None
        return sync_file_refuse(name=candidate.path.name, digest=digest, reason=error)
    except OSError as error:
        # Gone meanwhile, or the share went away: the next tick sees.
        logger.warning("Sync folder: %s could not be read: %s", candidate.path.name, error)
        return None
    except Exception as error:  # a file no rule foresaw must not stop every tick
        logger.exception("Sync folder: %s could not be opened", candidate.path.name)
        reason = _("Unexpected error: %(error)s") % {"error": error}
        return sync_file_refuse(name=candidate.path.name, digest=digest, reason=reason)


def _reason(error: ValidationError) -> str:
    return " ".join(str(message) for message in error.messages)


def sync_file_refuse(*, name: str, digest: str, reason: ValidationError | str) -> ImportRun | None:
    """Record a daily extract `import_open` refused (unreadable, not an .xlsx
    or a CSV, too large, of records that cannot be told) as a FAILED sync run
    with the reason: the team lead is told, the page lists it, and its
    checksum keeps it from being tried again on every tick. The file itself
    is not copied (it could not be read, and it stays in the folder). What it
    holds is what its name says, else companies (the page shows no kind for
    a run that failed before its columns were read). None when another
    worker recorded it first."""
    text = reason if isinstance(reason, str) else _reason(reason)
    run = ImportRun(
        source=ImportSource.SYNC,
        status=ImportStatus.FAILED,
        entity=headers.entity_from_name(name) or Entity.COMPANIES,
        original_name=name[:250],
        checksum=digest,
        error=text[:2000],
        finished_at=timezone.now(),
    )
    run.full_clean(exclude=["file", "report"], validate_constraints=False)
    try:
        with transaction.atomic():
            run.save()
    except IntegrityError:
        return None  # the same bytes, recorded by another worker meanwhile
    logger.warning("Sync folder: %s refused: %s", name, text)
    return run


def confirm_checked() -> list[ImportRun]:
    """Confirm the daily extracts whose dry run has ended: nobody reads their
    report before they are written (the alert tells of the refused rows)."""
    confirmed = []
    for run in ImportRun.objects.filter(source=ImportSource.SYNC, status=ImportStatus.CHECKED):
        try:
            confirmed.append(services.import_confirm(run=run, user=None))
        except ValidationError:
            continue  # another worker confirmed it, or it was cancelled meanwhile
    return confirmed


def sync_folder_take() -> list[ImportRun]:
    """One tick of the sync folder: confirm the extracts checked since the last
    tick, take the new files (each once), confirm those already checked, and
    alert the team lead of those that need a person. Returns the runs opened."""
    confirm_checked()
    folder = sync_dir()
    found = candidates(folder)
    taken: dict[str, list[ImportRun]] = {}
    if found:
        names = {c.path.name for c in found}
        for run in ImportRun.objects.filter(source=ImportSource.SYNC, original_name__in=names):
            taken.setdefault(run.original_name, []).append(run)
    opened = []
    for candidate in found:
        if _taken_before(candidate, taken):
            continue
        try:
            digest = checksum(candidate.path)
        except OSError:
            continue
        if not _unchanged(candidate):
            continue  # still being written after all
        if ImportRun.objects.filter(source=ImportSource.SYNC, checksum=digest).exists():
            continue
        run = _take(candidate, digest)
        if run is not None:
            opened.append(run)
    if opened:
        confirm_checked()  # those whose dry run has ended already (jobs run inline)
    alert_pending()
    for run in opened:
        run.refresh_from_db()
    return opened


# --- Telling the team lead -------------------------------------------------------


def _site_url(path: str) -> str:
    """The page's address for an e-mail: the site's origin when it is known
    (the first of CSRF_TRUSTED_ORIGINS, set behind the TLS proxy), else the
    path alone."""
    origins = getattr(settings, "CSRF_TRUSTED_ORIGINS", None) or []
    return f"{origins[0].rstrip('/')}{path}" if origins else path


def _alert_template(run: ImportRun) -> str | None:
    if run.status == ImportStatus.MAPPING:
        return MAPPING_TEMPLATE
    if run.status == ImportStatus.FAILED or (run.status == ImportStatus.DONE and run.refused):
        return PROBLEM_TEMPLATE
    return None


def alert_sent(run: ImportRun, template: str) -> bool:
    return run.alerted == template


@transaction.atomic
def alert_run(*, run: ImportRun) -> OutgoingEmail | None:
    """E-mail the team lead(s) that this daily extract needs a person: its
    rows refused, its failure, or its columns to map — once per run and
    kind, whatever number of ticks see it. None when nothing is to be sent
    (no reason, sent already, no team lead with an address)."""
    run = ImportRun.objects.select_for_update().get(pk=run.pk)
    template = _alert_template(run)
    if template is None or alert_sent(run, template):
        return None
    recipients = role_addresses(Role.TEAM_LEAD)
    if not recipients:
        logger.warning("Sync folder: no team lead has an e-mail address to tell of run %s", run.pk)
        return None
    run.alerted = template
    run.save(update_fields=["alerted", "updated_at"])
    return email_queue(
        template=template,
        to=recipients,
        context={
            "run": run,
            "url": _site_url(reverse("imports:detail", args=[run.pk])),
            "checked": run.checked_counts or {},
        },
    )


def alert_pending() -> int:
    """Alert each daily extract of the last days that needs a person and was
    not alerted yet; how many e-mails were queued."""
    sent = 0
    for run in ImportRun.objects.filter(_attention_condition()).order_by("pk"):
        if alert_run(run=run) is not None:
            sent += 1
    return sent
