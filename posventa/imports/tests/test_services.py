"""Opening, mapping, confirming and cancelling an import (imports/services.py),
and the jobs the worker runs (imports/jobs.py)."""

from pathlib import Path

import pytest
from auditlog.models import LogEntry
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile

from posventa.accounts.roles import Role
from posventa.customers.models import Company
from posventa.imports import jobs, selectors, services
from posventa.imports.models import ColumnMapping, ImportRun, ImportSource, ImportStatus
from posventa.imports.tests.files import as_upload, import_media, open_file, write_csv, write_xlsx  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_media")]

HEADER = ["NIT", "Razón social", "Dirección", "Ejecutiva"]
ROWS = [["1020304050", "ACME S.R.L.", "Av. Ballivián 1", "ejecutiva"]]


def stored_files(media_root) -> list:
    media_root = Path(media_root)
    return [p for p in media_root.rglob("*") if p.is_file()] if media_root.exists() else []


def test_a_file_is_kept_with_its_checksum_its_kind_guessed_and_its_dry_run_queued(
    tmp_path, executive, team_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        path = write_xlsx(tmp_path / "extracto.xlsx", HEADER, ROWS)
        with as_upload(path) as upload:
            run = services.import_open(file=upload, user=team_lead)

    assert len(queued) == 1  # the dry run, run inline here (Q_CLUSTER sync)
    run.refresh_from_db()
    assert (run.entity, run.source, run.started_by) == ("companies", ImportSource.WEB, team_lead)
    assert run.status == ImportStatus.CHECKED
    assert run.checked_counts["created"] == 1
    assert len(run.checksum) == 64 and run.file.name.endswith(".xlsx")
    assert not Company.objects.exists()


@pytest.mark.parametrize(
    ("content", "name", "problem"),
    [
        (b"", "vacio.csv", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "empresas.csv", "file_type"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "empresas.xls", "file_type"),
    ],
)
def test_a_file_that_is_not_xlsx_or_csv_is_refused_and_nothing_is_kept(
    settings, team_lead, content, name, problem
):
    with pytest.raises(ValidationError) as refused:
        services.import_open(file=ContentFile(content, name=name), user=team_lead)
    assert refused.value.code == problem
    assert not ImportRun.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(team_lead, settings):
    settings.POSVENTA_IMPORT_MAX_BYTES = 100
    with pytest.raises(ValidationError) as refused:
        services.import_open(file=ContentFile(b"NIT;Nombre\n" * 20, name="a.csv"), user=team_lead)
    assert refused.value.code == "too_big"
    assert "MB" in refused.value.messages[0]
    assert not ImportRun.objects.exists()


def test_a_file_with_more_rows_than_allowed_is_refused_and_nothing_is_kept(
    tmp_path, team_lead, settings
):
    settings.POSVENTA_IMPORT_MAX_ROWS = 3
    with pytest.raises(ValidationError) as refused:
        open_file(tmp_path, "empresas.csv", HEADER, ROWS * 5, user=team_lead)
    assert refused.value.code == "too_many_rows"
    assert not ImportRun.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []


def test_a_file_whose_records_cannot_be_told_asks_for_them(tmp_path, settings, team_lead):
    with pytest.raises(ValidationError) as refused:
        open_file(tmp_path, "datos.csv", ["Columna A", "Columna B"], [["1", "2"]], user=team_lead)
    assert "entity" in refused.value.message_dict
    assert not ImportRun.objects.exists()
    assert stored_files(settings.MEDIA_ROOT) == []

    run = open_file(
        tmp_path,
        "datos.csv",
        ["Columna A", "Columna B"],
        [["1", "2"]],
        user=team_lead,
        entity="companies",
    )
    assert run.status == ImportStatus.MAPPING


def test_unknown_headers_wait_for_a_mapping_that_the_next_file_reuses(
    tmp_path, executive, team_lead
):
    header = ["Identificador tributario", "Razón social", "Dirección", "Ejecutiva", "Notas"]
    run = open_file(tmp_path, "empresas.xlsx", header, ROWS, user=team_lead)
    assert run.status == ImportStatus.MAPPING
    assert selectors.run_headers(run=run) == header

    run = services.import_map_columns(
        run=run, mapping={"Identificador tributario": "nit", "Notas": ""}, user=team_lead
    )

    assert run.status == ImportStatus.CHECKING
    assert run.mapping["Identificador tributario"] == "nit"
    saved = ColumnMapping.objects.get(header="Identificador tributario")
    assert (saved.field, saved.saved_by) == ("nit", team_lead)
    assert LogEntry.objects.get_for_object(saved).exists()  # ColumnMapping is always audited
    following = open_file(tmp_path, "empresas-2.xlsx", header, ROWS, user=team_lead)
    assert following.status == ImportStatus.CHECKING
    assert following.mapping["Identificador tributario"] == "nit"


@pytest.mark.parametrize(
    ("mapping", "words"),
    [
        ({"Identificador tributario": "telepatia"}, "telepatia"),
        ({"Identificador tributario": "legal_name"}, None),
        ({"Identificador tributario": ""}, "NIT"),
        ({"Columna fantasma": "nit"}, "Columna fantasma"),
    ],
    ids=["unknown-field", "field-twice", "required-missing", "header-not-in-file"],
)
def test_a_wrong_mapping_is_refused_and_nothing_is_saved(tmp_path, team_lead, mapping, words):
    header = ["Identificador tributario", "Razón social", "Dirección", "Ejecutiva"]
    run = open_file(tmp_path, "empresas.xlsx", header, ROWS, user=team_lead)

    with pytest.raises(ValidationError) as refused:
        services.import_map_columns(run=run, mapping=mapping, user=team_lead)

    if words is None:  # the field given twice, by its name in the language in force
        words = str(Company._meta.get_field("legal_name").verbose_name)
    assert words in " ".join(refused.value.message_dict["mapping"])
    assert not ColumnMapping.objects.exists()
    run.refresh_from_db()
    assert run.status == ImportStatus.MAPPING


def test_only_a_checked_import_is_confirmed(tmp_path, executive, team_lead):
    run = open_file(tmp_path, "empresas.xlsx", HEADER, ROWS, user=team_lead)
    with pytest.raises(ValidationError):
        services.import_confirm(run=run, user=team_lead)


def test_the_sync_folder_takes_a_file_once_and_confirms_it_without_an_actor(
    tmp_path, executive, django_capture_on_commit_callbacks
):
    path = write_csv(tmp_path / "empresas.csv", HEADER, ROWS)
    with django_capture_on_commit_callbacks(execute=True), as_upload(path) as upload:
        run = services.import_open(file=upload, source=ImportSource.SYNC)
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKED

    with django_capture_on_commit_callbacks(execute=True):
        services.import_confirm(run=run, user=None)
    run.refresh_from_db()
    assert run.status == ImportStatus.DONE
    entry = LogEntry.objects.get_for_object(Company.objects.get()).get()
    assert entry.actor is None and entry.additional_data["import"] == run.pk

    with pytest.raises(ValidationError) as refused, as_upload(path, "otro-nombre.csv") as upload:
        services.import_open(file=upload, source=ImportSource.SYNC)
    assert refused.value.code == "already_imported"
    assert ImportRun.objects.count() == 1


@pytest.mark.parametrize(
    ("status", "after", "asked"),
    [
        (ImportStatus.MAPPING, ImportStatus.CANCELLED, False),
        (ImportStatus.CHECKED, ImportStatus.CANCELLED, False),
        (ImportStatus.CHECKING, ImportStatus.CHECKING, True),
        (ImportStatus.IMPORTING, ImportStatus.IMPORTING, True),
    ],
)
def test_a_waiting_import_is_cancelled_at_once_a_running_one_after_its_batch(
    tmp_path, team_lead, status, after, asked
):
    run = open_file(tmp_path, "empresas.xlsx", HEADER, ROWS, user=team_lead)
    ImportRun.objects.filter(pk=run.pk).update(status=status)

    run = services.import_cancel(run=run, user=team_lead)

    assert (run.status, run.cancel_requested) == (after, asked)


@pytest.mark.parametrize("status", [ImportStatus.DONE, ImportStatus.CANCELLED, ImportStatus.FAILED])
def test_a_finished_import_cannot_be_cancelled(tmp_path, team_lead, status):
    run = open_file(tmp_path, "empresas.xlsx", HEADER, ROWS, user=team_lead)
    ImportRun.objects.filter(pk=run.pk).update(status=status)
    with pytest.raises(ValidationError):
        services.import_cancel(run=run, user=team_lead)


def test_a_dry_run_asked_to_stop_before_it_started_ends_cancelled(tmp_path, team_lead):
    run = open_file(tmp_path, "empresas.xlsx", HEADER, ROWS, user=team_lead)
    services.import_cancel(run=run, user=team_lead)

    jobs.check_run(run.pk)

    run.refresh_from_db()
    assert run.status == ImportStatus.CANCELLED and run.rows_done == 0


@pytest.mark.parametrize(
    "role",
    [
        Role.EXECUTIVE,
        Role.COMMERCIAL_MANAGER,
        Role.TECHNICAL_MANAGER,
        Role.TECHNICAL_ANALYST,
        Role.DIVISION_HEAD,
    ],
)
def test_every_service_is_forbidden_for_a_role_without_the_import_capability(
    tmp_path, make_user, team_lead, role
):
    someone = make_user(role)
    path = write_csv(tmp_path / "empresas.csv", HEADER, ROWS)
    with pytest.raises(PermissionDenied), as_upload(path) as upload:
        services.import_open(file=upload, user=someone)
    run = open_file(tmp_path, "empresas.xlsx", HEADER, ROWS, user=team_lead)
    for call in (
        lambda: services.import_map_columns(run=run, mapping={}, user=someone),
        lambda: services.import_confirm(run=run, user=someone),
        lambda: services.import_cancel(run=run, user=someone),
    ):
        with pytest.raises(PermissionDenied):
            call()
    assert not selectors.import_runs_for(user=someone).exists()
    assert selectors.import_runs_for(user=team_lead).get() == run


def test_the_fields_of_each_kind_of_records_say_which_the_file_must_have():
    fields = selectors.entity_fields("payments")
    assert [(name, required) for name, _label, required in fields] == [
        ("reference", True),
        ("invoice_number", True),
        ("paid_on", True),
        ("amount", True),
    ]
    assert all(label for _name, label, _required in fields)
