"""The production profile on this machine, for the load and fault runs
(`bench/load.py`, `bench/faults.py`): PostgreSQL and Redis (already running
on 127.0.0.1), N gunicorn instances and N workers started as docs/deploy.md
says (`bin/serve`, `manage.py worker`), DEBUG off, an SMTP server that
records what it receives (`_smtp_sink.py`), and, with more than one web
instance, nginx in front as the load balancer. Each run has its own
database, Redis database, folder (var/<name>/) and ports; everything
started is stopped at the end, also on failure.

Plain HTTP between the client and the app (POSVENTA_HTTPS=0): the TLS proxy
is not what is measured here, and the load client would otherwise not send
its Secure cookies over HTTP.
"""

import os
import secrets
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
BIN = Path(PYTHON).parent
PG_SERVER = "postgres://postgres@127.0.0.1:5432"


@dataclass
class Process:
    """One started process, with the log it writes to."""

    label: str
    popen: subprocess.Popen
    log: Path


@dataclass
class Stack:
    name: str
    webs: int = 1
    workers: int = 1
    web_concurrency: int | None = 4  # None: gunicorn's own default (2 × cores + 1)
    worker_concurrency: int = 2
    port_base: int = 8900
    redis_db: int = 11
    smtp_delay: float = 0.0
    # The servers: the machine's own by default; bench/faults.py starts
    # private ones, which it may restart without disturbing anything else.
    pg_server: str = PG_SERVER
    redis_server: str = "redis://127.0.0.1:6379"
    extra_env: dict = field(default_factory=dict)
    processes: list[Process] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.var = ROOT / "var" / self.name
        self.database = f"posventa_{self.name}"
        self.mail_record = self.var / "mail.jsonl"
        self.env = {
            **os.environ,
            "PATH": f"{BIN}:{os.environ.get('PATH', '')}",
            "DJANGO_SETTINGS_MODULE": "config.settings",
            "DEBUG": "0",
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DATABASE_URL": f"{self.pg_server}/{self.database}",
            "REDIS_URL": f"{self.redis_server}/{self.redis_db}",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "POSVENTA_HTTPS": "0",
            "POSVENTA_BEHIND_TLS_PROXY": "1",
            "POSVENTA_VAR_DIR": str(self.var),
            "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(self.smtp_port),
            "EMAIL_USE_TLS": "0",
            "LOG_LEVEL": "WARNING",
            # Every successful job kept: the runs count the scheduled ones.
            "POSVENTA_Q_SAVE_LIMIT": "0",
            "WORKER_CONCURRENCY": str(self.worker_concurrency),
            **self.extra_env,
        }
        self.env.pop("WEB_CONCURRENCY", None)
        if self.web_concurrency is not None:
            self.env["WEB_CONCURRENCY"] = str(self.web_concurrency)

    # --- ports ------------------------------------------------------------
    @property
    def smtp_port(self) -> int:
        return self.port_base + 25

    @property
    def balancer_port(self) -> int:
        return self.port_base + 80

    def web_port(self, index: int) -> int:
        return self.port_base + index

    @property
    def url(self) -> str:
        port = self.balancer_port if self.webs > 1 else self.web_port(0)
        return f"http://127.0.0.1:{port}"

    # --- set-up -----------------------------------------------------------
    def prepare(self, template: str | None = None) -> None:
        """A new database and Redis database, migrated, the procedures
        deployed, the schedules written, the static files collected. With
        `template`, the database starts as a copy of that one."""
        import psycopg
        import redis

        shutil.rmtree(self.var, ignore_errors=True)
        self.var.mkdir(parents=True)
        with psycopg.connect(f"{self.pg_server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')
            copy = f' TEMPLATE "{template}"' if template else ""
            conn.execute(f'CREATE DATABASE "{self.database}"{copy}')
        redis.Redis.from_url(self.env["REDIS_URL"]).flushdb()
        for step in (
            ["migrate", "--noinput", "-v0"],
            ["deploy_procedures"],
            ["schedules"],
            ["collectstatic", "--noinput", "-v0"],
        ):
            self.manage(*step)

    def manage(self, *args: str, capture: bool = False) -> str:
        done = subprocess.run(
            [PYTHON, "manage.py", *args],
            env=self.env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE if capture else subprocess.DEVNULL,
            text=True,
        )
        return done.stdout or ""

    def script(self, path: str, *args: str) -> str:
        """Run a script of the repository with this stack's environment."""
        return subprocess.run(
            [PYTHON, path, *args],
            env=self.env,
            cwd=ROOT,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout

    def python(self, code: str) -> str:
        """Run `code` in a Django process of this stack; what it prints."""
        return self.script("-c", f"import django; django.setup()\n{code}")

    # --- processes --------------------------------------------------------
    def _spawn(self, label: str, argv: list[str], env: dict | None = None) -> Process:
        log = self.var / f"{label}.log"
        popen = subprocess.Popen(
            argv,
            env=env or self.env,
            cwd=ROOT,
            stdout=log.open("ab"),
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: stopped as a whole
        )
        process = Process(label, popen, log)
        self.processes.append(process)
        return process

    def start_smtp(self) -> Process:
        return self._spawn(
            "smtp",
            [
                PYTHON,
                str(ROOT / "bench" / "_smtp_sink.py"),
                str(self.smtp_port),
                str(self.mail_record),
                str(self.smtp_delay),
            ],
        )

    def start_web(self, index: int = 0) -> Process:
        env = {**self.env, "PORT": str(self.web_port(index))}
        process = self._spawn(f"web{index}", ["bin/serve"], env)
        wait_http(f"http://127.0.0.1:{self.web_port(index)}/health/live")
        return process

    def start_worker(self, index: int = 0) -> Process:
        return self._spawn(f"worker{index}", [PYTHON, "manage.py", "worker"])

    def start_balancer(self) -> Process:
        """nginx on `balancer_port`, round robin over the web instances."""
        prefix = self.var / "nginx"
        (prefix / "logs").mkdir(parents=True, exist_ok=True)
        upstream = "\n".join(
            f"        server 127.0.0.1:{self.web_port(i)};" for i in range(self.webs)
        )
        (prefix / "nginx.conf").write_text(
            f"""
worker_processes 1;
user root;
pid {prefix}/nginx.pid;
error_log {prefix}/logs/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    upstream posventa_web {{
{upstream}
        keepalive 16;
    }}
    server {{
        listen 127.0.0.1:{self.balancer_port};
        client_max_body_size 12m;
        proxy_read_timeout 75s;
        location / {{
            proxy_pass http://posventa_web;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Forwarded-Proto http;
            proxy_set_header X-Request-ID $request_id;
            proxy_redirect off;
            # A web instance that does not answer: the request goes to the other.
            proxy_next_upstream error timeout;
        }}
    }}
}}
"""
        )
        process = self._spawn(
            "nginx",
            ["nginx", "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
        )
        wait_http(f"{self.url}/health/live")
        return process

    def start(self) -> None:
        self.start_smtp()
        for index in range(self.webs):
            self.start_web(index)
        for index in range(self.workers):
            self.start_worker(index)
        if self.webs > 1:
            self.start_balancer()

    def stop(self) -> None:
        for process in reversed(self.processes):
            stop_group(process.popen)
        self.processes.clear()

    def __enter__(self) -> "Stack":
        return self

    def __exit__(self, *exc) -> None:
        self.stop()

    def process(self, label: str) -> Process:
        return next(p for p in self.processes if p.label == label)

    # --- what the processes use ---------------------------------------------
    def memory(self) -> dict[str, float]:
        """Resident memory (MB) of each process this stack started and of its
        children (gunicorn's workers, django-q2's processes), by
        "label pid" ("web0 1234", "web0/1240" for a child)."""
        children = _children_by_parent()
        sizes: dict[str, float] = {}
        for process in self.processes:
            pid = process.popen.pid
            if process.popen.poll() is not None:
                continue
            sizes[f"{process.label} {pid}"] = _rss_mb(pid)
            stack = list(children.get(pid, []))
            while stack:
                child = stack.pop()
                stack.extend(children.get(child, []))
                rss = _rss_mb(child)
                if rss:
                    sizes[f"{process.label}/{child}"] = rss
        return sizes

    def cpu_seconds(self) -> dict[int, tuple[str, float]]:
        """CPU time (user + system, seconds) used so far by each process this
        stack started and by its children: {pid: (group label, seconds)}."""
        children = _children_by_parent()
        used: dict[int, tuple[str, float]] = {}
        for process in self.processes:
            if process.popen.poll() is not None:
                continue
            stack = [process.popen.pid]
            while stack:
                pid = stack.pop()
                stack.extend(children.get(pid, []))
                used[pid] = (process.label, process_cpu_seconds(pid))
        return used


def process_cpu_seconds(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def machine_cpu_seconds() -> tuple[float, float]:
    """(busy, idle) CPU seconds of the whole machine since it started."""
    values = [int(v) for v in Path("/proc/stat").read_text().split("\n")[0].split()[1:]]
    tick = os.sysconf("SC_CLK_TCK")
    idle = values[3] + values[4]
    return (sum(values[:8]) - idle) / tick, idle / tick


def stop_group(popen: subprocess.Popen, timeout: float = 20) -> None:
    if popen.poll() is not None:
        return
    try:
        os.killpg(popen.pid, signal.SIGTERM)
    except ProcessLookupError:
        return
    try:
        popen.wait(timeout)
    except subprocess.TimeoutExpired:
        os.killpg(popen.pid, signal.SIGKILL)
        popen.wait()


def wait_http(url: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s")


def _children_by_parent() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        parent = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(parent, []).append(int(entry))
    return children


def _rss_mb(pid: int) -> float:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0
