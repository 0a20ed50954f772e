"""`make faults`: Posventa's production profile (bench/_stack.py) under faults.

    python bench/faults.py [--only a,b,...]

Runs on its OWN PostgreSQL 15 cluster (the first free port from 5440, a
temporary folder, trust on 127.0.0.1) and its OWN Redis (the first free
port from 6392, nothing saved), never the machine's shared servers: those
two are the ones restarted and stopped here. A small believable data set
(bench/load/seed.py with 300 customers, 900 contracts, its team), then, one
after the other:

(a) kill -9 the worker in the middle of the month's proformas, restart it;
(b) kill -9 the worker in the middle of firing 150 due 24-hour timers;
(c) kill -9 the worker in the middle of sending 100 e-mails (a slow SMTP);
(d) kill -9 the gunicorn worker in the middle of completing a step (held on
    a row lock this script takes), then complete the step again;
(e) restart PostgreSQL during a small concurrent load (pages and API);
(f) stop Redis for a minute while pages are used and steps queue documents.

Two waits of the code are shortened, and each line says so: chunks of the
proformas whose job died are queued again by `resume_proforma_runs` called
with stale_after=30 s (its schedule uses 10 minutes), and an e-mail a kill
left "sending" has its 10-minute lease (outbox.services.SEND_LEASE) made to
run out by moving its row's updated_at back.

Each fault prints one line "what was done → what was seen" and ends in the
JSON summary printed last (also kept in var/faults/report.json). Everything
started here (both servers, gunicorn, the worker, the mail sink) is stopped
at the end, also on failure. About 20 minutes.
"""

import argparse
import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _smtp_sink import messages
from _stack import PYTHON, ROOT, Stack, _children_by_parent, stop_group

PG_BIN = Path("/usr/lib/postgresql/15/bin")
# The first free port from these (another run on the machine may hold one).
PG_PORT = 5440
REDIS_PORT = 6392
PORT_BASE = 8800
COMPANIES = 300
TIMER_CASES = 150
EMAILS = 100
SPANISH_503 = "no puede atenderle"  # "El sistema no puede atenderle en este momento…"
PASSWORD = "carga-posventa-2026"  # bench/load/seed.py's LOAD_PASSWORD


def free_port(start: int, span: int = 100, step: int = 1, plus: tuple[int, ...] = ()) -> int:
    """The first port from `start` that nothing listens on, on any address
    (and `port + p` free too for each p in `plus`)."""
    import socket

    def free(port: int) -> bool:
        with socket.socket() as probe:
            try:
                probe.bind(("0.0.0.0", port))
            except OSError:
                return False
        return True

    for port in range(start, start + span * step, step):
        if free(port) and all(free(port + p) for p in plus):
            return port
    raise RuntimeError(f"no free port from {start}")


# --- the private servers (never the machine's 5432 / 6379) ---------------------------------


class PrivatePostgres:
    """A PostgreSQL 15 cluster of its own in a temporary folder, run as the
    postgres user, trust authentication on 127.0.0.1."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.folder = Path(tempfile.mkdtemp(prefix="posventa-faults-pg-"))
        self.data = self.folder / "data"
        self.log = self.folder / "postgres.log"
        self.url = f"postgres://postgres@127.0.0.1:{port}"

    def _as_postgres(self, *argv: str, check: bool = True) -> None:
        subprocess.run(
            ["runuser", "-u", "postgres", "--", *argv],
            check=check,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

    def _ctl(self, *args: str, check: bool = True) -> None:
        self._as_postgres(
            str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log), *args, check=check
        )

    def start(self) -> None:
        shutil.chown(self.folder, "postgres", "postgres")
        self._as_postgres(
            str(PG_BIN / "initdb"),
            "-D",
            str(self.data),
            "--auth=trust",
            "-U",
            "postgres",
            "-E",
            "UTF8",
        )
        with (self.data / "postgresql.conf").open("a") as conf:
            conf.write(
                f"\nport = {self.port}\nlisten_addresses = '127.0.0.1'\n"
                f"unix_socket_directories = '{self.folder}'\nmax_connections = 100\n"
            )
        self._ctl("-w", "start")

    def restart(self) -> None:
        """`pg_ctl restart -m fast`: every session ended, the server back (-w)."""
        self._ctl("-w", "-m", "fast", "restart")

    def stop(self) -> None:
        if (self.data / "postmaster.pid").exists():
            self._ctl("-w", "-m", "fast", "stop", check=False)
        shutil.rmtree(self.folder, ignore_errors=True)


class PrivateRedis:
    """redis-server on its own port, nothing saved, a child process."""

    def __init__(self, port: int) -> None:
        self.port = port
        self.url = f"redis://127.0.0.1:{port}"
        self.popen: subprocess.Popen | None = None

    def start(self) -> None:
        self.popen = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--daemonize",
                "no",
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.popen.poll() is not None:  # its port was taken meanwhile
                raise RuntimeError(f"the private Redis could not start on {self.port}")
            try:
                import redis

                redis.Redis(port=self.port).ping()
                return
            except Exception:
                time.sleep(0.1)
        raise RuntimeError("the private Redis did not start")

    def stop(self) -> None:
        if self.popen is not None:
            stop_group(self.popen)
            self.popen = None


# --- the stack's processes ---------------------------------------------------------------------


def kill_group(stack: Stack, label: str) -> int:
    """kill -9 a started process's whole group (the worker and its
    children); the process leaves the stack's list. Returns its pid."""
    process = stack.process(label)
    os.killpg(process.popen.pid, signal.SIGKILL)
    process.popen.wait()
    stack.processes.remove(process)
    return process.popen.pid


def stop_process(stack: Stack, label: str) -> None:
    process = next((p for p in stack.processes if p.label == label), None)
    if process is not None:
        stop_group(process.popen)
        stack.processes.remove(process)


def children(pid: int) -> list[int]:
    return sorted(_children_by_parent().get(pid, []))


def restart_web(stack: Stack, concurrency: int) -> None:
    stop_process(stack, "web0")
    stack.env["WEB_CONCURRENCY"] = str(concurrency)
    stack.start_web(0)
    deadline = time.monotonic() + 30
    while len(children(stack.process("web0").popen.pid)) < concurrency:
        if time.monotonic() > deadline:
            raise RuntimeError("gunicorn did not start its workers")
        time.sleep(0.2)


def restart_smtp(stack: Stack, delay: float) -> None:
    stop_process(stack, "smtp")
    stack.smtp_delay = delay
    stack.start_smtp()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with __import__("socket").create_connection(("127.0.0.1", stack.smtp_port), 1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("the mail sink did not start")


def django(stack: Stack, code: str, env: dict | None = None) -> dict:
    """Run `code` in a Django process of the stack; it prints one JSON line last."""
    done = subprocess.run(
        [PYTHON, "-c", f"import django; django.setup()\n{code}"],
        env={**stack.env, **(env or {})},
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        last = (done.stderr.strip().splitlines() or ["?"])[-1]
        raise RuntimeError(f"a Django process of the fault failed: {last}")
    return json.loads(done.stdout.strip().splitlines()[-1])


class Db:
    """This script's own connection to the stack's database, for quick polls."""

    def __init__(self, stack: Stack) -> None:
        self.dsn = stack.env["DATABASE_URL"]
        self.conn = None

    def one(self, sql: str, params=()):
        import psycopg

        for _attempt in range(30):
            try:
                if self.conn is None or self.conn.closed:
                    self.conn = psycopg.connect(self.dsn, autocommit=True)
                return self.conn.execute(sql, params).fetchone()
            except psycopg.OperationalError:
                self.conn = None
                time.sleep(1)
        raise RuntimeError("the database did not answer")

    def value(self, sql: str, params=()):
        return self.one(sql, params)[0]

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()


def skip_send_lease(db: "Db") -> int:
    """The e-mails a killed worker left `sending` wait outbox.services'
    SEND_LEASE (10 minutes) before they are sent again: their lease is made
    to have run out now, by moving their rows' updated_at back 11 minutes,
    so that the worker's own every-minute deliver_pending sends them within
    the fault. Called right after a kill, when no other process sends.
    Returns how many."""
    return db.value(
        "WITH moved AS (UPDATE outbox_outgoingemail SET updated_at = updated_at"
        " - interval '11 minutes' WHERE status = 'sending' RETURNING 1) SELECT count(*) FROM moved"
    )


def first_run_after(db: "Db", func: str, since: float, timeout: float = 300) -> float | None:
    """Seconds from `since` (a time.time()) to the first run of the worker's
    job `func` that started after it (django-q2's task table), waiting up to
    `timeout`; None if none ran."""
    sql = (
        "SELECT extract(epoch FROM min(started)) FROM django_q_task"
        " WHERE func = %s AND started > to_timestamp(%s)"
    )
    if wait_until(lambda: db.value(sql, [func, since]) is not None, timeout, every=5) is None:
        return None
    return float(db.value(sql, [func, since])) - since


def once_none_twice(db: "Db", ids: list[int], count_sql: str) -> list[int]:
    """How many of `ids` have exactly one, none and more than one row, as
    `count_sql` counts them for one id `x`."""
    return list(
        db.one(
            "SELECT count(*) FILTER (WHERE n = 1), count(*) FILTER (WHERE n = 0),"
            f" count(*) FILTER (WHERE n > 1) FROM (SELECT ({count_sql}) n"
            " FROM unnest(%s::bigint[]) x) t",
            [ids],
        )
    )


def wait_until(predicate, timeout: float, every: float = 2.0) -> float | None:
    """Seconds until predicate() held, or None at the timeout."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if predicate():
            return time.monotonic() - started
        time.sleep(every)
    return None


# --- HTTP ---------------------------------------------------------------------------------------


def call(stack, method: str, path: str, *, token=None, cookie=None, body=None, timeout=60):
    """(status, content type, body text) of one request; status 0 with the
    error's name when no answer came."""
    host, port = stack.url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    headers = {"Host": "127.0.0.1"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if cookie:
        headers["Cookie"] = f"sessionid={cookie}"
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    try:
        conn.request(method, path, body=data, headers=headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", "replace")
        return response.status, response.getheader("Content-Type", ""), text
    except (OSError, http.client.HTTPException) as error:
        return 0, type(error).__name__, ""
    finally:
        conn.close()


class Load:
    """A few threads hitting the inbox, a case page and the API's task list
    until stopped; every answer kept with its moment, status and type."""

    def __init__(self, stack: Stack, fixtures: dict, threads: int = 4) -> None:
        self.stack = stack
        self.targets = [
            ("inbox", "/bandeja/", {"cookie": fixtures["session"]}),
            ("case", f"/casos/{fixtures['case_number']}/", {"cookie": fixtures["session"]}),
            ("api_tasks", "/api/v1/tasks", {"token": fixtures["token_executive"]}),
        ]
        self.answers: list[tuple[float, str, int, str, bool, float]] = []
        self.stopping = threading.Event()
        self.threads = [threading.Thread(target=self._run, args=(n,)) for n in range(threads)]
        self.lock = threading.Lock()

    def _run(self, n: int) -> None:
        i = n
        while not self.stopping.is_set():
            label, path, auth = self.targets[i % len(self.targets)]
            i += 1
            started = time.time()
            status, ctype, text = call(self.stack, "GET", path, timeout=30, **auth)
            spanish = SPANISH_503 in text.lower() if status == 503 else False
            with self.lock:
                self.answers.append(
                    (started, label, status, ctype.split(";")[0], spanish, time.time() - started)
                )
            time.sleep(0.05)

    def start(self) -> None:
        self.started = time.time()
        for thread in self.threads:
            thread.start()

    def stop(self) -> None:
        self.stopping.set()
        for thread in self.threads:
            thread.join()


# --- set-up -------------------------------------------------------------------------------------


def setup(stack: Stack) -> dict:
    started = time.perf_counter()
    stack.prepare()
    subprocess.run(
        [PYTHON, "bench/load/seed.py"],
        env={
            **stack.env,
            "LOAD_COMPANIES": str(COMPANIES),
            "LOAD_CASES": "150",
            "EMAIL_BACKEND": "django.core.mail.backends.dummy.EmailBackend",
        },
        cwd=ROOT,
        check=True,
        stdout=subprocess.DEVNULL,
    )
    fixtures = django(
        stack,
        """
import json
from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY, BACKEND_SESSION_KEY
from django.contrib.sessions.backends.db import SessionStore
from posventa.accounts.models import User
from posventa.api.services import token_create
from posventa.cases.models import Case
out = {}
for name in ("executive01", "commercialmanager01"):
    user = User.objects.get(username=name)
    out["token_" + user.role] = token_create(user=user, name="faults")[1]
user = User.objects.get(username="executive01")
s = SessionStore(); s[SESSION_KEY] = str(user.pk)
s[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
s[HASH_SESSION_KEY] = user.get_session_auth_hash(); s.create()
out["session"] = s.session_key
out["case_number"] = Case.objects.filter(company__executive=user).order_by("-pk").first().number
print(json.dumps(out))
""",
    )
    fixtures["setup_s"] = round(time.perf_counter() - started)
    return fixtures


# Plan-change cases for the faults, opened through the real services. With
# `walk` they are taken to the commercial manager's step (enter_plan_change).
OPEN_CASES = """
import json
from datetime import timedelta
from django.utils import timezone
from posventa.cases.models import Case
from posventa.cases.services import case_open
from posventa.catalog.models import Plan
from posventa.engine import services as engine
from posventa.inventory.models import Product
busy = Case.objects.exclude(status="closed").values("product_id")
products = (Product.objects.filter(status="active", plan__product_type__code="internet")
            .exclude(pk__in=busy).select_related("company__executive", "plan")
            .order_by("pk")[:COUNT])
now = timezone.now()
out = []
for product in products:
    case = case_open(company=product.company, procedure="B", channel="phone",
                     subject="Cambio de plan (prueba de fallos)", product=product,
                     user=product.company.executive,
                     received_at=now - timedelta(seconds=AGE_SECONDS))
    row = {"number": case.number, "case": case.pk, "instance": case.instance_id}
    if WALK:
        new_plan = (Plan.objects.filter(product_type=product.plan.product_type, is_active=True)
                    .exclude(pk=product.plan_id).order_by("monthly_price").first())
        task = case.instance.human_tasks.get()
        engine.task_complete(task_id=task.task_id, user=product.company.executive,
                             data={"new_plan": new_plan.pk, "has_request_letter": "on",
                                   "has_nit_copy": "on", "has_id_copy": "on"})
        row["task"] = str(case.instance.human_tasks.get().task_id)
        row["new_plan"] = new_plan.pk
        row["product"] = product.pk
    out.append(row)
print(json.dumps({"cases": out}))
"""


def open_cases(stack: Stack, count: int, *, age_seconds: float = 0, walk=False) -> list[dict]:
    code = (
        OPEN_CASES.replace("COUNT", str(count))
        .replace("AGE_SECONDS", str(age_seconds))
        .replace("WALK", str(walk))
    )
    return django(stack, code)["cases"]


# --- (a) the worker killed in the middle of the month's proformas ---------------------------


def fault_a(stack: Stack, db: Db, fx: dict) -> dict:
    stack.start_worker(0)
    time.sleep(8)  # the cluster up; its first minute's jobs on their way
    run = django(
        stack,
        """
import json
from django.utils import timezone
from posventa.collections.services import proforma_run_start
from posventa.common.queue import enqueue
run = proforma_run_start(period=timezone.localdate())
enqueue("posventa.collections.jobs.run_proformas", run.pk)  # what the page's button does
print(json.dumps({"run": run.pk, "companies": run.companies_total,
                  "chunks": run.chunks.count()}))
""",
    )
    total = run["companies"]
    started = time.monotonic()
    done_at_kill = None
    while time.monotonic() - started < 600:
        done = db.value(
            "SELECT companies_done FROM collections_proformarun WHERE id=%s", [run["run"]]
        )
        if done >= total * 0.35:
            kill_group(stack, "worker0")
            done_at_kill = done
            break
        time.sleep(0.2)
    left_sending = skip_send_lease(db) if done_at_kill is not None else 0
    if done_at_kill is None:
        return {"error": "the run did not reach a third of its customers in 10 min"}
    chunks_at_kill = db.one(
        "SELECT count(*) FILTER (WHERE finished_at IS NOT NULL),"
        " count(*) FILTER (WHERE started_at IS NOT NULL AND finished_at IS NULL),"
        " count(*) FILTER (WHERE started_at IS NULL)"
        " FROM collections_proformachunk WHERE run_id=%s",
        [run["run"]],
    )
    time.sleep(3)
    stack.start_worker(0)
    restarted = time.monotonic()
    resumes = []

    def finished() -> bool:
        status = db.value("SELECT status FROM collections_proformarun WHERE id=%s", [run["run"]])
        if status != "running":
            return True
        # What the 5-minute `resume_proforma_runs` would do once its 10 minutes
        # pass, with a threshold of 30 s (a live chunk's row moves every customer).
        if time.monotonic() - restarted > 30 and (
            not resumes or time.monotonic() - resumes[-1][0] > 20
        ):
            queued = django(
                stack,
                "import json\nfrom datetime import timedelta\n"
                "from posventa.collections.services import resume_proforma_runs\n"
                "print(json.dumps(resume_proforma_runs(stale_after=timedelta(seconds=30))))",
            )
            resumes.append((time.monotonic(), queued))
        return False

    took = wait_until(finished, 600, every=3)
    # The e-mails of the sendings: sent after each customer's commit, or by the
    # minute's `deliver_pending` for one whose send the kill cut off.
    wait_until(
        lambda: (
            db.value(
                "SELECT count(*) FROM outbox_outgoingemail e JOIN collections_proformasending s"
                " ON s.email_id=e.id WHERE s.run_id=%s AND e.status<>'sent'",
                [run["run"]],
            )
            == 0
        ),
        240,
        every=5,
    )
    state = django(
        stack,
        f"""
import json
from django.db.models import Count
from posventa.collections.models import Proforma, ProformaRun, ProformaSending
from posventa.inventory.models import Product
from posventa.outbox.models import OutgoingEmail
run = ProformaRun.objects.get(pk={run["run"]})
sendings = ProformaSending.objects.filter(period=run.period)
emails = OutgoingEmail.objects.filter(pk__in=sendings.values("email_id"))
print(json.dumps({{
    "status": run.status, "companies_done": run.companies_done,
    "companies_failed": run.companies_failed, "run_counted": run.proformas_created,
    "proformas": Proforma.objects.filter(sending__period=run.period).count(),
    "expected": Product.objects.exclude(status="withdrawn").count(),
    "twice": Proforma.objects.filter(sending__period=run.period).values("product_id")
        .annotate(n=Count("pk")).filter(n__gt=1).count(),
    "sendings": sendings.count(),
    "customers_with_products": run.companies_total,
    "sendings_twice": sendings.values("company_id").annotate(n=Count("pk")).filter(n__gt=1).count(),
    "emails": emails.count(),
    "emails_sent": emails.filter(status="sent").count(),
    "email_keys": sorted([e.subject, sorted(e.to)] for e in emails),
    "chunks_attempts": list(run.chunks.order_by("number").values_list("attempts", flat=True)),
    "error": run.error,
}}, default=str))
""",
    )
    keys = state.pop("email_keys")
    received = messages(stack.mail_record)
    wanted = {(s, tuple(t)) for s, t in keys}
    got = Counter((m["subject"], tuple(sorted(m["to"]))) for m in received)
    ids = Counter(
        m["message_id"] for m in received if (m["subject"], tuple(sorted(m["to"]))) in wanted
    )
    state.update(
        {
            "run": run,
            "done_at_kill": done_at_kill,
            "emails_left_sending_by_the_kill": left_sending,
            "chunks_at_kill_finished_running_waiting": list(chunks_at_kill),
            "resumed_by_hand": [q for _t, q in resumes],
            "seconds_to_finish_after_restart": round(took) if took is not None else None,
            "smtp_received": sum(got[k] for k in wanted),
            "smtp_missing": sum(1 for k in wanted if got[k] == 0),
            "smtp_twice_by_subject_to": sum(1 for k in wanted if got[k] > 1),
            "smtp_twice_by_message_id": sum(1 for n in ids.values() if n > 1),
        }
    )
    ok = (
        state["status"] == "done"
        and state["proformas"] == state["expected"]
        and state["twice"] == 0
        and state["sendings_twice"] == 0
        and state["sendings"] == state["customers_with_products"]
        and state["smtp_missing"] == 0
        # A copy delivered twice keeps its Message-ID: the receiving side drops it.
        and state["smtp_twice_by_subject_to"] == state["smtp_twice_by_message_id"]
    )
    state["ok"] = ok
    state["line"] = (
        f"(a) kill -9 the worker's group at {done_at_kill}/{total} customers of the month's "
        f"proformas ({run['chunks']} chunks), restart it"
        + (f", resume_proforma_runs(stale_after=30 s) ×{len(resumes)}" if resumes else "")
        + f" → run {state['status']} {state['seconds_to_finish_after_restart']} s after restart;"
        f" proformas {state['proformas']}/{state['expected']} contracts, {state['twice']} twice;"
        f" sendings {state['sendings']}/{total} customers, {state['sendings_twice']} twice;"
        f" e-mails sent {state['emails_sent']}/{state['emails']} ({left_sending} left 'sending' by"
        " the kill, their 10-min lease skipped), received by SMTP"
        f" {state['smtp_received']} ({state['smtp_missing']} missing,"
        f" {state['smtp_twice_by_subject_to']} twice by subject+recipient,"
        f" {state['smtp_twice_by_message_id']} twice by Message-ID)"
    )
    return state


# --- (b) the worker killed in the middle of firing timers -------------------------------------


def fault_b(stack: Stack, db: Db, fx: dict) -> dict:
    stop_process(stack, "worker0")
    # Received 24 h less 90 s ago: the timer is not due when each case opens
    # (a due one fires inside case_open), and is due before the worker starts.
    due_in = 75
    opened = time.time()
    cases = open_cases(stack, TIMER_CASES, age_seconds=86400 - due_in)
    instances = [c["instance"] for c in cases]
    count_sql = (
        "SELECT count(*) FROM engine_taskevent WHERE bpmn_id='warn_check' AND instance_id = ANY(%s)"
    )
    fired_at_open = db.value(count_sql, [instances])
    time.sleep(max(0.0, opened + due_in + 3 - time.time()))
    stack.start_worker(0)
    started = time.monotonic()
    warned_at_kill = None
    while time.monotonic() - started < 240:
        warned = db.value(count_sql, [instances])
        if warned >= max(fired_at_open + 1, len(instances) * 0.2):
            kill_group(stack, "worker0")
            warned_at_kill = db.value(count_sql, [instances])
            left_sending = skip_send_lease(db)
            break
        time.sleep(0.05)
    if warned_at_kill is None:
        return {
            "error": "no timer fired within 4 minutes",
            "ok": False,
            "line": "(b) no timer fired",
        }
    time.sleep(2)
    stack.start_worker(0)
    took = wait_until(lambda: db.value(count_sql, [instances]) >= len(instances), 240, every=3)
    time.sleep(10)  # anything that would fire twice has its minute
    per_case = once_none_twice(
        db,
        instances,
        "SELECT count(*) FROM engine_taskevent WHERE instance_id = x AND bpmn_id = 'warn_check'",
    )
    alerts = once_none_twice(
        db,
        [c["case"] for c in cases],
        "SELECT count(*) FROM cases_alert WHERE case_id = x AND role = 'team_lead'",
    )
    received = messages(stack.mail_record)
    by_case = Counter()
    numbers = {c["number"] for c in cases}
    for m in received:
        for number in numbers & set(m["subject"].replace(":", " ").split()):
            if "team_lead" in " ".join(m["to"]) or "teamlead" in " ".join(m["to"]):
                by_case[number] += 1
    state = {
        "cases": len(cases),
        "fired_inside_case_open": fired_at_open,
        "warned_at_kill": warned_at_kill,
        "emails_left_sending_by_the_kill": left_sending,
        "seconds_to_all_after_restart": round(took) if took is not None else None,
        "warn_events_once_none_twice": list(per_case),
        "team_lead_alerts_once_none_twice": list(alerts),
        "team_lead_emails_once": sum(1 for n in numbers if by_case[n] == 1),
        "team_lead_emails_missing": sum(1 for n in numbers if by_case[n] == 0),
        "team_lead_emails_twice": sum(1 for n in numbers if by_case[n] > 1),
    }
    state["ok"] = (
        per_case[0] == len(cases)
        and alerts[0] == len(cases)
        and state["team_lead_emails_once"] == len(cases)
    )
    state["line"] = (
        f"(b) {len(cases)} plan changes opened with the 24-hour timer due {due_in} s later"
        f" ({fired_at_open} fired at once), the worker started after it and killed -9"
        f" at {warned_at_kill}/{len(cases)} warnings fired, restarted → all fired"
        f" {state['seconds_to_all_after_restart']} s after the restart; warn_check once/none/twice"
        f" {'/'.join(map(str, per_case))}; team-lead alerts once/none/twice"
        f" {'/'.join(map(str, alerts))}; team-lead e-mails once {state['team_lead_emails_once']},"
        f" missing {state['team_lead_emails_missing']}, twice {state['team_lead_emails_twice']}"
        f" ({left_sending} left 'sending' by the kill, their 10-min lease skipped)"
    )
    return state


# --- (c) the worker killed in the middle of sending the outbox --------------------------------


def fault_c(stack: Stack, db: Db, fx: dict) -> dict:
    stop_process(stack, "worker0")
    tag = f"fallo-c-{int(time.time())}"
    django(
        stack,
        f"""
import json
from posventa.cases.models import Case
from posventa.outbox.services import email_queue
case = Case.objects.get(number="{fx["case_number"]}")
for n in range({EMAILS}):
    email_queue(template="outbox/case_message", to=["cliente{{}}@empresa.com.bo".format(n)],
                context={{"case": case, "subject": "{tag} #{{:03d}}".format(n),
                          "message": "Prueba de fallos.", "sender": None}}, case=case)
print(json.dumps({{}}))
""",
        # Each e-mail's job waits for the stopped worker; should one be sent from here
        # after all, it finds no mail server and stays "failed", for the worker.
        env={"EMAIL_PORT": str(stack.smtp_port + 1)},
    )
    rows_sql = (
        "SELECT count(*) FILTER (WHERE status='sent'), count(*)"
        " FROM outbox_outgoingemail WHERE subject LIKE %s"
    )
    like = f"%{tag}%"
    before = db.one(rows_sql, [like])
    time.sleep(62)  # deliver_pending leaves a minute to each e-mail's own job
    restart_smtp(stack, 0.3)

    def received() -> list[dict]:
        return [m for m in messages(stack.mail_record) if tag in m["subject"]]

    stack.start_worker(0)
    started = time.monotonic()
    at_kill = None
    while time.monotonic() - started < 200:
        if len(received()) >= EMAILS * 0.3:
            kill_group(stack, "worker0")
            at_kill = len(received())
            left_sending = skip_send_lease(db)
            break
        time.sleep(0.05)
    if at_kill is None:
        restart_smtp(stack, 0.0)
        return {"error": "sending did not start", "ok": False, "line": "(c) sending did not start"}
    rows_at_kill = db.one(rows_sql, [like])
    time.sleep(2)
    stack.start_worker(0)
    took = wait_until(lambda: db.one(rows_sql, [like])[0] == EMAILS, 300, every=3)
    time.sleep(3)
    got = received()
    subjects = Counter(m["subject"] for m in got)
    ids = Counter(m["message_id"] for m in got)
    after = db.one(rows_sql, [like])
    restart_smtp(stack, 0.0)
    twice = sorted(s for s, n in subjects.items() if n > 1)
    state = {
        "queued": before[1],
        "sent_rows_before": before[0],
        "received_at_kill": at_kill,
        "left_sending_by_the_kill": left_sending,
        "rows_sent_at_kill": rows_at_kill[0],
        "seconds_to_all_sent_after_restart": round(took) if took is not None else None,
        "rows_sent": after[0],
        "smtp_messages": len(got),
        "distinct_subjects": len(subjects),
        "twice_by_subject": len(twice),
        "twice_subjects": twice,
        "distinct_message_ids": len(ids),
        "twice_by_message_id": sum(1 for n in ids.values() if n > 1),
    }
    # Exactly once, or a copy twice with its one Message-ID (the receiving side drops it).
    state["ok"] = (
        after[0] == EMAILS
        and len(subjects) == EMAILS
        and len(ids) == EMAILS
        and len(twice) == state["twice_by_message_id"]
    )
    state["line"] = (
        f"(c) {EMAILS} e-mails queued with no mail server, then a slow one (0.3 s a message);"
        f" the worker killed -9 after {at_kill} received ({left_sending} left 'sending', its"
        f" 10-min lease skipped), restarted → {after[0]}/{EMAILS} rows"
        f" 'sent' {state['seconds_to_all_sent_after_restart']} s after the restart; the server got"
        f" {len(got)} messages, {len(subjects)} distinct subjects, {len(twice)} twice by subject,"
        f" {len(ids)} distinct Message-IDs ({state['twice_by_message_id']} repeated)"
    )
    return state


# --- (d) the gunicorn worker killed in the middle of a step -----------------------------------


def _step_snapshot(db: Db, case: dict) -> dict:
    row = db.one(
        "SELECT md5(i.state::text), i.status, i.next_timer_at::text,"
        " (SELECT count(*) FROM engine_taskevent e WHERE e.instance_id=i.id),"
        " (SELECT coalesce(max(e.id), 0) FROM engine_taskevent e WHERE e.instance_id=i.id),"
        " (SELECT md5(string_agg(h.task_id::text || h.bpmn_id, ',')) FROM engine_humantask h"
        "  WHERE h.instance_id=i.id),"
        " (SELECT md5(row_to_json(c)::text) FROM cases_case c WHERE c.id=%s),"
        " (SELECT count(*) FROM cases_casedocument d WHERE d.case_id=%s),"
        " (SELECT plan_id FROM inventory_product p WHERE p.id=%s),"
        " (SELECT count(*) FROM customers_interaction x WHERE x.case_id=%s)"
        " FROM engine_processinstance i WHERE i.id=%s",
        [case["case"], case["case"], case["product"], case["case"], case["instance"]],
    )
    keys = [
        "state_md5",
        "status",
        "next_timer_at",
        "events",
        "last_event",
        "inbox_md5",
        "case_md5",
        "documents",
        "product_plan",
        "interactions",
    ]
    return dict(zip(keys, row, strict=True))


def fault_d(stack: Stack, db: Db, fx: dict) -> dict:
    import psycopg

    restart_web(stack, 1)
    case = open_cases(stack, 1, walk=True)[0]
    before = _step_snapshot(db, case)
    master = stack.process("web0").popen.pid
    worker_pid = children(master)[0]
    # A row the step writes late: the case (its answer moment, saved after the
    # process moved; the order request's document points at it).
    holder = psycopg.connect(stack.env["DATABASE_URL"])
    holder.execute("SELECT id FROM cases_case WHERE id=%s FOR UPDATE", [case["case"]])
    answer: dict = {}

    def complete() -> None:
        answer["first"] = call(
            stack,
            "POST",
            f"/api/v1/tasks/{case['task']}/complete",
            token=fx["token_commercial_manager"],
            body={"data": {"new_plan": case["new_plan"]}},
            timeout=120,
        )

    thread = threading.Thread(target=complete)
    thread.start()
    waiting = None
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and waiting is None:
        waiting = db.one(
            "SELECT pid, left(query, 160), state, wait_event_type, wait_event,"
            " now() - xact_start < interval '1 hour' FROM pg_stat_activity"
            " WHERE datname=%s AND wait_event_type='Lock' AND pid<>%s",
            [stack.database, holder.info.backend_pid],
        )
        time.sleep(0.1)
    if waiting is None:
        holder.rollback()
        holder.close()
        thread.join()
        return {
            "ok": False,
            "error": "the step did not wait on the lock",
            "answer": answer,
            "line": "(d) the step did not wait on the lock",
        }
    os.kill(worker_pid, signal.SIGKILL)
    killed = time.monotonic()
    time.sleep(1)
    holder.rollback()
    holder.close()
    thread.join()
    released = time.monotonic() - killed
    backend_gone = wait_until(
        lambda: not db.one("SELECT count(*) FROM pg_stat_activity WHERE pid=%s", [waiting[0]])[0],
        30,
        every=0.2,
    )
    after = _step_snapshot(db, case)
    replaced_from = time.monotonic() - killed
    replaced = wait_until(
        lambda: len(children(master)) == 1 and children(master)[0] != worker_pid, 30, 0.2
    )
    new_worker = children(master)
    second = call(
        stack,
        "POST",
        f"/api/v1/tasks/{case['task']}/complete",
        token=fx["token_commercial_manager"],
        body={"data": {"new_plan": case["new_plan"]}},
    )
    done = _step_snapshot(db, case)
    steps = db.one(
        "SELECT count(*) FILTER (WHERE ended_at IS NOT NULL), count(*) FROM engine_taskevent"
        " WHERE instance_id=%s AND bpmn_id='enter_plan_change'",
        [case["instance"]],
    )
    changed = sorted(k for k in before if before[k] != after[k])
    state = {
        "case": case["number"],
        "backend_waiting": {
            "pid": waiting[0],
            "query": waiting[1],
            "wait": f"{waiting[3]}/{waiting[4]}",
        },
        "first_answer": answer.get("first", (None, None, ""))[:2],
        "lock_released_after_kill_s": round(released, 1),
        "backend_gone_after_release_s": round(backend_gone, 1)
        if backend_gone is not None
        else None,
        "changed_by_the_killed_step": changed,
        "gunicorn_worker_before_after": [worker_pid, new_worker],
        "gunicorn_replaced_after_kill_s": round(replaced + replaced_from, 1)
        if replaced is not None
        else None,
        "second_answer": second[:2],
        "after_second": {k: done[k] for k in ("status", "events", "documents", "product_plan")},
        "enter_plan_change_done_total": list(steps),
        "product_plan_before_after": [before["product_plan"], done["product_plan"]],
    }
    state["ok"] = (
        not changed
        and second[0] == 200
        and steps[0] == 1
        and replaced is not None
        and done["product_plan"] == case["new_plan"]
    )
    state["line"] = (
        f"(d) a commercial manager's enter_plan_change over the API held on a lock of the case"
        f' (its backend waiting on "{waiting[1][:60]}…"); the gunicorn worker killed -9, the lock'
        f" released → client got {state['first_answer'][0] or state['first_answer'][1]}; nothing"
        f" saved: {'no change' if not changed else 'CHANGED ' + ','.join(changed)}"
        " (instance state,"
        f" inbox, events, case, documents, product's plan, interactions); the backend ended in"
        f" {state['backend_gone_after_release_s']} s after the lock was released; gunicorn had"
        f" a new worker at most {state['gunicorn_replaced_after_kill_s']} s after the kill;"
        f" the step again → {second[0]}, done {steps[0]} time(s), product on the new plan:"
        f" {done['product_plan'] == case['new_plan']}"
    )
    return state


# --- (e) PostgreSQL restarted during a load ---------------------------------------------------


def _pids(stack: Stack) -> dict:
    out = {}
    for p in stack.processes:
        if p.label in ("web0", "worker0"):
            out[p.label] = [p.popen.pid, children(p.popen.pid)]
    return out


def _summary(answers, since: float) -> dict:
    return dict(
        Counter(
            f"{label} {status} {ctype}" for t, label, status, ctype, *_r in answers if t >= since
        )
    )


def fault_e(stack: Stack, db: Db, fx: dict, pg: PrivatePostgres) -> dict:
    restart_web(stack, 2)
    if not any(p.label == "worker0" for p in stack.processes):
        stack.start_worker(0)
    time.sleep(5)
    pids_before = _pids(stack)
    load = Load(stack, fx)
    load.start()
    time.sleep(20)
    db.close()
    restart_began = time.time()
    pg.restart()
    back = time.time()
    time.sleep(40)
    load.stop()
    answers = sorted(load.answers)
    pids_after = _pids(stack)
    # Answered before the restart began (one in flight then belongs to the fault).
    before = [a for a in answers if a[0] + a[5] < restart_began]
    failing_before = sorted({a[1] for a in before if a[2] != 200})
    during = [a for a in answers if a[0] + a[5] >= restart_began]
    failures = [a for a in during if a[2] != 200]
    last_failure = max((a[0] + a[5] for a in failures), default=None)
    # Each kind of request: its first 200 asked after the server was back.
    first_ok = {}
    for t, label, status, *_r in answers:
        if t >= back and status == 200 and label not in first_ok:
            first_ok[label] = round(t - back, 2)
    statuses = Counter(a[2] for a in answers)
    bad_503 = [
        a
        for a in failures
        if a[2] == 503
        and not (
            (a[1] == "api_tasks" and a[3] == "application/json")
            or (a[1] != "api_tasks" and a[3] == "text/html" and a[4])
        )
    ]
    worker_alive = any(p.label == "worker0" and p.popen.poll() is None for p in stack.processes)
    heartbeat = first_run_after(db, "posventa.common.jobs.heartbeat", back)
    state = {
        "requests": len(answers),
        "statuses": {str(k): v for k, v in statuses.items()},
        "by_kind_before_restart": _summary(before, 0),
        "failing_before_restart": failing_before,
        "by_kind_after_restart": _summary(answers, restart_began),
        "restart_took_s": round(back - restart_began, 2),
        "failures": len(failures),
        "failures_500": sum(1 for a in failures if a[2] >= 500 and a[2] != 503),
        "failures_no_answer": sum(1 for a in failures if a[2] == 0),
        "503_not_as_expected": len(bad_503),
        "503_html_spanish": sum(
            1 for a in failures if a[2] == 503 and a[3] == "text/html" and a[4]
        ),
        "503_json": sum(1 for a in failures if a[2] == 503 and a[3] == "application/json"),
        "last_failure_after_back_s": round(last_failure - back, 2) if last_failure else None,
        "first_200_after_back_s": first_ok,
        "pids_before": pids_before,
        "pids_after": pids_after,
        "same_processes": pids_before == pids_after,
        "worker_alive": worker_alive,
        "worker_heartbeat_after_s": round(heartbeat) if heartbeat is not None else None,
    }
    state["ok"] = (
        state["failures_500"] == 0
        and state["failures_no_answer"] == 0
        and not bad_503
        and len(first_ok) == 3
        and not failing_before
        and worker_alive
    )
    state["line"] = (
        f"(e) pg_ctl restart -m fast ({state['restart_took_s']} s) in the middle of 60 s of 4"
        f" threads on the inbox, a case and /api/v1/tasks → {len(answers)} answers"
        f" {state['statuses']}"
        + (
            f" (already failing before the restart: {state['by_kind_before_restart']})"
            if failing_before
            else " (all 200 before the restart)"
        )
        + f"; from the restart on {state['503_html_spanish']} Spanish 503 pages,"
        f" {state['503_json']} JSON 503s,"
        f" {state['failures_500']} 500s, {state['failures_no_answer']} without answer,"
        f" {state['503_not_as_expected']} 503s not in the expected form; last failure"
        f" {state['last_failure_after_back_s']} s after the server was back; first 200 after it"
        f" {first_ok}; gunicorn and worker pids unchanged: {state['same_processes']};"
        f" worker heartbeat again after {state['worker_heartbeat_after_s']} s"
    )
    return state


# --- (f) Redis stopped for a minute -----------------------------------------------------------


def fault_f(stack: Stack, db: Db, fx: dict, redis_server: PrivateRedis) -> dict:
    if not any(p.label == "worker0" for p in stack.processes):
        stack.start_worker(0)
    cases = open_cases(stack, 5, walk=True)
    time.sleep(3)
    pids_before = _pids(stack)
    load = Load(stack, fx, threads=3)
    load.start()
    time.sleep(5)
    redis_server.stop()
    stopped = time.time()
    steps = []
    for case in cases:
        time.sleep(6)
        steps.append(
            call(
                stack,
                "POST",
                f"/api/v1/tasks/{case['task']}/complete",
                token=fx["token_commercial_manager"],
                body={"data": {"new_plan": case["new_plan"]}},
            )[:2]
        )
    time.sleep(max(0.0, 60 - (time.time() - stopped)))
    deferred_sql = (
        "SELECT count(*) FROM common_deferredjob"
        if db.value("SELECT to_regclass('common_deferredjob') IS NOT NULL")
        else "SELECT NULL"
    )
    deferred_while_down = db.value(deferred_sql)  # jobs kept in the database meanwhile
    redis_server.start()
    returned = time.time()
    time.sleep(5)
    load.stop()
    answers = sorted(load.answers)
    case_ids = [c["case"] for c in cases]
    docs_sql = (
        "SELECT count(*) FILTER (WHERE status='ready'), count(*) FROM cases_casedocument"
        " WHERE case_id = ANY(%s) AND generated"
    )
    took = wait_until(
        lambda: (lambda r: r[1] >= len(cases) and r[0] == r[1])(db.one(docs_sql, [case_ids])),
        300,
        5,
    )
    docs = db.one(docs_sql, [case_ids])
    deferred_after = db.value(deferred_sql)
    per_case = once_none_twice(
        db, case_ids, "SELECT count(*) FROM cases_casedocument WHERE case_id = x AND generated"
    )
    done_steps = db.value(
        "SELECT count(*) FROM engine_taskevent WHERE instance_id = ANY(%s)"
        " AND bpmn_id='enter_plan_change' AND ended_at IS NOT NULL",
        [[c["instance"] for c in cases]],
    )
    pids_after = _pids(stack)
    worker = next((p for p in stack.processes if p.label == "worker0"), None)
    worker_alive = worker is not None and worker.popen.poll() is None
    heartbeat = first_run_after(db, "posventa.common.jobs.heartbeat", returned)
    during = [a for a in answers if stopped <= a[0] < returned]
    state = {
        "answers_while_down": len(during),
        "statuses_while_down": {str(k): v for k, v in Counter(a[2] for a in during).items()},
        "by_kind_while_down": _summary(during, 0),
        "steps_while_down": steps,
        "steps_done": done_steps,
        "jobs_kept_in_database_while_down": deferred_while_down,
        "jobs_kept_after": deferred_after,
        "documents_ready_total": list(docs),
        "documents_per_case_once_none_twice": list(per_case),
        "documents_ready_after_return_s": round(took + 5) if took is not None else None,
        "worker_alive": worker_alive,
        "worker_pids_before_after": [pids_before.get("worker0"), pids_after.get("worker0")],
        "worker_heartbeat_after_return_s": round(heartbeat) if heartbeat is not None else None,
    }
    state["ok"] = (
        all(a[2] == 200 for a in during)
        and all(s[0] == 200 for s in steps)
        and per_case[0] == len(cases)
        and docs[0] == len(cases)
        and worker_alive
        and heartbeat is not None
    )
    if not worker_alive:
        worker_said = "DEAD (nothing restarts it)"
    elif pids_before.get("worker0") == pids_after.get("worker0"):
        worker_said = "alive, same pids"
    else:
        worker_said = f"alive, its processes replaced {pids_before.get('worker0')} → " + str(
            pids_after.get("worker0")
        )
    state["worker"] = worker_said
    state["line"] = (
        f"(f) the private Redis stopped for {returned - stopped:.0f} s while 3 threads used the"
        f" inbox, a case and the API, and {len(cases)} enter_plan_change steps (each queues its"
        f" order request) were completed → pages while down {state['statuses_while_down']};"
        f" steps {[s[0] or s[1] for s in steps]} ({done_steps} done; {deferred_while_down} jobs"
        f" kept in the database meanwhile, {deferred_after} left after); documents ready"
        f" {docs[0]}/{len(cases)} (once/none/twice per case {'/'.join(map(str, per_case))})"
        f" {state['documents_ready_after_return_s']} s after Redis returned; worker {worker_said};"
        f" heartbeat again after {state['worker_heartbeat_after_return_s']} s"
    )
    return state


# --- main -----------------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", default="a,b,c,d,e,f")
    args = parser.parse_args()
    only = [f.strip() for f in args.only.split(",") if f.strip()]
    pg = PrivatePostgres(free_port(PG_PORT))
    redis_server = PrivateRedis(free_port(REDIS_PORT))
    stack = Stack(
        "faults",
        port_base=free_port(PORT_BASE, step=10, plus=(25,)),
        redis_db=0,
        web_concurrency=1,
        worker_concurrency=2,
        pg_server=pg.url,
        redis_server=redis_server.url,
        extra_env={"POSVENTA_PROFORMA_CHUNK": "25"},
    )
    report: dict = {"command": " ".join(["python", "bench/faults.py", *sys.argv[1:]])}
    lines = []
    started = time.perf_counter()
    db = Db(stack)
    try:
        pg.start()
        redis_server.start()
        fx = setup(stack)
        report["setup_s"] = fx["setup_s"]
        print(
            f"== set-up in {fx['setup_s']} s (private PostgreSQL :{pg.port},"
            f" Redis :{redis_server.port}, gunicorn :{stack.web_port(0)})",
            flush=True,
        )
        stack.start_smtp()
        stack.start_web(0)
        faults = {
            "a": lambda: fault_a(stack, db, fx),
            "b": lambda: fault_b(stack, db, fx),
            "c": lambda: fault_c(stack, db, fx),
            "d": lambda: fault_d(stack, db, fx),
            "e": lambda: fault_e(stack, db, fx, pg),
            "f": lambda: fault_f(stack, db, fx, redis_server),
        }
        for name in only:
            began = time.perf_counter()
            try:
                result = faults[name]()
            except Exception as error:  # one fault failing does not hide the others
                result = {
                    "ok": False,
                    "error": f"{type(error).__name__}: {error}",
                    "line": f"({name}) failed to run: {type(error).__name__}: {error}",
                }
            result["seconds"] = round(time.perf_counter() - began)
            report[name] = result
            verdict = "ok" if result.get("ok") else "NOT ok"
            line = f"{result['line']} [{verdict}, {result['seconds']} s]"
            lines.append(line)
            print(line, flush=True)
    finally:
        stack.stop()
        db.close()
        redis_server.stop()
        pg.stop()
    report["total_s"] = round(time.perf_counter() - started)
    print("\n".join(["", "== faults", *lines, ""]))
    text = json.dumps(report, indent=1, default=str)
    print(text)
    stack.var.mkdir(parents=True, exist_ok=True)
    (stack.var / "report.json").write_text(text)


if __name__ == "__main__":
    main()
