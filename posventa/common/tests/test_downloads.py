"""Every file the application sends goes out as a download with a type our
code chose and `nosniff`: a stored HTML page can never run on our origin.
Case documents leave only through the view that checks who asks."""

import io
import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from posventa.accounts.roles import Role
from posventa.cases.models import CaseDocument
from posventa.cases.services import case_open, document_add
from posventa.common.downloads import attachment_response, content_disposition
from posventa.factories import ProductFactory, UserFactory
from posventa.indicators.definitions import Month
from posventa.indicators.services import month_close
from posventa.visits.ical import feed_token

LA_PAZ = ZoneInfo("America/La_Paz")
PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><script>alert(document.cookie)</script>"


def assert_download(response, *, content_type: str, filename: str):
    assert response.status_code == 200
    assert response["Content-Type"] == content_type
    assert response["Content-Disposition"].startswith("attachment; ")
    assert f'filename="{filename}"' in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]


def without_csrf_token(response) -> bytes:
    """The page without its CSRF tokens, which differ on every page."""
    return re.sub(rb"\b[A-Za-z0-9]{64}\b", b"", response.content)


def body(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


# --- the helper --------------------------------------------------------------


def test_a_download_names_the_file_in_ascii_and_in_utf8():
    assert content_disposition("carta.pdf") == 'attachment; filename="carta.pdf"'
    assert content_disposition("Carta de Peñaranda.pdf") == (
        'attachment; filename="Carta_de_Penaranda.pdf"; '
        "filename*=UTF-8''Carta_de_Pe%C3%B1aranda.pdf"
    )
    assert content_disposition("文件.pdf") == (
        "attachment; filename=\"documento.pdf\"; filename*=UTF-8''%E6%96%87%E4%BB%B6.pdf"
    )


def test_a_download_name_cannot_break_the_header():
    header = content_disposition('a"; filename="x.html\r\nSet-Cookie: y=1.pdf')
    assert header.count('"') == 2 and "\r" not in header and "\n" not in header
    assert header.endswith('.pdf"')


def test_a_page_type_never_goes_out_as_a_page():
    for risky in ("text/html; charset=utf-8", "image/svg+xml", "application/xhtml+xml"):
        response = attachment_response(HTML, filename="x.pdf", content_type=risky)
        assert response["Content-Type"] == "application/octet-stream"


def test_bytes_text_and_open_files_are_sent_whole():
    for content in (b"%PDF-1.4", "%PDF-1.4", io.BytesIO(b"%PDF-1.4")):
        response = attachment_response(content, filename="a.pdf", content_type="application/pdf")
        assert body(response) == b"%PDF-1.4"


# --- case documents ----------------------------------------------------------


@pytest.fixture
def case(procedures, team, customer_product):
    # A product of its own: `plan_change_case` opens a plan change on
    # `customer_product`, and one product takes one plan change at a time.
    product = ProductFactory(company=customer_product.company, plan=customer_product.plan)
    return case_open(
        company=customer_product.company,
        procedure="B",
        channel="email",
        subject="Cambio de plan",
        product=product,
        user=team[Role.EXECUTIVE],
        documents=[
            ("request_letter", SimpleUploadedFile("Carta de Peñaranda.pdf", PDF, "text/html"))
        ],
    )


def document_url(document) -> str:
    return reverse("cases:document", args=[document.case.number, document.pk])


def test_a_case_document_downloads_with_its_detected_type(client, team, case):
    document = case.documents.get()
    client.force_login(team[Role.EXECUTIVE])
    response = client.get(document_url(document))
    assert_download(response, content_type="application/pdf", filename="Carta_de_Penaranda.pdf")
    assert "filename*=UTF-8''Carta_de_Pe%C3%B1aranda.pdf" in response["Content-Disposition"]
    assert body(response) == PDF


def test_a_document_kept_before_the_checks_goes_out_as_bytes_to_save(client, team, case):
    # An HTML page stored before uploads were judged by content.
    old = CaseDocument.objects.create(
        case=case, kind="other", title="viejo", file=ContentFile(HTML, name="viejo.html")
    )
    client.force_login(team[Role.EXECUTIVE])
    response = client.get(document_url(old))
    assert_download(response, content_type="application/octet-stream", filename="viejo.html")


def test_the_systems_own_documents_download_as_attachments(client, team, case):
    generated = document_add(
        case=case,
        kind="order_request",
        file=ContentFile(PDF, name=f"solicitud-de-pedido-{case.number}.pdf"),
        generated=True,
    )
    client.force_login(team[Role.TEAM_LEAD])
    assert_download(
        client.get(document_url(generated)),
        content_type="application/pdf",
        filename=f"solicitud-de-pedido-{case.number}.pdf",
    )


def test_another_executives_case_document_is_not_found_like_a_missing_one(client, team, case):
    document = case.documents.get()
    stranger = UserFactory(username="otra", role=Role.EXECUTIVE)
    client.force_login(stranger)
    theirs = client.get(document_url(document))
    missing = client.get(reverse("cases:document", args=[case.number, document.pk + 999]))
    assert theirs.status_code == missing.status_code == 404
    assert without_csrf_token(theirs) == without_csrf_token(missing)


def test_a_document_is_not_reachable_through_another_case(client, team, case, plan_change_case):
    other = plan_change_case
    document = case.documents.get()
    client.force_login(team[Role.TEAM_LEAD])
    url = reverse("cases:document", args=[other.number, document.pk])
    assert client.get(url).status_code == 404


def test_a_document_whose_file_is_gone_is_not_found(client, team, case):
    document = case.documents.get()
    document.file.storage.delete(document.file.name)
    client.force_login(team[Role.EXECUTIVE])
    assert client.get(document_url(document)).status_code == 404


def test_stored_files_are_not_served_from_the_media_address(client, team, case, settings):
    document = case.documents.get()
    client.force_login(team[Role.TEAM_LEAD])  # sees every case
    assert client.get(document_url(document)).status_code == 200
    response = client.get(f"/{settings.MEDIA_URL}{document.file.name}")
    assert response.status_code == 404
    assert PDF not in response.content


def test_the_admin_links_a_case_document_through_the_checked_view_not_media(admin_client, case):
    document = case.documents.get()
    page = admin_client.get(reverse("admin:cases_case_change", args=[case.pk])).content.decode()
    assert f'href="/casos/{case.number}/documentos/{document.pk}/"' in page
    assert 'href="/media/' not in page
    response = admin_client.get(f"/casos/{case.number}/documentos/{document.pk}/")
    assert response.status_code == 200 and response["Content-Disposition"].startswith("attachment")


def test_signing_in_is_needed_for_a_document(client, case):
    response = client.get(document_url(case.documents.get()))
    assert response.status_code == 302 and "/entrar/" in response["Location"]


# --- the generated reports ---------------------------------------------------


def test_the_monthly_report_downloads_as_pdf_and_excel(client, db):
    lead = UserFactory(role=Role.TEAM_LEAD)
    with time_machine.travel(datetime(2026, 11, 2, 9, 0, tzinfo=LA_PAZ), tick=False):
        month_close(month=Month(2026, 10), user=lead)
    client.force_login(lead)
    pdf = client.get(reverse("indicators:report_pdf"), {"month": "2026-10"})
    assert_download(
        pdf, content_type="application/pdf", filename="indicadores-posventa-2026-10.pdf"
    )
    assert pdf.content.startswith(b"%PDF")
    xlsx = client.get(reverse("indicators:report_xlsx"), {"month": "2026-10"})
    assert_download(
        xlsx,
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename="indicadores-posventa-2026-10.xlsx",
    )
    assert xlsx.content.startswith(b"PK")


def test_the_annex1_schedule_downloads_as_pdf(client, team):
    client.force_login(team[Role.TEAM_LEAD])
    executive = team[Role.EXECUTIVE]
    response = client.get(
        reverse("visits:schedule_form"),
        {"executive": executive.pk, "start": "2026-11-23", "end": "2026-11-29"},
    )
    assert_download(
        response,
        content_type="application/pdf",
        filename=f"cronograma-visitas-{executive.username}-20261123.pdf",
    )
    assert response.content.startswith(b"%PDF")


def test_the_calendar_feeds_download_and_still_read_as_icalendar(client, team):
    analyst = team[Role.TECHNICAL_ANALYST]
    client.force_login(analyst)
    signed_in = client.get(reverse("visits:feed", args=[analyst.pk]))
    client.logout()
    subscribed = client.get(
        reverse("visits:subscribed_feed", args=[analyst.pk, feed_token(analyst)])
    )
    for response in (signed_in, subscribed):
        assert_download(
            response,
            content_type="text/calendar; charset=utf-8",
            filename=f"visitas-{analyst.username}.ics",
        )
        assert response.content.startswith(b"BEGIN:VCALENDAR")
