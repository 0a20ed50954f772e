"""Equipment from the commercial system, by serial number (imports/entities/equipment.py)."""

from datetime import date

import pytest
from auditlog.models import LogEntry

from posventa.factories import EquipmentFactory, ProductFactory
from posventa.imports.models import RowOutcome
from posventa.imports.tests.files import counts, import_media, load, outcomes  # noqa: F401
from posventa.inventory.models import Equipment, EquipmentMissingPart, ReturnCondition

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_media")]

HEADER = [
    "Serie",
    "Número de servicio",
    "Tipo de equipo",
    "Fecha de devolución",
    "Estado de devolución",
    "Partes faltantes",
    "Observación",
]


@pytest.fixture
def product(db):
    return ProductFactory(service_number="4400001")


def test_new_equipment_is_created_with_its_kind_by_spanish_name(tmp_path, product):
    run = load(
        tmp_path,
        "equipos.xlsx",
        HEADER,
        [
            ["SN-1", "4400001", "Router Wi-Fi", None, "", "", ""],
            ["SN-2", "4400001", "decodificador", None, "", "", ""],
        ],
    )

    assert counts(run)["created"] == 2
    assert dict(Equipment.objects.values_list("serial", "kind")) == {
        "SN-1": "router",
        "SN-2": "decoder",
    }


def test_a_device_returned_incomplete_lists_its_missing_parts_from_the_catalogue(tmp_path, product):
    EquipmentFactory(product=product, serial="SN-1", kind="router")
    run = load(
        tmp_path,
        "equipos.xlsx",
        HEADER,
        [
            [
                "SN-1",
                "4400001",
                "router",
                date(2026, 10, 5),
                "incompleto",
                "Fuente de poder, antena",
                "",
            ],
        ],
    )

    assert counts(run)["updated"] == 1
    device = Equipment.objects.get()
    assert (device.return_condition, device.returned_on, device.missing_part_count) == (
        ReturnCondition.INCOMPLETE,
        date(2026, 10, 5),
        2,
    )
    assert set(device.missing_parts.values_list("code", flat=True)) == {"power_supply", "antenna"}
    entry = LogEntry.objects.get_for_object(device).get()
    assert entry.changes_dict["missing_parts"] == ["", "Antena, Fuente de poder (adaptador)"]


def test_a_device_found_complete_afterwards_loses_its_missing_parts(tmp_path, product):
    rows = [["SN-1", "4400001", "router", "05/10/2026", "incompleto", "antena", ""]]
    load(tmp_path, "equipos.xlsx", HEADER, rows)
    run = load(
        tmp_path,
        "equipos.xlsx",
        HEADER,
        [
            ["SN-1", "4400001", "router", "05/10/2026", "completo", "", ""],
        ],
    )

    assert counts(run)["updated"] == 1
    assert not EquipmentMissingPart.objects.exists()
    assert Equipment.objects.get().missing_part_count == 0


def test_equipment_twice_writes_nothing_the_second_time(tmp_path, product):
    rows = [
        ["SN-1", "4400001", "router", "05/10/2026", "incompleto", "antena", ""],
        ["SN-2", "4400001", "ont", "05/10/2026", "dañado", "", "Carcasa rota"],
        ["SN-3", "4400001", "decodificador", "", "no devuelto", "", ""],
    ]
    load(tmp_path, "equipos.xlsx", HEADER, rows)
    entries = LogEntry.objects.count()
    stamps = dict(Equipment.objects.values_list("serial", "updated_at"))

    again = load(tmp_path, "equipos.xlsx", HEADER, rows)

    assert counts(again)["unchanged"] == 3
    assert LogEntry.objects.count() == entries
    assert dict(Equipment.objects.values_list("serial", "updated_at")) == stamps


@pytest.mark.parametrize(
    ("cells", "column", "value"),
    [
        (["SN-1", "9999999", "router", "", "", "", ""], "Número de servicio", "9999999"),
        (["SN-1", "4400001", "tostadora", "", "", "", ""], "Tipo de equipo", "tostadora"),
        (["SN-1", "4400001", "router", "", "completo", "", ""], "Fecha de devolución", ""),
        (
            ["SN-1", "4400001", "router", "05/10/2026", "no devuelto", "", ""],
            "Fecha de devolución",
            "05/10/2026",
        ),
        (["SN-1", "4400001", "router", "05/10/2026", "incompleto", "", ""], "Partes faltantes", ""),
        (
            ["SN-1", "4400001", "router", "05/10/2026", "incompleto", "control remoto", ""],
            "Partes faltantes",
            "control remoto",
        ),
        (
            ["SN-1", "4400001", "router", "05/10/2026", "incompleto", "turbina", ""],
            "Partes faltantes",
            "turbina",
        ),
        (
            ["SN-1", "4400001", "router", "05/10/2026", "completo", "antena", ""],
            "Partes faltantes",
            "antena",
        ),
        (["SN-1", "4400001", "router", "05/10/2026", "dañado", "", ""], "Observación", ""),
        (
            ["SN-1", "4400001", "router", "05/10/2026", "roto", "", ""],
            "Estado de devolución",
            "roto",
        ),
    ],
    ids=[
        "unknown-product",
        "unknown-kind",
        "returned-without-date",
        "missing-with-date",
        "incomplete-without-parts",
        "part-of-another-kind",
        "part-not-in-catalogue",
        "parts-of-a-complete-device",
        "damaged-without-note",
        "unknown-condition",
    ],
)
def test_a_bad_device_is_refused_naming_the_column_and_the_value(
    tmp_path, product, cells, column, value
):
    run = load(tmp_path, "equipos.xlsx", HEADER, [cells])

    outcome, reason = outcomes(run)[2]
    assert outcome == RowOutcome.REFUSED
    assert column in reason and value in reason
    assert not Equipment.objects.exists()


def test_a_device_already_billed_keeps_a_billable_condition(tmp_path, product):
    EquipmentFactory(
        product=product,
        serial="SN-1",
        kind="router",
        return_condition=ReturnCondition.MISSING,
        billed_on=date(2026, 10, 6),
        billed_amount=300,
    )
    run = load(
        tmp_path,
        "equipos.xlsx",
        HEADER,
        [
            ["SN-1", "4400001", "router", "07/10/2026", "completo", "", ""],
        ],
    )

    assert outcomes(run)[2][0] == RowOutcome.REFUSED
    assert Equipment.objects.get().return_condition == ReturnCondition.MISSING
