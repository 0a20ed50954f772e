"""Contacts from the commercial system, by company and name (imports/entities/contacts.py)."""

import pytest
from auditlog.models import LogEntry

from posventa.common.models import Channel
from posventa.customers.models import Contact
from posventa.factories import CompanyFactory, ContactFactory
from posventa.imports.models import RowOutcome
from posventa.imports.tests.files import counts, import_media, load, outcomes  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_media")]

HEADER = [
    "NIT",
    "Nombre",
    "Cargo",
    "Teléfono",
    "WhatsApp",
    "Correo",
    "Canal preferido",
    "Principal",
]


def row(nit, name, **kw):
    v = {
        "position": "Gerente",
        "phone": "4-4251234",
        "whatsapp": "70712345",
        "email": "gerente@acme.bo",
        "channel": "Correo",
        "primary": "No",
    } | kw
    return [
        nit,
        name,
        v["position"],
        v["phone"],
        v["whatsapp"],
        v["email"],
        v["channel"],
        v["primary"],
    ]


@pytest.fixture
def company(db):
    return CompanyFactory(nit="1020304050")


def test_new_contacts_are_created_with_the_channel_by_its_spanish_name(tmp_path, company):
    run = load(
        tmp_path,
        "contactos.xlsx",
        HEADER,
        [
            row(1020304050, "Juan Pérez", channel="WhatsApp"),
            row("1020304050", "Ana Rojas", channel="Teléfono", email=""),
        ],
    )

    assert counts(run)["created"] == 2
    juan = Contact.objects.get(name="Juan Pérez")
    assert (juan.company, juan.preferred_channel) == (company, Channel.WHATSAPP)
    assert Contact.objects.get(name="Ana Rojas").preferred_channel == Channel.PHONE


def test_a_contact_is_the_same_person_whatever_the_case_and_accents_of_the_name(tmp_path, company):
    contact = ContactFactory(
        company=company,
        name="Juan Pérez",
        position="Gerente",
        phone="4-4251234",
        whatsapp="70712345",
        email="gerente@acme.bo",
    )
    run = load(
        tmp_path,
        "contactos.xlsx",
        HEADER,
        [row("1020304050", "JUAN PEREZ", position="Gerente general")],
    )

    assert counts(run) == {"created": 0, "updated": 1, "unchanged": 0, "refused": 0}
    contact.refresh_from_db()
    assert (contact.name, contact.position) == ("JUAN PEREZ", "Gerente general")
    assert Contact.objects.count() == 1


def test_a_new_primary_contact_takes_the_place_of_the_one_before(tmp_path, company):
    old = ContactFactory(company=company, name="Ana Rojas", is_primary=True)
    run = load(tmp_path, "contactos.xlsx", HEADER, [row("1020304050", "Juan Pérez", primary="Sí")])

    old.refresh_from_db()
    assert not old.is_primary
    assert Contact.objects.get(name="Juan Pérez").is_primary
    assert "Ana Rojas" in outcomes(run)[2][1]
    [demotion] = LogEntry.objects.get_for_object(old).filter(action=LogEntry.Action.UPDATE)
    assert demotion.changes_dict == {"is_primary": ["True", "False"]}


def test_a_second_primary_contact_of_a_company_in_one_file_is_refused(tmp_path, company):
    run = load(
        tmp_path,
        "contactos.xlsx",
        HEADER,
        [
            row("1020304050", "Juan Pérez", primary="Sí"),
            row("1020304050", "Ana Rojas", primary="Sí"),
        ],
    )

    assert outcomes(run)[3][0] == RowOutcome.REFUSED
    assert "2" in outcomes(run)[3][1]
    assert list(Contact.objects.filter(is_primary=True).values_list("name", flat=True)) == [
        "Juan Pérez"
    ]


def test_the_dry_run_of_a_primary_change_across_batches_says_what_the_import_does(
    tmp_path, company
):
    old = ContactFactory(
        company=company,
        name="Ana Rojas",
        is_primary=True,
        position="Gerente",
        phone="4-4251234",
        whatsapp="70712345",
        email="gerente@acme.bo",
    )
    from posventa.imports.tests.files import apply, check, open_file

    rows = [row("1020304050", "Juan Pérez", primary="Sí"), row("1020304050", "Ana Rojas")]
    checked = check(open_file(tmp_path, "contactos.xlsx", HEADER, rows), batch_size=1)
    done = apply(checked, batch_size=1)

    assert (
        checked.checked_counts
        == counts(done)
        == {"created": 1, "updated": 0, "unchanged": 1, "refused": 0}
    )
    old.refresh_from_db()
    assert not old.is_primary


def test_contacts_twice_write_nothing_the_second_time(tmp_path, company):
    rows = [row("1020304050", "Juan Pérez", primary="Sí"), row("1020304050", "Ana Rojas")]
    load(tmp_path, "contactos.xlsx", HEADER, rows)
    stamps = dict(Contact.objects.values_list("id", "updated_at"))
    entries = LogEntry.objects.count()

    again = load(tmp_path, "contactos.xlsx", HEADER, rows)

    assert counts(again)["unchanged"] == 2
    assert dict(Contact.objects.values_list("id", "updated_at")) == stamps
    assert LogEntry.objects.count() == entries


@pytest.mark.parametrize(
    ("cells", "column", "value"),
    [
        (row("1020304099", "Juan Pérez"), "NIT", "1020304099"),
        (row("1020304050", "Juan Pérez", email="no-es-correo"), "Correo", "no-es-correo"),
        (row("1020304050", "Juan Pérez", channel="paloma"), "Canal preferido", "paloma"),
        (row("1020304050", "Juan Pérez", phone="7" * 31), "Teléfono", "31"),
        (row("1020304050", ""), "Nombre", ""),
    ],
    ids=["unknown-nit", "bad-email", "unknown-channel", "phone-too-long", "no-name"],
)
def test_a_bad_contact_is_refused_naming_the_column_and_the_value(
    tmp_path, company, cells, column, value
):
    run = load(tmp_path, "contactos.csv", HEADER, [cells])

    outcome, reason = outcomes(run)[2]
    assert outcome == RowOutcome.REFUSED
    assert column in reason and value in reason
    assert not Contact.objects.exists()


def test_two_stored_contacts_with_the_same_name_are_not_guessed_between(tmp_path, company):
    ContactFactory(company=company, name="Juan Pérez")
    ContactFactory(company=company, name="juan perez")
    run = load(tmp_path, "contactos.xlsx", HEADER, [row("1020304050", "Juan Perez")])

    assert outcomes(run)[2][0] == RowOutcome.REFUSED
