"""Task pages carry what the task needs: whom to call on a call step, the
work order as a card, technicians from the admin's list, the failures of the
product's own type, one control per required document."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from posventa.accounts.roles import Role
from posventa.cases.models import DocumentKind
from posventa.cases.services import case_open
from posventa.engine import runtime
from posventa.engine import services as engine
from posventa.factories import CompanyFactory, ContactFactory, PlanFactory, ProductFactory
from posventa.factories import product_type as a_product_type
from posventa.procedures.forms.common import contact_to_call, tel_href
from posventa.procedures.tests.fixtures import deploy_only
from posventa.procedures.tests.steps import complete, pending
from posventa.workorders.forms import AssignForm
from posventa.workorders.models import (
    FieldUnit,
    Technician,
    WorkOrder,
    WorkOrderKind,
    WorkOrderState,
)
from posventa.workorders.services import workorder_create

LA_PAZ = ZoneInfo("America/La_Paz")
PDF = b"%PDF-1.4 documento escaneado"


@pytest.fixture
def procedures(db, media):
    yield deploy_only(
        "b_plan_change.bpmn", "e_damage.bpmn", "h_withdrawal.bpmn", "j_loyalty_calls.bpmn"
    )
    runtime.specs.clear()


@pytest.fixture(autouse=True)
def working_hours():
    with time_machine.travel(datetime(2026, 11, 25, 9, 30, tzinfo=LA_PAZ), tick=True):
        yield


@pytest.fixture
def line(team):
    """A telephone line with two contacts: the primary one is called."""
    plan = PlanFactory(
        code="FIJA-1", name="Línea fija empresarial", product_type=a_product_type("fixed_line")
    )
    product = ProductFactory(
        company__executive=team[Role.EXECUTIVE],
        plan=plan,
        service_number="4251234",
        installation_address="Calle Jordán N° 230",
        zone="Zona Central",
    )
    ContactFactory(company=product.company, name="Abel Zapata", phone="70000001")
    ContactFactory(
        company=product.company,
        name="Sra. Ana Mendoza",
        position="Gerente administrativa",
        phone="+591 4 445-6789",
        whatsapp="70755511",
        email="ana.mendoza@example.com",
        is_primary=True,
    )
    return product


def open_case(team, product, procedure="E", subject="Sin tono"):
    return case_open(
        company=product.company,
        procedure=procedure,
        channel="phone",
        subject=subject,
        product=product,
        user=team[Role.EXECUTIVE],
    )


def task_page(client, user, task):
    client.force_login(user)
    response = client.get(reverse("cases:task", args=[task.task_id]))
    assert response.status_code == 200
    return response.content.decode()


def to_the_visit(team, product, case=None):
    """An E case of the line, its damage registered: the technical manager's
    visit to coordinate."""
    case = case or open_case(team, product)
    complete(
        case,
        team[Role.EXECUTIVE],
        {"damaged_service": "line", "cause": "no_dial_tone", "problem": "Sin tono."},
    )
    form = engine.task_form(pending(case))
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "address": form.initial["address"],
            "zone": form.initial["zone"],
            "reference_phone": "4 445-6789",
            "address_checked": "on",
            "interaction_channel": "phone",
            "interaction_summary": "Dirección confirmada.",
        },
    )
    assert pending(case).bpmn_id == "coordinate_visit"
    return case


def coordinate(case, team, technician):
    when = timezone.localtime(timezone.now() + timedelta(hours=2))
    return {
        "unit": FieldUnit.USM,
        "technician": technician,
        "visit_at": when.strftime("%Y-%m-%dT%H:%M"),
    }


# --- whom to call -------------------------------------------------------------


def test_a_phone_becomes_a_tel_address_of_its_digits():
    assert tel_href("+591 4 445-6789") == "tel:+59144456789"
    assert tel_href("4 425-1234") == "tel:44251234"
    assert tel_href("sin número") == ""


def test_the_contact_called_is_the_primary_one_else_the_first_by_name(db, team, line):
    case = type("C", (), {"company": line.company})
    assert contact_to_call(case).name == "Sra. Ana Mendoza"
    line.company.contacts.update(is_primary=False)
    assert contact_to_call(case).name == "Abel Zapata"


def test_a_call_step_shows_whom_to_call_with_a_tap_to_call_number(procedures, team, line, client):
    case = to_the_visit(team, line)
    complete(case, team[Role.TECHNICAL_MANAGER], coordinate(case, team, "Téc. Luis Quiroga"))
    order = case.work_orders.get()
    from posventa.workorders.services import workorder_close

    workorder_close(
        work_order=order,
        state=WorkOrderState.CLOSED_RESOLVED,
        result="Par reparado.",
        user=team[Role.TECHNICAL_MANAGER],
    )
    task = pending(case)
    assert task.bpmn_id == "quality_call"
    page = task_page(client, team[Role.EXECUTIVE], task)
    assert 'data-testid="call-card"' in page
    assert "Sra. Ana Mendoza" in page and "Gerente administrativa" in page
    assert 'href="tel:+59144456789"' in page
    assert "mailto:ana.mendoza@example.com" in page and "70755511" in page
    assert line.company.display_name in page and team[Role.EXECUTIVE].get_full_name() in page


def test_a_step_that_calls_nobody_shows_no_contact_card(procedures, team, line, client):
    case = open_case(team, line)
    page = task_page(client, team[Role.EXECUTIVE], pending(case))  # the report's intake
    assert 'data-testid="call-card"' not in page
    case = to_the_visit(team, line, case)
    page = task_page(client, team[Role.TECHNICAL_MANAGER], pending(case))
    assert 'data-testid="call-card"' not in page


def test_a_call_step_of_a_company_without_contacts_says_so(procedures, team, client):
    product = ProductFactory(company=CompanyFactory(executive=team[Role.EXECUTIVE]))
    case = case_open(
        company=product.company,
        procedure="J",
        channel="phone",
        subject="Llamada de fidelización",
        product=product,
        user=team[Role.EXECUTIVE],
    )
    task = pending(case)
    assert task.bpmn_id == "call_customer"
    page = task_page(client, team[Role.EXECUTIVE], task)
    assert 'data-testid="call-card"' in page and "tel:" not in page
    assert "no tiene contactos" in page or "has no contact" in page


# --- the work order as a card ---------------------------------------------------


def test_the_visit_step_shows_its_work_order_as_a_card_not_as_help_text(
    procedures, team, line, client
):
    case = to_the_visit(team, line)
    order = case.work_orders.get()
    task = pending(case)
    form = engine.task_form(task)
    assert order.number not in str(form.fields["technician"].help_text)
    page = task_page(client, team[Role.TECHNICAL_MANAGER], task)
    assert 'data-testid="work-order-card"' in page
    card = page.split('data-testid="work-order-card"', 1)[1].split("</section>", 1)[0]
    for shown in (order.number, "Calle Jordán N° 230", "Zona Central", 'href="tel:44456789"'):
        assert shown in card, shown
    assert reverse("workorders:detail", args=[order.number]) in card  # he may open it


def test_the_work_order_card_never_shows_another_customers_order(db, team, line):
    other = ProductFactory(company=CompanyFactory(executive=team[Role.EXECUTIVE]))
    foreign = workorder_create(
        kind=WorkOrderKind.DAMAGE, company=other.company, product=other, user=team[Role.EXECUTIVE]
    )
    from posventa.procedures.forms.common import CaseTaskForm

    form = CaseTaskForm()
    form.__dict__["case"] = type("C", (), {"company_id": line.company_id})
    form.__dict__["variables"] = {"work_order_id": foreign.number}
    assert form.shown_work_order is None


# --- technicians from the list ---------------------------------------------------


def test_the_visit_offers_the_active_technicians_and_refuses_others(procedures, team, line):
    Technician.objects.create(name="Téc. Ya No Trabaja", active=False)
    case = to_the_visit(team, line)
    form = engine.task_form(pending(case))
    offered = [str(label) for _value, label in form.fields["technician"].choices]
    assert "Téc. Luis Quiroga" in offered and "Téc. Ya No Trabaja" not in offered
    for refused in ("Téc. Ya No Trabaja", "Téc. Inventado"):
        with pytest.raises(engine.FormInvalid) as excinfo:
            complete(case, team[Role.TECHNICAL_MANAGER], coordinate(case, team, refused))
        assert "technician" in excinfo.value.form.errors
    assert case.work_orders.get().state == WorkOrderState.REGISTERED  # nothing changed
    complete(case, team[Role.TECHNICAL_MANAGER], coordinate(case, team, "Téc. Luis Quiroga"))
    order = case.work_orders.get()
    assert (order.state, order.technician) == (WorkOrderState.ASSIGNED, "Téc. Luis Quiroga")


def test_the_assignment_form_takes_a_technician_of_the_list_by_name(db, team, line):
    order = WorkOrder(kind=WorkOrderKind.INSTALLATION)
    when = timezone.localtime(timezone.now() + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M")
    data = {"unit": FieldUnit.RESOURCES, "scheduled_at": when}
    Technician.objects.filter(name="Téc. Juan Pérez").update(active=False)
    form = AssignForm({**data, "technician": "Téc. Juan Pérez"}, work_order=order)
    assert not form.is_valid() and "technician" in form.errors
    form = AssignForm({**data, "technician": "Téc. Ana Rojas"}, work_order=order)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["technician"] == "Téc. Ana Rojas"  # what the order stores


def test_a_technicians_name_is_unique_whatever_its_capitals(db):
    from django.core.exceptions import ValidationError

    Technician.objects.create(name="Tec. Rosa Vargas")
    with pytest.raises(ValidationError):
        Technician(name="TEC. ROSA VARGAS").full_clean()


# --- failures of the product's own type --------------------------------------------


def test_a_telephone_line_is_offered_only_line_failures_and_refuses_others(procedures, team, line):
    case = open_case(team, line)
    form = engine.task_form(pending(case))
    offered = {value for value, _label in form.fields["cause"].choices}
    assert {"no_dial_tone", "noise"} <= offered
    assert not offered & {"no_signal", "wifi", "slow"}
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(
            case,
            team[Role.EXECUTIVE],
            {"damaged_service": "line", "cause": "wifi", "problem": "No hay wifi."},
        )
    assert "cause" in excinfo.value.form.errors
    assert pending(case).bpmn_id == "receive_report"


def test_a_multipack_is_offered_the_failures_of_its_three_services(procedures, team):
    plan = PlanFactory(code="MP-1", name="Multipack", product_type=a_product_type("multipack"))
    product = ProductFactory(company__executive=team[Role.EXECUTIVE], plan=plan)
    form = engine.task_form(pending(open_case(team, product)))
    offered = {value for value, _label in form.fields["cause"].choices}
    assert {"no_dial_tone", "wifi", "no_signal"} <= offered


# --- one control per required document ----------------------------------------------


def b_case(team, customer_product):
    return open_case(team, customer_product, procedure="B", subject="Cambio de plan")


def upload(name="carta.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def test_a_requirement_is_received_by_its_file_alone(
    procedures, team, customer_product, internet_plans
):
    case = b_case(team, customer_product)
    form = engine.task_form(pending(case))
    controls = [name for name in form.fields if name.endswith("request_letter")]
    visible = [name for name in controls if not form[name].is_hidden]
    assert visible == ["file_request_letter"]  # one control per document
    complete(
        case,
        team[Role.EXECUTIVE],
        {"new_plan": internet_plans[2].pk},
        files={
            "file_request_letter": upload(),
            "file_nit_copy": upload("nit.pdf"),
            "file_id_copy": upload("ci.pdf"),
        },
    )
    assert pending(case).bpmn_id == "enter_plan_change"  # requirements met
    assert case.documents.filter(kind=DocumentKind.NIT_COPY).exists()


def test_without_files_the_documents_are_missing_and_asked_of_the_customer(
    procedures, team, customer_product, internet_plans
):
    case = b_case(team, customer_product)
    complete(
        case,
        team[Role.EXECUTIVE],
        {"new_plan": internet_plans[2].pk},
        files={"file_request_letter": upload()},
    )
    task = pending(case)
    assert task.bpmn_id == "ask_documents"
    # What came already is not asked again: only the missing ones.
    form = engine.task_form(task)
    assert "ya recibido" in str(form.fields["file_request_letter"].help_text).lower() or (
        "already received" in str(form.fields["file_request_letter"].help_text).lower()
    )
    with pytest.raises(engine.FormInvalid):
        complete(
            case,
            team[Role.EXECUTIVE],
            {"completed": "yes", "interaction_channel": "phone", "interaction_summary": "Trajo."},
            files={"file_nit_copy": upload("nit.pdf")},
        )
    complete(
        case,
        team[Role.EXECUTIVE],
        {"completed": "yes", "interaction_channel": "phone", "interaction_summary": "Trajo."},
        files={"file_nit_copy": upload("nit.pdf"), "file_id_copy": upload("ci.pdf")},
    )
    assert pending(case).bpmn_id == "enter_plan_change"


def test_a_file_that_is_not_a_document_is_refused(
    procedures, team, customer_product, internet_plans
):
    case = b_case(team, customer_product)
    fake = SimpleUploadedFile("carta.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf")
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(
            case,
            team[Role.EXECUTIVE],
            {"new_plan": internet_plans[2].pk},
            files={"file_request_letter": fake},
        )
    assert "file_request_letter" in excinfo.value.form.errors
    assert not case.documents.exists()


def test_the_withdrawal_letter_needs_its_original_seen(procedures, team, customer_product):
    from posventa.procedures.forms.common import RequirementsFields

    case = open_case(team, customer_product, procedure="H", subject="Retiro")
    task = pending(case)  # any step of the case: the form reads its procedure
    form = RequirementsFields(task=task)
    assert "original_request_letter" in form.fields
    assert "original_nit_copy" not in form.fields  # only where the manual asks
    files = {"file_request_letter": upload(), "file_nit_copy": upload(), "file_id_copy": upload()}

    def judged(data, files):
        form = RequirementsFields(data, files, task=task)
        form.__dict__["variables"] = {}
        return form

    form = judged({}, dict(files))
    assert form.is_valid(), form.errors
    assert form.missing_requirements() == [form.requirements[0].label]  # not seen in original
    form = judged({"original_request_letter": "on"}, dict(files))
    assert form.is_valid() and form.missing_requirements() == []
    form = judged({"original_request_letter": "on"}, {})
    assert not form.is_valid() and "file_request_letter" in form.errors
