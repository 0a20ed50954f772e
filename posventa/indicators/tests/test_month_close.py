"""Closing a month freezes its figures; recomputing later says what changed
and why; the monthly report reads back as PDF and Excel."""

from datetime import datetime, timedelta
from io import BytesIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from openpyxl import load_workbook
from pypdf import PdfReader

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory, UserFactory
from posventa.indicators.definitions import Month
from posventa.indicators.models import ClosedCase, MonthClose
from posventa.indicators.reports import report_pdf, report_xlsx
from posventa.indicators.selectors import Counted, month_close_differences
from posventa.indicators.services import month_close
from posventa.indicators.tests.test_definitions import make_case

pytestmark = pytest.mark.django_db
LA_PAZ = ZoneInfo("America/La_Paz")
OCTOBER = Month(2026, 10)
NOVEMBER_2ND = datetime(2026, 11, 2, 9, 0, tzinfo=LA_PAZ)


@pytest.fixture
def lead():
    return UserFactory(role=Role.TEAM_LEAD, first_name="Carla", last_name="Rojas")


@pytest.fixture
def october():
    company = CompanyFactory(legal_name="Cerámica Cochabamba S.A.", nit="1023456021")
    received = datetime(2026, 10, 6, 9, 0, tzinfo=LA_PAZ)
    return {
        "good": make_case(company, received_at=received, procedure="E"),
        "late": make_case(company, received_at=received, attended_after=timedelta(hours=26)),
        "open": make_case(
            company, received_at=received, attended_after=None, closed_after=None, channel="phone"
        ),
    }


def close(user):
    with time_machine.travel(NOVEMBER_2ND, tick=False):
        return month_close(month=OCTOBER, user=user)


def test_closing_freezes_the_figures_and_each_cases_verdict(lead, october):
    closed = close(lead)
    assert (closed.total, closed.effective, closed.timely, closed.open) == (3, 2, 1, 1)
    assert closed.measured_at == Month(2026, 11).starts_at
    assert closed.excludes_customer_wait is False
    assert ClosedCase.objects.filter(month_close=closed).count() == 3
    frozen = ClosedCase.objects.get(case=october["late"])
    assert (frozen.effective, frozen.timely, frozen.open) == (True, False, False)
    by_channel = {row[0]: row[2] for row in closed.breakdowns["channel"]}
    assert by_channel == {"email": 2, "phone": 1}


def test_a_month_is_closed_once_by_the_team_lead_after_it_ends(lead, october):
    last_hour = datetime(2026, 10, 31, 23, 0, tzinfo=LA_PAZ)
    with time_machine.travel(last_hour, tick=False), pytest.raises(ValidationError):
        month_close(month=OCTOBER, user=lead)
    for role in (Role.DIVISION_HEAD, Role.EXECUTIVE):
        with pytest.raises(PermissionDenied):
            close(UserFactory(role=role))
    close(lead)
    with pytest.raises(ValidationError):
        close(lead)
    assert MonthClose.objects.count() == 1


def test_recomputing_later_shows_each_difference_with_its_reason(lead, october):
    closed = close(lead)
    now, differences = month_close_differences(closed, lead)
    assert differences == []
    # A reiteration within 30 days (itself an October request), a quality call
    # corrected, a request registered late with its October date.
    first = october["good"]
    make_case(
        first.company,
        received_at=first.closed_at + timedelta(days=10),
        procedure="E",
        reiterates=first,
    )
    october["late"].quality_conform = False
    october["late"].save()
    make_case(first.company, received_at=datetime(2026, 10, 20, 9, 0, tzinfo=LA_PAZ))
    now, differences = month_close_differences(closed, lead)
    assert (now.total, now.effective) == (5, 2)
    by_case = {d.case_number: d for d in differences}
    reiterated = by_case[first.number]
    assert (reiterated.then, reiterated.now) == (Counted(True, True), Counted(False, True))
    assert reiterated.reasons == ("reiterated",)
    assert reiterated.reason == "Reiterada por una solicitud posterior"
    assert by_case[october["late"].number].reason == "Cambió el resultado de la llamada de calidad"
    registered_late = [d for d in differences if d.reasons == ("registered_late",)]
    assert len(registered_late) == 2  # two requests, outside the month at the close
    assert all(d.then is None and d.now == Counted(True, True) for d in registered_late)
    assert registered_late[0].reason.startswith("Registrada después")

    closed.refresh_from_db()
    assert closed.total == 3  # the close itself never changes


def test_the_monthly_report_reads_back_as_pdf_and_excel(lead, october):
    closed = close(lead)
    text = " ".join(
        " ".join(page.extract_text().split())
        for page in PdfReader(BytesIO(report_pdf(closed))).pages
    )
    for shown in (
        "Octubre 2026",
        "a) Eficacia",
        "b) Oportunidad",
        "66,7 %",
        "33,3 %",
        "Observado",
        "Carla Rojas",
        "Por procedimiento",
    ):
        assert shown in text, shown

    workbook = load_workbook(BytesIO(report_xlsx(closed)))
    summary = [row for row in workbook["Indicadores"].iter_rows(values_only=True)]
    assert ("Eficacia", 2, 3, 66.7, 98.0, "Observado") in summary
    cases = list(workbook["Casos"].iter_rows(values_only=True))
    assert cases[0][0] == "Caso"
    assert [row[0] for row in cases[1:]] == [c.number for c in october.values()]
    late = next(row for row in cases if row[0] == october["late"].number)
    assert late[1:3] == ("Cerámica Cochabamba S.A.", "1023456021")
    assert late[9] == 26.0 and late[-3:] == ("Sí", "No", "No")


def test_the_pages_of_a_closed_month(client, lead, october):
    client.force_login(lead)
    with time_machine.travel(NOVEMBER_2ND, tick=True):
        page = client.get("/indicadores/", {"month": "2026-10"})
        assert page.context["may_close"] is True
        assert client.get("/indicadores/cierre/", {"month": "2026-10"}).status_code == 404
        response = client.post(
            "/indicadores/cerrar/", {"month": "2026-10", "confirm": "yes"}, follow=True
        )
        assert "cerrado" in response.content.decode()
        assert MonthClose.objects.count() == 1
        again = client.post(
            "/indicadores/cerrar/", {"month": "2026-10", "confirm": "yes"}, follow=True
        )
        assert "ya está cerrado" in again.content.decode()
        assert client.post("/indicadores/cerrar/", {"month": "x"}).status_code == 302
    assert client.get("/indicadores/cierre/", {"month": "2026-10"}).status_code == 200
    pdf = client.get("/indicadores/reporte.pdf", {"month": "2026-10"})
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    xlsx = client.get("/indicadores/reporte.xlsx", {"month": "2026-10"})
    assert "indicadores-posventa-2026-10.xlsx" in xlsx["Content-Disposition"]
    client.force_login(october["good"].company.executive)
    assert client.get("/indicadores/reporte.pdf", {"month": "2026-10"}).status_code == 403


def test_closing_a_month_asks_first_and_shows_what_it_will_freeze(client, lead, october):
    client.force_login(lead)
    with time_machine.travel(NOVEMBER_2ND, tick=True):
        dashboard = client.get("/indicadores/", {"month": "2026-10"}).content.decode()
        assert 'href="/indicadores/cerrar/?month=2026-10"' in dashboard
        # The link, and a post without the confirmation, show what will be frozen.
        for page in (
            client.get("/indicadores/cerrar/", {"month": "2026-10"}),
            client.post("/indicadores/cerrar/", {"month": "2026-10"}),
        ):
            assert page.status_code == 200
            assert page.templates[0].name == "indicators/close_confirm.html"
            figures = page.context["figures"]
            assert (figures.total, figures.effective, figures.timely, figures.open) == (3, 2, 1, 1)
            assert not figures.live
            text = page.content.decode()
            assert 'name="confirm" value="yes"' in text
            assert "66,7 %" in text and "33,3 %" in text
        assert MonthClose.objects.count() == 0
        client.post("/indicadores/cerrar/", {"month": "2026-10", "confirm": "yes"})
        close = MonthClose.objects.get()
        assert (close.total, close.effective, close.timely, close.open) == (3, 2, 1, 1)
        # Closed, the confirmation page is no more: back to the dashboard with the reason.
        assert client.get("/indicadores/cerrar/", {"month": "2026-10"}).status_code == 302
        # A month still running cannot be confirmed either.
        running = client.get("/indicadores/cerrar/", {"month": "2026-11"}, follow=True)
        assert "aún no terminó" in running.content.decode()


def test_only_the_team_lead_sees_the_confirmation(client, october):
    client.force_login(october["good"].company.executive)
    with time_machine.travel(NOVEMBER_2ND, tick=True):
        assert client.get("/indicadores/cerrar/", {"month": "2026-10"}).status_code == 403
