"""Load a file of the commercial system from the command line, in this
process (not the worker): the dry run, then — unless --dry-run — the
import. Progress goes to stderr; the counts and the report's path to
stdout. Exit status 1 when any row was refused (or the file could not be
loaded), 0 otherwise."""

import sys
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from posventa.accounts.models import User
from posventa.imports import engine, services
from posventa.imports.models import Entity, ImportSource, ImportStatus


class Command(BaseCommand):
    help = "Load a file of the commercial system (companies, contacts, products…)."

    def add_arguments(self, parser):
        parser.add_argument("file", help="an .xlsx or .csv file")
        parser.add_argument("--entity", choices=Entity.values, help="what the file holds")
        parser.add_argument("--sheet", default="", help="the workbook's sheet (default: the first)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check every row and write nothing"
        )
        parser.add_argument("--user", help="who imports (username): the changes' actor")
        parser.add_argument(
            "--batch-size", type=int, default=engine.BATCH_SIZE, help="rows per batch"
        )

    def handle(self, *args, **options):
        path = Path(options["file"])
        if not path.is_file():
            raise CommandError(_("No file at %(path)s.") % {"path": path})
        user = None
        if options["user"]:
            user = User.objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(_("No user %(user)s.") % {"user": options["user"]})
        try:
            with open(path, "rb") as handle:
                run = services.import_open(
                    file=File(handle, name=path.name),
                    user=user,
                    source=ImportSource.COMMAND,
                    entity=options["entity"],
                    sheet=options["sheet"],
                    enqueue=False,
                )
        except (ValidationError, PermissionDenied) as error:
            raise CommandError(" ".join(_messages(error))) from None
        self._say(
            _("%(file)s: %(entity)s, import %(id)s.")
            % {"file": path.name, "entity": run.get_entity_display(), "id": run.pk}
        )
        if run.status == ImportStatus.MAPPING:
            missing = [h for h, f in run.mapping.items() if not f]
            self.stderr.write(
                _(
                    "Some required fields have no column. Map them on the import page "
                    "(import %(id)s) or in the admin's column mappings. Unknown columns: "
                    "%(headers)s."
                )
                % {"id": run.pk, "headers": ", ".join(missing) or "—"}
            )
            sys.exit(1)
        run = engine.run_phase(
            run, apply=False, batch_size=options["batch_size"], on_batch=self._progress
        )
        self.stderr.write("")
        self._report(run, _("Dry run"))
        if run.status != ImportStatus.CHECKED:
            sys.exit(1)
        if not options["dry_run"]:
            run = services.import_confirm(run=run, user=user, enqueue=False)
            run = engine.run_phase(
                run, apply=True, batch_size=options["batch_size"], on_batch=self._progress
            )
            self.stderr.write("")
            self._report(run, _("Import"))
            if run.status != ImportStatus.DONE:
                sys.exit(1)
        if run.refused:
            sys.exit(1)

    def _say(self, text: str) -> None:
        self.stdout.write(text)

    def _progress(self, run, rows) -> None:
        self.stderr.write(
            "\r"
            + _("%(done)s / %(total)s rows") % {"done": run.rows_done, "total": run.rows_total},
            ending="",
        )
        self.stderr.flush()

    def _report(self, run, phase: str) -> None:
        self._say(
            _(
                "%(phase)s: %(status)s. %(rows)s rows: %(created)s new, %(updated)s updated, "
                "%(unchanged)s unchanged, %(refused)s refused."
            )
            % {
                "phase": phase,
                "status": run.get_status_display(),
                "rows": run.rows_done,
                "created": run.created,
                "updated": run.updated,
                "unchanged": run.unchanged,
                "refused": run.refused,
            }
        )
        if run.error:
            self._say(run.error)
        if run.report:
            self._say(_("Report: %(path)s") % {"path": run.report.path})


def _messages(error) -> list[str]:
    if isinstance(error, ValidationError):
        return error.messages
    return [str(error)]
