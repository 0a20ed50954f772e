"""The month's proformas in chunks, one job each, shared by the worker's
processes: the split, every contract once, a chunk whose job died (a worker
killed -9 in the middle of a customer) run again from where it got to with
nothing missing and nothing twice, the stale chunks queued again and only
those, the run ended exactly once, and a second run of the month adding
nothing. The queue runs in sync mode here: a job queued after the commit
runs at once (`django_capture_on_commit_callbacks(execute=True)`)."""

import threading
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.collections import services
from posventa.collections.models import (
    Proforma,
    ProformaChunk,
    ProformaRun,
    ProformaSending,
    RunStatus,
)
from posventa.collections.services import (
    CHUNK_MAX_ATTEMPTS,
    CHUNK_STALE_AFTER,
    proforma_chunk_execute,
    proforma_run_dispatch,
    proforma_run_start,
    resume_proforma_runs,
)
from posventa.factories import CompanyFactory, ContactFactory, ProductFactory
from posventa.outbox.models import OutgoingEmail

MONTH = date(2026, 3, 1)
NOW = datetime(2026, 3, 2, 10, tzinfo=ZoneInfo("America/La_Paz"))


@pytest.fixture(autouse=True)
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def customers(team, internet_plans, media, settings):
    """Five customers of the executive, the second with two contracts (six in
    all), each with a contact that gets them by e-mail; chunks of two."""
    settings.POSVENTA_PROFORMA_CHUNK = 2
    made = []
    for n in range(5):
        company = CompanyFactory(executive=team[Role.EXECUTIVE], legal_name=f"Cliente {n} S.A.")
        ContactFactory(company=company, is_primary=True, email=f"pagos{n}@cliente.bo")
        ProductFactory(company=company, plan=internet_plans[0], service_number=f"INT-{n}0")
        if n == 1:
            ProductFactory(company=company, plan=internet_plans[0], service_number=f"INT-{n}1")
        made.append(company)
    return made


def dispatch(run, capture) -> int:
    with capture(execute=True):
        return proforma_run_dispatch(run=run)


def stored_files(settings, folder: str = "") -> set[str]:
    root = Path(settings.MEDIA_ROOT)
    return {str(p.relative_to(root)) for p in (root / folder).rglob("*.pdf")}


def assert_every_contract_once(customers):
    products = [p for c in customers for p in c.products.all()]
    assert Proforma.objects.count() == len(products)
    assert sorted(Proforma.objects.values_list("product_id", flat=True)) == sorted(
        p.pk for p in products
    )
    assert ProformaSending.objects.filter(period=MONTH).count() == len(customers)
    assert OutgoingEmail.objects.count() == len(customers)


class Killed(BaseException):
    """What a kill -9 leaves: nothing of the job runs after it (not even
    its `except Exception`), its open transaction rolls back."""


def kill_at_customer(monkeypatch, number: int, error: type[BaseException] = Killed):
    """Customer `number` (1-based, across the run) dies in its transaction,
    after its sending and PDF files were written, before its interaction."""
    real = services.interaction_record
    seen = {"count": 0}

    def dying(**kwargs):
        seen["count"] += 1
        if seen["count"] == number:
            raise error("killed")
        return real(**kwargs)

    monkeypatch.setattr(services, "interaction_record", dying)


def test_a_run_splits_into_chunks_of_the_setting_and_every_contract_gets_one_proforma(
    team, customers, django_capture_on_commit_callbacks
):
    run = proforma_run_start(period=MONTH, user=team[Role.TEAM_LEAD])
    chunks = list(run.chunks.order_by("number"))
    ids = sorted(c.pk for c in customers)
    assert [c.company_ids for c in chunks] == [ids[0:2], ids[2:4], ids[4:5]]
    assert [c.companies_total for c in chunks] == [2, 2, 1]
    assert run.companies_total == 5 and run.status == RunStatus.RUNNING

    assert dispatch(run, django_capture_on_commit_callbacks) == 3
    run.refresh_from_db()
    assert (run.status, run.companies_done, run.proformas_created, run.companies_failed) == (
        RunStatus.DONE,
        5,
        6,
        0,
    )
    assert run.finished_at is not None and run.percent == 100
    assert_every_contract_once(customers)
    assert list(run.chunks.values_list("position", "proformas_created", "attempts")) == [
        (2, 3, 1),
        (2, 2, 1),
        (1, 1, 1),
    ]
    assert not run.chunks.filter(finished_at__isnull=True).exists()


def test_a_chunk_killed_mid_customer_is_run_again_from_where_it_got_to_nothing_twice(
    customers, django_capture_on_commit_callbacks, monkeypatch, settings, clock
):
    run = proforma_run_start(period=MONTH)
    kill_at_customer(monkeypatch, 4)  # the first customer of the second chunk is done
    with pytest.raises(Killed):
        dispatch(run, django_capture_on_commit_callbacks)
    first, second, third = run.chunks.order_by("number")
    assert first.finished_at is not None
    # The second chunk: started, its first customer done and counted, the
    # second rolled back (its PDF left in storage), the third never run.
    assert (second.position, second.finished_at, second.attempts) == (1, None, 1)
    assert second.started_at is not None and third.started_at is None
    run.refresh_from_db()
    assert (run.status, run.companies_done, run.proformas_created) == (RunStatus.RUNNING, 3, 4)
    assert ProformaSending.objects.count() == 3
    orphan = "proformas/2026-03/proforma-INT-30-2026-03.pdf"
    assert orphan in stored_files(settings, "proformas")
    monkeypatch.undo()

    # Its job is still taken for alive: a second job for it does nothing.
    assert proforma_chunk_execute(chunk_id=second.pk) == 0
    second.refresh_from_db()
    assert (second.position, second.attempts) == (1, 1)

    # Ten minutes on, the every-5-minutes job queues it again (and the one
    # never run, whose job went with the killed worker); they finish the run.
    clock.shift(CHUNK_STALE_AFTER + timedelta(seconds=1))
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_proforma_runs() == 2
    second.refresh_from_db()
    assert (second.position, second.attempts, second.proformas_created) == (2, 2, 2)
    run.refresh_from_db()
    assert (run.status, run.companies_done, run.proformas_created, run.companies_failed) == (
        RunStatus.DONE,
        5,
        6,
        0,
    )
    assert_every_contract_once(customers)
    # The retry wrote the PDF under the same name: no orphan proforma is
    # left. (The e-mail's copy of the attachment in outbox/ is the outbox's:
    # it stays, and the retry's gets a suffix.)
    proformas = set(Proforma.objects.values_list("file", flat=True))
    assert stored_files(settings, "proformas") == proformas and orphan in proformas


def test_a_chunk_whose_job_failed_is_let_go_saying_why_and_the_next_job_finishes_it(
    customers, django_capture_on_commit_callbacks, monkeypatch
):
    run = proforma_run_start(period=MONTH)
    kill_at_customer(monkeypatch, 2, error=RuntimeError)
    with pytest.raises(RuntimeError):
        dispatch(run, django_capture_on_commit_callbacks)
    first = run.chunks.get(number=1)
    assert (first.position, first.started_at, first.finished_at) == (1, None, None)
    assert "RuntimeError: killed" in first.error
    monkeypatch.undo()
    with django_capture_on_commit_callbacks(execute=True):
        assert proforma_run_dispatch(run=run) == 3
    run.refresh_from_db()
    assert (run.status, run.companies_done, run.proformas_created) == (RunStatus.DONE, 5, 6)
    assert_every_contract_once(customers)


def test_resume_queues_again_only_the_stale_unfinished_chunks(
    customers, django_capture_on_commit_callbacks, clock
):
    run = proforma_run_start(period=MONTH)
    first, second, third = run.chunks.order_by("number")
    assert proforma_chunk_execute(chunk_id=first.pk) == 3  # finished long ago
    now = timezone.now()
    old = now - CHUNK_STALE_AFTER - timedelta(seconds=1)
    ProformaChunk.objects.filter(pk=first.pk).update(updated_at=old)
    # The second's job is alive (its row moved a minute ago); the third's died.
    ProformaChunk.objects.filter(pk=second.pk).update(
        started_at=old, updated_at=now - timedelta(minutes=1), attempts=1
    )
    ProformaChunk.objects.filter(pk=third.pk).update(started_at=old, updated_at=old, attempts=1)
    # Another month's run that ended: never looked at.
    done = ProformaRun.objects.create(period=date(2026, 2, 1), status=RunStatus.DONE)
    ProformaChunk.objects.create(run=done, number=1, company_ids=[customers[0].pk])
    ProformaChunk.objects.filter(run=done).update(updated_at=old)

    with django_capture_on_commit_callbacks(execute=True):
        assert resume_proforma_runs() == 1
    third.refresh_from_db()
    assert (third.position, third.attempts, third.finished_at is not None) == (1, 2, True)
    second.refresh_from_db()
    assert (second.position, second.finished_at, second.attempts) == (0, None, 1)
    assert ProformaChunk.objects.get(run=done).attempts == 0
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING  # the second is still at work
    # Right after, nothing is stale: nothing is queued twice.
    with django_capture_on_commit_callbacks(execute=True) as queued:
        assert resume_proforma_runs() == 0
    assert queued == []


def test_a_chunk_that_failed_too_often_is_given_up_and_the_run_ends_failed_saying_so(
    customers, django_capture_on_commit_callbacks
):
    run = proforma_run_start(period=MONTH)
    first, second, third = run.chunks.order_by("number")
    for chunk in (first, third):
        assert proforma_chunk_execute(chunk_id=chunk.pk) > 0
    old = timezone.now() - CHUNK_STALE_AFTER - timedelta(seconds=1)
    ProformaChunk.objects.filter(pk=second.pk).update(
        started_at=None, updated_at=old, attempts=CHUNK_MAX_ATTEMPTS, error="OperationalError: x"
    )
    assert proforma_chunk_execute(chunk_id=second.pk) == 0  # no fourth attempt
    with django_capture_on_commit_callbacks(execute=True):
        assert resume_proforma_runs() == 0
    second.refresh_from_db()
    assert second.gave_up and second.finished_at is not None
    run.refresh_from_db()
    assert run.status == RunStatus.FAILED and run.finished_at is not None
    assert "2 clientes sin proformas" in run.error and "OperationalError: x" in run.error
    # A new run of the month produces what it left, and only that.
    again = proforma_run_start(period=MONTH)
    assert again.pk != run.pk
    dispatch(again, django_capture_on_commit_callbacks)
    again.refresh_from_db()
    assert (again.status, again.proformas_created) == (RunStatus.DONE, 2)
    assert_every_contract_once(customers)


def test_the_run_is_ended_once_and_its_end_is_not_written_again(
    customers, django_capture_on_commit_callbacks
):
    run = proforma_run_start(period=MONTH)
    dispatch(run, django_capture_on_commit_callbacks)
    run.refresh_from_db()
    ended = run.finished_at
    stale = ProformaRun.objects.get(pk=run.pk)
    stale.status = RunStatus.RUNNING  # as a second closer read it a moment before
    assert services._finish_run_if_complete(stale) is False
    run.refresh_from_db()
    assert (run.status, run.finished_at) == (RunStatus.DONE, ended)
    # A finished chunk's job again (the ORM broker gives a job back after
    # its retry time) does nothing.
    for chunk in run.chunks.all():
        assert proforma_chunk_execute(chunk_id=chunk.pk) == 0
    run.refresh_from_db()
    assert (run.companies_done, run.proformas_created, run.finished_at) == (5, 6, ended)


@pytest.mark.django_db(transaction=True)
def test_two_chunks_finishing_at_the_same_moment_end_the_run_exactly_once(
    reference_data, team, internet_plans, media, settings, monkeypatch
):
    """Two worker processes close the run's last two chunks at once: each
    has marked its chunk finished and not committed when both look at the
    run (a barrier holds them there), so without the lock on the run's row
    each would see the other's chunk unfinished and the run would never end.
    PostgreSQL only: SQLite lets one writer at a time (IMMEDIATE
    transactions), so the race cannot happen there — and the test database
    in memory answers "table is locked" instead of waiting."""
    if connection.vendor != "postgresql":
        pytest.skip("SQLite serialises writers: no two chunks close at once")
    settings.POSVENTA_PROFORMA_CHUNK = 1
    for n in range(2):
        company = CompanyFactory(executive=team[Role.EXECUTIVE])
        ProductFactory(company=company, plan=internet_plans[0], service_number=f"INT-T{n}")
    run = proforma_run_start(period=MONTH)
    barrier = threading.Barrier(2, timeout=10)
    real = services._locked_run

    def together(run_id):
        barrier.wait()
        return real(run_id)

    monkeypatch.setattr(services, "_locked_run", together)
    errors = []

    def work(chunk_id):
        try:
            proforma_chunk_execute(chunk_id=chunk_id)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [
        threading.Thread(target=work, args=(pk,)) for pk in run.chunks.values_list("pk", flat=True)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert errors == []
    run.refresh_from_db()
    assert (run.status, run.companies_done, run.proformas_created) == (RunStatus.DONE, 2, 2)
    assert run.finished_at is not None


def test_a_second_run_of_the_month_adds_nothing(
    customers, django_capture_on_commit_callbacks, settings
):
    dispatch(proforma_run_start(period=MONTH), django_capture_on_commit_callbacks)
    files = stored_files(settings)
    again = proforma_run_start(period=MONTH)
    assert getattr(again, "just_created", False)
    dispatch(again, django_capture_on_commit_callbacks)
    again.refresh_from_db()
    assert (again.status, again.companies_done, again.proformas_created) == (
        RunStatus.DONE,
        5,
        0,
    )
    assert_every_contract_once(customers)
    assert stored_files(settings) == files
