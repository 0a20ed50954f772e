"""`make load`: the production profile under a whole team's work.

    python bench/load/run.py [--scale-out] [--minutes 10] [--users 50]

1. A new PostgreSQL database and Redis database (bench/_stack.py), migrated,
   then a year of data at a team's real size (bench/load/seed.py), 40 plan
   changes whose 24-hour timer falls due during the run, and the roster of
   the simulated people (bench/load/roster.py).
2. gunicorn (`bin/serve`, its default processes) and the worker (`manage.py
   worker`) as docs/deploy.md says, DEBUG off; with --scale-out two of each
   behind nginx, sharing PostgreSQL, Redis and the files folder.
3. locust (its own venv, var/load-venv, from requirements/load.txt) drives
   --users people (bench/load/locustfile.py) for --minutes over real HTTP.
4. After the run the queue is left to drain, then it counts: the steps the
   load completed against the event log (none lost, none twice), each
   timer fired once, each scheduled job once a minute, each e-mail sent once;
   with --scale-out also the month's proformas produced by both workers,
   each once.
5. The report: p50/p95/p99 per page and API call, requests per second,
   errors, the memory of every process at start and end — printed and kept
   in var/<run>/report.md.

The goal written in the report: p95 < 300 ms for every page, 0 errors, flat
memory. Not part of `make test`.
"""

import argparse
import csv
import json
import os
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from _stack import PYTHON, ROOT, Stack, machine_cpu_seconds, process_cpu_seconds

LOCUST = ROOT / "var" / "load-venv" / "bin" / "locust"
GOAL_P95_MS = 300
TIMER_CASES = 40
PASSWORD = "carga-posventa-2026"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--scale-out", action="store_true")
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--cases", type=int, default=50_000)
    parser.add_argument(
        "--fresh-seed", action="store_true", help="seed again even if a seeded copy is kept"
    )
    parser.add_argument("--seed-only", action="store_true", help="make the kept seed and stop")
    args = parser.parse_args()
    if not LOCUST.exists():
        raise SystemExit("locust is not installed: run `make load` (it makes var/load-venv)")
    scale = 2 if args.scale_out else 1
    stack = Stack(
        "load-scale-out" if args.scale_out else "load",
        webs=scale,
        workers=scale,
        port_base=8950 if args.scale_out else 8900,
        redis_db=12 if args.scale_out else 11,
        web_concurrency=None,  # gunicorn's default for the machine (2 × cores + 1)
    )
    stack.env["LOAD_PASSWORD"] = PASSWORD
    report: dict = {"command": " ".join(["python", "bench/load/run.py", *sys.argv[1:]])}
    with stack:
        started = time.perf_counter()
        report["seed"] = seeded(stack, args.cases, fresh=args.fresh_seed)
        report["prepare_s"] = time.perf_counter() - started
        print(f"== a year of data ready in {report['prepare_s']:.0f} s", flush=True)
        if args.seed_only:
            return
        report["seed"]["timer_cases"] = timer_cases(stack)
        roster = stack.var / "roster.json"
        stack.script("bench/load/roster.py", str(roster))
        stack_started = time.time()
        stack.start()
        time.sleep(20)  # the workers warm up, the worker renders what the seed left
        report["memory_start"] = stack.memory()
        record = stack.var / "completions.jsonl"
        print(f"== locust: {args.users} people for {args.minutes:g} min on {stack.url}", flush=True)
        run_started = time.time()
        report["load_average_start"] = os.getloadavg()
        samples = [(0.0, stack.memory())]
        cpu_start, cpu_last = stack.cpu_seconds(), {}
        machine_start = machine_cpu_seconds()
        locust = subprocess.Popen(
            [
                str(LOCUST),
                "-f",
                str(ROOT / "bench" / "load" / "locustfile.py"),
                "--headless",
                "--users",
                str(args.users),
                # One person more a second: a team logs in over the morning,
                # not all in the same second (each login hashes a password).
                "--spawn-rate",
                "1",
                "--run-time",
                f"{int(args.minutes * 60)}s",
                "--host",
                stack.url,
                "--csv",
                str(stack.var / "locust"),
                "--only-summary",
            ],
            env={
                **stack.env,
                "LOAD_ROSTER": str(roster),
                "LOAD_RECORD": str(record),
            },
            cwd=ROOT,
            stdout=(stack.var / "locust.log").open("w"),
            stderr=subprocess.STDOUT,
        )
        locust_cpu = 0.0
        while locust.poll() is None:
            time.sleep(30)
            samples.append((time.time() - run_started, stack.memory()))
            cpu_last.update(stack.cpu_seconds())
            locust_cpu = max(locust_cpu, process_cpu_seconds(locust.pid))
        report["cpu"] = cpu_use(cpu_start, cpu_last, locust_cpu, machine_start)
        report["locust_exit"] = locust.returncode
        report["load_average_end"] = os.getloadavg()
        report["run_seconds"] = time.time() - run_started
        report["memory_end"] = stack.memory()
        report["memory_samples"] = samples
        report["stats"] = read_stats(stack.var / "locust_stats.csv")
        report["failures"] = read_failures(stack.var / "locust_failures.csv")
        report["web_errors"] = server_errors(stack)
        (stack.var / "report.json").write_text(json.dumps(report, indent=1, default=str))
        report["drain_s"] = drain(stack)
        parts = [("checks", lambda: checks(stack, record, run_started, stack_started))]
        if args.scale_out:
            parts += [("uploads", lambda: uploads_everywhere(stack))]
            parts += [("proformas", lambda: proformas(stack))]
        for name, part in parts:
            try:
                report[name] = part()
            except Exception as error:  # the report is written whatever a check meets
                report[name] = {"error": f"{type(error).__name__}: {error}"[:2000]}
    text = render(report, stack, args)
    (stack.var / "report.md").write_text(text)
    (stack.var / "report.json").write_text(json.dumps(report, indent=1, default=str))
    print(text)


def seeded(stack: Stack, cases: int, *, fresh: bool) -> dict:
    """The run's database with a year of data. Seeding takes minutes, so the
    seeded database is kept as a template (named after the seed script's
    content and size) and the next run starts from a copy of it."""
    import hashlib

    import psycopg

    digest = hashlib.sha256((ROOT / "bench" / "load" / "seed.py").read_bytes()).hexdigest()
    template = f"posventa_load_seed_{digest[:10]}_{cases}"
    admin = f"{stack.pg_server}/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [template]).fetchone()
        if exists and fresh:
            conn.execute(f'DROP DATABASE "{template}"')
            exists = None
    if exists:
        stack.prepare(template=template)
        return {"output": f"copied from the kept seed {template}", "seconds": 0.0}
    stack.prepare()
    started = time.perf_counter()
    output = subprocess.run(
        [PYTHON, "bench/load/seed.py"],
        env={
            **stack.env,
            "LOAD_CASES": str(cases),
            # What the walked history sends is not the run's: no mail server yet.
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        },
        cwd=ROOT,
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    ).stdout
    print(output, end="", flush=True)
    seconds = time.perf_counter() - started
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{template}" TEMPLATE "{stack.database}"')
    return {"output": output.strip(), "seconds": seconds}


def timer_cases(stack: Stack) -> int:
    """Plan changes received a day ago less 3 to 8 minutes: their 24-hour
    timer falls due during the run."""
    timers = stack.python(
        f"""
import json
from datetime import timedelta
from django.utils import timezone
from posventa.cases.models import Case
from posventa.cases.services import case_open
from posventa.inventory.models import Product
busy = Case.objects.exclude(status="closed").values("product_id")
products = (Product.objects.filter(plan__code="INT-20", status="active")
            .exclude(pk__in=busy).select_related("company__executive").order_by("-pk"))
now = timezone.now()
numbers = []
for n, product in enumerate(products[:{TIMER_CASES}]):
    # Received a day ago, less 3 to 8 minutes: the 24 hours end during the run.
    received = now - timedelta(hours=24) + timedelta(minutes=3 + 5 * n / {TIMER_CASES})
    case = case_open(company=product.company, procedure="B", channel="phone",
                     subject="Cambio de plan (temporizador de la carga)", product=product,
                     user=product.company.executive, received_at=received)
    numbers.append(case.number)
print(json.dumps(numbers))
"""
    )
    numbers = json.loads(timers.strip().splitlines()[-1])
    (stack.var / "timer_cases.json").write_text(json.dumps(numbers))
    return len(numbers)


def cpu_use(start: dict, last: dict, locust: float, machine_start: tuple) -> dict:
    """CPU seconds used during the run by each group of the stack's processes
    (a process replaced during the run counts until its last sample), by the
    load client, and by the whole machine; the rest is PostgreSQL, Redis,
    nginx and anything else running."""
    groups: dict[str, float] = {}
    for pid, (label, seconds) in last.items():
        before = start.get(pid, (label, 0.0))[1]
        groups[label] = groups.get(label, 0.0) + seconds - before
    busy, idle = machine_cpu_seconds()
    busy, idle = busy - machine_start[0], idle - machine_start[1]
    ours = sum(groups.values()) + locust
    return {
        **{k: round(v, 1) for k, v in sorted(groups.items())},
        "locust": round(locust, 1),
        "rest (PostgreSQL, Redis, other)": round(busy - ours, 1),
        "machine busy": round(busy, 1),
        "machine idle": round(idle, 1),
    }


def drain(stack: Stack, limit: float = 300) -> float:
    """Wait until the queue is empty and nothing waits to be rendered or sent."""
    started = time.perf_counter()
    code = """
from django_q.brokers import get_broker
from posventa.cases.models import CaseDocument
from posventa.outbox.models import OutgoingEmail
queued = get_broker().queue_size()
documents = CaseDocument.objects.filter(status="generating").count()
emails = OutgoingEmail.objects.filter(status__in=["queued", "failed"]).count()
print(queued + documents + emails)
"""
    while time.perf_counter() - started < limit:
        if int(stack.python(code).strip().splitlines()[-1]) == 0:
            break
        time.sleep(5)
    return time.perf_counter() - started


def checks(stack: Stack, record: Path, since: float, stack_started: float) -> dict:
    """What the run must have kept. E-mails: what the stack's worker sent
    (from its start, which includes the timer cases' notices queued before
    it) against what the mail server received."""
    out = stack.python(
        f"""
import json, sys
from collections import Counter
from datetime import datetime, timedelta, timezone as tz
from django.utils import timezone as djtz
from django_q.models import Success, Failure
sys.path.insert(0, "bench/load")
from check import steps_check
from posventa.cases.models import Case
from posventa.engine.models import TaskEvent
from posventa.outbox.models import OutgoingEmail
since = datetime.fromtimestamp({since}, tz=tz.utc)
result = {{"steps": steps_check(__import__("pathlib").Path("{record}"))}}
# Each timer once: a timer case whose first step was still pending when the
# timers' job (every minute) first ran after its 24 hours ended is warned
# once; one whose step ended before, never. A step completed between the end
# of its 24 hours and that run is neither: nobody is told of a step done.
numbers = json.loads(open("{stack.var / "timer_cases.json"}").read())
timer_runs = sorted(Success.objects.filter(func="posventa.engine.jobs.advance_timers")
                    .values_list("started", flat=True))
now = djtz.now()
expected = fired = twice = done_before_the_job_ran = 0
for case in Case.objects.filter(number__in=numbers).select_related("instance"):
    events = TaskEvent.objects.filter(instance=case.instance)
    warned = events.filter(bpmn_id="warn_check").count()
    check = events.filter(bpmn_id="check_requirements").first()
    due = case.received_at + timedelta(hours=24)
    job_ran = next((run for run in timer_runs if run >= due), None)
    ended = check.ended_at if check is not None else None
    pending = job_ran is not None and check is not None and (ended is None or ended > job_ran)
    expected += 1 if pending else 0
    done_before_the_job_ran += 1 if ended is not None and due < ended <= (job_ran or now) else 0
    fired += 1 if warned else 0
    twice += 1 if warned > 1 else 0
result["timers"] = {{"cases": len(numbers), "expected": expected, "fired": fired, "twice": twice,
                    "step_done_after_its_24_hours_before_the_timers_job_ran":
                        done_before_the_job_ran}}
# Each scheduled job once per period: the heartbeat and the timers, every
# minute — as many runs as minutes passed, not twice as many with two workers.
runs = Counter(Success.objects.filter(started__gte=since, func__in=[
    "posventa.common.jobs.heartbeat", "posventa.engine.jobs.advance_timers"])
    .values_list("func", flat=True))
result["schedules"] = {{"minutes": round((djtz.now() - since).total_seconds() / 60, 1),
                       "heartbeat_runs": runs["posventa.common.jobs.heartbeat"],
                       "timer_job_runs": runs["posventa.engine.jobs.advance_timers"],
                       "job_failures": Failure.objects.filter(started__gte=since).count()}}
sent = OutgoingEmail.objects.filter(status="sent")
result["emails"] = {{"rows": OutgoingEmail.objects.count(), "sent": sent.count(),
                    "sent_during_run": sent.filter(sent_at__gte=since).count(),
                    "sent_since_the_stack_started": sent.filter(
                        sent_at__gte=datetime.fromtimestamp({stack_started}, tz=tz.utc)).count(),
                    "not_sent": OutgoingEmail.objects.exclude(status="sent").count()}}
print(json.dumps(result, default=str))
"""
    )
    result = json.loads(out.strip().splitlines()[-1])
    from _smtp_sink import messages

    received = messages(stack.mail_record)
    ids = [m["message_id"] for m in received]
    result["emails"]["smtp_received"] = len(received)
    result["emails"]["smtp_duplicate_ids"] = len(ids) - len(set(ids))
    return result


def uploads_everywhere(stack: Stack) -> dict:
    """Documents the load uploaded, each downloaded from every web instance
    (not through the balancer), byte for byte the stored file."""
    import hashlib
    import urllib.request

    out = stack.python(
        """
import hashlib, json
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from posventa.accounts.models import User
from posventa.cases.models import CaseDocument
lead = User.objects.filter(role="team_lead").order_by("pk").first()
session = SessionStore()
session[SESSION_KEY] = str(lead.pk)
session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
session[HASH_SESSION_KEY] = lead.get_session_auth_hash()
session.create()
documents = []
for d in CaseDocument.objects.filter(generated=False).select_related("case").order_by("-pk")[:10]:
    with d.file.open("rb") as f:
        documents.append([d.case.number, d.pk, hashlib.sha256(f.read()).hexdigest()])
print(json.dumps({"session": session.session_key, "documents": documents}))
"""
    )
    found = json.loads(out.strip().splitlines()[-1])
    same = different = 0
    for number, pk, digest in found["documents"]:
        for index in range(stack.webs):
            request = urllib.request.Request(
                f"http://127.0.0.1:{stack.web_port(index)}/casos/{number}/documentos/{pk}/",
                headers={"Cookie": f"sessionid={found['session']}"},
            )
            with urllib.request.urlopen(request, timeout=30) as answer:
                body = answer.read()
            if answer.status == 200 and hashlib.sha256(body).hexdigest() == digest:
                same += 1
            else:
                different += 1
    return {"documents": len(found["documents"]), "downloads_same": same, "different": different}


def proformas(stack: Stack) -> dict:
    """The month's proformas, produced by both workers at once; each once."""
    started = time.time()
    stack.python(
        """
from django.utils import timezone
from posventa.collections.services import proforma_run_start
from posventa.common.queue import enqueue
# As the proformas page does: the run's row, then its job, which queues the chunks.
run = proforma_run_start(period=timezone.localdate())
enqueue("posventa.collections.jobs.run_proformas", run.pk)
"""
    )
    code = """
import json
from django.db.models import Count
from posventa.collections.models import Proforma, ProformaRun, ProformaSending
from posventa.inventory.models import Product
run = ProformaRun.objects.order_by("-pk").first()
dupes = (Proforma.objects.values("product_id", "sending__period").annotate(n=Count("pk"))
         .filter(n__gt=1).count())
print(json.dumps({"status": run.status, "companies": run.companies_total,
                  "companies_done": run.companies_done, "created": run.proformas_created,
                  "proformas": Proforma.objects.count(),
                  "sendings": ProformaSending.objects.count(),
                  "duplicates": dupes,
                  "expected": Product.objects.exclude(status="withdrawn").count()}))
"""
    while True:
        state = json.loads(stack.python(code).strip().splitlines()[-1])
        if state["status"] != "running" or time.time() - started > 1200:
            break
        time.sleep(10)
    state["seconds"] = time.time() - started
    state["per_second"] = state["proformas"] / state["seconds"]
    return state


def memory_table(report: dict) -> list[str]:
    """Each process's resident memory at the start and the end, and the total
    of each group over the samples taken every 30 s."""
    start, end = report["memory_start"], report["memory_end"]
    lines = [
        "| process (label pid; label/pid: a child) | RSS at start MB | RSS at end MB |",
        "|---|---:|---:|",
    ]
    for key in sorted(set(start) | set(end)):
        before = f"{start[key]:.0f}" if key in start else "—"
        after = f"{end[key]:.0f}" if key in end else "— (replaced)"
        lines.append(f"| {key} | {before} | {after} |")
    groups = sorted({key.split("/")[0].split(" ")[0] for key in start})
    lines += ["", "| group | " + " | ".join(groups) + " |", "|---|" + "---:|" * len(groups)]
    for seconds, sample in report["memory_samples"]:
        totals = [
            sum(v for k, v in sample.items() if k.split("/")[0].split(" ")[0] == group)
            for group in groups
        ]
        lines.append(f"| {seconds:.0f} s | " + " | ".join(f"{t:.0f}" for t in totals) + " |")
    lines.append("")
    return lines


def read_stats(path: Path) -> list[dict]:
    with path.open() as stream:
        return list(csv.DictReader(stream))


def read_failures(path: Path) -> list[dict]:
    if not path.exists():
        return []
    with path.open() as stream:
        return list(csv.DictReader(stream))


def server_errors(stack: Stack) -> int:
    """Tracebacks the web processes logged (a 500 writes one)."""
    return sum(
        log.read_text(errors="replace").count("Traceback") for log in stack.var.glob("web*.log")
    )


def render(report: dict, stack: Stack, args) -> str:
    lines = [
        f"# Load run: {args.users} people, {args.minutes:g} min"
        + (", scale-out (2 gunicorn + 2 workers behind nginx)" if args.scale_out else ""),
        "",
        f"Command: `{report['command']}` (var/{stack.name}/report.md)",
        "",
        f"Seed: {report['seed']['output']}".replace("\n", "; "),
        "",
        "| request | count | errors | p50 ms | p95 ms | p99 ms | req/s |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    worst = 0.0
    for row in report["stats"]:
        p95 = float(row["95%"] or 0)
        if row["Name"] != "Aggregated":
            worst = max(worst, p95)
        lines.append(
            f"| {row['Type']} {row['Name']} | {row['Request Count']} | {row['Failure Count']} |"
            f" {row['50%']} | {row['95%']} | {row['99%']} | {float(row['Requests/s']):.1f} |"
        )
    total = next((r for r in report["stats"] if r["Name"] == "Aggregated"), None)
    errors = int(total["Failure Count"]) if total else -1
    lines += [
        "",
        f"Worst p95: {worst:.0f} ms"
        f" (goal < {GOAL_P95_MS} ms: {'met' if worst < GOAL_P95_MS else 'NOT met'});"
        f" errors: {errors} (goal 0: {'met' if errors == 0 else 'NOT met'});"
        f" tracebacks in the web logs: {report['web_errors']}.",
        "",
        "Machine load average (1, 5, 15 min) at the start: "
        + ", ".join(f"{x:.1f}" for x in report["load_average_start"])
        + "; at the end: "
        + ", ".join(f"{x:.1f}" for x in report["load_average_end"])
        + " (2 cores; the load client runs on the same machine).",
        "",
    ]
    if report["failures"]:
        lines += ["Failures:", ""]
        lines += [
            f"- {f['Method']} {f['Name']}: {f['Error']} × {f['Occurrences']}"
            for f in report["failures"]
        ]
        lines.append("")
    lines += [
        "CPU seconds used during the run: "
        + "; ".join(f"{k} {v}" for k, v in report["cpu"].items()),
        "",
    ]
    lines += memory_table(report)
    lines += [
        "",
        f"Checks after the run (queue drained in {report['drain_s']:.0f} s):",
        "",
        "```",
        json.dumps(report["checks"], indent=1),
    ]
    if "proformas" in report:
        lines += [
            json.dumps({"uploads": report["uploads"], "proformas": report["proformas"]}, indent=1)
        ]
    lines += ["```", ""]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
