"""`manage.py restore FILE --yes`: put a backup back (docs/backup.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from posventa.common.backup import BackupError, backup_manifest, backup_restore

CONFIRMATION = "RESTAURAR"


class Command(BaseCommand):
    help = (
        "Replace the database and the media files with a backup's. Stop the web "
        "and the worker first. Asks for confirmation unless --yes."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="a posventa-YYYYmmdd-HHMMSS.tar backup")
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, **options):
        translation.activate(settings.LANGUAGE_CODE)
        path: Path = options["file"]
        try:
            manifest = backup_manifest(path=path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            f"{path.name}: {manifest['created_at']}, {manifest['vendor']}, "
            f"{sum(manifest['tables'].values())} rows in {len(manifest['tables'])} tables, "
            f"{manifest['media']['count']} files"
        )
        if not options["yes"]:
            if not options.get("interactive", True) or not self.stdin_is_tty():
                raise CommandError(
                    "La restauración reemplaza la base de datos y los documentos: "
                    "confírmela con --yes. No se cambió nada."
                )
            answer = input(
                "Esto REEMPLAZA la base de datos y los documentos actuales por los de la "
                f"copia. Detenga antes la web y el trabajador. Escriba {CONFIRMATION} "
                "para continuar: "
            )
            if answer.strip() != CONFIRMATION:
                raise CommandError("Restauración cancelada. No se cambió nada.")
        try:
            report = backup_restore(path=path)
        except BackupError as error:
            raise CommandError(str(error)) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"restored {path.name}: {report.tables} tables, {report.files} files"
            )
        )
        for table, (expected, found) in sorted(report.count_mismatches.items()):
            self.stderr.write(
                f"warning: {table} has {found} rows, the backup {expected} "
                "(something wrote during the restore?)"
            )
        if report.pending_migrations:
            self.stdout.write(
                f"{report.pending_migrations} migrations of this code are not applied "
                "yet: run `manage.py migrate`."
            )

    @staticmethod
    def stdin_is_tty() -> bool:
        import sys

        return sys.stdin.isatty()
