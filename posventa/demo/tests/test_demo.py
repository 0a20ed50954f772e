"""`manage.py demo`: a believable portfolio, loaded through the services, once."""

import re
from datetime import date, time, timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from posventa.accounts.models import User
from posventa.accounts.roles import Role
from posventa.accounts.services import user_create
from posventa.billing.models import Charge, Invoice
from posventa.billing.selectors import account_status, is_account_up_to_date
from posventa.cases.models import Case
from posventa.catalog.models import Plan, ProductTypeCode, Technology
from posventa.common.dates import add_months, first_of_month
from posventa.common.nit import validate_nit
from posventa.customers.models import Company, Interaction
from posventa.customers.services import company_create
from posventa.demo import data
from posventa.demo.office import in_office_hours
from posventa.demo.portfolio import build_demo
from posventa.engine.models import TaskEvent
from posventa.integrations.models import ChangeKind, CommercialChange
from posventa.inventory.models import Equipment, Product, ProductStatus, Suspension
from posventa.inventory.rules import MAX_SUSPENSION_MONTHS

ACCESS_NETWORK_TYPES = {"fixed_line", "internet", "pay_tv", "duo_pack", "multipack"}


def plans_in_force():
    """plan(invoice): the plan in force on the first day of the invoice's
    month — the product's plan then, by its plan changes in the order they
    were made (each effective the day it was entered): a month is billed at
    the plan it starts with, there is no proration of a plan change."""
    plans = {plan.code: plan for plan in Plan.objects.all()}
    changes: dict[int, list] = {}
    for change in CommercialChange.objects.filter(kind=ChangeKind.PLAN_CHANGE).order_by("pk"):
        payload = change.payload
        changes.setdefault(change.product_id, []).append(
            (date.fromisoformat(payload["effective_on"]), payload["old_plan"], payload["new_plan"])
        )

    def plan(invoice):
        made = changes.get(invoice.product_id)
        if not made:
            return invoice.product.plan
        code = made[0][1]  # the plan before the first change
        for effective_on, _old, new in made:
            if effective_on < invoice.period:
                code = new
        return plans[code]

    return plan


def first_of_month_moment():
    local = timezone.localtime()
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0)


def run_demo(*args) -> str:
    out = StringIO()
    call_command("demo", *args, stdout=out)
    return out.getvalue()


def row_counts() -> dict[str, int]:
    """Rows of every table the project knows, by model."""
    return {
        model._meta.label: model._default_manager.count()
        for model in apps.get_models(include_auto_created=True)
    }


def printed_logins(output: str) -> list[tuple[str, str, str]]:
    """The (role, username, password) rows of the printed table."""
    lines = output.splitlines()
    start = next(i for i, line in enumerate(lines) if set(line.strip()) <= {"-", " "} and line)
    rows = []
    for line in lines[start + 1 :]:
        cells = re.split(r"\s{2,}", line.strip())
        if len(cells) != 3:
            break
        rows.append(tuple(cells))
    return rows


@pytest.fixture(scope="class")
def demo_output(django_db_setup, django_db_blocker):
    """The demo, loaded once for the class and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        yield run_demo()
        transaction.set_rollback(True)


@pytest.mark.usefixtures("db")
class TestLoadedDemo:
    def test_prints_the_address_and_one_login_per_role(self, demo_output):
        assert "http://127.0.0.1:8000/" in demo_output
        rows = printed_logins(demo_output)
        labels = [label for label, _username, _password in rows]
        assert labels == [*(data.ROLE_LABELS_ES[r] for r in Role), data.ADMIN_LABEL_ES]
        assert {password for _label, _username, password in rows} == {data.DEMO_PASSWORD}

    def test_every_printed_login_works_and_has_its_role(self, demo_output, client):
        role_of_label = {label: role for role, label in data.ROLE_LABELS_ES.items()}
        for label, username, password in printed_logins(demo_output):
            assert client.login(username=username, password=password), username
            client.logout()
            user = User.objects.get(username=username)
            if label == data.ADMIN_LABEL_ES:
                assert user.is_superuser
            else:
                assert user.role == role_of_label[label]

    def test_sixty_companies_in_four_portfolios_some_public(self, demo_output):
        companies = Company.objects.all()
        assert 55 <= companies.count() <= 65
        assert 8 <= companies.filter(is_public_institution=True).count() <= 12
        executives = User.objects.filter(role=Role.EXECUTIVE)
        assert executives.count() == 4
        for executive in executives:
            assert executive.check_password(data.DEMO_PASSWORD)
            assert 10 <= Company.objects.visible_to(executive).count() <= 20
        for company in companies.prefetch_related("contacts"):
            validate_nit(company.nit)
            contacts = list(company.contacts.all())
            assert 1 <= len(contacts) <= 3
            assert sum(c.is_primary for c in contacts) == 1

    def test_about_two_hundred_products_of_every_type_and_technology(self, demo_output):
        products = Product.objects.select_related("plan__product_type")
        assert 180 <= products.count() <= 220
        types = {p.plan.product_type.code for p in products}
        assert types == set(ProductTypeCode.values)
        for product in products:
            on_network = product.plan.product_type.code in ACCESS_NETWORK_TYPES
            assert bool(product.technology) == on_network, product.service_number
        assert set(products.values_list("technology", flat=True)) == {*Technology.values, ""}
        assert 0 < products.filter(status=ProductStatus.WITHDRAWN).count() < 10
        assert not products.filter(status=ProductStatus.WITHDRAWN, withdrawn_on=None).exists()
        assert products.filter(enabled_services__isnull=False).distinct().count() > 10
        # Every product but long distance came with its equipment.
        bare = products.filter(equipment__isnull=True).values_list(
            "plan__product_type__code", flat=True
        )
        assert set(bare) <= {"boliviatel_ld"}
        assert Equipment.objects.count() > products.count()
        # Two pay-TV withdrawals wait at the equipment; one decoder came back
        # without its remote control, charged at the part's tariff at step 13.
        incomplete = Equipment.objects.filter(return_condition="incomplete")
        assert list(incomplete.values_list("missing_part_rows__part__code", flat=True)) == [
            "remote_control"
        ]
        multipack = products.filter(plan__product_type__code="multipack").first()
        assert multipack.plan.basic_telephony_amount == 70

    def test_twelve_months_of_invoices_some_overdue(self, demo_output):
        today = timezone.localdate()
        last_month = add_months(first_of_month(today), -1)
        active = Product.objects.filter(status=ProductStatus.ACTIVE)
        for product in active.filter(suspensions__isnull=True)[:50]:
            periods = list(product.invoices.order_by("period").values_list("period", flat=True))
            assert periods == [add_months(last_month, -k) for k in range(11, -1, -1)]
        assert not Invoice.objects.filter(due_date__gte=today, paid_on__isnull=False).exists()
        assert not Invoice.objects.filter(paid_on__gt=today).exists()
        companies = list(Company.objects.all())
        behind = [c for c in companies if not is_account_up_to_date(company=c, today=today)]
        assert 0.05 * len(companies) <= len(behind) <= 0.25 * len(companies)
        for company in behind:
            assert 1 <= account_status(company=company, today=today).overdue_invoices <= 3
        paid = Invoice.objects.filter(paid_on__isnull=False)
        on_time = [i for i in paid if i.paid_on <= i.due_date]
        assert len(on_time) > 0.8 * paid.count()

    def test_fees_land_on_the_next_invoice(self, demo_output):
        charges = Charge.objects.select_related("invoice")
        assert 10 <= charges.count() <= 60
        assert charges.filter(invoice__isnull=True).exists()  # this month's
        in_force = plans_in_force()
        for charge in charges.filter(invoice__isnull=False):
            plan_price = in_force(charge.invoice).monthly_price
            carried = sum(c.amount for c in charge.invoice.charges.all())
            assert charge.invoice.amount == plan_price + carried

    def test_every_invoice_bills_the_plan_in_force_on_its_first_day_and_its_charges(
        self, demo_output
    ):
        in_force = plans_in_force()
        changed = 0
        invoices = Invoice.objects.select_related("product__plan").annotate(
            charged=Sum("charges__amount")
        )
        for invoice in invoices:
            plan = in_force(invoice)
            expected = plan.monthly_price + (invoice.charged or Decimal("0"))
            assert invoice.amount == expected, (invoice.product, invoice.period)
            if invoice.paid_on is not None:
                assert invoice.amount_paid == invoice.amount
            changed += plan != invoice.product.plan
        # The history's plan changes really show: some months billed another plan.
        assert changed > 0
        # The last month billed the plan each product has now, unless it changed since.
        last_month = add_months(first_of_month(timezone.localdate()), -1)
        for invoice in invoices.filter(period=last_month, product__commercial_changes=None):
            assert invoice.amount == invoice.product.plan.monthly_price + (
                invoice.charged or Decimal("0")
            )

    def test_plan_changes_are_dated_the_day_their_case_entered_them(self, demo_output):
        changes = CommercialChange.objects.filter(kind=ChangeKind.PLAN_CHANGE).select_related(
            "case"
        )
        assert changes.count() >= 50
        for change in changes:
            entered = timezone.localtime(change.case.attended_at).date()
            assert change.payload["effective_on"] == entered.isoformat(), change.case

    def test_suspensions_follow_the_manual(self, demo_output):
        suspensions = Suspension.objects.all()
        assert 3 <= suspensions.count() <= 15
        years = [(s.product_id, s.starts_on.year) for s in suspensions]
        assert len(years) == len(set(years))
        for suspension in suspensions:
            # Both ends count: four months from 1 March run to 30 June.
            assert suspension.ends_on < add_months(suspension.starts_on, MAX_SUSPENSION_MONTHS)
            assert suspension.ends_on < timezone.localdate()

    def test_recent_interactions_in_business_hours(self, demo_output):
        now = timezone.now()
        for company in Company.objects.all():
            assert company.interactions.count() >= 2, company
        # The portfolio's history; the day's requests (demo cases) arrive at any hour.
        interactions = Interaction.objects.filter(case__isnull=True).select_related(
            "recorded_by", "company"
        )
        recent = interactions.filter(occurred_at__gte=now - timedelta(days=125))
        assert recent.count() >= 2 * Company.objects.count()
        for interaction in interactions:
            local = timezone.localtime(interaction.occurred_at)
            assert local < now
            assert local.weekday() < 5
            assert (8, 30) <= (local.hour, local.minute) <= (18, 0)
            assert (
                Company.objects.visible_to(interaction.recorded_by)
                .filter(pk=interaction.company_id)
                .exists()
            )
        assert len(set(interactions.values_list("channel", flat=True))) == 5

    def test_every_call_and_interaction_happens_in_office_hours(self, demo_output):
        # Monday to Friday, 08:30 to 18:30 La Paz: the requests of the day,
        # their calls and notes, and the six months of history alike.
        interactions = Interaction.objects.all()
        assert interactions.filter(case__isnull=False).count() >= 200
        for interaction in interactions:
            local = timezone.localtime(interaction.occurred_at)
            assert local.weekday() < 5, interaction
            assert time(8, 30) <= local.time() <= time(18, 30), interaction
        for case in Case.objects.filter(received_at__lt=first_of_month_moment()):
            assert in_office_hours(case.received_at) and in_office_hours(case.closed_at)
            for event in TaskEvent.objects.filter(instance=case.instance, kind="UserTask"):
                # The quality call among them: taken and made while the office is open.
                assert in_office_hours(event.taken_at), (case, event.bpmn_id)
                assert in_office_hours(event.ended_at), (case, event.bpmn_id)

    def test_the_week_has_campaigns_a_review_list_and_visits(self, demo_output):
        from posventa.campaigns.models import Campaign
        from posventa.reviews.models import ReviewItem
        from posventa.visits.models import Visit

        executives = User.objects.filter(role=Role.EXECUTIVE)
        assert set(Campaign.objects.values_list("executive", flat=True)) == set(
            executives.values_list("pk", flat=True)
        )
        assert all(campaign.items.exists() for campaign in Campaign.objects.all())
        assert {item.kind for item in ReviewItem.objects.all()} >= {"migration", "opportunity"}
        visits = Visit.objects.select_related("work_order")
        support = visits.filter(kind="support")
        assert support.count() == 8 and all(v.starts_at > timezone.now() for v in visits)
        assert all(timezone.localtime(v.starts_at).weekday() < 5 for v in visits)
        assert {v.work_order.state for v in support} == {"assigned"}
        # Annex 1: every executive has her commercial visits, to her own customers.
        commercial = visits.filter(kind="commercial").select_related("company")
        assert {v.executive_id for v in commercial} == set(executives.values_list("pk", flat=True))
        assert all(v.company.executive_id == v.executive_id for v in commercial)

    def test_a_second_run_adds_nothing(self, demo_output):
        before = row_counts()
        output = run_demo()
        assert row_counts() == before
        assert "no se agregó nada" in output

    def test_quiet_prints_only_the_logins(self, demo_output):
        output = run_demo("--quiet")
        assert "http://" not in output
        assert "cargada" not in output
        assert output.startswith("Usuarios de demostración")
        assert len(printed_logins(output)) == len(Role) + 1


@pytest.mark.django_db
def test_a_partly_loaded_database_is_completed():
    today = timezone.localdate()
    demo = build_demo(today)
    # Someone created two of the users and the first company by hand.
    users = {
        spec.username: user_create(
            username=spec.username, role=spec.role, password="otra-clave-larga"
        )
        for spec in demo.users[:2]
    }
    first = demo.companies[0]
    company_create(
        nit=first.nit,
        legal_name=first.legal_name,
        address=first.address,
        executive=users.get(first.executive) or users[demo.users[0].username],
    )

    run_demo()

    assert Company.objects.count() == len(demo.companies)
    assert User.objects.filter(username__in=[u.username for u in demo.users]).count() == len(
        demo.users
    )
    # The existing rows are left as they were.
    assert Company.objects.get(nit=first.nit).products.count() == 0
    assert User.objects.get(username=demo.users[0].username).check_password("otra-clave-larga")
    expected = sum(len(c.products) for c in demo.companies[1:])
    assert Product.objects.count() == expected


def test_the_same_date_gives_the_same_portfolio():
    today = timezone.localdate()
    assert build_demo(today) == build_demo(today)
    nits = [c.nit for c in build_demo(today).companies]
    assert len(nits) == len(set(nits))


def test_a_future_reference_date_is_refused():
    tomorrow = timezone.localdate() + timedelta(days=1)
    with pytest.raises(CommandError):
        run_demo("--date", tomorrow.isoformat())
