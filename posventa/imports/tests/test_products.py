"""Products from the commercial system, by service number (imports/entities/products.py)."""

from datetime import date

import pytest
from auditlog.models import LogEntry

from posventa.factories import CompanyFactory, PlanFactory, ProductFactory, product_type
from posventa.imports.models import RowOutcome
from posventa.imports.tests.files import counts, import_media, load, outcomes  # noqa: F401
from posventa.inventory.models import Product, ProductStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("import_media")]

HEADER = [
    "Nro. de servicio",
    "NIT",
    "Plan",
    "Tecnología",
    "Dirección de instalación",
    "Zona",
    "Barrio",
    "Fecha de instalación",
    "Permanencia mínima",
    "Estado",
    "Fecha de retiro",
]


def row(number, **kw):
    v = {
        "nit": "1020304050",
        "plan": "INT-50",
        "tech": "fibra",
        "address": "Av. América 100",
        "zone": "Norte",
        "barrio": "Queru Queru",
        "installed": "15/01/2024",
        "months": 12,
        "status": "activo",
        "withdrawn": "",
    } | kw
    return [
        number,
        v["nit"],
        v["plan"],
        v["tech"],
        v["address"],
        v["zone"],
        v["barrio"],
        v["installed"],
        v["months"],
        v["status"],
        v["withdrawn"],
    ]


@pytest.fixture
def catalogue(db):
    CompanyFactory(nit="1020304050")
    PlanFactory(code="INT-50", name="Internet 50 Mbps", product_type=product_type("internet"))
    PlanFactory(code="INT-100", name="Internet 100 Mbps", product_type=product_type("internet"))
    PlanFactory(code="HSPA-10", name="HSPA 10 GB", product_type=product_type("hspa"))
    PlanFactory(
        code="TV-OLD", name="TV antiguo", product_type=product_type("pay_tv"), is_active=False
    )
    PlanFactory(code="FIJA", name="Línea fija", product_type=product_type("fixed_line"))


def test_new_products_are_created_with_plan_by_code_or_name_and_excel_dates(tmp_path, catalogue):
    run = load(
        tmp_path,
        "productos.xlsx",
        HEADER,
        [
            row("4400001", installed=date(2024, 1, 15)),
            row("4400002", plan="internet 100 mbps", tech="Cobre", installed="2023-06-30"),
            row("4400003", plan="HSPA-10", tech="", status="retirado", withdrawn="01/10/2026"),
        ],
    )

    assert counts(run) == {"created": 3, "updated": 0, "unchanged": 0, "refused": 0}
    first, second, third = Product.objects.order_by("service_number")
    assert (first.plan.code, first.technology, first.installed_on) == (
        "INT-50",
        "fiber",
        date(2024, 1, 15),
    )
    assert (second.plan.code, second.technology) == ("INT-100", "copper")
    assert (third.status, third.withdrawn_on) == (ProductStatus.WITHDRAWN, date(2026, 10, 1))


def test_a_changed_product_is_updated_with_its_changes_in_the_audit_trail(tmp_path, catalogue):
    product = load(tmp_path, "productos.xlsx", HEADER, [row("4400001")]) and Product.objects.get()
    run = load(tmp_path, "productos.xlsx", HEADER, [row("4400001", plan="INT-100", months=24)])

    assert counts(run)["updated"] == 1
    product.refresh_from_db()
    assert (product.plan.code, product.minimum_permanence_months) == ("INT-100", 24)
    entry = LogEntry.objects.get_for_object(product).filter(action=LogEntry.Action.UPDATE).get()
    assert entry.changes_dict["minimum_permanence_months"] == ["12", "24"]
    assert set(entry.changes_dict) == {"plan", "minimum_permanence_months"}


def test_products_twice_write_nothing_the_second_time(tmp_path, catalogue):
    rows = [row(f"44000{n:02d}") for n in range(10)]
    load(tmp_path, "productos.csv", HEADER, rows)
    stamps = dict(Product.objects.values_list("id", "updated_at"))
    entries = LogEntry.objects.count()

    again = load(tmp_path, "productos.csv", HEADER, rows)

    assert counts(again)["unchanged"] == 10
    assert dict(Product.objects.values_list("id", "updated_at")) == stamps
    assert LogEntry.objects.count() == entries


@pytest.mark.parametrize(
    ("cells", "column", "value"),
    [
        (row("4400001", nit="1020304099"), "NIT", "1020304099"),
        (row("4400001", plan="NO-EXISTE"), "Plan", "NO-EXISTE"),
        (row("4400001", plan="TV-OLD"), "Plan", "TV-OLD"),
        (row("4400001", tech="satélite"), "Tecnología", "satélite"),
        (row("4400001", tech=""), "Tecnología", ""),
        (row("4400001", plan="HSPA-10", tech="fibra"), "Tecnología", "fibra"),
        (row("4400001", installed="31/02/2024"), "Fecha de instalación", "31/02/2024"),
        (row("4400001", months=61), "Permanencia mínima", "61"),
        (row("4400001", months="doce"), "Permanencia mínima", "doce"),
        (row("4400001", status="retirado"), "Fecha de retiro", ""),
        (row("4400001", withdrawn="01/10/2026"), "Fecha de retiro", "01/10/2026"),
        (row("4400001", status="retirado", withdrawn="01/01/2020"), "Fecha de retiro", "2020"),
        (row("4400001", status="perdido"), "Estado", "perdido"),
        (row("X" * 33), "Nro. de servicio", "33"),
    ],
    ids=[
        "unknown-nit",
        "unknown-plan",
        "plan-not-offered",
        "unknown-technology",
        "technology-missing",
        "hspa-on-fiber",
        "day-that-does-not-exist",
        "permanence-over-60",
        "permanence-not-a-number",
        "withdrawn-without-date",
        "date-without-withdrawal",
        "withdrawn-before-installed",
        "unknown-status",
        "number-too-long",
    ],
)
def test_a_bad_product_is_refused_naming_the_column_and_the_value(
    tmp_path, catalogue, cells, column, value
):
    run = load(tmp_path, "productos.xlsx", HEADER, [cells])

    outcome, reason = outcomes(run)[2]
    assert outcome == RowOutcome.REFUSED
    assert column in reason and value in reason
    assert not Product.objects.exists()


def test_a_product_keeps_its_plan_when_that_plan_is_no_longer_offered(tmp_path, catalogue):
    old_plan = PlanFactory(
        code="INT-OLD",
        name="Internet viejo",
        is_active=False,
        product_type=product_type("internet"),
    )
    ProductFactory(service_number="4400001", company__nit="1020304051", plan=old_plan)
    run = load(
        tmp_path, "productos.xlsx", HEADER, [row("4400001", plan="INT-OLD", nit="1020304050")]
    )

    assert counts(run)["updated"] == 1
    assert Product.objects.get().plan == old_plan


def test_a_product_cannot_change_its_kind_through_its_plan(tmp_path, catalogue):
    load(tmp_path, "productos.xlsx", HEADER, [row("4400001")])
    run = load(tmp_path, "productos.xlsx", HEADER, [row("4400001", plan="FIJA", tech="cobre")])

    assert outcomes(run)[2][0] == RowOutcome.REFUSED
    assert Product.objects.get().plan.code == "INT-50"
