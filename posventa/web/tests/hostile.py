"""What a hostile person sends, and a small world of two portfolios to send
it to (web/tests/test_hostile_forms.py, web/tests/test_oracle.py)."""

import importlib
import pkgutil
import re
from datetime import date, timedelta

import pytest
from django import forms
from django.core.files.base import ContentFile
from django.utils import timezone

import posventa
from posventa.accounts.roles import Role
from posventa.campaigns.models import CampaignKind
from posventa.campaigns.services import campaign_create
from posventa.cases.models import Alert, DocumentKind
from posventa.cases.services import case_open, document_add
from posventa.claims.services import complaint_register
from posventa.factories import CompanyFactory, InvoiceFactory, ProductFactory, UserFactory
from posventa.reviews.models import ItemKind, ReviewItem
from posventa.visits.services import visit_schedule
from posventa.workorders.models import WorkOrderKind
from posventa.workorders.services import workorder_create

NUL = "\x00"
HUGE = "2" + "0" * 21  # about 2**70: no integer column holds it
MEGABYTE = "a" * 1_000_000
LONG = "a" * 20_000  # beyond TEXT_MAX_LENGTH and any field's own maximum
UNKNOWN_CODE = "ZZ"
SUPERSCRIPT_TWO = "²"  # a digit to str.isdigit(), not to int()


def hostile_values(field: forms.Field) -> list:
    """What to send in one field, by its kind (files are the uploads' tests')."""
    if isinstance(field, forms.FileField | forms.BooleanField):
        return []
    if isinstance(field, forms.ModelMultipleChoiceField):
        return [[HUGE], ["-" + HUGE], [NUL], [SUPERSCRIPT_TWO], [MEGABYTE]]
    if isinstance(field, forms.ModelChoiceField):
        return [HUGE, "-" + HUGE, NUL, SUPERSCRIPT_TWO, MEGABYTE]
    if isinstance(field, forms.MultipleChoiceField):
        return [[NUL], [UNKNOWN_CODE], [MEGABYTE]]
    if isinstance(field, forms.ChoiceField):
        return [NUL, UNKNOWN_CODE, MEGABYTE]
    if isinstance(field, forms.IntegerField):  # DecimalField and FloatField too
        return [HUGE, "-" + HUGE, "1e999999", "9" * 5000, NUL]
    if isinstance(field, forms.DateTimeField):
        return ["0001-01-01 00:00", "9999-12-31 23:59", "0001-01-01", "9999-12-31", NUL]
    if isinstance(field, forms.DateField):
        return ["0001-01-01", "9999-12-31", NUL]
    return [NUL, MEGABYTE]


def body_value(field: forms.Field, variant: str):
    """One value per field for a whole hostile request body: "nul" (a NUL
    byte everywhere) or "big" (the largest of each kind)."""
    if isinstance(field, forms.FileField | forms.BooleanField):
        return None
    if variant == "nul":
        value = NUL
    elif isinstance(field, forms.ChoiceField) and not isinstance(field, forms.ModelChoiceField):
        value = UNKNOWN_CODE
    elif isinstance(field, forms.ModelChoiceField | forms.IntegerField):
        value = HUGE
    elif isinstance(field, forms.DateTimeField):
        value = "9999-12-31 23:59"
    elif isinstance(field, forms.DateField):
        value = "9999-12-31"
    else:
        value = LONG
    multiple = isinstance(field, forms.MultipleChoiceField | forms.ModelMultipleChoiceField)
    return [value] if multiple else value


def hostile_body(form: forms.BaseForm, variant: str) -> dict:
    values = {name: body_value(field, variant) for name, field in form.fields.items()}
    return {name: value for name, value in values.items() if value is not None}


def project_forms() -> list[type[forms.BaseForm]]:
    """Every form class defined under posventa/ (tests left out)."""
    for module in pkgutil.walk_packages(posventa.__path__, "posventa."):
        if ".tests" not in module.name and ".migrations" not in module.name:
            importlib.import_module(module.name)
    found, stack = [], [forms.BaseForm]
    while stack:
        for subclass in stack.pop().__subclasses__():
            stack.append(subclass)
            name = subclass.__module__
            if name.startswith("posventa.") and ".tests" not in name and subclass not in found:
                found.append(subclass)
    return sorted(found, key=lambda c: f"{c.__module__}.{c.__qualname__}")


def same_page(first: str, second: str) -> bool:
    """Two pages alike but for what changes on every answer (CSRF tokens)."""
    token = re.compile(r'(csrfmiddlewaretoken" value=|X-CSRFToken": )"[^"]*"')
    return token.sub(r"\1", first) == token.sub(r"\1", second)


@pytest.fixture
def world(procedures, team, internet_plans):
    """Two executives' portfolios, each with one of every kind of object that
    has a page: company, product, case (with its pending step, a document and
    an alert), complaint, work order, visit, campaign (and its call), review
    item. `world["mine"]` is team[EXECUTIVE]'s, `world["theirs"]` another's."""
    tomorrow = timezone.localtime() + timedelta(days=2)

    def portfolio(executive, hour):
        company = CompanyFactory(executive=executive)
        product = ProductFactory(company=company, plan=internet_plans[0], technology="fiber")
        case = case_open(
            company=company,
            procedure="B",
            channel="email",
            subject="Cambio de plan",
            product=product,
            user=executive,
        )
        document = document_add(
            case=case,
            kind=DocumentKind.OTHER,
            file=ContentFile(b"%PDF-1.4\n%%EOF\n", name="carta.pdf"),
            generated=True,
        )
        invoice = InvoiceFactory(product=product, period=date(2026, 1, 1))
        start = tomorrow.replace(hour=hour, minute=0, second=0, microsecond=0)
        campaign = campaign_create(
            name="Fidelización",
            kind=CampaignKind.LOYALTY,
            executive=executive,
            starts_on=timezone.localdate(),
            ends_on=timezone.localdate() + timedelta(days=30),
            user=executive,
        )
        return {
            "executive": executive,
            "company": company,
            "product": product,
            "case": case,
            "task": case.instance.human_tasks.get(),
            "document": document,
            "alert": Alert.objects.create(case=case, role=Role.EXECUTIVE, message="Tarde"),
            "complaint": complaint_register(
                invoice=invoice, disputed_amount="10", reason="Cobro duplicado."
            ),
            "work_order": workorder_create(
                kind=WorkOrderKind.INSTALLATION,
                company=company,
                product=product,
                user=team[Role.TECHNICAL_MANAGER],
            ),
            "visit": visit_schedule(
                company=company,
                analyst=team[Role.TECHNICAL_ANALYST],
                starts_at=start,
                ends_at=start + timedelta(hours=1),
                person="Ing. Rocío Mamani",
                location="Av. Blanco Galindo km 4",
                user=team[Role.TEAM_LEAD],
            ),
            "campaign": campaign,
            "campaign_item": campaign.items.first(),
            "review_item": ReviewItem.objects.create(
                kind=ItemKind.SERVICE,
                company=company,
                product=product,
                detail="Revisión",
                found_on=timezone.localdate(),
            ),
        }

    other = UserFactory(role=Role.EXECUTIVE, username="otra_ejecutiva")
    return {"mine": portfolio(team[Role.EXECUTIVE], 9), "theirs": portfolio(other, 14)}
