"""Loads the demo portfolio through the project's services, adding only what is missing.

Every row goes through the service a person's action would use, so the demo
obeys the same rules (NIT, one primary contact, copper/fiber, one suspension a
year, charges carried by the next invoice…). What already exists is recognised
by its natural key — username, plan code, NIT, service number, equipment
serial — and left alone: a company found by its NIT is taken as complete, with
its contacts, products, invoices, charges, suspensions and interactions, since
the whole load is one transaction. A database with only part of the demo (the
users, say) is completed; a second run adds nothing.
"""

from collections import Counter
from datetime import date

from django.db import transaction

from posventa.accounts.models import User
from posventa.accounts.services import user_create
from posventa.billing.services import charge_add, invoice_issue, invoice_mark_paid
from posventa.catalog.models import Plan, ProductType, SupplementaryService, Tariff
from posventa.catalog.services import plan_create
from posventa.common.services import validated_save
from posventa.customers.models import Company
from posventa.customers.services import company_create, contact_create, interaction_record
from posventa.demo import data
from posventa.demo.portfolio import CompanySpec, Demo, ProductSpec, build_demo
from posventa.inventory.models import (
    Equipment,
    Product,
    ProductStatus,
    ProductSupplementaryService,
)
from posventa.inventory.services import equipment_add, product_install, suspension_record
from posventa.workorders.models import Technician

# Who enters the fees and suspensions: the manual gives both to the commercial manager.
BACK_OFFICE = "gestor_comercial"


# (name, phone, zone) of the field technicians.
DEMO_TECHNICIANS = [
    ("Téc. Luis Quiroga", "70712345", "Zona Central"),
    ("Téc. Juan Pérez", "70723456", "Zona Norte"),
    ("Téc. Ana Rojas", "70734567", "Zona Sud"),
    ("Téc. Pablo Ríos", "70745678", "Quillacollo y Sacaba"),
]


def load_demo(*, today: date, password: str = data.DEMO_PASSWORD) -> Counter:
    """Load the demo for this reference date; returns how many rows of each kind it added."""
    demo = build_demo(today)
    with transaction.atomic():
        return _Loader(demo, password).run()


class _Loader:
    def __init__(self, demo: Demo, password: str):
        self.demo = demo
        self.password = password
        self.created: Counter = Counter()

    def run(self) -> Counter:
        self.users = self._users()
        self._technicians()
        self.plans = self._plans()
        self.tariffs = {t.code: t for t in Tariff.objects.all()}
        self.services = {s.code: s for s in SupplementaryService.objects.all()}
        companies = self.demo.companies
        products = [p for c in companies for p in c.products]
        existing_nits = set(
            Company.objects.filter(nit__in=[c.nit for c in companies]).values_list("nit", flat=True)
        )
        self.existing_numbers = set(
            Product.objects.filter(
                service_number__in=[p.service_number for p in products]
            ).values_list("service_number", flat=True)
        )
        self.existing_serials = set(
            Equipment.objects.filter(
                serial__in=[serial for p in products for serial, _kind in p.equipment]
            ).values_list("serial", flat=True)
        )
        for spec in companies:
            if spec.nit not in existing_nits:
                self._company(spec)
        return self.created

    def _users(self) -> dict[str, User]:
        users = User.objects.in_bulk([u.username for u in self.demo.users], field_name="username")
        for spec in self.demo.users:
            if spec.username not in users:
                users[spec.username] = user_create(
                    username=spec.username,
                    role=spec.role,
                    first_name=spec.first_name,
                    last_name=spec.last_name,
                    email=spec.email,
                    job_title=spec.job_title,
                    password=self.password,
                )
                self.created["users"] += 1
        if not User.objects.filter(username=data.ADMIN_USERNAME).exists():
            # No service creates administrators: Django's own, as `createsuperuser` does.
            User.objects.create_superuser(
                username=data.ADMIN_USERNAME,
                email="admin@comteco.example",
                password=self.password,
            )
            self.created["users"] += 1
        return users

    def _technicians(self) -> None:
        """The field technicians the technical manager picks from (kept in the admin)."""
        for name, phone, zone in DEMO_TECHNICIANS:
            _technician, created = Technician.objects.get_or_create(
                name=name, defaults={"phone": phone, "zone": zone}
            )
            if created:  # a second run adds nothing, and says so
                self.created["technicians"] += 1

    def _plans(self) -> dict[str, Plan]:
        plans = Plan.objects.in_bulk([p.code for p in self.demo.plans], field_name="code")
        types = {t.code: t for t in ProductType.objects.all()}
        for spec in self.demo.plans:
            if spec.code not in plans:
                plans[spec.code] = plan_create(
                    code=spec.code,
                    name=spec.name,
                    product_type=types[spec.product_type],
                    monthly_price=spec.monthly_price,
                )
                self.created["plans"] += 1
        return plans

    def _company(self, spec: CompanySpec) -> None:
        company = company_create(
            nit=spec.nit,
            legal_name=spec.legal_name,
            trade_name=spec.trade_name,
            address=spec.address,
            zone=spec.zone,
            neighbourhood=spec.neighbourhood,
            city=spec.city,
            is_public_institution=spec.is_public_institution,
            executive=self.users[spec.executive],
        )
        self.created["companies"] += 1
        contacts = [
            contact_create(
                company=company,
                name=c.name,
                position=c.position,
                phone=c.phone,
                whatsapp=c.whatsapp,
                email=c.email,
                preferred_channel=c.preferred_channel,
                is_primary=c.is_primary,
            )
            for c in spec.contacts
        ]
        self.created["contacts"] += len(contacts)
        for product in spec.products:
            if product.service_number not in self.existing_numbers:
                self._product(company, product)
        for interaction in spec.interactions:
            interaction_record(
                company=company,
                user=self.users[interaction.recorded_by],
                channel=interaction.channel,
                direction=interaction.direction,
                summary=interaction.summary,
                occurred_at=interaction.occurred_at,
                contact=contacts[interaction.contact] if interaction.contact is not None else None,
            )
            self.created["interactions"] += 1

    def _product(self, company: Company, spec: ProductSpec) -> None:
        back_office = self.users[BACK_OFFICE]
        product = product_install(
            company=company,
            service_number=spec.service_number,
            plan=self.plans[spec.plan],
            installed_on=spec.installed_on,
            installation_address=spec.installation_address,
            technology=spec.technology,
            zone=spec.zone,
            neighbourhood=spec.neighbourhood,
            minimum_permanence_months=spec.minimum_permanence_months,
        )
        self.created["products"] += 1
        for serial, kind in spec.equipment:
            if serial not in self.existing_serials:
                equipment_add(product=product, serial=serial, kind=kind)
                self.created["equipment"] += 1
        for code, enabled_on in spec.services:
            # No service enables a supplementary service yet (procedure A will):
            # the row is checked against the model's rules and saved as one would.
            validated_save(
                ProductSupplementaryService(
                    product=product, service=self.services[code], enabled_on=enabled_on
                )
            )
            self.created["supplementary_services"] += 1
        for suspension in spec.suspensions:
            suspension_record(
                product=product,
                starts_on=suspension.starts_on,
                ends_on=suspension.ends_on,
                user=back_office,
            )
            self.created["suspensions"] += 1
        # Month by month, in order, so each fee lands on the invoice that follows it.
        charges = list(spec.charges)
        for invoice_spec in spec.invoices:
            while charges and charges[0].bill_period <= invoice_spec.period:
                self._charge(product, charges.pop(0))
            invoice = invoice_issue(product=product, period=invoice_spec.period)
            self.created["invoices"] += 1
            if invoice_spec.paid_on:
                invoice_mark_paid(invoice=invoice, paid_on=invoice_spec.paid_on)
                self.created["payments"] += 1
        for charge in charges:  # this month's: waiting for the next invoice
            self._charge(product, charge)
        if spec.withdrawn_on:
            # No service records a withdrawal yet (procedure H will): set its two
            # fields, checked against the model's rules.
            product.status = ProductStatus.WITHDRAWN
            product.withdrawn_on = spec.withdrawn_on
            validated_save(product, update_fields=["status", "withdrawn_on", "updated_at"])
            self.created["withdrawals"] += 1

    def _charge(self, product: Product, spec) -> None:
        charge_add(
            product=product,
            concept=spec.concept,
            tariff=self.tariffs[spec.tariff],
            quantity=spec.quantity,
            user=self.users[BACK_OFFICE],
        )
        self.created["charges"] += 1
