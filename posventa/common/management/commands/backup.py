"""`manage.py backup`: one backup of the database and the documents (docs/backup.md)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation
from django.utils.translation import gettext as _

from posventa.common.backup import BackupError, backup_create, backups_prune


class Command(BaseCommand):
    help = "Write a backup (database and media files) to POSVENTA_BACKUP_DIR or --dir."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, help="folder to write to")
        parser.add_argument(
            "--keep",
            type=int,
            help="then delete the oldest backups beyond this many (as the nightly job does)",
        )

    def handle(self, *args, **options):
        with translation.override(settings.LANGUAGE_CODE):
            self.run(options)

    def run(self, options) -> None:
        try:
            path = backup_create(directory=options["dir"])
            removed = (
                backups_prune(keep=options["keep"], directory=options["dir"])
                if options["keep"] is not None
                else []
            )
        except BackupError as error:
            raise CommandError(str(error)) from error
        size = path.stat().st_size
        self.stdout.write(f"{path} {size} bytes ({size / 2**20:.1f} MiB)")
        for old in removed:
            self.stdout.write(_("Removed %(path)s") % {"path": old})
