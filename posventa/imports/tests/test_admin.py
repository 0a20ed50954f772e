"""The imports in the admin: runs read-only with their notes, saved column
mappings editable and audited (imports/admin.py)."""

import pytest
from auditlog.models import LogEntry
from django.urls import reverse

from posventa.imports.models import ColumnMapping, Entity
from posventa.imports.tests.files import check, import_media, open_file  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_media")]


def test_a_run_is_shown_read_only_with_its_notes(tmp_path, admin_client, executive):
    run = check(
        open_file(
            tmp_path,
            "empresas.xlsx",
            ["NIT", "Razón social", "Dirección", "Ejecutiva"],
            [["12", "Mala", "Av. 1", "ejecutiva"]],
        )
    )

    page = admin_client.get(reverse("admin:imports_importrun_change", args=[run.pk]))

    assert page.status_code == 200
    text = page.content.decode()
    assert "empresas.xlsx" in text and "NIT" in text
    assert 'name="status"' not in text  # nothing to edit
    assert admin_client.get(reverse("admin:imports_importrun_add")).status_code == 403


def test_an_administrator_corrects_a_saved_mapping_and_the_change_is_audited(admin_client):
    mapping = ColumnMapping.objects.create(
        entity=Entity.COMPANIES, header_key="cod sin", header="Cód. SIN", field="legal_name"
    )
    url = reverse("admin:imports_columnmapping_change", args=[mapping.pk])

    response = admin_client.post(url, {"entity": "companies", "header": "Cód. SIN", "field": "nit"})

    assert response.status_code == 302
    mapping.refresh_from_db()
    assert mapping.field == "nit"
    entry = LogEntry.objects.get_for_object(mapping).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.changes_dict["field"] == ["legal_name", "nit"]
    assert entry.actor.username == "admin"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"entity": "companies", "header": "Cód. SIN", "field": "telepatia"}, "field"),
        ({"entity": "companies", "header": "COD SIN", "field": "nit"}, None),
        ({"entity": "companies", "header": "¿?", "field": "nit"}, "header"),
    ],
    ids=["not-a-field", "same-header-twice", "no-letters"],
)
def test_a_wrong_mapping_is_refused_in_the_admin(admin_client, data, field):
    ColumnMapping.objects.create(
        entity=Entity.COMPANIES, header_key="cod sin", header="Cód. SIN", field="nit"
    )

    response = admin_client.post(reverse("admin:imports_columnmapping_add"), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors if field is None else field in errors
    assert ColumnMapping.objects.count() == 1
