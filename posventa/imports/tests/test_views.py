"""The import pages: upload a file, map its unknown columns, read the dry
run's report, confirm or cancel, watch the progress bar, download the
report. Only the team lead (and the administrator) load files; a run in the
wrong state gets a Spanish message and nothing changes."""

import re

import pytest
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation
from django.utils.html import escape

from posventa.accounts.roles import Role
from posventa.customers.models import Company
from posventa.factories import UserFactory
from posventa.imports.models import (
    ColumnMapping,
    Entity,
    ImportRowNote,
    ImportRun,
    ImportSource,
    ImportStatus,
)
from posventa.imports.tests.files import import_media, write_xlsx  # noqa: F401
from posventa.imports.views import NOTES_PAGE_SIZE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_media")]

LIST = reverse("imports:list")
HEADER = ["NIT", "Razón social", "Dirección", "Ejecutiva"]
WRONG_ROLES = [role for role in Role if role != Role.TEAM_LEAD]


def xlsx(tmp_path, rows, header=HEADER, name="empresas.xlsx") -> SimpleUploadedFile:
    path = write_xlsx(tmp_path / name, header, rows)
    return SimpleUploadedFile(name, path.read_bytes())


def companies(executive="ejecutiva"):
    return [
        ["1020304015", "Hotel Muyurina S.R.L.", "Av. Ballivián 123", executive],
        ["3012345012", "Transportes Illimani S.A.", "Calle Jordán 45", executive],
        ["4055501019", "Sin Ejecutiva Ltda.", "Av. América 9", "nadie"],
    ]


@pytest.fixture
def lead(client, team_lead):
    client.force_login(team_lead)
    return client


def upload(client, capture, tmp_path, rows=None, **data):
    with capture(execute=True):
        return client.post(LIST, {"file": xlsx(tmp_path, rows or companies()), **data})


@pytest.fixture
def checked(lead, executive, tmp_path, django_capture_on_commit_callbacks):
    """A file of three companies checked (two to create, one refused), on its page."""
    response = upload(lead, django_capture_on_commit_callbacks, tmp_path)
    run = ImportRun.objects.get()
    assert response.status_code == 302 and response.url == reverse("imports:detail", args=[run.pk])
    run.refresh_from_db()
    assert run.status == ImportStatus.CHECKED, run.error
    return run


def page_of(client, run) -> str:
    response = client.get(reverse("imports:detail", args=[run.pk]))
    assert response.status_code == 200
    return response.content.decode()


def said(msgid: str) -> str:
    """A service's message as the page shows it (in Spanish)."""
    with translation.override("es"):
        return translation.gettext(msgid)


def messages_of(response) -> list[str]:
    return [str(m) for m in response.wsgi_request._messages]


def count(page: str, counts_id: str, code: str) -> int:
    block = page[page.index(f'id="{counts_id}"') :]
    match = re.search(rf'data-count="{code}">.*?data-value>(\d+)<', block, re.S)
    return int(match.group(1))


# --- The list and the upload -----------------------------------------------------------


def test_the_list_page_has_the_upload_form_and_the_files_loaded(lead, checked):
    page = lead.get(LIST).content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="file"' in page and 'accept=".xlsx,.csv"' in page
    assert "Detectar por las columnas" in page and 'name="sheet"' in page
    assert f'data-run="{checked.pk}" data-run-status="checked"' in page
    assert "empresas.xlsx" in page and "Empresas" in page and str(checked.started_by) in page


def test_uploading_a_file_checks_it_and_the_page_shows_the_dry_run_report(lead, checked):
    page = page_of(lead, checked)
    assert count(page, "checked-counts", "created") == 2
    assert count(page, "checked-counts", "refused") == 1
    assert count(page, "checked-counts", "updated") == 0
    assert "Se crearán" in page and "Rechazadas" in page
    # The refused row first, with its reason in Spanish.
    rows = re.findall(r'data-line="(\d+)" data-outcome="(\w+)"', page)
    assert rows[0] == ("4", "refused") and len(rows) == 3
    refused = ImportRowNote.objects.get(run=checked, line=4)
    assert refused.outcome == "refused" and "ejecutiv" in refused.reason.lower()
    assert escape(refused.reason) in page
    assert 'id="confirm-button"' in page and 'id="cancel-button"' in page
    assert "Confirmar la importación" in page
    assert "Descargar el informe (Excel)" in page
    assert not Company.objects.exists()  # a dry run writes nothing


def test_the_report_downloads_as_an_excel_attachment(lead, checked):
    response = lead.get(reverse("imports:report", args=[checked.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content)[:2] == b"PK"


def test_a_run_without_a_report_has_no_download(lead, tmp_path):
    run = ImportRun.objects.create(
        entity=Entity.COMPANIES,
        status=ImportStatus.CHECKING,
        file=ContentFile(b"x", name="a.csv"),
        original_name="a.csv",
        checksum="0" * 64,
    )
    assert lead.get(reverse("imports:report", args=[run.pk])).status_code == 404


def test_the_kind_of_records_and_the_sheet_may_be_given(
    lead, executive, tmp_path, django_capture_on_commit_callbacks
):
    path = write_xlsx(tmp_path / "extracto.xlsx", HEADER, companies()[:1], sheet="Clientes")
    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(
            LIST,
            {
                "file": SimpleUploadedFile("extracto.xlsx", path.read_bytes()),
                "entity": Entity.COMPANIES,
                "sheet": "Clientes",
            },
        )
    assert response.status_code == 302
    run = ImportRun.objects.get()
    assert (run.entity, run.sheet, run.status) == (
        Entity.COMPANIES,
        "Clientes",
        ImportStatus.CHECKED,
    )


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("vacio.xlsx", b"", "está vacío"),
        ("carta.xlsx", b"%PDF-1.4\n%%EOF\n", ".xlsx"),
        ("datos.csv", bytes(range(256)) * 4, ""),
    ],
)
def test_a_bad_file_is_a_spanish_message_and_nothing_is_kept(lead, name, content, message):
    response = lead.post(LIST, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 422
    errors = " ".join(str(e) for e in response.context["form"].errors.values())
    assert errors and message in errors
    assert "is-invalid" in response.content.decode() or "alert-danger" in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_file_over_the_import_limit_is_refused(lead, settings, tmp_path):
    settings.POSVENTA_IMPORT_MAX_BYTES = 1024
    response = lead.post(LIST, {"file": SimpleUploadedFile("e.xlsx", b"PK" + b"0" * 4096)})
    assert response.status_code == 422
    assert "el máximo es 1 KB" in str(response.context["form"].errors["file"])
    assert not ImportRun.objects.exists()


def test_a_file_is_required_and_an_unknown_kind_is_refused(lead, tmp_path):
    response = lead.post(LIST, {"entity": "planetas"})
    form = response.context["form"]
    assert response.status_code == 422
    assert "file" in form.errors and "entity" in form.errors
    assert not ImportRun.objects.exists()


# --- The column mapping --------------------------------------------------------------


@pytest.fixture
def mapping_run(lead, executive, tmp_path, django_capture_on_commit_callbacks):
    """A file whose NIT column has a header nobody knows."""
    header = ["Código tributario", "Razón social", "Dirección", "Ejecutiva", "Color favorito"]
    rows = [["1020304015", "Hotel Muyurina S.R.L.", "Av. Ballivián 123", "ejecutiva", "rojo"]]
    upload = xlsx(tmp_path, rows, header=header)
    with django_capture_on_commit_callbacks(execute=True):
        lead.post(LIST, {"file": upload, "entity": Entity.COMPANIES})
    run = ImportRun.objects.get()
    assert run.status == ImportStatus.MAPPING
    return run


def _choices_of(page: str, header: str) -> tuple[str, list[str]]:
    row = page[page.index(f'data-header="{header}"') :]
    select = row[: row.index("</select>")]
    selected = re.search(r'<option value="([^"]*)" selected', select)
    return (selected.group(1) if selected else ""), re.findall(r'<option value="([^"]*)"', select)


def test_a_file_with_unknown_headers_asks_which_field_each_column_is(lead, mapping_run):
    page = page_of(lead, mapping_run)
    assert 'id="mapping-form"' in page and "— no importar —" in page
    selected, options = _choices_of(page, "Código tributario")
    assert selected == "" and "nit" in options and "" in options
    assert _choices_of(page, "Razón social")[0] == "legal_name"  # preselected
    assert _choices_of(page, "Color favorito")[0] == ""
    assert "NIT *" in page  # a required field is marked
    assert 'id="run-progress"' not in page and 'id="confirm-button"' not in page


def _mapping_body(page: str, chosen: dict[str, str]) -> dict[str, str]:
    """The mapping form as drawn (its preselections), with `chosen` changed."""
    headers = re.findall(r'<tr data-header="([^"]*)"', page)
    names = re.findall(r'<select name="(column_\d+)"', page)
    return {
        name: chosen.get(header, _choices_of(page, header)[0])
        for header, name in zip(headers, names, strict=True)
    }


def test_mapping_the_columns_checks_the_file_and_remembers_the_choice(
    lead, mapping_run, django_capture_on_commit_callbacks
):
    page = page_of(lead, mapping_run)
    body = _mapping_body(page, {"Código tributario": "nit"})
    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(reverse("imports:map", args=[mapping_run.pk]), body)
    assert response.status_code == 302
    mapping_run.refresh_from_db()
    assert mapping_run.status == ImportStatus.CHECKED
    assert mapping_run.mapping["Código tributario"] == "nit"
    assert mapping_run.mapping["Color favorito"] == ""
    assert ColumnMapping.objects.filter(header="Código tributario", field="nit").exists()


def test_a_mapping_without_a_required_field_is_refused_and_changes_nothing(lead, mapping_run):
    body = _mapping_body(page_of(lead, mapping_run), {})
    response = lead.post(reverse("imports:map", args=[mapping_run.pk]), body)
    assert response.status_code == 422
    assert escape(said("Say which column is: %(fields)s.").split(":")[0]) in (
        response.content.decode()
    )
    mapping_run.refresh_from_db()
    assert mapping_run.status == ImportStatus.MAPPING
    assert not ColumnMapping.objects.exists()


def test_a_field_no_list_offers_is_that_columns_error(lead, mapping_run):
    body = _mapping_body(page_of(lead, mapping_run), {"Código tributario": "password"})
    response = lead.post(reverse("imports:map", args=[mapping_run.pk]), body)
    assert response.status_code == 422
    form = response.context["mapping_form"]
    assert "Escoja una opción válida" in str(form.errors["column_0"])
    mapping_run.refresh_from_db()
    assert mapping_run.status == ImportStatus.MAPPING


def test_mapping_a_run_no_longer_waiting_for_it_is_a_message(lead, checked):
    response = lead.post(reverse("imports:map", args=[checked.pk]), {"column_0": "nit"})
    assert response.status_code == 302
    assert messages_of(response) == ["Las columnas de este archivo ya no se están asignando."]
    checked.refresh_from_db()
    assert checked.status == ImportStatus.CHECKED


# --- Confirm, cancel, progress ---------------------------------------------------


def test_confirming_imports_the_rows_and_the_page_shows_both_counts(
    lead, checked, team_lead, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = lead.post(reverse("imports:confirm", args=[checked.pk]))
    assert response.status_code == 302
    checked.refresh_from_db()
    assert checked.status == ImportStatus.DONE and checked.confirmed_by == team_lead
    assert set(Company.objects.values_list("nit", flat=True)) == {"1020304015", "3012345012"}
    page = page_of(lead, checked)
    assert "Importado" in page
    assert count(page, "checked-counts", "created") == 2
    assert count(page, "done-counts", "created") == 2
    assert count(page, "done-counts", "refused") == 1
    progress = page[page.index('id="run-progress"') :].split(">", 1)[0]
    assert 'data-percent="100"' in page and "hx-get" not in progress  # nothing left to poll
    assert 'id="confirm-button"' not in page and 'id="cancel-button"' not in page
    assert "con filas rechazadas" in page
    assert "Descargar el informe (Excel)" in page


def test_confirming_twice_is_a_spanish_message_and_changes_nothing(
    lead, checked, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        lead.post(reverse("imports:confirm", args=[checked.pk]))
    checked.refresh_from_db()
    before = (checked.status, checked.created, checked.updated, checked.finished_at)
    response = lead.post(reverse("imports:confirm", args=[checked.pk]), follow=True)
    shown = messages_of(response)[-1]
    assert shown.startswith(
        said("Only a checked import can be confirmed (this one: %(status)s).").split("(")[0]
    )
    assert escape(shown) in response.content.decode()
    checked.refresh_from_db()
    assert (checked.status, checked.created, checked.updated, checked.finished_at) == before
    assert Company.objects.count() == 2


def test_cancelling_a_checked_file_writes_nothing(lead, checked):
    response = lead.post(reverse("imports:cancel", args=[checked.pk]), follow=True)
    checked.refresh_from_db()
    assert checked.status == ImportStatus.CANCELLED
    page = response.content.decode()
    assert "Cancelada" in page and 'id="confirm-button"' not in page
    assert not Company.objects.exists()
    # A second cancel: a message, nothing changes.
    response = lead.post(reverse("imports:cancel", args=[checked.pk]), follow=True)
    over = said("This import is over (%(status)s): there is nothing to cancel.")
    assert messages_of(response)[-1].startswith(over.split("(")[0])
    checked.refresh_from_db()
    assert checked.status == ImportStatus.CANCELLED


def running(status=ImportStatus.IMPORTING, **fields) -> ImportRun:
    """A run as the worker leaves it midway (or at its end)."""
    values = {
        "entity": Entity.COMPANIES,
        "status": status,
        "file": ContentFile(b"NIT\n1\n", name="grande.csv"),
        "original_name": "grande.csv",
        "checksum": "1" * 64,
        "rows_total": 2000,
        "rows_done": 500,
    }
    return ImportRun.objects.create(**(values | fields))


@pytest.mark.parametrize("status", [ImportStatus.CHECKING, ImportStatus.IMPORTING])
def test_a_running_file_shows_a_progress_bar_that_polls_every_second(lead, status):
    run = running(status)
    page = page_of(lead, run)
    progress = reverse("imports:progress", args=[run.pk])
    assert f'hx-get="{progress}" hx-trigger="every 1s"' in page
    assert 'aria-valuenow="25"' in page and "500 de 2.000 filas" in page
    assert 'id="cancel-button"' in page and 'id="confirm-button"' not in page
    partial = lead.get(progress, headers={"HX-Request": "true"})
    assert partial.status_code == 200 and "HX-Refresh" not in partial
    assert 'hx-trigger="every 1s"' in partial.content.decode()


def test_the_progress_bar_redraws_the_page_once_the_run_has_stopped(lead):
    run = running(ImportStatus.DONE, created=2000)
    response = lead.get(reverse("imports:progress", args=[run.pk]), headers={"HX-Request": "true"})
    assert response["HX-Refresh"] == "true"
    assert 'data-percent="100"' in response.content.decode()


def test_cancelling_a_running_import_stops_it_after_the_batch(lead):
    run = running()
    response = lead.post(reverse("imports:cancel", args=[run.pk]), follow=True)
    run.refresh_from_db()
    assert run.cancel_requested and run.status == ImportStatus.IMPORTING
    page = response.content.decode()
    assert "se detiene al terminar el lote en curso" in page
    assert 'id="cancel-button"' not in page  # asked once


def test_a_failed_run_shows_its_error(lead):
    run = running(ImportStatus.FAILED, error="El archivo está dañado en la fila 1200.")
    page = page_of(lead, run)
    assert 'id="run-error"' in page and "El archivo está dañado en la fila 1200." in page
    assert "Fallido" in page or "Falló" in page
    assert 'id="cancel-button"' not in page


def test_the_rows_are_listed_a_page_at_a_time(
    lead, executive, tmp_path, django_capture_on_commit_callbacks
):
    rows = [[str(1020304000 + i), f"Empresa {i}", "Calle 1", "nadie"] for i in range(60)]
    with django_capture_on_commit_callbacks(execute=True):
        lead.post(LIST, {"file": xlsx(tmp_path, rows)})
    run = ImportRun.objects.get()
    url = reverse("imports:detail", args=[run.pk])
    first = lead.get(url).content.decode()
    assert len(re.findall(r"data-line=", first)) == NOTES_PAGE_SIZE
    second = lead.get(url, {"page": "2"}).content.decode()
    assert len(re.findall(r"data-line=", second)) == 60 - NOTES_PAGE_SIZE
    assert lead.get(url, {"page": "\x00"}).status_code in (200, 400)


# --- Who may -------------------------------------------------------------------------


@pytest.mark.parametrize("role", WRONG_ROLES)
def test_every_page_and_action_is_forbidden_without_the_import_capability(
    client, checked, tmp_path, role
):
    client.force_login(UserFactory(role=role))
    before = ImportRun.objects.values().get(pk=checked.pk)
    pk = checked.pk
    for name in ("detail", "progress", "report"):
        response = client.get(reverse(f"imports:{name}", args=[pk]))
        assert response.status_code == 403, name
    response = client.get(LIST)
    assert response.status_code == 403
    assert "Su rol no carga los archivos del sistema comercial." in response.content.decode()
    assert client.post(LIST, {"file": xlsx(tmp_path, companies())}).status_code == 403
    for name in ("map", "confirm", "cancel"):
        response = client.post(reverse(f"imports:{name}", args=[pk]), {"column_0": "nit"})
        assert response.status_code == 403, name
    assert ImportRun.objects.count() == 1
    assert ImportRun.objects.values().get(pk=pk) == before
    assert not Company.objects.exists()


def test_the_administrator_may_import(client, checked, django_capture_on_commit_callbacks):
    admin = UserFactory(username="admin", is_superuser=True, is_staff=True, role="")
    client.force_login(admin)
    assert client.get(reverse("imports:detail", args=[checked.pk])).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:confirm", args=[checked.pk]))
    checked.refresh_from_db()
    assert checked.status == ImportStatus.DONE and checked.confirmed_by == admin


def test_a_post_without_its_csrf_token_is_refused(checked, team_lead):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(team_lead)
    assert client.post(reverse("imports:confirm", args=[checked.pk])).status_code == 403
    checked.refresh_from_db()
    assert checked.status == ImportStatus.CHECKED


def test_logged_out_goes_to_the_login(checked):
    response = Client().get(reverse("imports:detail", args=[checked.pk]))
    assert response.status_code == 302 and "/entrar/" in response.url


def test_a_run_that_does_not_exist_is_not_found(lead):
    assert lead.get(reverse("imports:detail", args=[2**40])).status_code == 404
    assert lead.post(reverse("imports:confirm", args=[2**40])).status_code == 404


def test_a_get_does_not_confirm(lead, checked):
    assert lead.get(reverse("imports:confirm", args=[checked.pk])).status_code == 405
    checked.refresh_from_db()
    assert checked.status == ImportStatus.CHECKED


def test_the_menu_links_the_imports_for_the_team_lead_only(client, team_lead, executive):
    client.force_login(team_lead)
    assert f'href="{LIST}"' in client.get(reverse("cases:inbox")).content.decode()
    client.force_login(executive)
    assert f'href="{LIST}"' not in client.get(reverse("cases:inbox")).content.decode()


def test_a_sync_extract_with_refused_rows_is_listed_first_with_a_red_badge(lead, checked):
    sync = running(
        ImportStatus.DONE, source=ImportSource.SYNC, created=3, refused=2, rows_done=2000
    )
    later = running(ImportStatus.DONE, created=1)
    later.checksum = "2" * 64
    later.save()
    page = lead.get(LIST).content.decode()
    order = [int(pk) for pk in re.findall(r'data-run="(\d+)"', page)]
    assert order[0] == sync.pk and set(order) == {sync.pk, later.pk, checked.pk}
    first_row = page[page.index(f'data-run="{sync.pk}"') :]
    first_row = first_row[: first_row.index("</tr>")]
    assert 'data-attention="yes"' in first_row and "con filas rechazadas" in first_row
    assert "text-bg-danger" in first_row
