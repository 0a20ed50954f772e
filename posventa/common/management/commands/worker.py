"""`manage.py worker`: the job worker (django-q2's cluster) with Python's
garbage collector tuned for a long-lived process (`common.gc_tuning`): the
process models and heavy libraries are loaded and frozen before the cluster
forks its processes, which inherit them — no full collection of them inside
a job."""

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.db import connections

from posventa.common import gc_tuning


class Command(BaseCommand):
    help = "Run the job worker (django-q2) with the process models loaded and frozen."

    def handle(self, *args, **options):
        gc_tuning.warm_up()
        # The forked processes open their own connections.
        connections.close_all()
        gc_tuning.freeze_after_warm_up()
        call_command("qcluster")
