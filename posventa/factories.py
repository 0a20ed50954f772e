"""Test factories for every domain model, in one place."""

from datetime import date
from decimal import Decimal

import factory
from django.utils import timezone

from posventa.accounts.models import User
from posventa.accounts.roles import Role
from posventa.billing.models import Charge, Invoice
from posventa.billing.rules import due_date_for
from posventa.catalog.models import Plan, ProductType, SupplementaryService, Technology
from posventa.common.models import Channel
from posventa.customers.models import Company, Contact, Direction, Interaction
from posventa.inventory.models import (
    Equipment,
    Product,
    ProductSupplementaryService,
    Suspension,
)

PASSWORD = "clave-de-prueba-123"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name", locale="es_ES")
    last_name = factory.Faker("last_name", locale="es_ES")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    role = Role.EXECUTIVE
    password = factory.django.Password(PASSWORD)


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    nit = factory.Sequence(lambda n: str(1020000000 + n))
    legal_name = factory.Sequence(lambda n: f"Empresa de Prueba {n} S.R.L.")
    trade_name = ""
    address = "Av. Ballivián 123"
    zone = "Centro"
    neighbourhood = "Casco Viejo"
    executive = factory.SubFactory(UserFactory, role=Role.EXECUTIVE)


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    company = factory.SubFactory(CompanyFactory)
    name = factory.Faker("name", locale="es_ES")
    position = "Gerente administrativo"
    phone = "4-4251234"
    whatsapp = "70712345"
    email = factory.Sequence(lambda n: f"contacto{n}@example.com")
    preferred_channel = Channel.EMAIL


class InteractionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Interaction

    company = factory.SubFactory(CompanyFactory)
    recorded_by = factory.SelfAttribute("company.executive")
    channel = Channel.PHONE
    direction = Direction.OUTBOUND
    summary = "Llamada de seguimiento."
    occurred_at = factory.LazyFunction(timezone.now)


def product_type(code: str) -> ProductType:
    """Product types are reference data loaded by migration."""
    return ProductType.objects.get(code=code)


class PlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Plan
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"PLAN-{n}")
    name = factory.Sequence(lambda n: f"Plan de prueba {n}")
    product_type = factory.LazyFunction(lambda: product_type("internet"))
    monthly_price = Decimal("250.00")


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    company = factory.SubFactory(CompanyFactory)
    service_number = factory.Sequence(lambda n: f"44{n:06d}")
    plan = factory.SubFactory(PlanFactory)
    technology = Technology.COPPER
    installation_address = factory.SelfAttribute("company.address")
    installed_on = date(2024, 1, 15)
    minimum_permanence_months = 12


def supplementary_service(code: str) -> SupplementaryService:
    """Supplementary services are reference data loaded by migration."""
    return SupplementaryService.objects.get(code=code)


class EnabledServiceFactory(factory.django.DjangoModelFactory):
    """A supplementary service enabled on a fixed line (caller ID unless told)."""

    class Meta:
        model = ProductSupplementaryService

    product = factory.SubFactory(
        ProductFactory,
        plan=factory.SubFactory(
            PlanFactory, product_type=factory.LazyFunction(lambda: product_type("fixed_line"))
        ),
    )
    service = factory.LazyFunction(lambda: supplementary_service("caller_id"))
    enabled_on = date(2024, 2, 1)


class EquipmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Equipment

    product = factory.SubFactory(ProductFactory)
    serial = factory.Sequence(lambda n: f"SN{n:08d}")
    kind = "router"


class SuspensionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Suspension

    product = factory.SubFactory(ProductFactory)
    starts_on = date(2025, 3, 1)
    ends_on = date(2025, 4, 30)


class InvoiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Invoice

    product = factory.SubFactory(ProductFactory)
    period = date(2026, 10, 1)
    amount = factory.SelfAttribute("product.plan.monthly_price")
    due_date = factory.LazyAttribute(lambda i: due_date_for(i.period))
    paid_on = None
    # Paid on a date means paid in full (a database constraint); pass an
    # amount_paid below the amount, without paid_on, for a partial payment.
    amount_paid = factory.LazyAttribute(lambda i: i.amount if i.paid_on else Decimal("0.00"))


class ChargeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Charge

    product = factory.SubFactory(ProductFactory)
    concept = "Cargo de prueba"
    amount = Decimal("20.00")
