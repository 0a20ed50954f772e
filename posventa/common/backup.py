"""Backups of the whole installation: the database and the media files (case
documents, proformas, uploads) in one tar file, and their restore.

One backup is `posventa-YYYYmmdd-HHMMSS.tar` (local time) in
POSVENTA_BACKUP_DIR, written under a hidden temporary name and renamed when
complete, so a half-written backup is never listed nor restored. Inside:

- `database.sqlite3`: a copy made with SQLite's online backup API (safe while
  the web and the worker write: WAL), or `database.dump`: `pg_dump
  --format=custom`, taken in the same snapshot as the manifest's row counts;
- `media/…`: every file under MEDIA_ROOT;
- `manifest.json`: when, which database, the last applied migration of each
  app, the row count of each table, the size and sha256 of each file.

A restore checks everything it can before it changes anything: the names of
the tar's entries (no absolute paths, no `..`, no links), the vendor, the
migrations (never newer than the code's), the free space and every sha256.
Then it replaces the database (SQLite's backup API into the live database;
`pg_restore --clean --single-transaction` on PostgreSQL) and swaps the media
folder for the restored one. See docs/backup.md."""

from __future__ import annotations

import hashlib
import io
import json
import logging
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, BinaryIO

from django.conf import settings
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.utils import timezone
from django.utils.translation import gettext as _

logger = logging.getLogger("posventa.backup")

FORMAT = 1
NAME_PATTERN = re.compile(r"^posventa-(\d{8}-\d{6})\.tar$")
MANIFEST = "manifest.json"
MEDIA = "media"
DATABASE_MEMBER = {"sqlite": "database.sqlite3", "postgresql": "database.dump"}
VENDOR_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# A manifest is a few hundred bytes per file; a larger one is not ours.
MANIFEST_MAX_BYTES = 64 * 1024 * 1024
# Room kept free on the disk beyond what a backup or a restore writes.
SPARE_BYTES = 64 * 1024 * 1024
CHUNK = 1024 * 1024
PG_DUMP = "/usr/bin/pg_dump"
PG_RESTORE = "/usr/bin/pg_restore"
# How long pg_dump waits for a table another session holds exclusively (a
# migration) before giving up: the nightly job never hangs behind it. No such
# bound for pg_restore: its script sets lock_timeout = 0 itself, and it waits
# for every open transaction on a table it drops (docs/backup.md).
LOCK_TIMEOUT = "60s"


class BackupError(Exception):
    """A backup or a restore refused or failed; the message says why, for the
    operator. A refused restore has changed nothing."""


@dataclass(frozen=True)
class BackupFile:
    """A finished backup in the backup folder."""

    path: Path
    taken_at: datetime  # from the name, local time (naive)
    size: int


@dataclass
class RestoreReport:
    """What a restore put back, and what is left for the operator."""

    manifest: dict[str, Any]
    tables: int
    files: int
    # Tables whose rows after the restore differ from the backup's count
    # (something wrote during the restore): {table: (backup, now)}.
    count_mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)
    # Migrations of this code the restored database has not applied yet.
    pending_migrations: int = 0


# --- listing and pruning ------------------------------------------------------


def backups_list(*, directory: Path | None = None) -> list[BackupFile]:
    """The finished backups in `directory` (POSVENTA_BACKUP_DIR by default),
    newest first. Only names of the backup pattern count: temporary files and
    anything else in the folder are ignored."""
    folder = Path(directory or settings.POSVENTA_BACKUP_DIR)
    if not folder.is_dir():
        return []
    found = []
    for entry in folder.iterdir():
        match = NAME_PATTERN.match(entry.name)
        if match is None or not entry.is_file():
            continue
        taken_at = datetime.strptime(match.group(1), "%Y%m%d-%H%M%S")
        found.append(BackupFile(path=entry, taken_at=taken_at, size=entry.stat().st_size))
    return sorted(found, key=lambda backup: backup.path.name, reverse=True)


def backups_prune(*, keep: int, directory: Path | None = None) -> list[Path]:
    """Delete the oldest backups beyond the newest `keep`; returns the deleted
    paths. Files not named like a backup are never touched."""
    if keep < 1:
        raise BackupError(_("At least one backup must be kept."))
    removed = []
    for old in backups_list(directory=directory)[keep:]:
        old.path.unlink(missing_ok=True)
        removed.append(old.path)
    return removed


# --- backup -------------------------------------------------------------------


def backup_create(*, directory: Path | None = None) -> Path:
    """Write a backup of the database and MEDIA_ROOT to `directory`
    (POSVENTA_BACKUP_DIR by default) and return its path. Safe while the web
    and the worker run; the database is one consistent snapshot. Runs outside
    a transaction (the snapshot is a transaction of its own)."""
    if connection.in_atomic_block:
        raise BackupError(_("A backup cannot be taken inside a transaction."))
    vendor = _vendor()
    folder = Path(directory or settings.POSVENTA_BACKUP_DIR)
    # Backups hold every document and the password hashes: the worker's eyes only.
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    media_root = Path(settings.MEDIA_ROOT)
    _require_space(folder, _database_size() + _folder_size(media_root))
    started = time.monotonic()
    with tempfile.TemporaryDirectory(dir=folder, prefix=".posventa-backup-") as work:
        database = Path(work) / DATABASE_MEMBER[vendor]
        copy = _sqlite_copy if vendor == "sqlite" else _postgresql_dump
        state = copy(database)
        partial = Path(work) / "backup.tar.partial"
        with tarfile.open(partial, "w", format=tarfile.PAX_FORMAT) as tar:
            database_sha = _add_file(tar, database, DATABASE_MEMBER[vendor])["sha256"]
            media = {name: _add_file(tar, path, name) for path, name in _media_files(media_root)}
            manifest = {
                "format": FORMAT,
                "created_at": timezone.now().isoformat(),
                "vendor": vendor,
                "database": {"member": DATABASE_MEMBER[vendor], "sha256": database_sha},
                "migrations": state["migrations"],
                "tables": state["tables"],
                "media": {
                    "count": len(media),
                    "bytes": sum(item["size"] for item in media.values()),
                    "files": media,
                },
            }
            _add_bytes(tar, MANIFEST, json.dumps(manifest, indent=1, sort_keys=True).encode())
        partial.chmod(0o600)
        with open(partial, "rb") as written:
            os.fsync(written.fileno())
        final = _publish(partial, folder)
    logger.info(
        "backup written: %s, %d bytes, %d tables, %d files, %.1f s",
        final.name,
        final.stat().st_size,
        len(manifest["tables"]),
        len(media),
        time.monotonic() - started,
    )
    return final


def _publish(partial: Path, folder: Path) -> Path:
    """Give the finished tar its name, never replacing another backup (two
    backups in the same second: the second waits for the next)."""
    for _attempt in range(5):
        name = f"posventa-{timezone.localtime():%Y%m%d-%H%M%S}.tar"
        final = folder / name
        try:
            # A hard link fails if the name is taken, where a rename replaces.
            os.link(partial, final)
        except FileExistsError:
            time.sleep(1)
            continue
        except OSError:
            # A file system without hard links (a vfat USB disk): check, then rename.
            if final.exists():
                time.sleep(1)
                continue
            partial.rename(final)
            return final
        partial.unlink()
        return final
    raise BackupError(
        _("Could not find a free name for the backup in %(folder)s.") % {"folder": folder}
    )


def _sqlite_copy(target: Path) -> dict[str, Any]:
    """Copy the live database with the online backup API, in one step: one
    consistent snapshot while the others go on writing (WAL). The copy is
    switched to a plain journal so it is one self-contained file."""
    connection.ensure_connection()
    copy = sqlite3.connect(target)
    try:
        connection.connection.backup(copy)
        copy.execute("PRAGMA journal_mode=DELETE")
        tables = [
            row[0]
            for row in copy.execute(
                "SELECT name FROM sqlite_master WHERE type='table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {
            table: copy.execute(f'SELECT COUNT(*) FROM "{table}"').fetchone()[0] for table in tables
        }
        migrations = _last_applied(
            copy.execute("SELECT app, name FROM django_migrations ORDER BY id")
        )
    finally:
        copy.close()
    return {"tables": counts, "migrations": migrations}


def _postgresql_dump(target: Path) -> dict[str, Any]:
    """`pg_dump --format=custom` of the database, in a snapshot exported by a
    repeatable-read transaction that also counts the rows: the counts are
    those of the dump, whatever the others write meanwhile."""
    from django.db import transaction

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        cursor.execute("SELECT pg_export_snapshot()")
        snapshot = cursor.fetchone()[0]
        _run(
            [
                PG_DUMP,
                "--format=custom",
                "--no-password",
                f"--lock-wait-timeout={LOCK_TIMEOUT}",
                f"--snapshot={snapshot}",
                f"--file={target}",
                f"--dbname={connection.settings_dict['NAME']}",
            ],
            what="pg_dump",
        )
        cursor.execute(
            "SELECT tablename FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1"
        )
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT app, name FROM django_migrations ORDER BY id")
        migrations = _last_applied(cursor.fetchall())
    return {"tables": counts, "migrations": migrations}


def _last_applied(rows: Any) -> dict[str, str]:
    """The last migration applied of each app, from django_migrations rows in
    the order they were applied."""
    last: dict[str, str] = {}
    for app, name in rows:
        last[app] = name
    return last


def _media_files(root: Path) -> Iterator[tuple[Path, str]]:
    """Every regular file under MEDIA_ROOT with its name in the tar, in a
    stable order. Links are left out: a restore would refuse them."""
    if not root.is_dir():
        return
    for folder, subfolders, files in os.walk(root):
        subfolders.sort()
        for name in sorted(files):
            path = Path(folder) / name
            if path.is_symlink() or not path.is_file():
                logger.warning("backup: %s is not a regular file, left out", path)
                continue
            yield path, f"{MEDIA}/{path.relative_to(root).as_posix()}"


class _Hashing(io.RawIOBase):
    """A file read through a sha256: the tar reads each file once."""

    def __init__(self, raw: BinaryIO) -> None:
        self.raw = raw
        self.digest = hashlib.sha256()

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        data = self.raw.read(size)
        self.digest.update(data)
        return data


def _add_file(tar: tarfile.TarFile, path: Path, name: str) -> dict[str, Any]:
    """Add one file under `name` as a plain file (no owner, mode 0644); the
    size and sha256 of the bytes written (a file growing meanwhile is cut
    at the size it had)."""
    info = tarfile.TarInfo(name)
    stat = path.stat()
    info.size, info.mtime, info.mode = stat.st_size, int(stat.st_mtime), 0o644
    with open(path, "rb") as raw:
        hashing = _Hashing(raw)
        tar.addfile(info, hashing)
    return {"size": info.size, "sha256": hashing.digest.hexdigest()}


def _add_bytes(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size, info.mtime, info.mode = len(data), int(time.time()), 0o644
    tar.addfile(info, io.BytesIO(data))


# --- restore ------------------------------------------------------------------


def backup_manifest(*, path: Path) -> dict[str, Any]:
    """The manifest of a backup, after checking every entry's name and type;
    BackupError if the file is not a sound backup of ours."""
    with _open(path) as tar:
        return _checked(tar)[0]


def backup_restore(*, path: Path) -> RestoreReport:
    """Replace the database and MEDIA_ROOT with the backup's. Refuses, with
    nothing changed, a file that is not a sound backup of ours, a backup of
    the other database vendor, one whose migrations this code does not have,
    one that does not fit on the disk, one whose files do not match their
    sha256. The web and the worker should be stopped (docs/backup.md)."""
    if connection.in_atomic_block:
        raise BackupError(_("A restore cannot run inside a transaction."))
    started = time.monotonic()
    media_root = Path(settings.MEDIA_ROOT).resolve()
    media_root.parent.mkdir(parents=True, exist_ok=True)
    with _open(path) as tar:
        manifest, members = _checked(tar)
        _check_vendor(manifest)
        _check_migrations(manifest)
        _require_space(media_root.parent, sum(member.size for member in members))
        # Beside MEDIA_ROOT: the same disk, so the swap is a rename.
        staging = Path(
            tempfile.mkdtemp(prefix=f".{media_root.name}-restore-", dir=media_root.parent)
        )
        try:
            tar.extractall(staging, members=members, filter="data")
            _check_hashes(staging, manifest)
            database = staging / manifest["database"]["member"]
            # Media first: a rename that fails (MEDIA_ROOT a mount point)
            # fails before the database is touched; a database restore that
            # fails puts the old media back.
            _swap_media(staging, media_root)
            try:
                if manifest["vendor"] == "sqlite":
                    _sqlite_restore(database)
                else:
                    _postgresql_restore(database, manifest)
            except BaseException:
                _swap_media_back(staging, media_root)
                raise
        finally:
            shutil.rmtree(staging, ignore_errors=True)
    report = RestoreReport(
        manifest=manifest, tables=len(manifest["tables"]), files=manifest["media"]["count"]
    )
    now = _row_counts()
    report.count_mismatches = {
        table: (count, now.get(table, -1))
        for table, count in manifest["tables"].items()
        if now.get(table, -1) != count
    }
    executor = MigrationExecutor(connection)
    report.pending_migrations = len(executor.migration_plan(executor.loader.graph.leaf_nodes()))
    logger.info(
        "backup restored: %s, %d tables, %d files, %d count mismatches, %.1f s",
        path.name,
        report.tables,
        report.files,
        len(report.count_mismatches),
        time.monotonic() - started,
    )
    return report


def _open(path: Path) -> tarfile.TarFile:
    if not Path(path).is_file():
        raise BackupError(_("No backup file at %(path)s.") % {"path": path})
    try:
        return tarfile.open(path, "r:")
    except (tarfile.TarError, OSError) as error:
        raise BackupError(
            _("%(path)s is not a backup file (%(error)s).") % {"path": path, "error": error}
        ) from error


def _checked(tar: tarfile.TarFile) -> tuple[dict[str, Any], list[tarfile.TarInfo]]:
    """The manifest and the members, if every member is one a backup of ours
    holds: the manifest, one database file, plain files and folders under
    media/ — relative names without `..`, no links, no devices, no twice the
    same name."""
    try:
        members = tar.getmembers()
    except (tarfile.TarError, OSError) as error:
        raise BackupError(
            _("The backup file is damaged (%(error)s).") % {"error": error}
        ) from error
    seen: set[str] = set()
    manifest_member = None
    for member in members:
        name = member.name
        parts = tuple(name.rstrip("/").split("/"))
        unsafe = (
            not name
            or name.startswith(("/", "\\"))
            or "\\" in name
            or PurePosixPath(name).is_absolute()
            or {"..", ".", ""} & set(parts)
            or name in seen
            or not (member.isfile() or member.isdir())
        )
        expected = (
            (name == MANIFEST and member.isfile())
            or (name in DATABASE_MEMBER.values() and member.isfile())
            or (name == MEDIA and member.isdir())
            or (len(parts) > 1 and parts[0] == MEDIA)
        )
        if unsafe or not expected:
            raise BackupError(
                _(
                    "The backup holds an unexpected or unsafe entry (%(name)s): it is not a backup"
                    " of this system, nothing was changed."
                )
                % {"name": name[:200]}
            )
        seen.add(name)
        if name == MANIFEST:
            manifest_member = member
    if manifest_member is None or manifest_member.size > MANIFEST_MAX_BYTES:
        raise BackupError(_("The backup has no manifest: it is not a backup of this system."))
    try:
        manifest = json.loads(tar.extractfile(manifest_member).read())
        database_member = manifest["database"]["member"]
        well_formed = (
            manifest["format"] == FORMAT
            and manifest["vendor"] in DATABASE_MEMBER
            and database_member == DATABASE_MEMBER[manifest["vendor"]]
            and database_member in seen
            and isinstance(manifest["tables"], dict)
            and isinstance(manifest["migrations"], dict)
            and isinstance(manifest["media"]["files"], dict)
        )
    except (ValueError, KeyError, TypeError) as error:
        raise BackupError(_("The backup's manifest is unreadable.")) from error
    if not well_formed:
        raise BackupError(_("The backup's manifest is unreadable."))
    files = {
        member.name for member in members if member.isfile() and member.name.startswith(f"{MEDIA}/")
    }
    if files != set(manifest["media"]["files"]):
        raise BackupError(_("The backup's files do not match its manifest: nothing was changed."))
    return manifest, members


def _check_vendor(manifest: dict[str, Any]) -> None:
    vendor = _vendor()
    if manifest["vendor"] != vendor:
        raise BackupError(
            _(
                "This backup is of a %(theirs)s database and this installation uses %(ours)s: "
                "nothing was changed."
            )
            % {"theirs": VENDOR_NAMES[manifest["vendor"]], "ours": VENDOR_NAMES[vendor]}
        )


def _check_migrations(manifest: dict[str, Any]) -> None:
    """Refuse a backup made by a newer code: its database has migrations this
    code does not know, which no `migrate` of this code could understand."""
    known = set(MigrationLoader(None, ignore_no_migrations=True).disk_migrations)
    unknown = sorted(
        f"{app}.{name}" for app, name in manifest["migrations"].items() if (app, name) not in known
    )
    if unknown:
        raise BackupError(
            _(
                "This backup was made by a newer version of Posventa (migrations this code does "
                "not have: %(names)s). Install that version first: nothing was changed."
            )
            % {"names": ", ".join(unknown[:5])}
        )


def _check_hashes(staging: Path, manifest: dict[str, Any]) -> None:
    """Every extracted file is the one the backup recorded."""
    expected = {manifest["database"]["member"]: manifest["database"]["sha256"]}
    expected.update({name: item["sha256"] for name, item in manifest["media"]["files"].items()})
    for name, sha256 in expected.items():
        if _sha256(staging / name) != sha256:
            raise BackupError(
                _(
                    "The backup is damaged (%(name)s does not match its checksum): nothing was "
                    "changed."
                )
                % {"name": name[:200]}
            )


def _sqlite_restore(database: Path) -> None:
    """Copy the backup into the live database with the backup API: one write
    transaction, so the others see the old database or the new one; a
    failure leaves the old one."""
    connection.ensure_connection()
    source = sqlite3.connect(f"{database.resolve().as_uri()}?mode=ro", uri=True)
    try:
        source.backup(connection.connection)
    except sqlite3.Error as error:
        raise BackupError(
            _("The database could not be restored (%(error)s): it was left as it was.")
            % {"error": error}
        ) from error
    finally:
        source.close()


def _postgresql_restore(dump: Path, manifest: dict[str, Any]) -> None:
    """`pg_restore --clean --if-exists --no-owner --single-transaction` into
    the database: all of it or nothing. Tables the backup does not have (made
    by migrations newer than the backup) are dropped after: the restored
    migration table says they do not exist, and `migrate` will make them."""
    # Django's own session must not hold a lock pg_restore's DROPs wait for.
    connection.close()
    _run(
        [
            PG_RESTORE,
            "--clean",
            "--if-exists",
            "--no-owner",
            "--no-acl",
            "--single-transaction",
            "--exit-on-error",
            "--no-password",
            f"--dbname={connection.settings_dict['NAME']}",
            str(dump),
        ],
        what="pg_restore",
        failure=_("The database could not be restored: it was left as it was."),
    )
    extra = sorted(set(connection.introspection.table_names()) - set(manifest["tables"]))
    if extra:
        with connection.cursor() as cursor:
            quoted = ", ".join(connection.ops.quote_name(table) for table in extra)
            cursor.execute(f"DROP TABLE IF EXISTS {quoted} CASCADE")
        logger.info("restore: dropped tables the backup does not have: %s", ", ".join(extra))


def _swap_media(staging: Path, media_root: Path) -> None:
    """Put the restored media folder in MEDIA_ROOT's place by renames on the
    same disk; the old folder goes with the staging folder."""
    restored = staging / MEDIA
    restored.mkdir(exist_ok=True)
    previous = staging / "previous-media"
    if media_root.exists():
        media_root.rename(previous)
    try:
        restored.rename(media_root)
    except OSError as error:
        if previous.exists():
            previous.rename(media_root)
        raise BackupError(
            _("The media folder could not be replaced (%(error)s): nothing was changed.")
            % {"error": error}
        ) from error


def _swap_media_back(staging: Path, media_root: Path) -> None:
    """Undo `_swap_media` after the database restore failed."""
    media_root.rename(staging / "unused-media")
    previous = staging / "previous-media"
    if previous.exists():
        previous.rename(media_root)


# --- helpers ------------------------------------------------------------------


def _vendor() -> str:
    if connection.vendor not in DATABASE_MEMBER:
        raise BackupError(_("Backups support SQLite and PostgreSQL only."))
    return connection.vendor


def _row_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in connection.introspection.table_names(cursor):
            cursor.execute(f"SELECT COUNT(*) FROM {connection.ops.quote_name(table)}")
            counts[table] = cursor.fetchone()[0]
    return counts


def _database_size() -> int:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_database_size(current_database())")
            return cursor.fetchone()[0]
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA page_count")
        pages = cursor.fetchone()[0]
        cursor.execute("PRAGMA page_size")
        return pages * cursor.fetchone()[0]


def _folder_size(root: Path) -> int:
    return sum(path.stat().st_size for path, _name in _media_files(root))


def _require_space(folder: Path, needed: int) -> None:
    free = shutil.disk_usage(folder).free
    if needed + SPARE_BYTES > free:
        raise BackupError(
            _("Not enough free space in %(folder)s: %(needed)d MB needed, %(free)d MB free.")
            % {"folder": folder, "needed": needed // 2**20 + 1, "free": free // 2**20}
        )


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _pg_environment() -> dict[str, str]:
    """libpq's variables for the database Django uses: the password travels in
    PGPASSWORD, never on a command line another user could read in `ps`."""
    settings_dict = connection.settings_dict
    env = dict(os.environ)
    for variable, value in (
        ("PGHOST", settings_dict.get("HOST")),
        ("PGPORT", settings_dict.get("PORT")),
        ("PGUSER", settings_dict.get("USER")),
        ("PGPASSWORD", settings_dict.get("PASSWORD")),
        ("PGSSLMODE", settings_dict.get("OPTIONS", {}).get("sslmode")),
    ):
        if value:
            env[variable] = str(value)
    return env


def _run(command: list[str], *, what: str, failure: str | None = None) -> None:
    try:
        result = subprocess.run(
            command, env=_pg_environment(), capture_output=True, text=True, check=False
        )
    except OSError as error:
        raise BackupError(
            _("%(program)s could not run (%(error)s).") % {"program": what, "error": error}
        ) from error
    if result.returncode != 0:
        detail = result.stderr.strip()[-1000:]
        logger.error("%s failed (%d): %s", what, result.returncode, detail)
        raise BackupError(
            f"{failure or _('%(program)s failed.') % {'program': what}} {detail}".strip()
        )
