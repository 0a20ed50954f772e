"""Hostile input on the web: every form of the project, every mutating screen
and every list page, sent NUL bytes, numbers of seventy bits, the years 1 and
9999, a megabyte of text and codes no list offers, answers with the field's
error or a 4xx — never a server error — and keeps nothing of it
(docs/security.md, "Hostile input on the web")."""

import inspect
from datetime import date

import pytest
from django.contrib.auth import get_user_model
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.converters import IntConverter, StringConverter
from django.urls.resolvers import RoutePattern
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.campaigns.models import Campaign
from posventa.cases.models import Case
from posventa.claims.models import ComplaintState
from posventa.common.forms import BoundedForm, BoundedFormMixin, BoundedModelForm
from posventa.customers.models import Interaction
from posventa.engine.forms import TaskForm
from posventa.engine.models import HumanTask
from posventa.engine.registry import registry
from posventa.factories import CompanyFactory, InvoiceFactory, PlanFactory, ProductFactory
from posventa.factories import product_type as product_type_of
from posventa.indicators.models import MonthClose
from posventa.procedures.catalog import PROCESS_IDS
from posventa.visits.models import Visit
from posventa.web.tests.hostile import (
    HUGE,
    LONG,
    NUL,
    SUPERSCRIPT_TWO,
    hostile_body,
    hostile_values,
    project_forms,
)

FORMS = project_forms()
BASES = {BoundedForm, BoundedModelForm, TaskForm}
# The steps' forms are tried on a real step of a case of their procedure
# (below); the bases they share, alone, with no step.
STEP_FORMS = set(registry.forms.values())
STANDALONE_FORMS = [
    form
    for form in FORMS
    if form not in BASES and form not in STEP_FORMS and not issubclass(form, TaskForm)
]
STEP_BASES = [
    form
    for form in FORMS
    if issubclass(form, TaskForm) and form not in STEP_FORMS and form is not TaskForm
]


def _name(form) -> str:
    return f"{form.__module__.removeprefix('posventa.')}.{form.__qualname__}"


# --- The rule is kept by construction -------------------------------------------------


def test_every_form_of_the_project_applies_the_bounds():
    """A new form that forgets `BoundedForm` (common/forms.py) is named here."""
    assert len(FORMS) > 50  # the walk found the project's forms
    unbounded = [_name(form) for form in FORMS if not issubclass(form, BoundedFormMixin)]
    assert unbounded == []


def _patterns(resolver, prefix=""):
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            yield from _patterns(entry, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield prefix + str(entry.pattern), entry


def test_no_address_takes_an_unbounded_id_or_text_to_a_query():
    """`<int:…>` lets a 70-bit id reach the database; `<str:…>` a NUL byte.
    The addresses use `<id:…>` and `<number:…>` (common/converters.py). The
    `<str:…>` left: secrets that are only compared, never looked up (the
    calendar feed's and the password reset's `token`), and the reset's
    `uidb64`, which Django decodes and checks itself. The two APIs' paths
    (ninja's) are bounded by their operations' typed parameters, and walked
    with hostile values by their own tests."""
    offending = []
    for route, pattern in _patterns(get_resolver()):
        if route.startswith(("admin/", "api/", "tmf-api/")) or not isinstance(
            pattern.pattern, RoutePattern
        ):
            continue
        for name, converter in pattern.pattern.converters.items():
            if isinstance(converter, IntConverter) or (
                isinstance(converter, StringConverter) and name not in ("token", "uidb64")
            ):
                offending.append(f"{route} <{name}>")
    assert offending == []


# --- Every form, every field, every hostile value ---------------------------------------


@pytest.fixture
def arguments(team, customer_product):
    """What the forms' constructors ask for, by the parameter's name."""
    from posventa.claims.services import complaint_register
    from posventa.workorders.models import WorkOrderKind
    from posventa.workorders.services import workorder_create

    invoice = InvoiceFactory(product=customer_product, period=date(2026, 1, 1))
    return {
        "company": customer_product.company,
        "user": team[Role.EXECUTIVE],
        "sees_every_portfolio": True,
        "complaint": complaint_register(invoice=invoice, disputed_amount="10", reason="Cobro."),
        "work_order": workorder_create(
            kind=WorkOrderKind.DAMAGE,
            company=customer_product.company,
            product=customer_product,
            user=team[Role.TECHNICAL_MANAGER],
        ),
        "task": None,
        "months": [date(2026, 11, 1)],  # the proformas list's months
        "instance": invoice,  # the one admin form that only edits (InvoiceForm)
    }


def build(form_class, data, arguments):
    parameters = inspect.signature(form_class.__init__).parameters
    kwargs = {name: value for name, value in arguments.items() if name in parameters}
    if "instance" in kwargs and form_class._meta.model is not type(kwargs["instance"]):
        del kwargs["instance"]
    return form_class(data, **kwargs)


def refusals(form_class, arguments) -> list[str]:
    """Each field alone with each hostile value: the form must refuse it on
    that field, and nothing may raise. What went wrong, one line each."""
    problems = []
    for name, field in build(form_class, None, arguments).fields.items():
        for value in hostile_values(field):
            shown = repr(value)[:30]
            try:
                form = build(form_class, {name: value}, arguments)
                if form.is_valid() or name not in form.errors:
                    problems.append(f"{name}={shown}: accepted")
            except Exception as error:
                problems.append(f"{name}={shown}: {type(error).__name__}: {error}"[:200])
    return problems


@pytest.mark.parametrize("form_class", STANDALONE_FORMS + STEP_BASES, ids=_name)
def test_a_hostile_value_in_any_field_is_that_fields_error(form_class, arguments):
    assert refusals(form_class, arguments) == []


def _case_of(procedure, team, internet_plans):
    """A case of the procedure on a product it may be about, at its first step."""
    from posventa.cases.services import case_open
    from posventa.procedures.catalog import PRODUCT_TYPES

    executive = team[Role.EXECUTIVE]
    company = CompanyFactory(executive=executive)
    types = PRODUCT_TYPES.get(procedure) or ("internet",)
    plan = (
        internet_plans[0]
        if "internet" in types
        else PlanFactory(product_type=product_type_of(types[0]))
    )
    product = ProductFactory(company=company, plan=plan, technology="fiber")
    return case_open(
        company=company,
        procedure=procedure,
        channel="phone",
        subject="Pedido",
        product=product if procedure in PRODUCT_TYPES else None,
        user=executive,
    )


def _forms_of(procedure: str) -> list:
    keys = [key for key in registry.forms if key.startswith(f"{procedure.lower()}/")]
    if procedure == "B":
        keys += [key for key in registry.forms if key.startswith("common/")]
    return sorted(keys)


@pytest.mark.parametrize("procedure", sorted(PROCESS_IDS))
def test_a_hostile_value_in_any_field_of_a_step_is_that_fields_error(
    procedure, procedures, team, internet_plans, arguments
):
    """Every step's form of the procedure, built on a real step of a case of
    it (its fields depend on the case: the plans, the requirements…)."""
    case = _case_of(procedure, team, internet_plans)
    task = case.instance.human_tasks.order_by("created_at").first()
    problems = {}
    for key in _forms_of(procedure):
        found = refusals(registry.forms[key], {**arguments, "task": task})
        if found:
            problems[key] = found
    assert _forms_of(procedure)  # the procedure has step forms to try
    assert problems == {}


# --- The screens that change something: a hostile body changes nothing ----------------

VARIANTS = ["nul", "big"]
FINE = (200, 302, 400, 403, 404, 422)


def _post(client, url, data, **kwargs):
    response = client.post(url, data, **kwargs)
    assert response.status_code in FINE, (url, response.status_code)
    return response


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("procedure", sorted(PROCESS_IDS))
def test_a_hostile_step_is_the_form_again_and_the_step_stays(
    client, procedures, team, internet_plans, procedure, variant
):
    from posventa.engine import services as engine

    case = _case_of(procedure, team, internet_plans)
    task = case.instance.human_tasks.order_by("created_at").first()
    client.force_login(team[task.role] if task.role in Role.values else team[Role.EXECUTIVE])
    body = hostile_body(engine.task_form(task), variant)
    response = _post(client, f"/tareas/{task.task_id}/", body)
    if response.status_code == 200:
        assert "is-invalid" in response.content.decode()
    assert HumanTask.objects.filter(pk=task.pk).exists()  # still pending: nothing advanced


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_hostile_interaction_or_case_is_refused_and_nothing_is_kept(
    client, procedures, team, customer_product, variant
):
    from posventa.cases.forms import CaseOpenForm
    from posventa.customers.forms import InteractionForm

    company = customer_product.company
    client.force_login(team[Role.EXECUTIVE])
    interactions = Interaction.objects.count()
    body = hostile_body(InteractionForm(company=company), variant)
    for htmx in ({}, {"HX-Request": "true"}):
        _post(client, f"/clientes/{company.pk}/interacciones/", body, headers=htmx)
    assert Interaction.objects.count() == interactions
    body = hostile_body(CaseOpenForm(company=company), variant)
    _post(client, f"/clientes/{company.pk}/casos/nuevo/", body)
    assert not Case.objects.exists()


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_hostile_answer_or_work_order_form_changes_nothing(client, team, arguments, variant):
    from posventa.claims.forms import AnswerForm
    from posventa.workorders.forms import AssignForm, CloseForm

    complaint, order = arguments["complaint"], arguments["work_order"]
    client.force_login(team[Role.COMMERCIAL_MANAGER])
    body = hostile_body(AnswerForm(complaint=complaint), variant)
    _post(client, f"/reclamos/{complaint.pk}/respuesta/", body)
    complaint.refresh_from_db()
    assert complaint.state == ComplaintState.REGISTERED
    client.force_login(team[Role.TECHNICAL_MANAGER])
    before = (order.state, order.technician, order.scheduled_at)
    for name, form_class in (("asignar", AssignForm), ("cerrar", CloseForm)):
        body = hostile_body(form_class(work_order=order), variant)
        _post(client, f"/ordenes-de-trabajo/{order.number}/{name}/", body)
    order.refresh_from_db()
    assert (order.state, order.technician, order.scheduled_at) == before


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_hostile_campaign_or_month_close_is_refused(client, team, customer_product, variant):
    from posventa.campaigns.forms import CampaignForm

    client.force_login(team[Role.EXECUTIVE])
    body = hostile_body(CampaignForm(user=team[Role.EXECUTIVE]), variant)
    _post(client, "/campanas/", body)
    assert not Campaign.objects.exists()
    client.force_login(team[Role.TEAM_LEAD])
    for month in (NUL, HUGE, "9999-12", "0001-01", LONG):
        _post(client, "/indicadores/cerrar/", {"month": month})
    assert not MonthClose.objects.exists()


@pytest.mark.parametrize("variant", VARIANTS)
def test_a_hostile_visit_change_is_a_message_and_the_visit_stays(client, world, team, variant):
    visit = world["mine"]["visit"]
    before = Visit.objects.values().get(pk=visit.pk)
    text = NUL if variant == "nul" else "a" * 1_000_000
    moment = NUL if variant == "nul" else "9999-12-31T23:59"
    analyst = NUL if variant == "nul" else SUPERSCRIPT_TWO
    for role in (Role.TEAM_LEAD, Role.TECHNICAL_MANAGER):
        client.force_login(team[role])
        _post(client, f"/visitas/{visit.pk}/mover/", {"starts_at": moment, "analyst": analyst})
        _post(client, f"/visitas/{visit.pk}/mover/", {"starts_at": "0001-01-01T00:00"})
        _post(client, f"/visitas/{visit.pk}/mover/", {"analyst": HUGE})
        _post(client, f"/visitas/{visit.pk}/cancelar/", {"reason": text})
        _post(client, f"/visitas/{visit.pk}/servicio/", {"work_done": text, "resolved": text})
        _post(client, f"/visitas/{visit.pk}/control-calidad/", {"result": text, "notes": text})
    after = Visit.objects.values().get(pk=visit.pk)
    assert after == before


def test_a_step_taken_goes_back_to_this_site_only(client, world):
    """The `next` a link wrote into the form is followed only on this site."""
    mine = world["mine"]
    client.force_login(mine["executive"])
    url = f"/tareas/{mine['task'].task_id}/tomar/"
    for target in ("https://elsewhere.example/", "//elsewhere.example/", NUL, LONG):
        response = _post(client, url, {"next": target})
        assert response.status_code == 302 and response.url == "/bandeja/", target
    response = _post(client, url, {"next": "/clientes/"})
    assert response.url == "/clientes/"


# --- The list pages: hostile query strings ---------------------------------------------

QUERY_VALUES = [NUL, HUGE, "-" + HUGE, SUPERSCRIPT_TWO, "0001-01-01", "9999-12-31", "ZZ", LONG]
LIST_PAGES = {
    "/bandeja/": ["procedure", "company"],
    "/clientes/": ["q", "executive", "page"],
    "/reclamos/": ["state", "page"],
    "/ordenes-de-trabajo/": ["state", "page"],
    "/indicadores/": ["month"],
    "/indicadores/casos/": ["month", "indicator", "procedure", "executive", "channel", "role"],
    "/indicadores/vigilancia/": ["page"],
    "/indicadores/tiempos/": ["procedure", "received_from", "received_to", "role"],
    "/indicadores/cierre/": ["month"],
    "/indicadores/reporte.pdf": ["month"],
    "/indicadores/reporte.xlsx": ["month"],
    "/cobranza/": ["q", "executive", "bucket", "page"],
    "/cobranza/proformas/": ["page"],
    "/campanas/": ["page"],
    "/revision-preventiva/": ["executive", "kind", "page"],
    "/revision-preventiva/informe-diario/": ["analyst", "day"],
    "/visitas/": ["view", "day", "analyst"],
    "/visitas/cronograma.pdf": ["executive", "start", "end"],
}


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.TEAM_LEAD, Role.TECHNICAL_ANALYST])
@pytest.mark.parametrize("page", sorted(LIST_PAGES))
def test_a_hostile_query_string_on_a_list_page_is_no_server_error(client, world, team, page, role):
    client.force_login(team[role])
    parameters = LIST_PAGES[page]
    for value in QUERY_VALUES:
        for name in parameters:
            response = client.get(page, {name: value})
            assert response.status_code in FINE, (page, name, repr(value)[:20])
        response = client.get(page, dict.fromkeys(parameters, value))
        assert response.status_code in FINE, (page, "all", repr(value)[:20])


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.TEAM_LEAD])
def test_a_hostile_query_string_on_a_detail_page_is_no_server_error(client, world, team, role):
    mine = world["mine"]
    client.force_login(team[role])
    pages = [
        f"/campanas/{mine['campaign'].pk}/?result=",
        f"/clientes/{mine['company'].pk}/casos/nuevo/?procedure=&product=",
        f"/clientes/{mine['company'].pk}/casos/nuevo/?product=",
    ]
    for page in pages:
        for value in QUERY_VALUES:
            response = client.get(page + value)
            assert response.status_code in FINE, (page, repr(value)[:20])


# --- Ids and numbers in the address ---------------------------------------------------

ADDRESSES = [
    "/clientes/{id}/",
    "/clientes/{id}/interacciones/",
    "/clientes/{id}/casos/nuevo/",
    "/alertas/{id}/leida/",
    "/casos/{text}/",
    "/casos/PV-2026-000001/documentos/{id}/",
    "/reclamos/{id}/",
    "/reclamos/{id}/respuesta/",
    "/ordenes-de-trabajo/{text}/",
    "/ordenes-de-trabajo/{text}/cerrar/",
    "/campanas/{id}/",
    "/campanas/llamadas/{id}/llamar/",
    "/cobranza/clientes/{id}/llamar/",
    "/cobranza/proformas/{id}/avance/",
    "/revision-preventiva/{id}/revisar/",
    "/visitas/{id}/mover/",
    "/visitas/{id}/cancelar/",
    "/visitas/analista/{id}.ics",
    "/visitas/analista/{id}/{text}.ics",
    "/tareas/{text}/",
]
IDS = [HUGE, str(2**63), str(2**64), "0", "9" * 19, "%C2%B2"]
TEXTS = ["%00", "a" * 5000, "%C2%B2", "PV-2026-%00"]


@pytest.mark.parametrize("address", ADDRESSES)
def test_an_id_or_number_no_row_can_have_is_not_found(client, team, address):
    client.force_login(team[Role.TEAM_LEAD])
    for value in IDS if "{id}" in address else TEXTS:
        url = address.format(id=value, text=value)
        for method in ("get", "post"):
            response = getattr(client, method)(url)
            # 400: a NUL byte in the address, answered by common/input_guard.py.
            assert response.status_code in (302, 400, 403, 404, 405), (url, method)


# --- The dates a query string may give ------------------------------------------------


def test_a_date_in_a_query_string_outside_1900_to_2100_is_no_date(client, team):
    from posventa.common.dates import date_or_none, datetime_or_none

    assert date_or_none("0001-01-01") is None and date_or_none("9999-12-31") is None
    assert datetime_or_none("9999-12-31T23:59") is None
    assert date_or_none("2100-12-31") == date(2100, 12, 31)
    client.force_login(team[Role.TEAM_LEAD])
    week = client.get("/visitas/", {"day": "0001-01-01"})
    assert week.status_code == 200 and week.context["day"] == timezone.localdate()


def test_the_bounds_are_told_in_spanish(team):
    from posventa.cases.forms import CaseOpenForm
    from posventa.customers.forms import InteractionForm

    company = CompanyFactory(executive=team[Role.EXECUTIVE])
    form = InteractionForm({"occurred_at": "9999-12-31 23:59", "summary": "x"}, company=company)
    assert form.errors["occurred_at"] == ["Indique una fecha entre los años 1900 y 2100."]
    form = CaseOpenForm({"description": "x" * 10_001}, company=company)
    assert "menos de 10000 caracteres (tiene 10001)" in form.errors["description"][0]
    assert "description" not in CaseOpenForm({"description": "x" * 10_000}, company=company).errors


def test_an_executive_list_filter_with_another_id_filters_nothing(client, world):
    """The review list's executive filter takes a known id or none at all."""
    mine = world["mine"]
    client.force_login(mine["executive"])
    for value in (SUPERSCRIPT_TWO, HUGE, str(get_user_model().objects.count() + 10**6)):
        page = client.get("/revision-preventiva/", {"executive": value})
        assert page.status_code == 200 and page.context["executive"] is None


def test_a_week_before_the_first_day_the_calendar_shows_is_still_a_day(client, team):
    """The edges of the range: the calendar still draws its week and the next."""
    client.force_login(team[Role.TEAM_LEAD])
    for day in ("1900-01-01", "2100-12-31"):
        response = client.get("/visitas/", {"day": day, "view": "month"})
        assert response.status_code == 200
        assert response.context["day"] == date.fromisoformat(day)
