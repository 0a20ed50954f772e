"""What the benchmarks share: Django on a fresh SQLite file or a fresh
PostgreSQL database, percentiles, and one child process per backend whose
last line of output is its figures as JSON. (`bin/bench` runs every
`bench/*.py` but this one.)"""

import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    ordered = sorted(samples_ms)
    p50 = statistics.median(ordered)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return p50, p95


def setup_django(backend: str, *, pg_url: str, debug: bool = True) -> None:
    """Django on an empty, migrated database of that backend: a new SQLite
    file in a scratch folder, or the PostgreSQL database of `pg_url` dropped
    and created again. `debug=False` runs as production does (DEBUG off: no
    query log kept per statement)."""
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings"
    os.environ["DEBUG"] = "1" if debug else "0"
    if not debug:
        os.environ.setdefault("SECRET_KEY", "bench-only-secret")
    os.environ["LOG_LEVEL"] = "WARNING"
    if backend == "postgresql":
        os.environ["DATABASE_URL"] = pg_url
        import psycopg

        server, name = pg_url.rsplit("/", 1)
        with psycopg.connect(f"{server}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
            conn.execute(f'CREATE DATABASE "{name}"')
    else:
        os.environ.pop("DATABASE_URL", None)
        os.environ["POSVENTA_VAR_DIR"] = tempfile.mkdtemp(prefix="posventa-bench-")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def pg_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 5432), 2).close()
        return True
    except OSError:
        return False


def run(script: str, *, child: Callable[[str], dict], report: Callable[[str, dict], None]):
    """`python bench/x.py`: each backend in its own process (`--child
    BACKEND` prints `child(BACKEND)` as JSON), then `report` of each."""
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        print(json.dumps(child(sys.argv[2])))
        return
    backends = ["sqlite"] + (["postgresql"] if pg_reachable() else [])
    for backend in backends:
        out = subprocess.run(
            [sys.executable, script, "--child", backend],
            check=True,
            stdout=subprocess.PIPE,  # the child's errors show as they happen
            text=True,
        ).stdout
        report(backend, json.loads(out.strip().splitlines()[-1]))
    if "postgresql" not in backends:
        print("\nPostgreSQL not reachable on 127.0.0.1:5432: its run was skipped.")
