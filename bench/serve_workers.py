"""gunicorn's sync workers against gthread workers, on this machine's cores.

`python bench/serve_workers.py` (also run by `make bench`; needs PostgreSQL on
127.0.0.1:5432 and `wrk`, `apt-get install wrk`): a production instance
(DEBUG off, PostgreSQL, the demo's data, static files collected) is served by
gunicorn in each configuration in turn, and wrk sends 16 connections for 15 s
to the inbox and to a case page of the team lead, logged in. It prints
requests per second and latency percentiles per configuration and their ratio
to sync; the choice and its reason are in docs/deploy.md.
"""

import os
import re
import secrets
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORT = 8799
CONFIGS = [
    # name, processes, threads per process
    ("sync ×5", 5, 1),
    ("gthread 2×4", 2, 4),
    ("gthread 3×4", 3, 4),
]
DURATION = "15s"
CONNECTIONS = 16


def main() -> None:
    if not shutil.which("wrk"):
        print("wrk is not installed (apt-get install wrk): skipped")
        return
    var = tempfile.mkdtemp(prefix="posventa-bench-serve-")
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/posventa_bench_serve",
        "ALLOWED_HOSTS": "127.0.0.1",
        "POSVENTA_BEHIND_TLS_PROXY": "1",
        "POSVENTA_VAR_DIR": var,
        "PORT": str(PORT),
        "LOG_LEVEL": "WARNING",
    }
    manage = [sys.executable, "manage.py"]
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import psycopg; c = psycopg.connect('postgres://postgres@127.0.0.1:5432/postgres',"
            " autocommit=True); c.execute('DROP DATABASE IF EXISTS posventa_bench_serve"
            " WITH (FORCE)'); c.execute('CREATE DATABASE posventa_bench_serve')",
        ],
        check=True,
    )
    for step in (
        ["migrate", "-v0"],
        ["deploy_procedures"],
        ["demo", "--quiet"],
        ["collectstatic", "--noinput", "-v0"],
    ):
        subprocess.run([*manage, *step], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    cookie, case = subprocess.run(
        [
            *manage,
            "shell",
            "-v0",
            "-c",
            "from django.contrib.auth import SESSION_KEY, BACKEND_SESSION_KEY, HASH_SESSION_KEY\n"
            "from django.contrib.sessions.backends.db import SessionStore\n"
            "from posventa.accounts.models import User\n"
            "from posventa.cases.models import Case\n"
            "u = User.objects.filter(role='team_lead').first()\n"
            "s = SessionStore(); s[SESSION_KEY] = str(u.pk)\n"
            "s[BACKEND_SESSION_KEY] = 'django.contrib.auth.backends.ModelBackend'\n"
            "s[HASH_SESSION_KEY] = u.get_session_auth_hash(); s.create()\n"
            "print(s.session_key, Case.objects.order_by('-pk').first().number)",
        ],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    print(f"{'configuration':14} {'page':6} {'req/s':>7} {'p50 ms':>7} {'p99 ms':>7}  vs sync")
    baseline: dict[str, float] = {}
    for name, processes, threads in CONFIGS:
        server = subprocess.Popen(
            ["gunicorn", "--config", "config/gunicorn.py", "config.wsgi:application"],
            env={**env, "WEB_CONCURRENCY": str(processes), "WEB_THREADS": str(threads)},
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            _wait(PORT)
            for page, path in (("inbox", "/bandeja/"), ("case", f"/casos/{case}/")):
                rate, p50, p99 = _wrk(path, cookie)
                baseline.setdefault(page, rate)
                print(
                    f"{name:14} {page:6} {rate:7.0f} {p50:7.1f} {p99:7.1f}  "
                    f"{rate / baseline[page]:.2f}×"
                )
        finally:
            server.terminate()
            server.wait()
    shutil.rmtree(var, ignore_errors=True)


def _wait(port: int) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=2)
            return
        except OSError:
            time.sleep(0.3)
    raise SystemExit("gunicorn did not start")


def _wrk(path: str, cookie: str) -> tuple[float, float, float]:
    output = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{CONNECTIONS}",
            f"-d{DURATION}",
            "--latency",
            "-H",
            f"Cookie: sessionid={cookie}",
            "-H",
            "X-Forwarded-Proto: https",
            f"http://127.0.0.1:{PORT}{path}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "Non-2xx" in output:
        raise SystemExit(f"wrk saw errors on {path}:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    return rate, _ms(output, "50%"), _ms(output, "99%")


def _ms(output: str, label: str) -> float:
    value, unit = re.search(rf"{label}\s+([\d.]+)(us|ms|s)\b", output).groups()
    return float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit]


if __name__ == "__main__":
    main()
