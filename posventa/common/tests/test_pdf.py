"""Every PDF on one paper size (Letter) under the operator's letterhead, and
signed with the person's own title."""

import re
from datetime import date
from decimal import Decimal
from io import BytesIO
from pathlib import Path

import pytest
from django.conf import settings
from django.template.loader import get_template
from django.utils import timezone
from PIL import Image
from pypdf import PdfReader

from posventa.accounts.models import User
from posventa.accounts.roles import Role
from posventa.common import pdf
from posventa.common.pdf import render_pdf

LETTER = (612, 792)  # points


def _pdf_templates() -> set[str]:
    """The templates the code hands to render_pdf."""
    names = set()
    for source in Path(settings.BASE_DIR, "posventa").rglob("*.py"):
        if "tests" in source.parts:
            continue
        text = source.read_text()
        names.update(re.findall(r'render_pdf\(\s*"([^"]+\.html)"', text))
    return names


def _proforma() -> dict:
    """What the proforma's template reads (plain values, no database)."""
    today = date(2026, 12, 1)
    company = {"legal_name": "Colegio X", "nit": "1023456789"}
    product = {"service_number": "4447217", "plan": {"name": "Línea 50"}}
    money = {k: Decimal("10.00") for k in ("amount", "charges", "pending", "plan_price", "total")}
    return {"company": company, "product": product, "period": today, "printed_at": today,
            "payment_paths": ["Banco"], **money}  # fmt: skip


def _pages(data: bytes):
    return PdfReader(BytesIO(data)).pages


def _text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in _pages(data)).split())


def test_every_pdf_template_takes_the_shared_page_and_letterhead():
    templates = _pdf_templates()
    assert (
        len(templates) >= 7
    )  # order request, call detail, proforma, letter, report, annex 1, support
    for name in templates:
        source = Path(get_template(name).origin.name).read_text()
        assert "@page" not in source, f"{name} sets its own paper"
        assert '{% include "pdf/_page_style.html"' in source, name
        assert '{% include "pdf/_letterhead.html" %}' in source, name


def test_a_pdf_is_letter_with_the_operators_name_on_top(db):
    data = render_pdf("collections/proforma.html", _proforma())
    page = _pages(data)[0]
    assert (round(page.mediabox.width), round(page.mediabox.height)) == LETTER
    assert _text(data).startswith(settings.POSVENTA_OPERATOR_NAME)


def test_a_landscape_pdf_is_letter_turned(db):
    executive = User(username="m", first_name="Mariela")
    today = date(2026, 12, 1)
    context = {"executive": executive, "start": today, "end": today, "printed_at": timezone.now()}
    data = render_pdf("visits/annex1.html", {**context, "visits": []})
    page = _pages(data)[0]
    assert (round(page.mediabox.width), round(page.mediabox.height)) == LETTER[::-1]


def test_the_operators_name_comes_from_the_settings(db, settings):
    settings.POSVENTA_OPERATOR_NAME = "Cooperativa de Telecomunicaciones"
    data = render_pdf("collections/proforma.html", _proforma())
    assert "Cooperativa de Telecomunicaciones" in _text(data)


@pytest.fixture
def clean_logo_cache():
    pdf._logo.cache_clear()
    yield
    pdf._logo.cache_clear()


def _images(data: bytes) -> int:
    return sum(len(page.images) for page in _pages(data))


def test_the_logo_is_taken_by_its_content_and_printed(tmp_path, settings, clean_logo_cache, db):
    assert _images(render_pdf("collections/proforma.html", _proforma())) == 0
    logo = tmp_path / "logo.bin"
    Image.new("RGB", (40, 20), "navy").save(logo, format="PNG")
    settings.POSVENTA_OPERATOR_LOGO = str(logo)
    assert pdf.letterhead()["logo"].startswith("data:image/png;base64,")
    assert _images(render_pdf("collections/proforma.html", _proforma())) == 1


def test_a_logo_that_is_not_an_image_is_ignored_and_the_documents_go_on(
    tmp_path, settings, clean_logo_cache, db
):
    logo = tmp_path / "logo.png"
    logo.write_text("<script>alert(1)</script>")
    settings.POSVENTA_OPERATOR_LOGO = str(logo)
    assert pdf.letterhead()["logo"] == ""
    settings.POSVENTA_OPERATOR_LOGO = str(tmp_path / "missing.png")
    pdf._logo.cache_clear()
    assert pdf.letterhead()["logo"] == ""
    assert settings.POSVENTA_OPERATOR_NAME in _text(
        render_pdf("collections/proforma.html", _proforma())
    )


def test_a_signature_carries_the_persons_own_title_else_her_roles_name(db):
    titled = User(username="m", role=Role.EXECUTIVE, job_title="Ejecutiva de Cuentas Empresas")
    untitled = User(username="n", role=Role.EXECUTIVE)
    assert titled.signature_title == "Ejecutiva de Cuentas Empresas"
    assert untitled.signature_title == str(untitled.role_label)


def test_the_dunning_letter_is_signed_with_the_executives_title(db):
    executive = User(
        username="m", first_name="Mariela", last_name="Rocha", job_title="Ejecutiva de Cuentas"
    )
    data = render_pdf(
        "collections/dunning_letter.html",
        {
            "executive": executive,
            "copies": ["ORIGINAL"],
            "case": {"number": "PV-2026-000001"},
            "company": {"legal_name": "X", "nit": "1", "address": "Calle 1"},
            "lines": [],
            "payment_paths": [],
            "today": date(2026, 12, 1),
            "total": Decimal("0"),
            "days_overdue": 0,
        },
    )
    text = _text(data)
    assert "Mariela Rocha Ejecutiva de Cuentas · Equipo Empresas" in text
    assert "Ejecutivo(a) de cuentas" not in text


def test_font_warnings_go_to_the_documents_log_not_the_terminal_on_a_laptop(settings):
    assert settings.LOG_FORMAT == "text"  # DEBUG on, as `make run`
    for name in ("weasyprint", "fontTools"):
        logger = settings.LOGGING["loggers"][name]
        assert logger["handlers"] == ["documents"] and logger["propagate"] is False
    assert str(settings.LOGGING["handlers"]["documents"]["filename"]).endswith("documents.log")
