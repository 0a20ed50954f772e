"""gunicorn's configuration, read from the environment (`bin/serve` passes it).

PORT               port to listen on (default 8000)
BIND               full address instead of 127.0.0.1:$PORT (e.g. 0.0.0.0:8000
                   when the TLS proxy is on another machine)
WEB_CONCURRENCY    worker processes (default 2 × cores + 1)
WEB_THREADS        threads per process (default 1: sync workers; >1: gthread)
WEB_TIMEOUT        seconds a request may take before its worker is restarted (default 60)

Why sync workers by default: docs/deploy.md, "Choosing the workers" (measured
on 2 cores with bench/serve_workers.py).
"""

import gc
import multiprocessing
import os

port = os.environ.get("PORT", "8000")
bind = os.environ.get("BIND") or f"127.0.0.1:{port}"
workers = int(os.environ.get("WEB_CONCURRENCY") or multiprocessing.cpu_count() * 2 + 1)
threads = int(os.environ.get("WEB_THREADS") or 1)
worker_class = "gthread" if threads > 1 else "sync"
timeout = int(os.environ.get("WEB_TIMEOUT") or 60)
graceful_timeout = 30
keepalive = 5
# A worker is replaced after this many requests (with jitter, so they do not
# all restart together): bounds the memory a long-lived process can gather.
max_requests = 2000
max_requests_jitter = 200
# Posventa writes its own line per request (posventa.common.middleware), in JSON.
accesslog = None
errorlog = "-"
loglevel = os.environ.get("LOG_LEVEL", "info").lower()
# Load the application once in the master, then fork: faster starts, shared memory.
preload_app = True
# Headers and request line bounded (gunicorn's defaults, written down).
limit_request_line = 8190
limit_request_fields = 100
limit_request_field_size = 8190
# The proxy talks to gunicorn on the loopback or a private network only;
# X-Forwarded-* is then trusted by Django when POSVENTA_BEHIND_TLS_PROXY=1.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


# Python's garbage collector (posventa/common/gc_tuning.py): off in the master
# while it loads, so it leaves no holes in the pages the workers share; the
# loaded objects frozen before each fork, so no collection in a worker walks
# them (no full collection of them inside a request) nor writes to their
# pages; on again in each worker, for what its requests create.
gc.disable()


def when_ready(server):
    from django.db import connections

    from posventa.common import gc_tuning

    gc_tuning.warm_up()
    connections.close_all()


def pre_fork(server, worker):
    from posventa.common import gc_tuning

    gc_tuning.freeze_after_warm_up()


def post_fork(server, worker):
    # preload_app: connections opened while loading belong to the master;
    # each worker must open its own.
    from django.db import connections

    for connection in connections.all(initialized_only=True):
        connection.close()
    gc.enable()
