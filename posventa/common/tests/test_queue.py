"""A broker that refuses never breaks the caller, and the jobs it refused run
once it answers again: on a real Redis broker (a closed port, then the live
server on a database number of its own)."""

import socket
import uuid

import pytest
import redis
from django.db import transaction
from django_q.brokers import get_broker
from django_q.conf import Conf
from django_q.models import Task
from django_q.tasks import _sync

from posventa.common.management.commands.worker import wait_for_broker
from posventa.common.models import DeferredJob, WorkerHeartbeat
from posventa.common.queue import enqueue, relay_deferred

LIVE_REDIS = "redis://127.0.0.1:6379/13"
JOB = "posventa.common.jobs.heartbeat"


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_broker(monkeypatch):
    """django-q2 on a Redis broker (not the tests' sync mode), on a queue of
    this test's own; `point(url)` moves it between a dead and a live server."""
    monkeypatch.setattr(Conf, "SYNC", False)
    monkeypatch.setattr(Conf, "ORM", None)
    monkeypatch.setattr(Conf, "CLUSTER_NAME", f"posventa-test-{uuid.uuid4().hex[:12]}")
    try:
        redis.from_url(LIVE_REDIS, socket_connect_timeout=2).ping()
    except redis.RedisError:
        pytest.skip("no Redis on 127.0.0.1:6379")

    def point(url: str):
        monkeypatch.setattr(Conf, "REDIS", url)
        return get_broker()

    yield point
    point(LIVE_REDIS).delete_queue()


def _run_what_the_broker_holds(broker) -> int:
    """The worker's part, by django-q2's own in-process cluster (`_sync`):
    take each job off the queue, run it, record its result."""
    ran = 0
    while (taken := broker.dequeue()) is not None:
        for _ack, pack in taken:
            _sync(pack)
            ran += 1
    return ran


def test_a_refused_job_is_kept_and_the_caller_does_not_fail(transactional_db, redis_broker, caplog):
    redis_broker(f"redis://127.0.0.1:{_closed_port()}/0")
    with transaction.atomic():
        enqueue(JOB, timeout=30)
    # The change committed and the caller got no error: the job waits here.
    (kept,) = DeferredJob.objects.all()
    assert (kept.func, kept.args, kept.kwargs, kept.timeout, kept.attempts) == (JOB, [], {}, 30, 1)
    assert "ConnectionError" in kept.last_error
    assert "kept for later" in caplog.text


def test_jobs_refused_while_redis_was_down_run_exactly_once_when_it_is_back(
    transactional_db, redis_broker
):
    redis_broker(f"redis://127.0.0.1:{_closed_port()}/0")
    for _ in range(3):
        with transaction.atomic():
            enqueue(JOB)
    assert DeferredJob.objects.count() == 3
    # Still down: the relay hands nothing over and keeps every job.
    assert relay_deferred() == 0
    assert DeferredJob.objects.count() == 3
    assert DeferredJob.objects.order_by("pk").first().attempts == 2

    live = redis_broker(LIVE_REDIS)
    assert relay_deferred() == 3
    assert relay_deferred() == 0  # handed over once: the rows went with them
    assert not DeferredJob.objects.exists()
    assert live.queue_size() == 3

    assert _run_what_the_broker_holds(live) == 3
    assert Task.objects.filter(func=JOB, success=True).count() == 3
    assert WorkerHeartbeat.objects.exists()


def test_a_job_enqueued_while_redis_answers_goes_straight_to_it(transactional_db, redis_broker):
    live = redis_broker(LIVE_REDIS)
    with transaction.atomic():
        enqueue(JOB)
        assert live.queue_size() == 0  # not before the commit
    assert live.queue_size() == 1
    assert not DeferredJob.objects.exists()


def test_a_rolled_back_change_neither_enqueues_nor_keeps_its_job(transactional_db, redis_broker):
    redis_broker(f"redis://127.0.0.1:{_closed_port()}/0")
    with pytest.raises(ZeroDivisionError), transaction.atomic():
        enqueue(JOB)
        1 / 0  # noqa: B018
    assert not DeferredJob.objects.exists()


def test_the_worker_waits_for_redis_before_starting_its_cluster(redis_broker, settings):
    redis_broker(f"redis://127.0.0.1:{_closed_port()}/0")
    settings.REDIS_URL = Conf.REDIS
    waits = []

    def sleep(seconds):
        waits.append(seconds)
        if len(waits) == 3:  # Redis comes back during the third wait
            redis_broker(LIVE_REDIS)

    assert wait_for_broker(sleep=sleep) == 3
    assert waits == [1.0, 2.0, 4.0]
