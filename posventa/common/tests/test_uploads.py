"""Uploads are judged by what the file is, not by its name: the kinds the team
may keep, the size limit, the Spanish refusals, and the name a file is kept
under — in the unit, in the admin, and on the screens where people upload
(the intake form, a procedure step's requirement attachments)."""

import io
import zipfile

import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import RequestFactory
from django.urls import reverse
from openpyxl import Workbook
from PIL import Image

from posventa.accounts.roles import Role
from posventa.cases.models import Case, CaseDocument
from posventa.cases.services import document_add
from posventa.collections.models import Proforma, ProformaSending
from posventa.common.uploads import (
    ACCEPT,
    MultipleUploadField,
    UploadField,
    accept_upload,
    content_type_for,
    safe_filename,
)
from posventa.factories import UserFactory

# --- samples of each kind, made here ---------------------------------------

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504  # header of legacy Office files
DOC = OLE2 + b"\xec\xa5\xc1\x00" + b"\x00" * 1024
XLS = OLE2 + b"\x09\x08\x10\x00\x00\x06\x05\x00" + b"\x00" * 1024
PPT = OLE2 + b"\xa0\x46\x1d\xf0" + b"\x00" * 1024
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 200
ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 200


def image(format_: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(buffer, format=format_)
    return buffer.getvalue()


def xlsx(macros: bool = False) -> bytes:
    buffer = io.BytesIO()
    Workbook().save(buffer)
    if not macros:
        return buffer.getvalue()
    # The same workbook with a VBA project inside, as Excel saves an .xlsm.
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"Attribute VB_Name")
    return buffer.getvalue()


MAIN = {
    "word/document.xml": "wordprocessingml.document.main+xml",
    "ppt/presentation.xml": "presentationml.presentation.main+xml",
}


def ooxml(main_part: str | None, content_type: str = "", *, entries=()) -> bytes:
    """An Office Open XML zip whose [Content_Types].xml declares `main_part`."""
    content_type = content_type or (
        f"application/vnd.openxmlformats-officedocument.{MAIN[main_part]}" if main_part else ""
    )
    override = (
        f'<Override PartName="/{main_part}" ContentType="{content_type}"/>' if main_part else ""
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            f'package/2006/content-types">{override}</Types>',
        )
        archive.writestr("_rels/.rels", "<Relationships/>")
        if main_part:
            archive.writestr(main_part, "<document/>")
        for name in entries:
            archive.writestr(name, b"x")
    return buffer.getvalue()


def opendocument(mimetype: str, *, entries=()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype, compress_type=zipfile.ZIP_STORED)
        archive.writestr("content.xml", "<office:document-content/>")
        for name in entries:
            archive.writestr(name, b"x")
    return buffer.getvalue()


def plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("index.html", HTML)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf"):
    return SimpleUploadedFile(name, content, content_type=content_type)


NOT_ALLOWED = "no es de un tipo permitido: solo PDF, imágenes"


def refusal(file) -> str:
    with pytest.raises(ValidationError) as excinfo:
        accept_upload(file)
    return " ".join(excinfo.value.messages)


# --- unit: the kinds ---------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "stored", "content_type"),
    [
        ("carta.pdf", PDF, "carta.pdf", "application/pdf"),
        ("foto.jpeg", image("JPEG"), "foto.jpg", "image/jpeg"),
        ("captura.png", image("PNG"), "captura.png", "image/png"),
        ("sello.gif", image("GIF"), "sello.gif", "image/gif"),
        ("foto.webp", image("WEBP"), "foto.webp", "image/webp"),
        ("escaneo.tiff", image("TIFF"), "escaneo.tif", "image/tiff"),
        ("poder.doc", DOC, "poder.doc", "application/msword"),
        ("lineas.xls", XLS, "lineas.xls", "application/vnd.ms-excel"),
        ("propuesta.ppt", PPT, "propuesta.ppt", "application/vnd.ms-powerpoint"),
        (
            "poder.docx",
            ooxml("word/document.xml"),
            "poder.docx",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        (
            "lineas.xlsx",
            xlsx(),
            "lineas.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ),
        (
            "propuesta.pptx",
            ooxml("ppt/presentation.xml"),
            "propuesta.pptx",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        ),
        (
            "nota.odt",
            opendocument("application/vnd.oasis.opendocument.text"),
            "nota.odt",
            "application/vnd.oasis.opendocument.text",
        ),
        (
            "lineas.ods",
            opendocument("application/vnd.oasis.opendocument.spreadsheet"),
            "lineas.ods",
            "application/vnd.oasis.opendocument.spreadsheet",
        ),
    ],
)
def test_each_allowed_kind_is_kept_under_its_own_extension_and_type(
    name, content, stored, content_type
):
    file = accept_upload(upload(name, content, "application/octet-stream"))
    assert file.name == stored
    assert file.content_type == content_type
    assert content_type_for(file.name) == content_type
    assert file.read() == content  # the check leaves the file whole, at its start


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("pagina.html", HTML),
        ("dibujo.svg", SVG),
        ("script.sh", b"#!/bin/sh\nrm -rf /\n"),
        ("macro.js", b"WScript.Echo('hola');"),
        ("notas.txt", "Texto plano con eñes".encode()),
        ("datos.csv", b"nit,nombre\n1023456021,Ceramica\n"),
        ("programa.exe", EXE),
        ("programa", ELF),
        ("documentos.zip", plain_zip()),
        ("respaldo.gz", b"\x1f\x8b\x08\x00" + b"\x00" * 100),
        ("carta.rtf", b"{\\rtf1\\ansi carta}"),
        # A zip that only says it is Word: no main part declared and present.
        ("falso.docx", ooxml(None)),
        ("presentacion.odp.zip", opendocument("application/x-whatever")),
    ],
)
def test_html_svg_scripts_executables_and_archives_are_refused(name, content):
    file = upload(name, content, "application/pdf")  # what the browser says is ignored
    message = refusal(file)
    assert f"«{name}»" in message and NOT_ALLOWED in message
    assert file.name == name  # a refused file is not renamed


def test_an_html_page_renamed_pdf_is_refused():
    message = refusal(upload("carta.pdf", HTML, "application/pdf"))
    assert message == (
        "El archivo «carta.pdf» no es de un tipo permitido: solo PDF, imágenes (JPG, PNG, "
        "GIF, WebP, TIFF) y documentos de Office (Word, Excel, PowerPoint, OpenDocument)."
    )


def test_a_real_pdf_named_exe_is_kept_as_pdf():
    file = accept_upload(upload("carta.exe", PDF, "application/x-msdownload"))
    assert (file.name, file.content_type) == ("carta.pdf", "application/pdf")


def test_a_zip_declaring_word_without_its_main_part_is_refused():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("payload.html", HTML)
    assert NOT_ALLOWED in refusal(upload("carta.docx", buffer.getvalue()))


@pytest.mark.parametrize(
    "content",
    [
        xlsx(macros=True),
        ooxml(
            "word/document.xml",
            "application/vnd.ms-word.document.macroEnabled.main+xml",
        ),
        opendocument("application/vnd.oasis.opendocument.text", entries=("Basic/script.xml",)),
    ],
    ids=["xlsm renamed xlsx", "docm", "odt with Basic macros"],
)
def test_office_documents_with_macros_are_refused(content):
    message = refusal(upload("planilla.xlsx", content))
    assert message == (
        "El archivo «planilla.xlsx» contiene macros: guárdelo sin macros "
        "(.docx, .xlsx, .pptx) y adjúntelo de nuevo."
    )


def test_an_empty_file_is_refused():
    assert refusal(upload("carta.pdf", b"")) == "El archivo «carta.pdf» está vacío."


def test_a_damaged_zip_is_refused_not_an_error():
    assert NOT_ALLOWED in refusal(upload("roto.xlsx", xlsx()[:300]))


# --- unit: the size limit ----------------------------------------------------


def test_the_size_limit_is_the_setting_at_the_byte(settings):
    settings.POSVENTA_UPLOAD_MAX_BYTES = 1024
    at_limit = PDF + b"\n" * (1024 - len(PDF))
    assert accept_upload(upload("justo.pdf", at_limit)).name == "justo.pdf"
    message = refusal(upload("grande.pdf", at_limit + b"\n"))
    assert message == "El archivo «grande.pdf» pesa 1,1 KB; el máximo es 1 KB."


def test_the_default_limit_is_ten_megabytes_and_says_so_in_megabytes(settings):
    assert settings.POSVENTA_UPLOAD_MAX_BYTES == 10 * 1024 * 1024
    big = PDF + b"\0" * (int(12.3 * 1024 * 1024) - len(PDF))
    message = refusal(upload("escaneo.pdf", big))
    assert message == "El archivo «escaneo.pdf» pesa 12,3 MB; el máximo es 10 MB."


def test_the_size_is_checked_before_the_content(settings):
    settings.POSVENTA_UPLOAD_MAX_BYTES = 10
    assert "pesa" in refusal(upload("pagina.html", HTML))


# --- unit: the stored name ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "extension", "stored"),
    [
        ("carta.pdf", "pdf", "carta.pdf"),
        ("Solicitud Muñoz – año 2026.PDF", "pdf", "Solicitud_Muñoz_año_2026.pdf"),
        ("Mun\u0303oz.pdf", "pdf", "Muñoz.pdf"),  # decomposed ñ, composed
        ("../../etc/passwd", "pdf", "passwd.pdf"),
        ("C:\\Users\\ana\\Carta firmada.pdf", "pdf", "Carta_firmada.pdf"),
        ("carta\uff0fpoder\uff0epdf", "pdf", "poder.pdf"),  # fullwidth ／ and ．
        (".htaccess", "pdf", "documento.pdf"),
        ("...", "pdf", "documento.pdf"),
        ("", "pdf", "documento.pdf"),
        ("informe\x00\x1b[31m.html\n", "pdf", "informe_31m.pdf"),
        ("factura\u202egpj.exe", "pdf", "facturagpj.pdf"),  # right-to-left override
        ("x.tar.gz", "pdf", "x_tar.pdf"),
        ("<script>alert(1)</script>.pdf", "pdf", "script.pdf"),  # "/" of </script> is a folder
        ("<img src=x onerror=alert(1)>.pdf", "pdf", "img_src_x_onerror_alert_1.pdf"),
        ('nombre "entre comillas"; y\\barra.pdf', "pdf", "barra.pdf"),
        ("a" * 200 + ".pdf", "pdf", "a" * 60 + ".pdf"),
        ("Reporte Final.XLSX", None, "Reporte_Final.xlsx"),
        ("sin extension", None, "sin_extension"),
        ("raro.p$d%f", None, "raro.pdf"),
    ],
)
def test_the_stored_name_is_safe(name, extension, stored):
    assert safe_filename(name, extension=extension) == stored


def test_a_stored_name_is_stable():
    once = safe_filename("Acta de entrega (copia) Nº 5 – Cochabamba.docx")
    assert once == "Acta_de_entrega_copia_No_5_Cochabamba.docx"  # º is an o (NFKC)
    assert safe_filename(once) == once


def test_a_download_type_comes_only_from_the_allowed_extensions():
    assert content_type_for("carta.pdf") == "application/pdf"
    assert content_type_for("foto.JPEG") == "image/jpeg"
    for risky in ("pagina.html", "dibujo.svg", "script.js", "sin_extension", "x.exe"):
        assert content_type_for(risky) == "application/octet-stream", risky


# --- the form fields ---------------------------------------------------------


def test_the_field_refuses_and_renames_and_hints_the_browser():
    field = UploadField()
    with pytest.raises(ValidationError, match="no es de un tipo permitido"):
        field.clean(upload("carta.pdf", HTML))
    assert field.clean(upload("Carta firmada.exe", PDF)).name == "Carta_firmada.pdf"
    assert 'accept="' in field.widget.render("file", None)
    assert ".pdf" in ACCEPT and ".html" not in ACCEPT and ".svg" not in ACCEPT


def test_the_multiple_field_names_each_refused_file():
    field = MultipleUploadField(required=False)
    with pytest.raises(ValidationError) as excinfo:
        field.clean(
            [upload("a.pdf", PDF), upload("b.html", HTML), upload("c.pdf", b"")], initial=None
        )
    messages = excinfo.value.messages
    assert len(messages) == 2
    assert "«b.html»" in messages[0] and "«c.pdf» está vacío" in messages[1]
    assert field.clean([], initial=None) == []


# --- the service and the admin ----------------------------------------------


@pytest.fixture
def case(plan_change_case):
    return plan_change_case


def test_the_service_refuses_a_received_file_whoever_calls_it(case, team):
    with pytest.raises(ValidationError) as excinfo:
        document_add(case=case, kind="other", file=upload("x.pdf", HTML), user=team[Role.EXECUTIVE])
    assert NOT_ALLOWED in " ".join(excinfo.value.message_dict["file"])
    assert not case.documents.exists()


def test_the_service_stores_a_received_file_under_its_safe_name(case, team, settings):
    document = document_add(
        case=case, kind="other", file=upload("Carta Muñoz.EXE", PDF), user=team[Role.EXECUTIVE]
    )
    assert document.file.name == f"cases/{case.number}/Carta_Muñoz.pdf"
    assert document.title == "Carta_Muñoz.pdf"
    with document.file.open("rb") as stored:
        assert stored.read() == PDF


def _admin_inline_form(inline_class, parent_model, instance, data, files):
    request = RequestFactory().get("/admin/")
    request.user = UserFactory(username="admin", is_staff=True, is_superuser=True)
    inline = inline_class(parent_model, admin.site)
    form_class = inline.get_formset(request, None).form
    return form_class(data=data, files=files, instance=instance)


def test_the_admin_case_document_upload_passes_the_same_checks(case):
    from posventa.cases.admin import CaseDocumentInline

    form = _admin_inline_form(
        CaseDocumentInline,
        Case,
        CaseDocument(case=case),
        {"kind": "other", "title": "Carta"},
        {"file": upload("carta.pdf", HTML)},
    )
    assert not form.is_valid()
    assert NOT_ALLOWED in " ".join(form.errors["file"])
    good = _admin_inline_form(
        CaseDocumentInline,
        Case,
        CaseDocument(case=case),
        {"kind": "other", "title": "Carta"},
        {"file": upload("carta firmada.exe", PDF)},
    )
    assert good.is_valid(), good.errors
    assert good.cleaned_data["file"].name == "carta_firmada.pdf"
    long_name = _admin_inline_form(
        CaseDocumentInline,
        Case,
        CaseDocument(case=case),
        {"kind": "other", "title": "Carta"},
        {"file": upload("carta " * 40 + ".pdf", PDF)},
    )
    assert long_name.is_valid(), long_name.errors  # shortened, not refused
    assert long_name.cleaned_data["file"].name == "carta_" * 9 + "carta.pdf"


def test_the_admin_proforma_upload_passes_the_same_checks(db):
    from posventa.collections.admin import ProformaInline

    form = _admin_inline_form(
        ProformaInline,
        ProformaSending,
        Proforma(),
        {"amount": "10"},
        {"file": upload("proforma.pdf", SVG)},
    )
    assert not form.is_valid()
    assert NOT_ALLOWED in " ".join(form.errors["file"])


# --- the screens where people upload -----------------------------------------


def stored_files(settings) -> list[str]:
    root = settings.MEDIA_ROOT
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def test_opening_a_case_with_an_html_document_is_refused_and_saves_nothing(
    client, procedures, team, customer_product, settings
):
    client.force_login(team[Role.EXECUTIVE])
    response = client.post(
        reverse("cases:new", args=[customer_product.company.pk]),
        {
            "procedure": "B",
            "channel": "email",
            "product": customer_product.pk,
            "subject": "Bajar de plan",
            "documents": [upload("carta.pdf", PDF), upload("carta.pdf.html", HTML, "text/html")],
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "El archivo «carta.pdf.html» no es de un tipo permitido" in page
    assert not Case.objects.exists() and not CaseDocument.objects.exists()
    assert stored_files(settings) == []


def test_opening_a_case_keeps_its_documents_under_safe_names(
    client, procedures, team, customer_product, settings
):
    client.force_login(team[Role.EXECUTIVE])
    client.post(
        reverse("cases:new", args=[customer_product.company.pk]),
        {
            "procedure": "B",
            "channel": "email",
            "product": customer_product.pk,
            "subject": "Bajar de plan",
            "documents": [upload("Carta de Peñaranda.PDF", PDF), upload("nit", image("PNG"))],
        },
    )
    case = Case.objects.get()
    assert sorted(case.documents.values_list("file", flat=True)) == [
        f"cases/{case.number}/Carta_de_Peñaranda.pdf",
        f"cases/{case.number}/nit.png",
    ]


def test_a_step_refuses_a_requirement_attachment_that_is_not_a_document(
    client, team, case, internet_plans, settings
):
    task = case.instance.human_tasks.get()
    client.force_login(team[Role.EXECUTIVE])
    response = client.post(
        reverse("cases:task", args=[task.task_id]),
        {
            "new_plan": internet_plans[1].pk,
            "has_nit_copy": "on",
            "has_id_copy": "on",
            "file_request_letter": upload("carta.pdf", SVG, "application/pdf"),
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "El archivo «carta.pdf» no es de un tipo permitido" in page
    assert case.instance.human_tasks.get().pk == task.pk  # the step is still pending
    assert not case.documents.exists()
    assert stored_files(settings) == []


def test_a_step_keeps_a_requirement_attachment_by_its_content(
    client, team, case, internet_plans, settings
):
    task = case.instance.human_tasks.get()
    client.force_login(team[Role.EXECUTIVE])
    client.post(
        reverse("cases:task", args=[task.task_id]),
        {
            "new_plan": internet_plans[1].pk,
            "has_nit_copy": "on",
            "has_id_copy": "on",
            "file_request_letter": upload("carta escaneada.jpeg", image("JPEG"), "text/html"),
        },
    )
    document = case.documents.get()
    assert document.kind == "request_letter"
    assert document.file.name == f"cases/{case.number}/carta_escaneada.jpg"
