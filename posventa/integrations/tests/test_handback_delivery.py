"""The hand-back queue: one entry per key, delivered by the job through the
adapter (Standalone confirms at once; Files writes the day's spreadsheets and
reads the commercial system's confirmations), retried with backoff when the
delivery fails, never delivered twice."""

import csv
import os
import threading
import time
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory, ProductFactory, UserFactory
from posventa.integrations import commercial, jobs
from posventa.integrations.commercial import (
    KEY_HEADER,
    LAYOUTS,
    Files,
    Receipt,
    Standalone,
)
from posventa.integrations.handback import change_hand_back, change_retry, product_fields
from posventa.integrations.jobs import backoff, changes_deliver, hand_back
from posventa.integrations.models import ChangeKind, ChangeState, CommercialChange

pytestmark = pytest.mark.django_db


def deliver(adapter=None) -> dict:
    """One run of the scheduled job."""
    return hand_back(adapter=adapter)


@pytest.fixture
def product(db):
    return ProductFactory(service_number="4-4251234")


def queue(product, n: int = 1, kind=ChangeKind.CHARGE, **payload) -> list[CommercialChange]:
    return [
        change_hand_back(
            kind=kind,
            company=product.company,
            product=product,
            payload={**product_fields(product), "concept": f"Cargo {i}", "amount": "12.00"}
            | payload,
            key=f"test:{kind}:{product.pk}:{i}",
        )
        for i in range(n)
    ]


@pytest.fixture
def folders(tmp_path, settings):
    settings.POSVENTA_COMMERCIAL_OUTBOUND_DIR = tmp_path / "salida"
    settings.POSVENTA_COMMERCIAL_CONFIRMATIONS_DIR = tmp_path / "confirmaciones"
    settings.POSVENTA_COMMERCIAL_ADAPTER = "posventa.integrations.commercial.Files"
    (tmp_path / "confirmaciones").mkdir()
    return {"out": tmp_path / "salida", "in": tmp_path / "confirmaciones"}


def settled(path: Path) -> Path:
    """A confirmation file the commercial system finished writing a minute ago."""
    old = time.time() - 60
    os.utime(path, (old, old))
    return path


def sheet_rows(path: Path) -> list[list]:
    workbook = openpyxl.load_workbook(path, read_only=True)
    return [list(row) for row in workbook.worksheets[0].iter_rows(values_only=True)]


# --- The queue ---


def test_the_same_key_queues_one_entry_and_returns_it_again(product):
    first = change_hand_back(
        kind=ChangeKind.CHARGE,
        company=product.company,
        product=product,
        payload={"amount": "12.00"},
        key="charge:1",
    )
    again = change_hand_back(
        kind=ChangeKind.CHARGE,
        company=product.company,
        product=product,
        payload={"amount": "99.00"},
        key="charge:1",
    )
    assert again.pk == first.pk and again.payload == {"amount": "12.00"}
    assert CommercialChange.objects.count() == 1
    assert first.state == ChangeState.PENDING and first.next_attempt_at is not None


@pytest.mark.parametrize(
    ("kind", "payload", "key", "error"),
    [
        (ChangeKind.CHARGE, {"amount": Decimal("12.00")}, "k", TypeError),
        (ChangeKind.CHARGE, {"on": timezone.localdate()}, "k", TypeError),
        (ChangeKind.CHARGE, {"amount": 12.5}, "k", TypeError),
        (ChangeKind.CHARGE, {"nested": {"x": [1, object()]}}, "k", TypeError),
        (ChangeKind.CHARGE, {1: "x"}, "k", TypeError),
        ("renamed", {}, "k", ValueError),
        (ChangeKind.CHARGE, {}, "", ValueError),
        (ChangeKind.CHARGE, {}, "x" * 101, ValueError),
    ],
)
def test_a_payload_is_plain_json_and_a_key_is_bounded_or_nothing_is_queued(
    product, kind, payload, key, error
):
    with pytest.raises(error):
        change_hand_back(
            kind=kind, company=product.company, product=product, payload=payload, key=key
        )
    assert not CommercialChange.objects.exists()


# --- Standalone: Posventa is the record ---


def test_standalone_confirms_each_change_as_it_is_delivered_and_only_once(product):
    queue(product, 3)
    result = deliver()
    assert result == {"delivered": 3, "confirmed": 3, "failed": 0, "confirmation_files": 0}
    for change in CommercialChange.objects.all():
        assert change.state == ChangeState.CONFIRMED
        assert (change.external_reference, change.sent_to, change.attempts) == (
            "posventa",
            "posventa",
            1,
        )
        assert change.confirmed_at is not None and change.next_attempt_at is None
    assert deliver()["delivered"] == 0
    assert set(CommercialChange.objects.values_list("attempts", flat=True)) == {1}


def test_the_default_adapter_is_standalone(settings):
    settings.POSVENTA_COMMERCIAL_ADAPTER = ""
    assert isinstance(commercial.adapter(), Standalone)


# --- Retry with backoff ---


def test_backoff_doubles_from_a_minute_up_to_an_hour():
    assert [backoff(n) for n in range(1, 10)] == [
        timedelta(minutes=m) for m in (1, 2, 4, 8, 16, 32, 60, 60, 60)
    ]


def test_a_failed_delivery_keeps_its_reason_waits_longer_each_time_then_is_delivered(
    product, folders, tmp_path
):
    [change] = queue(product)
    # The outbound "folder" is a file: the delivery really fails.
    folders["out"].write_text("no soy una carpeta")
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        assert deliver()["failed"] == 1
    change.refresh_from_db()
    assert change.state == ChangeState.FAILED and change.attempts == 1
    assert change.reason.startswith(("FileExistsError", "NotADirectoryError"))
    assert change.next_attempt_at == start + timedelta(minutes=1)
    with time_machine.travel(start + timedelta(seconds=59), tick=False):
        assert deliver()["failed"] == 0  # not due yet
    with time_machine.travel(start + timedelta(minutes=1), tick=False):
        assert deliver()["failed"] == 1
    change.refresh_from_db()
    assert change.attempts == 2
    assert change.next_attempt_at == start + timedelta(minutes=1) + timedelta(minutes=2)

    folders["out"].unlink()  # the share is back
    with time_machine.travel(start + timedelta(minutes=3), tick=False):
        assert deliver()["delivered"] == 1
    change.refresh_from_db()
    assert (change.state, change.attempts, change.reason) == (ChangeState.SENT, 3, "")
    assert change.next_attempt_at is None
    assert Path(change.sent_to).exists()


class RefusesOddKeys:
    """An API adapter that delivers some changes and not others (the
    protocol's per-change error), on top of the standalone record."""

    def send(self, changes):
        return [
            Receipt(error="HTTP 503: servicio no disponible")
            if change.idempotency_key.endswith(("1", "3"))
            else Standalone().send([change])[0]
            for change in changes
        ]

    def read_confirmations(self, apply):
        return 0


def test_a_change_refused_on_its_own_fails_alone_and_the_rest_are_delivered(product):
    queue(product, 4)
    result = deliver(RefusesOddKeys())
    assert (result["delivered"], result["failed"]) == (2, 2)
    states = dict(CommercialChange.objects.values_list("idempotency_key", "state"))
    assert sorted(states.values()) == ["confirmed", "confirmed", "failed", "failed"]
    failed = CommercialChange.objects.filter(state=ChangeState.FAILED).first()
    assert failed.reason == "HTTP 503: servicio no disponible"
    assert failed.next_attempt_at > timezone.now()


def test_a_person_sends_again_a_failed_change_but_not_a_confirmed_one(product):
    [change] = queue(product)
    deliver()
    with pytest.raises(ValidationError):
        change_retry(change=change)
    CommercialChange.objects.filter(pk=change.pk).update(
        state=ChangeState.FAILED, reason="Código de plan desconocido", next_attempt_at=None
    )
    assert deliver()["delivered"] == 0  # refused by the commercial system: it waits for a person
    change_retry(change=change)
    change.refresh_from_db()
    assert (change.state, change.reason) == (ChangeState.PENDING, "")
    with pytest.raises(ValidationError):
        change_retry(change=change)  # already waiting
    assert deliver()["delivered"] == 1


# --- Files: the day's spreadsheets ---


def test_the_files_adapter_writes_one_spreadsheet_per_day_and_kind_that_excel_reads(
    product, folders
):
    charges = queue(product, 2)
    [talk] = queue(
        product,
        kind=ChangeKind.INTERACTION,
        summary='=HYPERLINK("http://x","clic")',
        channel="phone",
    )
    assert deliver()["delivered"] == 3
    day = timezone.localdate()
    charges_file = folders["out"] / f"{day:%Y-%m-%d}_cargos.xlsx"
    talks_file = folders["out"] / f"{day:%Y-%m-%d}_interacciones.xlsx"
    assert sorted(p.name for p in folders["out"].iterdir() if not p.name.startswith(".")) == [
        charges_file.name,
        talks_file.name,
    ]
    rows = sheet_rows(charges_file)
    assert rows[0] == LAYOUTS[ChangeKind.CHARGE].headers
    assert rows[0][:4] == ["Fecha", "Caso", "NIT", "Razón social"]
    assert rows[0][-1] == "Clave de idempotencia"
    head = rows[0]
    first = dict(zip(head, rows[1], strict=True))
    assert first["Número de servicio"] == "4-4251234"
    assert first["NIT"] == product.company.nit
    assert first["Importe (Bs)"] == "12.00"  # text, as sent
    assert first["Clave de idempotencia"] == charges[0].idempotency_key
    assert [row[-1] for row in rows[1:]] == [c.idempotency_key for c in charges]
    # A summary that looks like a formula stays text.
    workbook = openpyxl.load_workbook(talks_file)
    sheet = workbook.worksheets[0]
    summary_column = LAYOUTS[ChangeKind.INTERACTION].headers.index("Resumen") + 1
    cell = sheet.cell(row=2, column=summary_column)
    assert cell.value == '=HYPERLINK("http://x","clic")' and cell.data_type == "s"
    talk.refresh_from_db()
    assert (talk.state, talk.sent_to) == (ChangeState.SENT, str(talks_file))
    assert talk.sent_at is not None and talk.confirmed_at is None


def test_a_later_run_appends_to_the_days_file_and_two_runs_never_deliver_twice(product, folders):
    queue(product, 2)
    deliver()
    deliver()  # nothing due
    later = change_hand_back(
        kind=ChangeKind.CHARGE,
        company=product.company,
        product=product,
        payload={**product_fields(product), "concept": "Tardío", "amount": "5.00"},
        key="test:later",
    )
    assert deliver()["delivered"] == 1
    [path] = [p for p in folders["out"].iterdir() if p.suffix == ".xlsx"]
    rows = sheet_rows(path)
    keys = [row[-1] for row in rows[1:]]
    assert keys == [f"test:charge:{product.pk}:0", f"test:charge:{product.pk}:1", "test:later"]
    assert set(CommercialChange.objects.values_list("attempts", flat=True)) == {1}
    assert later.idempotency_key in keys
    # No temporary file is left behind (only the hidden lock file).
    assert [p.name for p in folders["out"].iterdir() if p.name.startswith(".")] == [
        ".posventa.lock"
    ]


def test_a_change_sent_again_replaces_its_row_instead_of_adding_one(product, folders):
    [change] = queue(product)
    deliver()
    change_retry(change=CommercialChange.objects.get(pk=change.pk))
    deliver()
    [path] = [p for p in folders["out"].iterdir() if p.suffix == ".xlsx"]
    assert [row[-1] for row in sheet_rows(path)[1:]] == [change.idempotency_key]
    change.refresh_from_db()
    assert change.attempts == 2 and change.state == ChangeState.SENT


def test_appends_from_two_workers_at_once_keep_every_row(product, folders):
    """The folder lock: two deliveries rewriting the same day's file at the
    same moment lose none of each other's rows."""
    changes = queue(product, 40)
    adapter = Files()
    errors = []

    def send(part):
        try:
            for change in part:
                adapter.send([change])
        except Exception as error:  # pragma: no cover — shown by the assertion
            errors.append(error)

    threads = [threading.Thread(target=send, args=(changes[i::2],)) for i in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    [path] = [p for p in folders["out"].iterdir() if p.suffix == ".xlsx"]
    keys = sorted(row[-1] for row in sheet_rows(path)[1:])
    assert keys == sorted(c.idempotency_key for c in changes)


def test_the_csv_variant_writes_semicolons_and_defuses_formulas(product, folders, settings):
    settings.POSVENTA_COMMERCIAL_ADAPTER = "posventa.integrations.commercial.FilesCSV"
    queue(product, concept="=1+1", amount="12.00")
    deliver()
    [path] = [p for p in folders["out"].iterdir() if p.suffix == ".csv"]
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.reader(handle, delimiter=";"))
    row = dict(zip(rows[0], rows[1], strict=True))
    assert row["Concepto"] == "'=1+1" and row["Importe (Bs)"] == "12.00"
    assert row[KEY_HEADER] == f"test:charge:{product.pk}:0"


# --- Confirmations from the commercial system ---


def write_confirmations(path: Path, rows: list[list]) -> Path:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["Clave de idempotencia", "Estado", "Referencia", "Motivo", "Fecha"])
    for row in rows:
        sheet.append(row)
    workbook.save(path)
    return settled(path)


def test_confirmations_confirm_or_fail_each_change_once_and_the_file_is_filed(product, folders):
    ok, refused, untouched = queue(product, 3)
    deliver()
    file = write_confirmations(
        folders["in"] / "respuesta-001.xlsx",
        [
            [ok.idempotency_key, "OK", "SF-000981", "", "2026-01-05 09:30"],
            [refused.idempotency_key, "error", "", "Código de plan desconocido", ""],
            ["clave-de-otro-sistema", "OK", "SF-1", "", ""],
            ["", "", "", "", ""],
            [untouched.idempotency_key, "QUIZÁ", "", "", ""],
        ],
    )
    result = deliver()
    assert (result["confirmed"], result["failed"], result["confirmation_files"]) == (1, 1, 1)
    ok.refresh_from_db()
    refused.refresh_from_db()
    untouched.refresh_from_db()
    assert (ok.state, ok.external_reference) == (ChangeState.CONFIRMED, "SF-000981")
    assert timezone.localtime(ok.confirmed_at).strftime("%Y-%m-%d %H:%M") == "2026-01-05 09:30"
    assert (refused.state, refused.reason) == (ChangeState.FAILED, "Código de plan desconocido")
    assert refused.next_attempt_at is None  # not retried by itself: a person looks at it
    assert untouched.state == ChangeState.SENT
    assert not file.exists()
    assert (folders["in"] / "procesados" / "respuesta-001.xlsx").exists()
    # Nothing is read twice, and the refused change is not delivered again by itself.
    again = deliver()
    assert (again["delivered"], again["confirmation_files"]) == (0, 0)
    refused.refresh_from_db()
    assert refused.attempts == 1


def test_an_error_after_a_confirmation_does_not_undo_it_and_a_file_named_again_is_kept(
    product, folders
):
    [change] = queue(product)
    deliver()
    write_confirmations(folders["in"] / "r.xlsx", [[change.idempotency_key, "OK", "SF-1", "", ""]])
    deliver()
    write_confirmations(
        folders["in"] / "r.xlsx", [[change.idempotency_key, "ERROR", "", "Duplicado", ""]]
    )
    deliver()
    change.refresh_from_db()
    assert (change.state, change.external_reference) == (ChangeState.CONFIRMED, "SF-1")
    assert len(list((folders["in"] / "procesados").iterdir())) == 2


def test_a_csv_confirmation_with_semicolons_and_an_error_without_reason(product, folders):
    [change] = queue(product)
    deliver()
    path = folders["in"] / "respuesta.csv"
    path.write_text(
        f"Clave de idempotencia;Estado;Referencia;Motivo\n{change.idempotency_key};ERROR;;\n",
        encoding="utf-8",
    )
    settled(path)
    deliver()
    change.refresh_from_db()
    assert change.state == ChangeState.FAILED
    assert "ERROR" in change.reason  # the reason says the commercial system gave none


def test_a_file_that_is_no_confirmation_is_set_aside_and_changes_nothing(product, folders):
    [change] = queue(product)
    deliver()
    broken = folders["in"] / "respuesta.xlsx"
    broken.write_bytes(b"PK\x03\x04 not really a workbook")
    settled(broken)
    wrong = folders["in"] / "otra.csv"
    wrong.write_text("Servicio,Plan\n1,2\n", encoding="utf-8")
    settled(wrong)
    assert deliver()["confirmation_files"] == 0
    assert sorted(p.name for p in (folders["in"] / "rechazados").iterdir()) == [
        "otra.csv",
        "respuesta.xlsx",
    ]
    change.refresh_from_db()
    assert change.state == ChangeState.SENT


def test_a_file_still_being_written_waits_for_the_next_run(product, folders):
    [change] = queue(product)
    deliver()
    path = folders["in"] / "respuesta.csv"
    path.write_text(f"Clave de idempotencia,Estado\n{change.idempotency_key},OK\n")
    assert deliver()["confirmation_files"] == 0 and path.exists()
    settled(path)
    assert deliver()["confirmation_files"] == 1
    change.refresh_from_db()
    assert change.state == ChangeState.CONFIRMED and change.external_reference == ""


# --- The admin: read-only, "deliver again" ---


def test_the_admin_shows_the_queue_read_only_and_sends_a_failed_change_again(client, product):
    [change] = queue(product)
    CommercialChange.objects.filter(pk=change.pk).update(
        state=ChangeState.FAILED, reason="Rechazado", next_attempt_at=None
    )
    admin = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(admin)
    listing = client.get("/admin/integrations/commercialchange/")
    assert listing.status_code == 200 and "4-4251234" in listing.content.decode()
    assert client.get("/admin/integrations/commercialchange/add/").status_code == 403
    page = client.post(
        "/admin/integrations/commercialchange/",
        {"action": "retry", "_selected_action": [change.pk]},
        follow=True,
    )
    assert page.status_code == 200
    change.refresh_from_db()
    assert change.state == ChangeState.PENDING


def test_the_admin_is_closed_to_the_team(client, product):
    [change] = queue(product)
    client.force_login(UserFactory(role=Role.TEAM_LEAD))
    page = client.post(
        "/admin/integrations/commercialchange/",
        {"action": "retry", "_selected_action": [change.pk]},
    )
    assert page.status_code == 302 and "/login/" in page["Location"]
    change.refresh_from_db()
    assert change.state == ChangeState.PENDING and change.attempts == 0


# --- Two workers at once (PostgreSQL's row locks) ---


class HeldOpen:
    """Standalone, but it holds its batch until told to let go: the second
    worker runs while the first has its rows locked."""

    def __init__(self):
        self.inside = threading.Event()
        self.go_on = threading.Event()

    def send(self, changes):
        self.inside.set()
        assert self.go_on.wait(10)
        return Standalone().send(changes)

    def read_confirmations(self, apply):
        return 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL")
@pytest.mark.django_db(transaction=True)
@pytest.mark.usefixtures("reference_data")  # a transactional test's flush wiped it
def test_two_workers_at_once_never_deliver_the_same_change_twice():
    company = CompanyFactory()
    product = ProductFactory(company=company)
    queue(product, 5)
    held = HeldOpen()
    first = {}

    def worker():
        try:
            first["run"] = changes_deliver(adapter=held)
        finally:
            connection.close()

    thread = threading.Thread(target=worker)
    thread.start()
    assert held.inside.wait(10)
    second = changes_deliver(adapter=Standalone())  # the rows are locked: skipped
    held.go_on.set()
    thread.join()
    assert second.delivered == 0 and first["run"].delivered == 5
    assert set(CommercialChange.objects.values_list("attempts", flat=True)) == {1}
    assert jobs.changes_deliver(adapter=Standalone()).delivered == 0
