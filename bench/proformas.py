"""Monthly proformas benchmark (procedure I, issues 6 and the chunked run), on
SQLite and on PostgreSQL, produced by the real job worker.

10 000 contracts (2 000 customers of five contracts each, in eight
portfolios): one PDF per contract, one e-mail with the PDFs and one
interaction per customer. The run is started as the proformas page starts it
(`proforma_run_start` + the job `run_proformas`, which queues one job per
chunk of POSVENTA_PROFORMA_CHUNK customers) and produced by `manage.py
worker` with 1, then 2 processes (WORKER_CONCURRENCY), each time a new month
of the same data: on SQLite with the queue in the database (ORM broker), on
PostgreSQL with the queue in Redis (REDIS_URL on database 13, under a
cluster name of its own, so it takes no other queue's jobs). Prints
contracts per second from the run's own start and end times, and what a
second run of the month adds (nothing).

Then the fault: a worker of 2 processes is killed -9 (its whole process
group, as a machine or cgroup dying would) in the middle of a month's run,
started again, and `resume_proforma_runs` is called as its every-5-minutes
job would after its 10-minute threshold (here at once: stale_after=0). The
run must end with every contract's proforma exactly once, its counters
right and no orphan PDF.

Knobs: BENCH_PROFORMA_CONTRACTS (10 000), BENCH_PROFORMA_WORKERS ("1,2"),
BENCH_PROFORMA_FAULT ("1"; "0" skips the kill), BENCH_PROFORMA_REDIS
(redis://127.0.0.1:6379/13). The worker, its processes and the bench's
Redis keys are stopped and removed at the end, also on failure.

Run with `make bench`; prints figures; fails only when the fault run loses
or doubles a proforma.
"""

import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

import _harness

PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/posventa_bench_proformas"
)
REDIS_URL = os.environ.get("BENCH_PROFORMA_REDIS", "redis://127.0.0.1:6379/13")
CONTRACTS = int(os.environ.get("BENCH_PROFORMA_CONTRACTS", "10000"))
WORKERS = [int(n) for n in os.environ.get("BENCH_PROFORMA_WORKERS", "1,2").split(",") if n]
FAULT = os.environ.get("BENCH_PROFORMA_FAULT", "1") != "0"
PER_COMPANY = 5
# Generous: 2 000 customers at the slowest figure seen (~30 contracts/s) take ~6 minutes.
RUN_TIMEOUT = max(300.0, CONTRACTS / 5)


def setup(backend: str) -> dict:
    """The bench's database (a new SQLite file, or the PostgreSQL database
    dropped and created), and a settings module of its own for the bench
    and its worker: PDFs to a scratch folder, e-mails dropped, the queue
    under a cluster name of its own. Returns the worker's environment."""
    scratch = Path(tempfile.mkdtemp(prefix="posventa-bench-proformas-"))
    media = scratch / "media"
    cluster = f"posventa-bench-proformas-{os.getpid()}"
    (scratch / "bench_proforma_settings.py").write_text(
        "from config.settings import *  # noqa: F403\n"
        f"MEDIA_ROOT = {str(media)!r}\n"
        'EMAIL_BACKEND = "django.core.mail.backends.dummy.EmailBackend"\n'
        f'Q_CLUSTER = {{**Q_CLUSTER, "name": {cluster!r}}}  # noqa: F405\n'
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "bench_proforma_settings",
        "PYTHONPATH": os.pathsep.join([str(scratch), str(_harness.ROOT)]),
        "DEBUG": "1",
        "LOG_LEVEL": "WARNING",
    }
    if backend == "postgresql":
        import psycopg

        server, name = PG_URL.rsplit("/", 1)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
        env |= {"DATABASE_URL": PG_URL, "REDIS_URL": REDIS_URL}
    else:
        env |= {"POSVENTA_VAR_DIR": str(scratch / "var")}
        os.environ.pop("DATABASE_URL", None)
        os.environ.pop("REDIS_URL", None)
    os.environ.update(env)
    sys.path[:0] = [str(scratch), str(_harness.ROOT)]
    import django

    django.setup()
    from django.core.management import call_command
    from django_q.models import Schedule

    call_command("migrate", verbosity=0)
    # No periodic job of the app competes for the cores while it is measured
    # (the resume job is called by hand in the fault run).
    Schedule.objects.all().delete()
    return {**os.environ, **env}


def populate() -> None:
    from posventa.accounts.roles import Role
    from posventa.catalog.models import Plan, ProductType
    from posventa.customers.models import Company, Contact
    from posventa.factories import UserFactory
    from posventa.inventory.models import Product

    executives = [UserFactory(username=f"bench_exec{i}", role=Role.EXECUTIVE) for i in range(8)]
    internet = ProductType.objects.get(code="internet")
    plans = [
        Plan.objects.create(
            code=f"BENCH-{i}",
            name=f"Internet {i}0 Mbps",
            product_type=internet,
            monthly_price=200 + 75 * i,
        )
        for i in range(1, 4)
    ]
    companies = Company.objects.bulk_create(
        Company(
            nit=str(5000000 + n),
            legal_name=f"Empresa {n} S.R.L.",
            address="Av. Heroínas 100",
            executive=executives[n % len(executives)],
        )
        for n in range(CONTRACTS // PER_COMPANY)
    )
    Contact.objects.bulk_create(
        Contact(company=c, name="Contacto", email=f"pagos{c.pk}@example.com", is_primary=True)
        for c in companies
    )
    Product.objects.bulk_create(
        (
            Product(
                company=company,
                service_number=f"7{index:07d}{k}",
                plan=plans[(index + k) % len(plans)],
                technology="fiber",
                installation_address="Av. Heroínas 100",
                installed_on=date(2024, 1, 1),
            )
            for index, company in enumerate(companies)
            for k in range(PER_COMPANY)
        ),
        batch_size=2000,
    )


class Worker:
    """`manage.py worker` with `processes` processes, in a process group of
    its own: stopped (or killed -9) whole."""

    def __init__(self, env: dict, processes: int):
        self.env = {**env, "WORKER_CONCURRENCY": str(processes)}
        self.proc = None
        self.log = Path(tempfile.mkstemp(prefix="posventa-bench-worker-", suffix=".log")[1])

    def start(self) -> None:
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "manage.py", "worker"],
                cwd=_harness.ROOT,
                env=self.env,
                start_new_session=True,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        try:
            self._wait_ready()
        except RuntimeError:
            print(self.log.read_text()[-3000:], file=sys.stderr)
            raise

    def _wait_ready(self) -> None:
        """Until the worker has run a job (its processes forked, connected)."""
        from django_q.models import Task
        from django_q.tasks import async_task

        # Asked again every 10 s: a probe can land in the Redis list while a
        # killed worker's pusher is not yet gone, and go with it (no ack).
        asked, sent = [], 0.0
        deadline = time.monotonic() + 120
        while not Task.objects.filter(id__in=asked).exists():
            if self.proc.poll() is not None:
                raise RuntimeError(f"the worker exited with {self.proc.returncode}")
            if time.monotonic() > deadline:
                raise RuntimeError("the worker did not run a job within 120 s")
            if time.monotonic() - sent > 10:
                asked.append(async_task("math.floor", 1.5))
                sent = time.monotonic()
            time.sleep(0.2)

    def kill(self) -> None:
        """kill -9 of every process of the worker (the cluster, its sentinel,
        pusher, monitor and the processes running jobs)."""
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait()
        time.sleep(2)  # its other processes go too (not waited for: not our children)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()
        except ProcessLookupError:
            pass


def start_run(month: date):
    """As the proformas page does: the run and its chunks, then the job."""
    from posventa.collections.services import proforma_run_start
    from posventa.common.queue import enqueue

    run = proforma_run_start(period=month)
    assert getattr(run, "just_created", False), "a run of this month was under way"
    enqueue("posventa.collections.jobs.run_proformas", run.pk)
    return run


def wait_done(run, *, until_done: float | None = None):
    """Polls the run's row (as the page does) until it ends, or until
    `until_done` of its customers are done; returns it."""
    deadline = time.monotonic() + RUN_TIMEOUT
    while True:
        run.refresh_from_db()
        if run.status != "running":
            return run
        if until_done is not None and run.companies_done >= until_done * run.companies_total:
            return run
        if time.monotonic() > deadline:
            raise RuntimeError(f"run {run.pk} not finished in {RUN_TIMEOUT:.0f} s")
        time.sleep(0.5)


def measure(env: dict, processes: int, month: date) -> dict:
    worker = Worker(env, processes)
    try:
        worker.start()
        load = os.getloadavg()[0]
        run = wait_done(start_run(month))
        seconds = (run.finished_at - run.created_at).total_seconds()
        again = wait_done(start_run(month))
        again_seconds = (again.finished_at - again.created_at).total_seconds()
    finally:
        worker.stop()
    return {
        "processes": processes,
        "status": run.status,
        "contracts": run.proformas_created,
        "companies": run.companies_done,
        "chunks": run.chunks.count(),
        "seconds": seconds,
        "per_second": run.proformas_created / seconds if seconds else 0.0,
        "load_before": load,
        "load_after": os.getloadavg()[0],
        "again_created": again.proformas_created,
        "again_seconds": again_seconds,
    }


def fault(env: dict, month: date) -> dict:
    """kill -9 in the middle, start again, resume; checks exactly once."""
    from django.conf import settings
    from django.db.models import Count

    from posventa.collections.models import Proforma, ProformaSending
    from posventa.collections.services import resume_proforma_runs
    from posventa.inventory.models import Product

    worker = Worker(env, 2)
    try:
        worker.start()
        run = wait_done(start_run(month), until_done=0.3)
        worker.kill()
        run.refresh_from_db()
        at_kill = run.companies_done
        in_flight = run.chunks.filter(finished_at__isnull=True, started_at__isnull=False).count()
        worker.start()
        requeued = resume_proforma_runs(stale_after=timedelta(0))
        run = wait_done(run)
    finally:
        worker.stop()
    proformas = Proforma.objects.filter(sending__period=month)
    doubled = proformas.values("product").annotate(n=Count("id")).filter(n__gt=1).count()
    expected = Product.objects.exclude(status="withdrawn").count()
    folder = Path(settings.MEDIA_ROOT) / "proformas" / f"{month:%Y-%m}"
    files = len(list(folder.glob("*.pdf")))
    result = {
        "status": run.status,
        "at_kill": at_kill,
        "in_flight": in_flight,
        "requeued": requeued,
        "attempts": sum(run.chunks.values_list("attempts", flat=True)),
        "chunks": run.chunks.count(),
        "expected": expected,
        "proformas": proformas.count(),
        "doubled": doubled,
        "sendings": ProformaSending.objects.filter(period=month).count(),
        "companies": run.companies_total,
        "counted_done": run.companies_done,
        "counted_created": run.proformas_created,
        "files": files,
    }
    result["exactly_once"] = (
        run.status == "done"
        and result["proformas"] == expected == result["counted_created"] == files
        and doubled == 0
        and result["sendings"] == result["companies"] == result["counted_done"]
    )
    return result


def purge_redis(env: dict) -> None:
    """The bench's own keys in Redis (its queue, its cluster's stats)."""
    if "REDIS_URL" not in env:
        return
    import redis
    from django_q.conf import Conf

    connection = redis.from_url(env["REDIS_URL"])
    keys = list(connection.scan_iter(f"django_q:{Conf.CLUSTER_NAME}:*"))
    if keys:
        connection.delete(*keys)


def child(backend: str) -> dict:
    env = setup(backend)
    try:
        populate()
        from django.db import connection

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("ANALYZE")
        runs = [measure(env, n, date(2026, month, 1)) for month, n in enumerate(WORKERS, 1)]
        result = {"runs": runs, "rss_peak_mb": 0.0}
        if FAULT:
            result["fault"] = fault(env, date(2026, 12, 1))
        result["rss_peak_mb"] = (
            resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        )  # the largest worker process
        return result
    finally:
        purge_redis(env)


def report(backend: str, r: dict) -> None:
    broker = "Redis" if backend == "postgresql" else "the database (ORM)"
    print(f"\n[{backend}] monthly proformas by `manage.py worker`, queue in {broker}")
    for run in r["runs"]:
        print(
            f"  {run['processes']} process(es): {run['contracts']:,} contracts of"
            f" {run['companies']:,} customers in {run['chunks']} chunks, {run['seconds']:.1f} s"
            f" → {run['per_second']:.1f} contracts/s ({run['status']});"
            f" load {run['load_before']:.1f} → {run['load_after']:.1f}"
        )
        print(
            f"      second run of the month: {run['again_created']} proformas added"
            f" in {run['again_seconds']:.1f} s"
        )
    print(f"  peak memory of a worker process (RSS): {r['rss_peak_mb']:.1f} MB")
    f = r.get("fault")
    if f:
        print(
            f"  kill -9 at {f['at_kill']:,} of {f['companies']:,} customers"
            f" ({f['in_flight']} chunks in hand), restarted, {f['requeued']} chunks queued again:"
            f" {f['status']}; {f['proformas']:,} proformas of {f['expected']:,} contracts,"
            f" {f['doubled']} doubled, {f['sendings']:,} sendings, counted"
            f" {f['counted_done']:,} customers / {f['counted_created']:,} proformas,"
            f" {f['files']:,} PDF files; {f['attempts']} chunk attempts for {f['chunks']} chunks"
            f" → {'exactly once' if f['exactly_once'] else 'NOT EXACTLY ONCE'}"
        )
        if not f["exactly_once"]:
            raise SystemExit(f"[{backend}] the fault run lost or doubled proformas")


if __name__ == "__main__":
    _harness.run(__file__, child=child, report=report)
