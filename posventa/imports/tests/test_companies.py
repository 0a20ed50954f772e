"""Companies from the commercial system, by NIT (imports/entities/companies.py)."""

from datetime import timedelta

import pytest
import time_machine
from auditlog.models import LogEntry
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.models import User
from posventa.accounts.roles import Role
from posventa.customers.models import Company
from posventa.factories import CompanyFactory
from posventa.imports.models import RowOutcome
from posventa.imports.tests.files import counts, import_media, load, outcomes  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_media")]

HEADER = [
    "NIT",
    "Razón Social",
    "Nombre comercial",
    "Dirección",
    "Zona",
    "Barrio",
    "Ciudad",
    "Institución pública",
    "Ejecutiva",
]


def row(nit, name="ACME S.R.L.", executive="ejecutiva", **kw):
    values = {
        "trade": "",
        "address": "Av. Ballivián 123",
        "zone": "Centro",
        "barrio": "Casco Viejo",
        "city": "Cochabamba",
        "public": "No",
    } | kw
    return [
        nit,
        name,
        values["trade"],
        values["address"],
        values["zone"],
        values["barrio"],
        values["city"],
        values["public"],
        executive,
    ]


def test_new_companies_join_the_portfolio_of_the_executive_named_by_username_email_or_name(
    tmp_path, executive, team_lead
):
    full_name = executive.get_full_name().upper()
    run = load(
        tmp_path,
        "empresas.xlsx",
        HEADER,
        [
            row(1020304050, executive="ejecutiva"),
            row("1.020.304.051", name="Beta", executive=executive.email, public="Sí"),
            row("1020304052", name="Gamma", executive=full_name),
        ],
        user=team_lead,
    )

    assert run.entity == "companies"
    assert counts(run) == {"created": 3, "updated": 0, "unchanged": 0, "refused": 0}
    companies = {c.nit: c for c in Company.objects.all()}
    assert set(companies) == {"1020304050", "1020304051", "1020304052"}
    assert {c.executive for c in companies.values()} == {executive}
    assert companies["1020304051"].is_public_institution is True
    assert companies["1020304050"].address == "Av. Ballivián 123"


def test_a_changed_company_is_updated_and_the_audit_entry_has_the_old_and_new_values(
    tmp_path, executive, team_lead
):
    company = CompanyFactory(
        nit="1020304050",
        legal_name="ACME S.R.L.",
        executive=executive,
        address="Av. Ballivián 123",
        zone="Centro",
        neighbourhood="Casco Viejo",
    )
    run = load(tmp_path, "empresas.csv", HEADER, [row("1020304050", zone="Norte")], user=team_lead)

    assert counts(run)["updated"] == 1
    company.refresh_from_db()
    assert company.zone == "Norte"
    [entry] = LogEntry.objects.get_for_object(company).filter(action=LogEntry.Action.UPDATE)
    assert entry.changes_dict == {"zone": ["Centro", "Norte"]}
    assert entry.actor == team_lead
    assert entry.additional_data == {"import": run.pk, "file": "empresas.csv"}
    assert outcomes(run)[2][0] == RowOutcome.UPDATED


def test_an_unchanged_company_is_not_written(tmp_path, executive):
    company = CompanyFactory(
        nit="1020304050",
        legal_name="ACME S.R.L.",
        executive=executive,
        address="Av. Ballivián 123",
        zone="Centro",
        neighbourhood="Casco Viejo",
    )
    before = Company.objects.get(pk=company.pk).updated_at

    run = load(tmp_path, "empresas.xlsx", HEADER, [row(1020304050)])

    assert counts(run) == {"created": 0, "updated": 0, "unchanged": 1, "refused": 0}
    assert Company.objects.get(pk=company.pk).updated_at == before
    assert not LogEntry.objects.filter(additional_data__import=run.pk).exists()


def test_the_same_file_twice_writes_nothing_the_second_time(tmp_path, executive):
    rows = [row(str(1020304050 + n), name=f"Empresa {n}") for n in range(5)]
    load(tmp_path, "empresas.xlsx", HEADER, rows)
    stamps = dict(Company.objects.values_list("nit", "updated_at"))
    entries = LogEntry.objects.count()

    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        again = load(tmp_path, "empresas.xlsx", HEADER, rows)

    assert counts(again) == {"created": 0, "updated": 0, "unchanged": 5, "refused": 0}
    assert dict(Company.objects.values_list("nit", "updated_at")) == stamps
    assert LogEntry.objects.count() == entries


@pytest.mark.parametrize(
    ("cells", "column", "words"),
    [
        (row("12"), "NIT", "12"),
        (row("10203A4050"), "NIT", "10203A4050"),
        (row("1020304050", executive="nadie"), "Ejecutiva", "nadie"),
        (row("1020304050", name=""), "Razón Social", ":"),
        (row("1020304050", address=""), "Dirección", ":"),
        (row("1020304050", public="quizá"), "Institución pública", "quizá"),
        (row("1020304050", zone="Z" * 101), "Zona", "101"),
    ],
    ids=[
        "nit-too-short",
        "nit-not-digits",
        "unknown-executive",
        "no-legal-name",
        "no-address",
        "not-yes-or-no",
        "zone-too-long",
    ],
)
def test_a_bad_cell_refuses_the_row_naming_the_column_and_the_value(
    tmp_path, executive, cells, column, words
):
    run = load(tmp_path, "empresas.xlsx", HEADER, [cells, row("1020304099", name="Buena")])

    outcome, reason = outcomes(run)[2]
    assert outcome == RowOutcome.REFUSED
    assert column in reason and words in reason
    assert outcomes(run)[3][0] == RowOutcome.CREATED
    assert list(Company.objects.values_list("nit", flat=True)) == ["1020304099"]


def test_a_nit_repeated_in_the_file_takes_only_its_first_row(tmp_path, executive):
    run = load(
        tmp_path,
        "empresas.xlsx",
        HEADER,
        [
            row("1020304050", name="Primera"),
            row("1020304050", name="Segunda"),
        ],
    )

    assert outcomes(run)[2][0] == RowOutcome.CREATED
    outcome, reason = outcomes(run)[3]
    assert outcome == RowOutcome.REFUSED and "1020304050" in reason
    assert Company.objects.get().legal_name == "Primera"


def test_an_executive_two_people_share_a_name_with_must_be_given_by_username(tmp_path, make_user):
    make_user(Role.EXECUTIVE, username="ana1", first_name="Ana", last_name="Rojas")
    make_user(Role.EXECUTIVE, username="ana2", first_name="Ana", last_name="Rojas")
    run = load(
        tmp_path,
        "empresas.xlsx",
        HEADER,
        [
            row("1020304050", executive="Ana Rojas"),
            row("1020304051", executive="ana2"),
        ],
    )

    assert outcomes(run)[2][0] == RowOutcome.REFUSED
    assert Company.objects.get().executive.username == "ana2"


def test_a_portfolio_goes_only_to_an_active_executive(tmp_path, make_user):
    make_user(Role.TEAM_LEAD, username="jefa")
    make_user(Role.EXECUTIVE, username="ida", is_active=False)
    run = load(
        tmp_path,
        "empresas.xlsx",
        HEADER,
        [
            row("1020304050", executive="jefa"),
            row("1020304051", executive="ida"),
        ],
    )

    assert counts(run)["refused"] == 2
    assert not Company.objects.exists()


def test_the_company_history_page_in_the_admin_shows_the_import(tmp_path, executive, admin_client):
    admin = User.objects.get(username="admin")
    company = CompanyFactory(nit="1020304050", legal_name="ACME S.R.L.", executive=executive)

    load(
        tmp_path, "empresas.xlsx", HEADER, [row("1020304050", name="ACME Bolivia S.A.")], user=admin
    )

    page = admin_client.get(reverse("admin:customers_company_auditlog", args=[company.pk]))
    assert page.status_code == 200
    text = page.content.decode()
    assert "ACME Bolivia S.A." in text and "ACME S.R.L." in text
