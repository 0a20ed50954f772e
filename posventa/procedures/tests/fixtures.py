"""Fixtures for tests that run procedures: the deployed models, one user per
role, a customer with a product on a plan that can change."""

import pytest

from posventa.accounts.roles import Role
from posventa.catalog.models import Plan, ProductType
from posventa.engine import runtime
from posventa.engine.deployment import deploy_files, read_directory
from posventa.factories import CompanyFactory, ProductFactory, UserFactory
from posventa.procedures.apps import MODELS_DIR
from posventa.workorders.models import Technician


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def procedures(db, media):
    """The procedures' models, deployed as `make run` deploys them."""
    runtime.specs.clear()
    versions = deploy_files(read_directory(MODELS_DIR))
    yield {version.process_id: version for version, _ in versions}
    runtime.specs.clear()


def deploy_only(*names: str) -> dict:
    """Only these models (a procedure and those it calls), deployed as `make
    run` deploys them: faster than all twelve. For a module's own
    `procedures` fixture, which clears `runtime.specs` after its test."""
    runtime.specs.clear()
    files = {name: xml for name, xml in read_directory(MODELS_DIR).items() if name in names}
    return {version.process_id: version for version, _ in deploy_files(files)}


# The field technicians the technical manager picks from (kept in the admin).
TECHNICIANS = ["Téc. Luis Quiroga", "Téc. Juan Pérez", "Téc. Ana Rojas", "Téc. Pablo Ríos"]


@pytest.fixture
def technicians(db):
    return [Technician.objects.get_or_create(name=name)[0] for name in TECHNICIANS]


@pytest.fixture
def team(db, technicians):
    return {
        role: UserFactory(username=role.value, role=role, email=f"{role.value}@example.com")
        for role in Role
    }


@pytest.fixture
def internet_plans(db):
    internet = ProductType.objects.get(code="internet")
    return [
        Plan.objects.create(code=code, name=name, product_type=internet, monthly_price=price)
        for code, name, price in [
            ("INT-10", "Internet 10 Mbps", 250),
            ("INT-30", "Internet 30 Mbps", 390),
            ("INT-50", "Internet 50 Mbps", 520),
        ]
    ]


@pytest.fixture
def customer_product(team, internet_plans):
    company = CompanyFactory(executive=team[Role.EXECUTIVE])
    return ProductFactory(company=company, plan=internet_plans[0], technology="fiber")


@pytest.fixture
def plan_change_case(procedures, team, customer_product):
    """A plan change (B) of the executive's customer, opened by e-mail and
    waiting at its first step."""
    from posventa.cases.services import case_open

    return case_open(
        company=customer_product.company,
        procedure="B",
        channel="email",
        subject="Cambio de plan",
        product=customer_product,
        user=team[Role.EXECUTIVE],
    )
