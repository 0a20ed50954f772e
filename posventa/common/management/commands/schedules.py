"""`manage.py schedules`: write the worker's periodic jobs (posventa/common/schedules.py)."""

from django.core.management.base import BaseCommand

from posventa.common.schedules import schedules_ensure


class Command(BaseCommand):
    help = "Create or correct the worker's periodic jobs; safe to run on every start."

    def handle(self, *args, **options):
        for name, outcome in schedules_ensure().items():
            if options["verbosity"] > 1 or outcome != "unchanged":
                self.stdout.write(f"{outcome:9} {name}")
