"""Procedure G, outgoing call detail, walked branch by branch through the
services — the detail really is produced from the call records as PDF and
Excel, the fee lands on each line's next invoice, the e-mails leave through
the outbox with the files attached."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone
from openpyxl import load_workbook

from posventa.accounts.roles import Role
from posventa.billing.models import Charge
from posventa.billing.services import invoice_issue
from posventa.calls.adapters import Call
from posventa.calls.models import CallRecord, CallSource
from posventa.calls.rules import fee_for_line, previous_months
from posventa.cases.models import Alert, CaseStatus
from posventa.cases.services import case_open
from posventa.catalog.models import Tariff, TariffCode
from posventa.customers.models import Interaction
from posventa.engine import services as engine
from posventa.engine.selectors import task_variables
from posventa.factories import ContactFactory, PlanFactory, ProductFactory, product_type
from posventa.outbox.models import EmailStatus, OutgoingEmail
from posventa.procedures.tests.pdf import pdf_text
from posventa.procedures.tests.steps import complete, instructions, pending, procedure_mail

LA_PAZ = ZoneInfo("America/La_Paz")
NOW = datetime(2026, 3, 10, 10, 0, tzinfo=LA_PAZ)
CURRENT, FEB, JAN, DEC = "2026-03", "2026-02", "2026-01", "2025-12"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture(autouse=True)
def clock():
    """Every test starts on Tuesday 10 March 2026, 10:00 in La Paz."""
    with time_machine.travel(NOW, tick=True):
        yield


def at(day: int, month: int, year: int = 2026, hour: int = 9) -> datetime:
    return datetime(year, month, day, hour, 15, tzinfo=LA_PAZ)


def call(product, started_at, number, destination, seconds, cost, source):
    return CallRecord.objects.create(
        product=product,
        started_at=started_at,
        called_number=number,
        destination=destination,
        duration_seconds=seconds,
        cost=Decimal(cost),
        source=source,
    )


@pytest.fixture
def company(team):
    from posventa.factories import CompanyFactory

    company = CompanyFactory(executive=team[Role.EXECUTIVE])
    ContactFactory(company=company, email="gerencia@cliente.example", is_primary=True)
    return company


@pytest.fixture
def fixed_line(company):
    plan = PlanFactory(
        code="LF-EMP", product_type=product_type("fixed_line"), monthly_price=Decimal("70.00")
    )
    line = ProductFactory(company=company, plan=plan, service_number="4425001")
    # March (current), February, January and December calls, of both sources.
    call(line, at(2, 3), "4421111", "Cochabamba local", 125, "0.40", CallSource.COMTECO)
    call(line, at(9, 3), "70711111", "Móvil Entel", 61, "1.10", CallSource.COMTECO)
    call(line, at(14, 2), "4422222", "Cochabamba local", 300, "0.90", CallSource.COMTECO)
    call(line, at(28, 2, hour=23), "4423333", "Cochabamba local", 42, "0.20", CallSource.COMTECO)
    call(line, at(20, 1), "4424444", "Cochabamba local", 600, "1.80", CallSource.COMTECO)
    call(line, at(5, 12, 2025), "4425555", "Cochabamba local", 30, "0.10", CallSource.COMTECO)
    call(line, at(3, 3), "22441111", "La Paz (larga distancia)", 240, "3.20", CallSource.BOLIVIATEL)
    call(
        line,
        at(11, 2),
        "33552222",
        "Santa Cruz (larga distancia)",
        180,
        "2.40",
        CallSource.BOLIVIATEL,
    )
    return line


@pytest.fixture
def second_line(company):
    plan = PlanFactory(
        code="DUO-EMP", product_type=product_type("duo_pack"), monthly_price=Decimal("320.00")
    )
    line = ProductFactory(company=company, plan=plan, service_number="4425002")
    call(line, at(16, 2), "4426666", "Cochabamba local", 90, "0.30", CallSource.COMTECO)
    return line


@pytest.fixture
def long_distance(company):
    plan = PlanFactory(
        code="LD-EMP", product_type=product_type("boliviatel_ld"), monthly_price=Decimal("0.00")
    )
    line = ProductFactory(company=company, plan=plan, service_number="13-4425003")
    call(
        line,
        at(4, 3),
        "0034911111111",
        "España (internacional)",
        420,
        "15.60",
        CallSource.BOLIVIATEL,
    )
    call(
        line,
        at(21, 2),
        "0015551234",
        "Estados Unidos (internacional)",
        95,
        "4.75",
        CallSource.BOLIVIATEL,
    )
    call(
        line, at(22, 2), "22443333", "La Paz (larga distancia)", 600, "8.00", CallSource.BOLIVIATEL
    )
    return line


def open_g_case(team, product):
    return case_open(
        company=product.company,
        procedure="G",
        channel="email",
        subject="Detalle de llamadas salientes",
        product=product,
        user=team[Role.EXECUTIVE],
    )


def request(source, lines, months) -> dict:
    return {"source": source, "lines": [line.pk for line in lines], "months": months}


ALL_REQUIREMENTS = {"has_request_letter": True, "has_nit_copy": True, "has_id_copy": True}


def send_by_email(case, team, address="gerencia@cliente.example"):
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "send_by": "email",
            "send_to": address,
            "interaction_summary": "Se envió el detalle por correo.",
        },
    )


def detail_files(case):
    """The call detail's two files, kept with the case as its call detail."""
    pdf = case.documents.get(kind="call_detail", file__endswith=".pdf")
    xlsx = case.documents.get(kind="call_detail", file__endswith=".xlsx")
    return pdf, xlsx


def xlsx_calls(document) -> list[tuple]:
    """The call rows of the Excel (line, month, called number, seconds, cost)."""
    with document.file.open("rb") as handle:
        book = load_workbook(BytesIO(handle.read()))
    sheet = book["Llamadas"]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[4][:4] == ("Línea", "Mes", "Fecha y hora", "Número llamado")  # the titles
    return [(row[0], row[1], row[3], row[5], Decimal(str(row[7]))) for row in rows[5:]]


def path(case) -> list[str]:
    return list(case.instance.events.values_list("bpmn_id", flat=True))


# --- the fee: the decision table gives the rule, the tariff the amount ---------------


@pytest.mark.parametrize(
    ("source", "months", "billable", "summary"),
    [
        ("comteco", [CURRENT], 0, "Sin costo."),
        ("comteco", [CURRENT, FEB], 1, "1 mes(es) anterior(es) × Bs 12,00 = Bs 12,00 por línea"),
        (
            "comteco",
            [CURRENT, FEB, JAN, DEC],
            3,
            "3 mes(es) anterior(es) × Bs 12,00 = Bs 36,00 por línea",
        ),
        ("comteco", [FEB, JAN, DEC], 3, "Bs 36,00 por línea"),
        ("boliviatel", [CURRENT], 0, "Sin costo."),
        ("boliviatel", [CURRENT, FEB], 0, "Sin costo."),
        ("boliviatel", [CURRENT, FEB, JAN, DEC], 0, "Sin costo."),
    ],
)
def test_the_fee_table_for_each_source_and_number_of_previous_months(
    procedures, team, fixed_line, source, months, billable, summary
):
    case = open_g_case(team, fixed_line)
    complete(case, team[Role.EXECUTIVE], request(source, [fixed_line], months))
    variables = task_variables(pending(case))
    assert variables["previous_months"] == len([m for m in months if m != CURRENT])
    assert variables["billable_months"] == billable
    assert variables["fee_rule"] == ("per_previous_month" if billable else "free")
    assert summary in variables["fee_summary"]


@pytest.mark.parametrize(
    ("billable", "tariff", "fee"),
    [
        (0, "12.00", Decimal("0.00")),
        (1, "12.00", Decimal("12.00")),
        (3, "12.00", Decimal("36.00")),
        (3, "12.5", Decimal("37.50")),
    ],
)
def test_a_line_pays_the_tariff_for_each_billable_month_in_bs_and_cents(billable, tariff, fee):
    amount = fee_for_line(billable_months=billable, tariff_amount=Decimal(tariff))
    assert amount == fee and isinstance(amount, Decimal) and amount.as_tuple().exponent == -2


def test_the_previous_months_are_those_before_the_current_one():
    today = date(2026, 3, 31)
    assert previous_months([CURRENT, FEB, DEC], today) == [DEC, FEB]
    assert previous_months([CURRENT], today) == []


def test_the_fee_follows_the_tariff_the_commercial_team_keeps(procedures, team, fixed_line):
    Tariff.objects.filter(code=TariffCode.CALL_DETAIL_PREVIOUS_MONTH).update(amount=Decimal("15"))
    case = open_g_case(team, fixed_line)
    complete(case, team[Role.EXECUTIVE], request("comteco", [fixed_line], [FEB, JAN]))
    assert "Bs 30,00 por línea" in task_variables(pending(case))["fee_summary"]


# --- Boliviatel: 2 generate → 3 send → end ----------------------------------------------


def test_boliviatel_detail_is_generated_free_and_e_mailed_to_the_customer(
    procedures, team, long_distance, fixed_line, django_capture_on_commit_callbacks, mailoutbox
):
    case = open_g_case(team, long_distance)
    receive = pending(case)
    assert (receive.bpmn_id, receive.role) == ("receive_request", Role.EXECUTIVE)
    form = engine.task_form(receive)
    assert form.initial["source"] == CallSource.BOLIVIATEL
    assert form.initial["lines"] == [long_distance.pk]
    assert form.initial["months"] == [CURRENT]
    assert list(form.fields["lines"].queryset) == [long_distance, fixed_line]

    complete(
        case,
        team[Role.EXECUTIVE],
        request("boliviatel", [long_distance, fixed_line], [CURRENT, FEB]),
    )
    send = pending(case)
    assert (send.bpmn_id, send.role) == ("send_to_customer", Role.EXECUTIVE)
    assert "13-4425003, 4425001" in instructions(send)
    assert engine.task_form(send).initial["send_to"] == "gerencia@cliente.example"

    # The detail: both lines, March and February, only Boliviatel's calls.
    pdf, xlsx = detail_files(case)
    text = pdf_text(pdf)
    for shown in (
        case.number,
        long_distance.company.legal_name,
        "Boliviatel",
        "Línea 13-4425003 · 02/2026",
        "Línea 4425001 · 03/2026",
        "0034911111111",
        "España (internacional)",
        "15,60",
        "33552222",
    ):
        assert shown in text, shown
    assert "4421111" not in text  # a Comteco local call
    assert xlsx_calls(xlsx) == [
        ("13-4425003", "02/2026", "0015551234", 95, Decimal("4.75")),
        ("13-4425003", "02/2026", "22443333", 600, Decimal("8.00")),
        ("13-4425003", "03/2026", "0034911111111", 420, Decimal("15.60")),
        ("4425001", "02/2026", "33552222", 180, Decimal("2.40")),
        ("4425001", "03/2026", "22441111", 240, Decimal("3.20")),
    ]

    with django_capture_on_commit_callbacks(execute=True):
        send_by_email(case, team)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert case.attended_at is not None
    [message] = procedure_mail(mailoutbox)
    assert message.to == ["gerencia@cliente.example"]
    assert case.number in message.subject
    assert sorted(name for name, _content, _type in message.attachments) == [
        f"detalle-de-llamadas-boliviatel-{case.number}.pdf",
        f"detalle-de-llamadas-boliviatel-{case.number}.xlsx",
    ]
    assert {kind for _n, _c, kind in message.attachments} == {"application/pdf", XLSX}
    assert OutgoingEmail.objects.get(case=case, notification=None).status == EmailStatus.SENT
    assert not Charge.objects.exists()  # Boliviatel is free
    interaction = Interaction.objects.filter(case=case).latest("created_at")
    assert interaction.channel == "email" and "Envía el detalle al cliente" in interaction.summary
    assert path(case) == [
        "start",
        "receive_request",
        "decide_fee",
        "do_quote_fee",
        "source_gw",
        "do_generate_boliviatel",
        "send_to_customer",
        "send_by_gw",
        "do_email_customer",
        "end_sent",
    ]


def test_boliviatel_detail_handed_over_by_whatsapp_sends_no_e_mail(
    procedures, team, long_distance, django_capture_on_commit_callbacks, mailoutbox
):
    case = open_g_case(team, long_distance)
    complete(case, team[Role.EXECUTIVE], request("boliviatel", [long_distance], [FEB]))
    with django_capture_on_commit_callbacks(execute=True):
        complete(
            case,
            team[Role.EXECUTIVE],
            {"send_by": "whatsapp", "interaction_summary": "Enviado por WhatsApp al gerente."},
        )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert procedure_mail(mailoutbox) == []
    assert not OutgoingEmail.objects.filter(notification=None).exists()
    assert Interaction.objects.filter(case=case).latest("created_at").channel == "whatsapp"
    assert path(case)[-3:] == ["send_to_customer", "send_by_gw", "end_sent"]


# --- Comteco: 4 requirements → 5 fee → 6–8 commercial manager → 9 send ------------------


def test_comteco_previous_months_are_charged_on_each_line_next_invoice(
    procedures,
    team,
    fixed_line,
    second_line,
    django_capture_on_commit_callbacks,
    mailoutbox,
):
    case = open_g_case(team, fixed_line)
    complete(
        case,
        team[Role.EXECUTIVE],
        request("comteco", [fixed_line, second_line], [CURRENT, FEB, JAN]),
    )
    check = pending(case)
    assert (check.bpmn_id, check.role) == ("check_requirements", Role.EXECUTIVE)
    assert "Bs 24,00 por línea" in instructions(check)
    complete(case, team[Role.EXECUTIVE], ALL_REQUIREMENTS)

    tell = pending(case)
    assert (tell.bpmn_id, tell.role) == ("tell_fee", Role.EXECUTIVE)
    assert "Bs 48,00 en total" in engine.task_form(tell).initial["interaction_summary"]
    complete(
        case,
        team[Role.EXECUTIVE],
        {"interaction_channel": "phone", "interaction_summary": "Acepta Bs 24 por línea."},
    )
    assert case.attended_at is None

    query = pending(case)
    assert (query.bpmn_id, query.role) == ("query_line", Role.COMMERCIAL_MANAGER)
    help_text = engine.task_form(query).fields["detail_obtained"].help_text
    assert "4425001 · 02/2026: 2" in help_text and "4425002 · 01/2026: 0" in help_text
    with django_capture_on_commit_callbacks(execute=True):
        complete(case, team[Role.COMMERCIAL_MANAGER], {"detail_obtained": True})

    # 7.1–7.2: Bs 12 for each of the two previous months, on each line's invoice.
    charges = Charge.objects.order_by("product__service_number")
    assert [(c.product, c.amount, c.quantity) for c in charges] == [
        (fixed_line, Decimal("24.00"), Decimal("2.00")),
        (second_line, Decimal("24.00"), Decimal("2.00")),
    ]
    assert all(c.recorded_by == team[Role.COMMERCIAL_MANAGER] for c in charges)
    assert "01/2026, 02/2026" in charges[0].concept
    invoice = invoice_issue(product=fixed_line, period=date(2026, 4, 1))
    assert invoice.amount == Decimal("94.00")  # the plan's Bs 70 + Bs 24
    assert list(invoice.charges.all()) == [charges[0]]

    # The files: Comteco calls of both lines in March, February and January.
    pdf, xlsx = detail_files(case)
    assert xlsx_calls(xlsx) == [
        ("4425001", "01/2026", "4424444", 600, Decimal("1.80")),
        ("4425001", "02/2026", "4422222", 300, Decimal("0.90")),
        ("4425001", "02/2026", "4423333", 42, Decimal("0.20")),
        ("4425001", "03/2026", "4421111", 125, Decimal("0.40")),
        ("4425001", "03/2026", "70711111", 61, Decimal("1.10")),
        ("4425002", "02/2026", "4426666", 90, Decimal("0.30")),
    ]
    text = pdf_text(pdf)
    assert "Comteco" in text and "4425555" not in text  # December was not asked for
    assert "22441111" not in text  # a Boliviatel call
    assert "Sin llamadas salientes registradas en el mes" in text  # 4425002 in January

    # 8. The e-mail to the executive, with both files.
    [to_executive] = procedure_mail(mailoutbox)
    assert to_executive.to == [team[Role.EXECUTIVE].email]
    assert "Bs 24,00" in to_executive.body and len(to_executive.attachments) == 2

    send = pending(case)
    assert (send.bpmn_id, send.role) == ("send_to_customer", Role.EXECUTIVE)
    with django_capture_on_commit_callbacks(execute=True):
        send_by_email(case, team, address="contabilidad@cliente.example")
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    to_customer = procedure_mail(mailoutbox)[1]
    assert to_customer.to == ["contabilidad@cliente.example"]
    assert len(to_customer.attachments) == 2
    assert (
        OutgoingEmail.objects.filter(case=case, status=EmailStatus.SENT, notification=None).count()
        == 2
    )
    # The request received, the fee told, the detail sent.
    assert Interaction.objects.filter(case=case).count() == 3
    assert path(case) == [
        "start",
        "receive_request",
        "decide_fee",
        "do_quote_fee",
        "source_gw",
        "check_requirements",
        "requirements_gw",
        "tell_fee",
        "query_line",
        "do_generate_comteco",
        "do_charge_fee",
        "do_email_executive",
        "send_to_customer",
        "send_by_gw",
        "do_email_customer",
        "end_sent",
    ]


def test_comteco_current_month_only_is_free(
    procedures, team, fixed_line, django_capture_on_commit_callbacks, mailoutbox
):
    case = open_g_case(team, fixed_line)
    complete(case, team[Role.EXECUTIVE], request("comteco", [fixed_line], [CURRENT]))
    complete(case, team[Role.EXECUTIVE], ALL_REQUIREMENTS)
    complete(
        case,
        team[Role.EXECUTIVE],
        {"interaction_channel": "phone", "interaction_summary": "Sin costo."},
    )
    with django_capture_on_commit_callbacks(execute=True):
        complete(case, team[Role.COMMERCIAL_MANAGER], {"detail_obtained": True})
    assert not Charge.objects.exists()
    assert "Sin costo para el cliente" in procedure_mail(mailoutbox)[0].body
    _pdf, xlsx = detail_files(case)
    assert [row[2] for row in xlsx_calls(xlsx)] == ["4421111", "70711111"]
    complete(
        case,
        team[Role.EXECUTIVE],
        {"send_by": "in_person", "interaction_summary": "Entregado impreso en oficina."},
    )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")


def test_missing_letter_the_customer_completes_it_and_the_manager_goes_on(
    procedures, team, fixed_line, django_capture_on_commit_callbacks, mailoutbox
):
    case = open_g_case(team, fixed_line)
    complete(case, team[Role.EXECUTIVE], request("comteco", [fixed_line], [FEB]))
    complete(case, team[Role.EXECUTIVE], {"has_nit_copy": True, "has_id_copy": True})
    ask = pending(case)
    assert (ask.bpmn_id, ask.role) == ("ask_requirements", Role.EXECUTIVE)
    assert "Carta de solicitud firmada" in instructions(ask)
    assert "Bs 12,00" in instructions(ask)
    assert case.status == CaseStatus.WAITING_CUSTOMER

    from django.core.files.uploadedfile import SimpleUploadedFile

    letter = SimpleUploadedFile("carta.pdf", b"%PDF-1.4 carta", content_type="application/pdf")
    engine.task_complete(
        task_id=ask.task_id,
        user=team[Role.EXECUTIVE],
        data={
            **ALL_REQUIREMENTS,
            "completed": "yes",
            "interaction_channel": "email",
            "interaction_summary": "El cliente envió la carta firmada.",
        },
        files={"file_request_letter": letter},
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.OPEN
    assert case.documents.filter(kind="request_letter").count() == 1
    query = pending(case)
    assert (query.bpmn_id, query.role) == ("query_line", Role.COMMERCIAL_MANAGER)  # → 6
    with django_capture_on_commit_callbacks(execute=True):
        complete(case, team[Role.COMMERCIAL_MANAGER], {"detail_obtained": True})
    [charge] = Charge.objects.all()
    assert (charge.product, charge.amount) == (fixed_line, Decimal("12.00"))
    with django_capture_on_commit_callbacks(execute=True):
        send_by_email(case, team)
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "fulfilled")
    assert len(procedure_mail(mailoutbox)) == 2
    assert "tell_fee" not in path(case)
    assert path(case)[5:10] == [
        "check_requirements",
        "requirements_gw",
        "ask_requirements",
        "completed_gw",
        "query_line",
    ]


def test_missing_letter_and_the_customer_gives_up_ends_the_case(
    procedures, team, fixed_line, mailoutbox
):
    case = open_g_case(team, fixed_line)
    complete(case, team[Role.EXECUTIVE], request("comteco", [fixed_line], [FEB]))
    complete(case, team[Role.EXECUTIVE], {})
    complete(
        case,
        team[Role.EXECUTIVE],
        {
            "completed": "no",
            "interaction_channel": "phone",
            "interaction_summary": "No enviará la carta.",
        },
    )
    assert (case.status, case.outcome) == (CaseStatus.CLOSED, "requirements_not_met")
    assert not case.documents.exists()
    assert not Charge.objects.exists()
    assert mailoutbox == []
    assert path(case)[-3:] == ["ask_requirements", "completed_gw", "end_not_met"]


# --- bad input changes nothing ------------------------------------------------------------


def test_a_long_distance_product_has_no_comteco_calls(procedures, team, long_distance):
    case = open_g_case(team, long_distance)
    with pytest.raises(engine.FormInvalid) as excinfo:
        complete(case, team[Role.EXECUTIVE], request("comteco", [long_distance], [CURRENT]))
    assert "13-4425003" in str(excinfo.value.form.errors["lines"])
    assert pending(case).bpmn_id == "receive_request"


@pytest.mark.parametrize(
    ("source", "with_line", "months"),
    [
        ("comteco", False, [CURRENT]),  # no line
        ("comteco", True, []),  # no month
        ("comteco", True, ["2025-03"]),  # older than the 12 months kept
        ("comteco", True, ["2026-04"]),  # the future
        ("carrier", True, [CURRENT]),  # no such source
    ],
)
def test_bad_requests_are_refused_with_nothing_changed(
    procedures, team, fixed_line, source, with_line, months
):
    case = open_g_case(team, fixed_line)
    data = {"source": source, "lines": [fixed_line.pk] if with_line else [], "months": months}
    with pytest.raises(engine.FormInvalid):
        complete(case, team[Role.EXECUTIVE], data)
    assert pending(case).bpmn_id == "receive_request"
    assert not case.documents.exists()


def test_another_customers_line_cannot_be_asked_for(procedures, team, fixed_line):
    stranger = ProductFactory(plan=fixed_line.plan, service_number="4429999")
    case = open_g_case(team, fixed_line)
    with pytest.raises(engine.FormInvalid):
        complete(case, team[Role.EXECUTIVE], request("comteco", [stranger], [CURRENT]))


def test_sending_by_e_mail_needs_an_address(procedures, team, long_distance, mailoutbox):
    case = open_g_case(team, long_distance)
    complete(case, team[Role.EXECUTIVE], request("boliviatel", [long_distance], [CURRENT]))
    for address in ("", "no-es-un-correo"):
        with pytest.raises(engine.FormInvalid) as excinfo:
            send_by_email(case, team, address=address)
        assert "send_to" in excinfo.value.form.errors
    assert pending(case).bpmn_id == "send_to_customer"
    assert not OutgoingEmail.objects.filter(notification=None).exists()


def test_a_case_of_g_is_opened_only_on_a_line_with_call_detail(procedures, team, company):
    internet = ProductFactory(company=company)
    with pytest.raises(ValidationError) as excinfo:
        open_g_case(team, internet)
    assert "product" in excinfo.value.message_dict


# --- the adapter, the 24 hours ---------------------------------------------------------------


class FakeSwitch:
    """A real integration's stand-in: one call per line and month."""

    def calls(self, *, service_number, source, month):
        return [
            Call(
                started_at=datetime(month.year, month.month, 5, 8, 0, tzinfo=LA_PAZ),
                called_number="77700000",
                destination=f"Switch {source}",
                duration_seconds=10,
                cost=Decimal("0.05"),
                source=source,
            )
        ]


def test_a_real_integration_named_in_the_setting_answers_instead_of_the_stored_records(
    procedures, team, fixed_line, settings
):
    settings.POSVENTA_CALL_RECORDS_ADAPTER = f"{__name__}.FakeSwitch"
    case = open_g_case(team, fixed_line)
    complete(case, team[Role.EXECUTIVE], request("boliviatel", [fixed_line], [CURRENT, FEB]))
    _pdf, xlsx = detail_files(case)
    assert [row[:3] for row in xlsx_calls(xlsx)] == [
        ("4425001", "02/2026", "77700000"),
        ("4425001", "03/2026", "77700000"),
    ]


def test_the_team_lead_is_warned_when_24_hours_pass(procedures, team, fixed_line):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        case = open_g_case(team, fixed_line)
    with time_machine.travel(start + timedelta(hours=24, minutes=1), tick=False):
        assert engine.timers_advance() == 1
    [alert] = Alert.objects.filter(case=case)
    assert alert.role == Role.TEAM_LEAD
    assert "Recibe la solicitud de detalle de llamadas" in alert.message
    assert pending(case).bpmn_id == "receive_request"
