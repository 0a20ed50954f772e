"""The sync folder (imports/sync.py): the commercial system's daily extracts,
each taken once by its bytes, checked, confirmed on the worker's next tick
and imported; the team lead e-mailed once about a file that needs a person.

Most tests run one tick of the job at a time, with the jobs it queues run
when the tick's transaction commits, as the worker does: a file is checked
after the tick that takes it, and confirmed on the next one."""

import os
import time

import pytest
from django.core import mail
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.customers.models import Company
from posventa.factories import UserFactory
from posventa.imports import jobs, services, sync
from posventa.imports.models import Entity, ImportRun, ImportSource, ImportStatus
from posventa.imports.tests.files import import_media, write_csv, write_xlsx  # noqa: F401
from posventa.outbox.models import OutgoingEmail

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_media")]

HEADER = ["NIT", "Razón social", "Dirección", "Ejecutiva"]
GOOD = [
    ["1020304015", "Hotel Muyurina S.R.L.", "Av. Ballivián 123", "ejecutiva"],
    ["3012345012", "Transportes Illimani S.A.", "Calle Jordán 45", "ejecutiva"],
]
REFUSED = ["4055501019", "Sin Ejecutiva Ltda.", "Av. América 9", "nadie"]


@pytest.fixture
def folder(settings, tmp_path):
    settings.POSVENTA_IMPORT_SYNC_DIR = tmp_path / "extractos"
    settings.CSRF_TRUSTED_ORIGINS = ["https://posventa.example.bo"]
    return settings.POSVENTA_IMPORT_SYNC_DIR


@pytest.fixture
def leads(db):
    """Two team leads who read e-mail, one without an address, one gone."""
    return [
        UserFactory(username="responsable", role=Role.TEAM_LEAD, email="jefa@example.bo"),
        UserFactory(username="suplente", role=Role.TEAM_LEAD, email="suplente@example.bo"),
        UserFactory(username="sin_correo", role=Role.TEAM_LEAD, email=""),
        UserFactory(username="antigua", role=Role.TEAM_LEAD, email="x@example.bo", is_active=False),
    ]


@pytest.fixture
def tick(folder, django_capture_on_commit_callbacks):
    """One run of the scheduled job; what it queued runs once it commits."""

    def run() -> list[ImportRun]:
        with django_capture_on_commit_callbacks(execute=True):
            return sync.sync_folder_take()

    return run


def drop(folder, name, rows=GOOD, header=HEADER, *, age=60):
    """A file the commercial system finished writing `age` seconds ago."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    if name.endswith(".csv"):
        write_csv(path, header, rows)
    elif name.endswith(".xlsx") or name.endswith(".part"):
        write_xlsx(path, header, rows)
    else:
        path.write_bytes(b"")
    moment = time.time() - age
    os.utime(path, (moment, moment))
    return path


def test_a_file_dropped_is_checked_then_imported_on_the_next_tick_and_stays_in_place(
    folder, executive, tick
):
    path = drop(folder, "empresas_2026-03-02.xlsx")
    taken = tick()
    assert [run.original_name for run in taken] == ["empresas_2026-03-02.xlsx"]
    run = taken[0]
    assert run.source == ImportSource.SYNC and run.started_by is None
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKED  # its dry run ran once the tick committed
    assert not Company.objects.exists()
    assert tick() == []  # nothing new; the checked one is confirmed and imported
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE and run.confirmed_by is None
    assert run.checked_counts["created"] == 2 and run.created == 2
    assert Company.objects.filter(executive=executive).count() == 2
    assert path.exists()  # the commercial system's folder is left as it was


@pytest.mark.django_db(transaction=True)
def test_in_the_worker_a_file_is_checked_and_imported_in_one_tick(folder, executive, leads):
    """Without a surrounding transaction (the worker's), each job queued runs
    as soon as its service commits: the dry run has ended when the tick looks."""
    drop(folder, "empresas.xlsx", rows=[*GOOD, REFUSED])
    (run,) = sync.sync_folder_take()
    assert run.status == ImportStatus.DONE, run.error
    assert (run.created, run.refused) == (2, 1)
    assert len(mail.outbox) == 1
    assert sync.sync_folder_take() == [] and len(mail.outbox) == 1


def test_the_same_bytes_under_another_name_are_not_taken_again(folder, executive, tick):
    first = drop(folder, "empresas.xlsx")
    tick()
    (folder / "copia de empresas.xlsx").write_bytes(first.read_bytes())
    old = time.time() - 60
    os.utime(folder / "copia de empresas.xlsx", (old, old))
    assert tick() == []
    assert ImportRun.objects.count() == 1


def test_two_ticks_in_a_row_take_nothing_the_second_time(folder, executive, tick):
    drop(folder, "empresas.xlsx")
    drop(folder, "empresas.csv", rows=[["5066601013", "Otra S.A.", "Calle 2", "ejecutiva"]])
    assert len(tick()) == 2
    assert tick() == []
    assert tick() == []
    assert ImportRun.objects.count() == 2
    assert Company.objects.count() == 3


def test_a_file_rewritten_under_the_same_name_is_taken_again(folder, executive, tick):
    drop(folder, "empresas.xlsx", age=120)
    tick()
    tick()
    drop(folder, "empresas.xlsx", rows=[["5066601013", "Otra S.A.", "Calle 2", "ejecutiva"]])
    (again,) = tick()
    assert again.original_name == "empresas.xlsx"
    assert ImportRun.objects.filter(original_name="empresas.xlsx").count() == 2


def test_a_file_still_being_written_is_left_for_a_later_tick(folder, executive, tick):
    fresh = drop(folder, "empresas.xlsx", age=1)
    drop(folder, "pagos.xlsx.part")  # a copy in progress
    drop(folder, ".empresas.xlsx")  # hidden
    drop(folder, "~$empresas.xlsx")  # Excel's lock file
    drop(folder, "leame.txt")
    assert tick() == []
    assert not ImportRun.objects.exists()
    old = time.time() - 60
    os.utime(fresh, (old, old))
    assert [run.original_name for run in tick()] == ["empresas.xlsx"]


def test_the_folder_is_created_when_missing(folder, tick):
    assert not folder.exists()
    assert tick() == []
    assert folder.is_dir()


def test_a_file_with_refused_rows_emails_the_team_leads_once(folder, executive, leads, tick):
    drop(folder, "empresas.xlsx", rows=[*GOOD, REFUSED])
    (run,) = tick()
    assert mail.outbox == []  # checked, not imported yet: nothing to tell
    tick()  # confirmed; the import runs once the tick commits
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE and run.refused == 1
    tick()  # the tick after the import tells of its refused rows
    assert len(mail.outbox) == 1
    email = mail.outbox[0]
    assert sorted(email.to) == ["jefa@example.bo", "suplente@example.bo"]
    assert "empresas.xlsx" in email.subject and "1" in email.subject
    url = "https://posventa.example.bo" + reverse("imports:detail", args=[run.pk])
    assert url in email.body and "empresas.xlsx" in email.body
    assert "2" in email.body and "1" in email.body  # the counts
    for _ in range(3):
        tick()
    assert len(mail.outbox) == 1
    assert OutgoingEmail.objects.filter(template=sync.PROBLEM_TEMPLATE).count() == 1


def test_a_file_without_refused_rows_tells_nobody(folder, executive, leads, tick):
    drop(folder, "empresas.xlsx")
    tick()
    tick()
    assert ImportRun.objects.get().status == ImportStatus.DONE
    assert mail.outbox == []


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("pagos.xlsx", b"PK\x03\x04 this is no workbook"),
        ("facturas.csv", bytes(range(256)) * 8),
        ("extracto.csv", b"Columna rara;Otra\n1;2\n"),  # no kind of records can be told
    ],
)
def test_an_unreadable_file_becomes_a_failed_run_with_its_reason_and_is_not_retried(
    folder, leads, tick, name, content
):
    folder.mkdir(parents=True)
    path = folder / name
    path.write_bytes(content)
    old = time.time() - 60
    os.utime(path, (old, old))
    (run,) = tick()
    assert run.status == ImportStatus.FAILED and run.source == ImportSource.SYNC
    assert run.error  # the reason, as import_open gave it
    assert len(mail.outbox) == 1 and name in mail.outbox[0].subject
    assert run.error in mail.outbox[0].body
    for _ in range(3):
        assert tick() == []
    assert ImportRun.objects.count() == 1 and len(mail.outbox) == 1


def test_a_failed_file_recorded_twice_is_one_run(folder):
    """Two workers refusing the same bytes at once: the database keeps one."""
    first = sync.sync_file_refuse(name="pagos.xlsx", digest="a" * 64, reason="Dañado.")
    second = sync.sync_file_refuse(name="pagos.xlsx", digest="a" * 64, reason="Dañado.")
    assert first is not None and second is None
    assert first.entity == Entity.PAYMENTS  # what its name says
    assert ImportRun.objects.count() == 1


def test_a_file_taken_by_another_worker_meanwhile_is_skipped(folder, executive, tick):
    path = drop(folder, "empresas.xlsx")
    candidate = sync.candidates(folder)[0]
    digest = sync.checksum(path)
    tick()  # the other worker
    assert sync._take(candidate, digest) is None
    assert ImportRun.objects.count() == 1


def test_an_extract_with_unknown_headers_waits_for_a_person_and_is_imported_after(
    folder, executive, leads, tick, team_lead
):
    header = ["Código tributario", "Razón social", "Dirección", "Ejecutiva"]
    drop(folder, "empresas.xlsx", header=header)
    (run,) = tick()
    assert run.status == ImportStatus.MAPPING
    assert len(mail.outbox) == 1 and "empresas.xlsx" in mail.outbox[0].subject
    assert reverse("imports:detail", args=[run.pk]) in mail.outbox[0].body
    tick()
    assert len(mail.outbox) == 1
    mapping = dict(zip(header, ["nit", "legal_name", "address", "executive"], strict=True))
    services.import_map_columns(run=run, mapping=mapping, user=team_lead)
    run.refresh_from_db()
    from posventa.imports import engine

    engine.run_phase(run, apply=False)  # the dry run the worker would run
    tick()  # the next tick confirms it
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE and Company.objects.count() == 2
    assert len(mail.outbox) == 1  # no refused rows: nothing more to tell


def test_no_team_lead_with_an_address_sends_nothing_and_fails_nothing(folder, executive, tick):
    drop(folder, "empresas.xlsx", rows=[*GOOD, REFUSED])
    tick()
    tick()
    assert ImportRun.objects.get().status == ImportStatus.DONE
    assert mail.outbox == [] and not OutgoingEmail.objects.exists()


def test_the_scheduled_job_takes_the_folder(folder, executive, django_capture_on_commit_callbacks):
    drop(folder, "empresas.xlsx")
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sync_folder() == 1
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.sync_folder() == 0


def test_the_import_page_lists_a_failed_extract_first(client, folder, leads, tick):
    client.force_login(leads[0])
    path = folder / "pagos.xlsx"
    folder.mkdir(parents=True)
    path.write_bytes(b"PK\x03\x04 roto")
    old = time.time() - 60
    os.utime(path, (old, old))
    (failed,) = tick()
    ImportRun.objects.create(
        entity=Entity.COMPANIES,
        status=ImportStatus.DONE,
        original_name="manual.csv",
        checksum="b" * 64,
    )
    page = client.get(reverse("imports:list")).content.decode()
    assert page.index(f'data-run="{failed.pk}"') < page.index("manual.csv")
    row = page[page.index(f'data-run="{failed.pk}"') :]
    assert 'data-attention="yes"' in row[: row.index("</tr>")]
