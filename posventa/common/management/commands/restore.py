"""`manage.py restore FILE --yes`: put a backup back (docs/backup.md)."""

import sys
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from posventa.common.backup import BackupError, backup_manifest, backup_restore


class Command(BaseCommand):
    help = (
        "Replace the database and the media files with a backup's. Stop the web "
        "and the worker first. Asks for confirmation unless --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a posventa-YYYYmmdd-HHMMSS.tar backup")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            self.run(options)

    def run(self, options) -> None:
        path: Path = options["file"]
        try:
            manifest = backup_manifest(path=path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            _(
                "%(name)s: taken %(when)s, %(vendor)s, %(rows)d rows in %(tables)d tables, "
                "%(files)d files."
            )
            % {
                "name": path.name,
                "when": manifest["created_at"],
                "vendor": manifest["vendor"],
                "rows": sum(manifest["tables"].values()),
                "tables": len(manifest["tables"]),
                "files": manifest["media"]["count"],
            }
        )
        if not options["yes"]:
            self.confirm()
        try:
            report = backup_restore(path=path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                _("Restored %(name)s: %(tables)d tables, %(files)d files.")
                % {"name": path.name, "tables": report.tables, "files": report.files}
            )
        )
        for table, (expected, found) in sorted(report.count_mismatches.items()):
            self.stderr.write(
                _(
                    "Warning: %(table)s has %(found)d rows and the backup %(expected)d: "
                    "something wrote during the restore."
                )
                % {"table": table, "found": found, "expected": expected}
            )
        if report.pending_migrations:
            self.stdout.write(
                _("%(count)d migrations of this code are not applied yet: run manage.py migrate.")
                % {"count": report.pending_migrations}
            )

    def confirm(self) -> None:
        """Ask on a terminal; refuse anywhere else (a script says --yes)."""
        word = _("RESTORE")
        if not sys.stdin.isatty():
            raise CommandError(
                _(
                    "A restore replaces the database and the documents: confirm it with "
                    "--yes. Nothing was changed."
                )
            )
        answer = input(
            _(
                "This REPLACES the current database and documents with the backup's. "
                "Stop the web and the worker first. Type %(word)s to go on: "
            )
            % {"word": word}
        )
        if answer.strip() != word:
            raise CommandError(_("Restore cancelled. Nothing was changed."))
