"""`manage.py read_mailbox`: take in what reached the team's mailbox once;
`--idle`: keep reading, as soon as mail arrives (IMAP IDLE), until stopped."""

import signal
import threading

from django.core.management.base import BaseCommand

from posventa.channels.imap import imap_configured, mailbox_read, mailbox_watch


class Command(BaseCommand):
    help = (
        "Take in the e-mails that reached the team's mailbox (POSVENTA_IMAP_*). "
        "With --idle, keep reading until SIGTERM: IMAP IDLE where the server has it, "
        "a read every minute otherwise. Safe next to the worker's every-minute job."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--idle", action="store_true", help="keep reading as mail arrives, until stopped"
        )
        parser.add_argument(
            "--limit", type=int, default=None, help="read at most this many messages (once)"
        )

    def handle(self, *args, idle=False, limit=None, **options):
        if not imap_configured():
            self.stdout.write("IMAP not configured (POSVENTA_IMAP_HOST, POSVENTA_IMAP_USER).")
            return
        if not idle:
            taken = mailbox_read(limit=limit)
            self.stdout.write(f"{taken} new messages taken in.")
            return
        stop = threading.Event()

        def _stop(signum, frame):
            stop.set()

        signal.signal(signal.SIGTERM, _stop)
        signal.signal(signal.SIGINT, _stop)
        self.stdout.write("Reading the mailbox until stopped (SIGTERM).")
        self.stdout.flush()
        mailbox_watch(stop=stop)
        self.stdout.write("Stopped.")
