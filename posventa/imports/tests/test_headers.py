"""Which column is which field, and what a file holds (imports/headers.py)."""

import pytest

from posventa.imports import headers
from posventa.imports.entities import spec_for
from posventa.imports.models import ColumnMapping, Entity


def test_every_field_of_every_kind_of_records_has_known_headers_and_no_header_means_two():
    for entity in Entity.values:
        fields = {f.name for f in spec_for(entity).fields}
        assert set(headers.SYNONYMS[entity]) == fields, entity
        meanings: dict[str, set[str]] = {}
        for field, written in headers.SYNONYMS[entity].items():
            for header in written:
                meanings.setdefault(headers.header_key(header), set()).add(field)
        assert all(len(fields) == 1 for fields in meanings.values()), entity


@pytest.mark.parametrize(
    ("written", "field"),
    [
        ("Razón Social", "legal_name"),
        ("RAZON SOCIAL", "legal_name"),
        ("razón  social:", "legal_name"),
        ("N.I.T.", None),
        ("NIT", "nit"),
        (" nit ", "nit"),
        ("Ejecutivo de Cuenta", "executive"),
        ("Institución Pública (Sí/No)", None),
    ],
)
def test_headers_match_case_accents_and_spacing_aside(db, written, field):
    mapping = headers.auto_mapping(Entity.COMPANIES, [written])
    assert mapping[written] == (field or "")


def test_number_words_and_small_words_do_not_matter():
    key = headers.header_key
    assert key("N° de Servicio") == key("Nro. servicio") == key("Número del servicio")
    assert key("Monto (Bs)") == key("Monto")


def test_the_better_synonym_takes_a_field_two_columns_fit(db):
    mapping = headers.auto_mapping(Entity.PRODUCTS, ["Dirección", "Dirección de instalación"])
    assert mapping == {"Dirección": "", "Dirección de instalación": "installation_address"}


def test_a_saved_mapping_comes_before_the_synonyms(db):
    ColumnMapping.objects.create(
        entity=Entity.COMPANIES, header_key="cliente", header="Cliente", field=""
    )
    ColumnMapping.objects.create(
        entity=Entity.COMPANIES,
        header_key=headers.header_key("Cód. SIN"),
        header="Cód. SIN",
        field="nit",
    )
    mapping = headers.auto_mapping(Entity.COMPANIES, ["Cód. SIN", "Cliente", "Razón social"])
    assert mapping == {"Cód. SIN": "nit", "Cliente": "", "Razón social": "legal_name"}


@pytest.mark.parametrize(
    ("columns", "entity"),
    [
        (["NIT", "Razón social", "Dirección", "Ejecutiva"], Entity.COMPANIES),
        (["NIT", "Nombre", "Cargo", "Correo"], Entity.CONTACTS),
        (
            [
                "Número de servicio",
                "NIT",
                "Plan",
                "Dirección de instalación",
                "Fecha de instalación",
            ],
            Entity.PRODUCTS,
        ),
        (["Número de servicio", "Servicio", "Fecha de habilitación"], Entity.SERVICES),
        (["Serie", "Número de servicio", "Tipo de equipo"], Entity.EQUIPMENT),
        (
            ["Número de factura", "Número de servicio", "Periodo", "Monto", "Fecha de pago"],
            Entity.INVOICES,
        ),
        (["Referencia", "Número de factura", "Fecha de pago", "Monto"], Entity.PAYMENTS),
    ],
)
def test_what_a_file_holds_is_guessed_from_its_headers(db, columns, entity):
    assert headers.guess_entity(columns, "extracto.xlsx") == entity


def test_what_a_file_holds_is_guessed_from_its_name_when_its_headers_do_not_say(db):
    assert headers.guess_entity(["Columna A", "Columna B"], "Pagos_Octubre-2026.csv") == (
        Entity.PAYMENTS
    )
    assert headers.guess_entity(["Columna A"], "servicios_suplementarios.xlsx") == Entity.SERVICES
    assert headers.guess_entity(["Columna A"], "datos.xlsx") is None
