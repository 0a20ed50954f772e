"""Supplementary services from the commercial system, by service number and
service (imports/entities/services.py)."""

from datetime import date

import pytest
from auditlog.models import LogEntry

from posventa.factories import EnabledServiceFactory, PlanFactory, ProductFactory, product_type
from posventa.imports.models import RowOutcome
from posventa.imports.tests.files import counts, import_media, load, outcomes  # noqa: F401
from posventa.inventory.models import ProductSupplementaryService

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_media")]

HEADER = ["Número de servicio", "Servicio suplementario", "Fecha de habilitación", "Habilitado"]


@pytest.fixture
def line(db):
    return ProductFactory(
        service_number="4251234", plan=PlanFactory(product_type=product_type("fixed_line"))
    )


def test_services_are_enabled_by_code_or_name(tmp_path, line):
    run = load(
        tmp_path,
        "servicios_suplementarios.xlsx",
        HEADER,
        [
            ["4251234", "caller_id", date(2026, 3, 1), "Sí"],
            ["4251234", "Llamada en espera", "02/03/2026", ""],
        ],
    )

    assert run.entity == "services"
    assert counts(run)["created"] == 2
    assert set(line.enabled_services.values_list("service__code", "enabled_on")) == {
        ("caller_id", date(2026, 3, 1)),
        ("call_waiting", date(2026, 3, 2)),
    }


def test_a_service_marked_not_enabled_is_removed_and_the_removal_audited(tmp_path, line):
    enabled = EnabledServiceFactory(product=line)
    run = load(
        tmp_path,
        "servicios_suplementarios.xlsx",
        HEADER,
        [
            ["4251234", "caller_id", "", "No"],
            ["4251234", "centrex", "", "No"],
        ],
    )

    assert outcomes(run)[2][0] == RowOutcome.UPDATED
    assert outcomes(run)[3][0] == RowOutcome.UNCHANGED
    assert not ProductSupplementaryService.objects.exists()
    [entry] = LogEntry.objects.filter(action=LogEntry.Action.DELETE)
    assert entry.object_id == enabled.pk and entry.additional_data["import"] == run.pk


def test_a_new_date_of_enablement_updates_it_and_the_same_file_twice_writes_nothing(tmp_path, line):
    EnabledServiceFactory(product=line, enabled_on=date(2024, 2, 1))
    rows = [["4251234", "Identificador de llamadas", "01/03/2024", "Sí"]]
    first = load(tmp_path, "servicios_suplementarios.xlsx", HEADER, rows)
    entries = LogEntry.objects.count()
    stamps = list(ProductSupplementaryService.objects.values_list("updated_at", flat=True))

    again = load(tmp_path, "servicios_suplementarios.xlsx", HEADER, rows)

    assert counts(first)["updated"] == 1 and counts(again)["unchanged"] == 1
    assert ProductSupplementaryService.objects.get().enabled_on == date(2024, 3, 1)
    assert LogEntry.objects.count() == entries
    assert list(ProductSupplementaryService.objects.values_list("updated_at", flat=True)) == stamps


@pytest.mark.parametrize(
    ("cells", "column", "value"),
    [
        (["9999999", "caller_id", "01/03/2026", "Sí"], "Número de servicio", "9999999"),
        (["4251234", "telepatía", "01/03/2026", "Sí"], "Servicio suplementario", "telepatía"),
        (["4251234", "caller_id", "", "Sí"], "Fecha de habilitación", ""),
        (["4251234", "caller_id", "30/02/2026", "Sí"], "Fecha de habilitación", "30/02/2026"),
        (["4251234", "caller_id", "01/03/2026", "tal vez"], "Habilitado", "tal vez"),
        (["INTERNET1", "caller_id", "01/03/2026", "Sí"], "Número de servicio", "INTERNET1"),
    ],
    ids=[
        "unknown-product",
        "unknown-service",
        "no-date",
        "no-such-day",
        "not-yes-or-no",
        "not-a-telephone-line",
    ],
)
def test_a_bad_service_row_is_refused_naming_the_column_and_the_value(
    tmp_path, line, cells, column, value
):
    ProductFactory(service_number="INTERNET1")
    run = load(tmp_path, "servicios_suplementarios.xlsx", HEADER, [cells])

    outcome, reason = outcomes(run)[2]
    assert outcome == RowOutcome.REFUSED
    assert column in reason and value in reason
    assert not ProductSupplementaryService.objects.exists()
