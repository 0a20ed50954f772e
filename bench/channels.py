"""E-mail in benchmark (issue 16), on SQLite and on PostgreSQL, through a real
Dovecot (started as the tests start it, `posventa/channels/tests/dovecot.py`).

1. 10 000 e-mails are APPENDed to the team's inbox: 60 % new requests from
   contacts, 15 % from unknown senders, 20 % replies carrying a case number,
   5 % new requests with a small PDF.
2. The taker — `mailbox_read` in its own process, as the worker's job runs
   it — reads them all, 1 000 per call. Printed: messages per second, the
   parse alone (the standard library's `email`), and the taker's peak memory
   (resident set, getrusage) after 2 000 and after all messages: flat
   memory means the two are close.
3. The crash test: 10 000 other e-mails in a second folder; the taker is
   killed (`kill -9`) once it is half-way, then run again to the end.
   Checked: exactly 10 000 messages kept (each an interaction of its case or
   a triage item), none twice.

Run with `make bench` (or `python bench/channels.py`); prints figures,
asserts nothing. `BENCH_CHANNELS_MESSAGES` changes the count.
"""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time

import _harness

PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/posventa_bench_channels"
)
MESSAGES = int(os.environ.get("BENCH_CHANNELS_MESSAGES", "10000"))
COMPANIES = 400
CASES = 1000
STEP = 1000  # messages per mailbox_read call in the taker


def setup_django(backend: str) -> None:
    _harness.setup_django(backend, pg_url=PG_URL)
    from django.conf import settings

    os.environ["BENCH_MEDIA_ROOT"] = tempfile.mkdtemp(prefix="posventa-bench-media-")
    settings.MEDIA_ROOT = os.environ["BENCH_MEDIA_ROOT"]


def populate() -> list[str]:
    """Eight portfolios of 50 customers, a contact each, 1 000 open cases;
    the case numbers."""
    from django.utils import timezone

    from posventa.accounts.roles import Role
    from posventa.cases.models import Case
    from posventa.customers.models import Company, Contact
    from posventa.factories import UserFactory

    executives = [UserFactory(username=f"bench_exec{i}", role=Role.EXECUTIVE) for i in range(8)]
    UserFactory(username="bench_lead", role=Role.TEAM_LEAD)
    companies = Company.objects.bulk_create(
        Company(
            nit=str(7000000 + n),
            legal_name=f"Empresa {n} S.R.L.",
            address="Av. Ballivián 200",
            executive=executives[n % len(executives)],
        )
        for n in range(COMPANIES)
    )
    Contact.objects.bulk_create(
        Contact(company=c, name="Gerencia", email=f"gerencia@empresa{c.nit}.bo", is_primary=True)
        for c in companies
    )
    now = timezone.now()
    cases = Case.objects.bulk_create(
        Case(
            number=f"PV-2026-{n + 1:06d}",
            company=companies[n % COMPANIES],
            procedure="B",
            channel="email",
            received_at=now,
            subject="Cambio de plan",
        )
        for n in range(CASES)
    )
    return [f"{case.number} {case.company.nit}" for case in cases]


def mails(prefix: str, cases: list[str]) -> list[bytes]:
    """The mix of the module's docstring, `MESSAGES` of them."""
    from posventa.channels.tests.dovecot import PDF, email_bytes

    out = []
    for n in range(MESSAGES):
        kind = n % 20
        nit = 7000000 + n % COMPANIES
        common = {
            "message_id": f"<{prefix}-{n}@bench.bo>",
            "date": "Fri, 04 Dec 2026 09:15:00 -0400",
            "text": f"Mensaje {n}: solicitamos atención a nuestra línea.\n" * 5,
        }
        if kind < 12:
            raw = email_bytes(sender=f"Gerencia <gerencia@empresa{nit}.bo>", **common)
        elif kind < 15:
            raw = email_bytes(sender=f"Persona {n} <persona{n}@desconocida{n}.bo>", **common)
        elif kind < 19:
            number, case_nit = cases[n % len(cases)].split()
            raw = email_bytes(
                sender=f"Gerencia <gerencia@empresa{case_nit}.bo>",
                subject=f"Re: [{number}] Recibimos su solicitud",
                in_reply_to=f"<ack-{number}@posventa.bo>",
                **common,
            )
        else:
            raw = email_bytes(
                sender=f"Gerencia <gerencia@empresa{nit}.bo>",
                files=(("carta.pdf", PDF, "application/pdf"),),
                **common,
            )
        out.append(raw)
    return out


def append(dovecot, folder: str, raws: list[bytes]) -> float:
    started = time.perf_counter()
    client = dovecot.connect()
    if folder != "INBOX":
        client.create_folder(folder)
    for start in range(0, len(raws), 500):
        client.multiappend(folder, raws[start : start + 500])
    client.logout()
    return time.perf_counter() - started


def taker_env(dovecot, folder: str) -> dict:
    return os.environ | {
        "POSVENTA_IMAP_HOST": dovecot.host,
        "POSVENTA_IMAP_PORT": str(dovecot.port),
        "POSVENTA_IMAP_SSL": "0",
        "POSVENTA_IMAP_USER": dovecot.user,
        "POSVENTA_IMAP_PASSWORD": dovecot.password,
        "POSVENTA_IMAP_FOLDER": folder,
        "LOG_LEVEL": "WARNING",
    }


def take() -> None:
    """The taker (`--take`): mailbox_read until the folder is read, a line
    of progress as JSON after each call."""
    sys.path.insert(0, str(_harness.ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    import resource

    import django

    django.setup()
    from django.conf import settings

    from posventa.channels.imap import mailbox_read
    from posventa.channels.models import ImapCursor

    settings.MEDIA_ROOT = os.environ["BENCH_MEDIA_ROOT"]
    started = time.perf_counter()
    taken = 0
    while True:
        before = ImapCursor.objects.filter(folder=settings.POSVENTA_IMAP_FOLDER).first()
        taken += mailbox_read(limit=STEP)
        after = ImapCursor.objects.get(folder=settings.POSVENTA_IMAP_FOLDER)
        line = {
            "taken": taken,
            "read": after.last_uid,
            "seconds": time.perf_counter() - started,
            "rss_peak_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
        }
        print(json.dumps(line), flush=True)
        if before is not None and before.last_uid == after.last_uid:
            return


def run_taker(env: dict, *, kill_at: int | None = None) -> list[dict]:
    """The taker in its own process; its progress lines. With `kill_at`,
    SIGKILL it as soon as the cursor passed that UID."""
    from posventa.channels.models import ImapCursor

    process = subprocess.Popen(
        [sys.executable, __file__, "--take"], env=env, stdout=subprocess.PIPE, text=True
    )
    killed_at = 0
    if kill_at is not None:
        folder = env["POSVENTA_IMAP_FOLDER"]
        while process.poll() is None:
            cursor = ImapCursor.objects.filter(folder=folder).first()
            if cursor is not None and cursor.last_uid >= kill_at:
                os.kill(process.pid, signal.SIGKILL)
                killed_at = cursor.last_uid
                break
            time.sleep(0.02)
    out, _ = process.communicate()
    lines = [json.loads(line) for line in out.splitlines() if line.startswith("{")]
    return lines or [{"taken": 0, "read": killed_at, "seconds": 0.0, "rss_peak_kb": 0}]


def parse_rate(raws: list[bytes]) -> float:
    from posventa.channels.email_in import email_parse

    started = time.perf_counter()
    for raw in raws:
        email_parse(raw)
    return len(raws) / (time.perf_counter() - started)


def bench() -> dict:
    from django.db import connection
    from django.db.models import Count

    from posventa.channels.models import InboundMessage, MessageState
    from posventa.channels.tests.dovecot import Dovecot

    cases = populate()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    dovecot = Dovecot().start()
    try:
        raws = mails("m", cases)
        append_seconds = append(dovecot, "INBOX", raws)
        parse_per_second = parse_rate(raws)
        connection.close()
        lines = run_taker(taker_env(dovecot, "INBOX"))
        at_2000 = next((line for line in lines if line["read"] >= min(2000, MESSAGES)), lines[-1])
        last = lines[-1]

        crash_raws = mails("crash", cases)
        append(dovecot, "Crash", crash_raws)
        env = taker_env(dovecot, "Crash")
        killed = run_taker(env, kill_at=MESSAGES // 2)
        connection.close()
        crash_kept_at_kill = InboundMessage.objects.filter(external_id__startswith="crash-").count()
        again = run_taker(env)
        crash = InboundMessage.objects.filter(external_id__startswith="crash-")
        states = dict(crash.values_list("state").annotate(n=Count("pk")).order_by())
        duplicates = crash.values("external_id").annotate(n=Count("pk")).filter(n__gt=1).count()
        threaded_without_interaction = crash.filter(
            state=MessageState.THREADED, interaction__isnull=True
        ).count()
    finally:
        dovecot.stop()
        dovecot.remove()
    return {
        "messages": MESSAGES,
        "append_seconds": append_seconds,
        "parse_per_second": parse_per_second,
        "taken": last["taken"],
        "seconds": last["seconds"],
        "per_second": last["taken"] / last["seconds"] if last["seconds"] else 0.0,
        "rss_at_2000_mb": at_2000["rss_peak_kb"] / 1024,
        "rss_at_end_mb": last["rss_peak_kb"] / 1024,
        "crash_read_at_kill": killed[-1]["read"] if killed else 0,
        "crash_kept_at_kill": crash_kept_at_kill,
        "crash_again_taken": again[-1]["taken"] if again else 0,
        "crash_kept": crash.count(),
        "crash_states": states,
        "crash_duplicates": duplicates,
        "crash_threaded_without_interaction": threaded_without_interaction,
    }


def child(backend: str) -> dict:
    setup_django(backend)
    return bench()


def report(backend: str, r: dict) -> None:
    print(
        f"\n[{backend}] e-mail in: {r['messages']:,} e-mails APPENDed to Dovecot"
        f" in {r['append_seconds']:.1f} s, then read by mailbox_read in its own process"
    )
    print(f"  taken in            : {r['taken']:,} in {r['seconds']:.1f} s")
    print(f"  messages / second   : {r['per_second']:8.1f}   (goal ≥ 50)")
    print(f"  parse alone / second: {r['parse_per_second']:8.1f}   (email_parse, stdlib email)")
    print(
        f"  peak memory (RSS)   : {r['rss_at_2000_mb']:.1f} MB after 2 000,"
        f" {r['rss_at_end_mb']:.1f} MB after {r['messages']:,}"
        f" (ratio {r['rss_at_end_mb'] / r['rss_at_2000_mb']:.2f})"
    )
    print(
        f"  crash test          : killed -9 at UID {r['crash_read_at_kill']:,}"
        f" ({r['crash_kept_at_kill']:,} kept then); the second run added"
        f" {r['crash_again_taken']:,}"
    )
    states = ", ".join(f"{k} {v:,}" for k, v in sorted(r["crash_states"].items()))
    print(
        f"  after the crash     : {r['crash_kept']:,} kept of {r['messages']:,} ({states});"
        f" {r['crash_duplicates']} duplicated; {r['crash_threaded_without_interaction']}"
        " threaded without interaction"
    )


if __name__ == "__main__":
    if sys.argv[1:] == ["--take"]:
        take()
    else:
        _harness.run(__file__, child=child, report=report)
