"""The header search finds each kind by its keys, scoped like the lists, and
refuses hostile text by finding nothing."""

from datetime import UTC, datetime

import pytest
from django.db import connection

from posventa.accounts.roles import Role
from posventa.cases.models import Case
from posventa.factories import CompanyFactory, ContactFactory, ProductFactory, UserFactory
from posventa.search import index
from posventa.search.selectors import Kind, parse, search
from posventa.workorders.models import WorkOrder

pytestmark = pytest.mark.django_db

RECEIVED = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)


@pytest.fixture
def world():
    mine = UserFactory(username="ejecutiva", role=Role.EXECUTIVE)
    other = UserFactory(username="otra", role=Role.EXECUTIVE)
    clinic = CompanyFactory(
        executive=mine, nit="1020703023", legal_name="Clínica Cala Cala S.R.L.", trade_name=""
    )
    hotel = CompanyFactory(
        executive=other,
        nit="3543668166",
        legal_name="Hotelera del Valle S.A.",
        trade_name="Hotel Muyurina",
    )
    ContactFactory(
        company=clinic,
        name="Carla Ovando Peña",
        phone="4-4251234",
        whatsapp="+591 70712345",
        email="carla.ovando@clinica.example",
    )
    ContactFactory(
        company=hotel, name="Carla Ríos", phone="4-4259999", whatsapp="", email="rios@hotel.ex"
    )
    ProductFactory(company=clinic, service_number="INT-3926297")
    ProductFactory(company=hotel, service_number="INT-3926298")
    cases = {
        "mine": Case.objects.create(
            number="PV-2026-000123",
            company=clinic,
            procedure="B",
            channel="email",
            received_at=RECEIVED,
            subject="Cambio de plan",
        ),
        "other": Case.objects.create(
            number="PV-2026-000124",
            company=hotel,
            procedure="E",
            channel="phone",
            received_at=RECEIVED,
            subject="Sin servicio",
        ),
    }
    orders = {
        "mine": WorkOrder.objects.create(
            number="OT-2026-000045", kind="damage", company=clinic, address="Av. América 1"
        ),
        "other": WorkOrder.objects.create(
            number="OT-2026-000046", kind="damage", company=hotel, address="Av. Blanco Galindo 2"
        ),
    }
    return {"mine": mine, "other": other, "cases": cases, "orders": orders}


def labels(results, kind: Kind) -> list[str]:
    return [hit.label for group in results.groups if group.kind == kind for hit in group.hits]


def kinds(results) -> set[Kind]:
    return {group.kind for group in results.groups}


@pytest.fixture
def lead():
    return UserFactory(role=Role.TEAM_LEAD)


@pytest.mark.parametrize("text", ["PV-2026-000123", "2026-000123", "2026-123", "123", "pv 123"])
def test_a_case_is_found_by_its_number_whole_or_bare(world, lead, text):
    results = search(user=lead, text=text, limit=5)
    assert labels(results, Kind.CASE) == ["PV-2026-000123"]
    assert results.groups[0].hits[0].url == "/casos/PV-2026-000123/"


def test_a_case_number_in_another_form_is_found_as_stored(world, lead):
    Case.objects.filter(pk=world["cases"]["mine"].pk).update(number="PV-B-00000007")
    assert labels(search(user=lead, text="pv-b-00000007"), Kind.CASE) == ["PV-B-00000007"]


@pytest.mark.parametrize("text", ["OT-2026-000045", "2026-000045", "ot45", "45"])
def test_a_work_order_is_found_by_its_number(world, lead, text):
    results = search(user=lead, text=text)
    assert labels(results, Kind.WORK_ORDER) == ["OT-2026-000045"]
    hit = next(g for g in results.groups if g.kind == Kind.WORK_ORDER).hits[0]
    assert hit.url == "/ordenes-de-trabajo/OT-2026-000045/"


@pytest.mark.parametrize("text", ["1020703023", "1020 703", "102070"])
def test_a_company_is_found_by_its_nit_or_its_first_digits(world, lead, text):
    assert labels(search(user=lead, text=text), Kind.COMPANY) == ["Clínica Cala Cala S.R.L."]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("cala", "Clínica Cala Cala S.R.L."),
        ("CLINICA", "Clínica Cala Cala S.R.L."),  # accents and case aside
        ("clínica cala", "Clínica Cala Cala S.R.L."),
        ("cala clinica", "Clínica Cala Cala S.R.L."),  # words in any order
        ("muyurina", "Hotel Muyurina"),  # the trade name
        ("hotelera", "Hotel Muyurina"),  # the legal name of a company with a trade name
    ],
)
def test_a_company_is_found_by_its_legal_or_trade_name(world, lead, text, found):
    assert labels(search(user=lead, text=text), Kind.COMPANY) == [found]


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("ovando", ["Carla Ovando Peña"]),
        ("pena", ["Carla Ovando Peña"]),
        ("carla", ["Carla Ovando Peña", "Carla Ríos"]),
        ("carla.ovando@clinica", ["Carla Ovando Peña"]),
        ("4-4251234", ["Carla Ovando Peña"]),
        ("44251234", ["Carla Ovando Peña"]),
        ("707 123 45", ["Carla Ovando Peña"]),  # the WhatsApp number, typed with spaces
    ],
)
def test_a_contact_is_found_by_name_email_or_phone(world, lead, text, found):
    assert labels(search(user=lead, text=text), Kind.CONTACT) == found


@pytest.mark.parametrize("text", ["INT-3926297", "3926297", "int-39262"])
def test_a_product_is_found_by_its_service_number(world, lead, text):
    found = labels(search(user=lead, text=text), Kind.PRODUCT)
    assert found[0] == "INT-3926297"
    assert (text == "int-39262") == ("INT-3926298" in found)


def test_an_executive_finds_nothing_of_another_portfolio(world):
    me = world["mine"]
    for text in ("PV-2026-000124", "3543668166", "muyurina", "rios", "44259999", "3926298"):
        assert search(user=me, text=text).groups == [], text
    # Her own, by the same keys.
    assert labels(search(user=me, text="carla"), Kind.CONTACT) == ["Carla Ovando Peña"]
    assert labels(search(user=me, text="2026-000123"), Kind.CASE) == ["PV-2026-000123"]


def test_roles_without_work_orders_find_none(world):
    commercial = UserFactory(role=Role.COMMERCIAL_MANAGER)
    technical = UserFactory(role=Role.TECHNICAL_MANAGER)
    assert Kind.WORK_ORDER not in kinds(search(user=commercial, text="OT-2026-000045"))
    assert Kind.WORK_ORDER not in kinds(search(user=world["mine"], text="OT-2026-000045"))
    assert labels(search(user=technical, text="OT-2026-000045"), Kind.WORK_ORDER) == [
        "OT-2026-000045"
    ]


def test_a_user_without_a_role_finds_nothing(world):
    nobody = UserFactory(role="")
    assert search(user=nobody, text="carla").groups == []


def test_the_results_stop_at_the_limit_and_say_there_are_more(world, lead):
    company = CompanyFactory(executive=world["mine"])
    for n in range(7):
        ContactFactory(company=company, name=f"Rodrigo Suárez {n}")
    results = search(user=lead, text="suarez", limit=5)
    (group,) = results.groups
    assert len(group.hits) == 5 and group.more
    assert len(search(user=lead, text="suarez", limit=50).groups[0].hits) == 7


@pytest.mark.parametrize(
    "text",
    [
        "cala\x00",
        "\x00",
        "a" * 101,
        "cala\x1b[2J",
        "\ud800cala",
        "%",
        "%%%",
        "___",
        '"',
        '" OR "',
        "cala' OR 1=1 --",
        "*",
        "NEAR(cala clinica)",
        "cala AND",
        "-- ",
        "0",
        "000000",
        "9" * 100,
        "٣٤٥٦٧٨٩",  # digits of another script
        "ＣＡＬＡ",
    ],
)
def test_hostile_text_finds_nothing_and_raises_nothing(world, lead, text):
    results = search(user=lead, text=text)
    assert results.groups == []


def test_a_refused_text_says_so(lead):
    assert search(user=lead, text="a" * 101).refused
    assert search(user=lead, text="x\x00").refused
    assert search(user=lead, text="ab").too_short
    assert not search(user=lead, text="").too_short


def test_wildcards_are_taken_literally(world, lead):
    ContactFactory(company=CompanyFactory(), name="Tienda 100% Natural")
    assert labels(search(user=lead, text="100% nat"), Kind.CONTACT) == ["Tienda 100% Natural"]
    assert labels(search(user=lead, text="c_rla"), Kind.CONTACT) == []


def test_parse_reads_each_key():
    terms = parse("2026-000123", this_year=2026)
    assert "PV-2026-000123" in terms.case_numbers and "OT-2026-000123" in terms.work_order_numbers
    terms = parse("123", this_year=2026)
    assert "PV-2026-000123" in terms.case_numbers and "PV-2017-000123" in terms.case_numbers
    assert parse("pv-123", this_year=2026).work_order_numbers == ("PV-123",)
    assert parse("1020 703").nit_prefix == "1020703"
    assert parse("Clínica  CALA").words == ("clinica", "cala")
    assert parse("x" * 101) is None


def test_the_index_follows_renames_and_deletions(world, lead):
    company = CompanyFactory(legal_name="Ferretería Tunari")
    assert labels(search(user=lead, text="tunari"), Kind.COMPANY) == ["Ferretería Tunari"]
    company.legal_name = "Ferretería Illimani"
    company.save()
    assert labels(search(user=lead, text="tunari"), Kind.COMPANY) == []
    assert labels(search(user=lead, text="illimani"), Kind.COMPANY) == ["Ferretería Illimani"]
    company.delete()
    assert labels(search(user=lead, text="illimani"), Kind.COMPANY) == []


def test_python_and_the_database_fold_alike(db):
    """The selectors fold the text in Python; the index, in SQL: the same
    mapping, or a word would not be found."""
    sample = "ÁÉÍÓÚÜÑ áéíóúüñ ABC xyz Ç"
    ContactFactory(company=CompanyFactory(), name=sample, email="", phone="", whatsapp="")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"SELECT {index.pg_function('contact')}(name, email, phone, whatsapp)"
                " FROM customers_contact"
            )
        else:
            cursor.execute(f"SELECT body FROM {index.fts_table('contact')}")
        (stored,) = cursor.fetchone()
    assert stored.split(" ")[:5] == index.fold(sample).split(" ")


def test_the_indexes_come_back_after_another_app_rebuilds_a_table(db):
    """SQLite's schema editor rebuilds a table to alter it, dropping its
    triggers: the search app's post_migrate puts them back and refills."""
    if connection.vendor != "sqlite":
        pytest.skip("the triggers are SQLite's")
    CompanyFactory(legal_name="Lavandería Cristal")
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER search_company_fts_insert")
        cursor.execute("DELETE FROM search_company_fts")
    index.install(connection)
    lead = UserFactory(role=Role.TEAM_LEAD)
    assert labels(search(user=lead, text="cristal"), Kind.COMPANY) == ["Lavandería Cristal"]
    CompanyFactory(legal_name="Lavandería Diamante")
    assert labels(search(user=lead, text="diamante"), Kind.COMPANY) == ["Lavandería Diamante"]
