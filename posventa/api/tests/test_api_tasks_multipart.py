"""Completing a task, and opening a case, with files through the API
(multipart/form-data), as the web's pages do: the file is judged by its
content and kept with the case; a hostile upload is refused in Spanish and
nothing is kept."""

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from posventa.accounts.roles import Role
from posventa.api.services import token_create
from posventa.cases.models import Case, CaseDocument, DocumentKind
from posventa.engine.models import HumanTask

pytestmark = pytest.mark.django_db

PDF = (
    b"%PDF-1.4\n% carta de solicitud\n1 0 obj << /Type /Catalog >> endobj\n"
    b"trailer << /Root 1 0 R >>\n%%EOF\n"
)
HTML = b"<!doctype html><html><script>alert(1)</script></html>"


@pytest.fixture
def post(client, team):
    """post(role, path, data, **extra): a multipart POST with that role's token."""
    keys = {role: token_create(user=user, name="test")[1] for role, user in team.items()}

    def do(role, path, data, **extra):
        return client.post(
            f"/api/v1{path}",
            data=data,
            headers={"Authorization": f"Bearer {keys[role]}"},
            **extra,
        )

    return do


@pytest.fixture
def check(plan_change_case):
    """The plan change's first step: the requirements, with their files."""
    return HumanTask.objects.get(instance=plan_change_case.instance)


def _form(internet_plans, **files):
    return {
        "new_plan": str(internet_plans[1].pk),
        "has_nit_copy": "true",
        "has_id_copy": "true",
        **files,
    }


def _stored_files(settings) -> list[Path]:
    root = Path(settings.MEDIA_ROOT)
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_step_completes_with_a_real_pdf_kept_with_the_case(
    post, check, plan_change_case, internet_plans, settings
):
    response = post(
        Role.EXECUTIVE,
        f"/tasks/{check.task_id}/complete",
        _form(
            internet_plans,
            file_request_letter=SimpleUploadedFile(
                "Carta firmada.exe", PDF, content_type="application/x-msdownload"
            ),
        ),
    )
    assert response.status_code == 200, response.content
    assert [t["role"] for t in response.json()["current_tasks"]] == [Role.COMMERCIAL_MANAGER]
    [document] = CaseDocument.objects.filter(case=plan_change_case)
    assert document.kind == "request_letter" and document.uploaded_by.role == Role.EXECUTIVE
    # Judged by its content: a PDF, whatever its name and declared type.
    assert document.file.name.endswith(".pdf")
    with document.file.open("rb") as stored:
        assert stored.read() == PDF
    assert not HumanTask.objects.filter(task_id=check.task_id).exists()


def test_the_pdf_downloads_back_through_the_api(
    post, client, team, check, plan_change_case, internet_plans
):
    post(
        Role.EXECUTIVE,
        f"/tasks/{check.task_id}/complete",
        _form(internet_plans, file_request_letter=SimpleUploadedFile("carta.pdf", PDF)),
    )
    key = token_create(user=team[Role.TEAM_LEAD], name="lead")[1]
    auth = {"Authorization": f"Bearer {key}"}
    [listed] = client.get(f"/api/v1/cases/{plan_change_case.number}/documents", headers=auth).json()
    download = client.get(listed["download"], headers=auth)
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert b"".join(download.streaming_content) == PDF


def _refused_and_nothing_kept(response, check, status, settings):
    assert response.status_code == status, response.content
    assert HumanTask.objects.filter(task_id=check.task_id).exists()  # still pending
    assert not CaseDocument.objects.exists()
    assert _stored_files(settings) == []


def test_a_page_named_pdf_is_refused_by_its_content(post, check, internet_plans, settings):
    response = post(
        Role.EXECUTIVE,
        f"/tasks/{check.task_id}/complete",
        _form(
            internet_plans,
            file_request_letter=SimpleUploadedFile(
                "carta.pdf", HTML, content_type="application/pdf"
            ),
        ),
    )
    _refused_and_nothing_kept(response, check, 422, settings)
    [message] = response.json()["errors"]["file_request_letter"]
    assert "no es de un tipo permitido" in message


def test_a_file_over_the_upload_limit_is_refused(post, check, internet_plans, settings):
    settings.POSVENTA_UPLOAD_MAX_BYTES = 1024
    big = PDF + b"%" * 2048
    response = post(
        Role.EXECUTIVE,
        f"/tasks/{check.task_id}/complete",
        _form(internet_plans, file_request_letter=SimpleUploadedFile("carta.pdf", big)),
    )
    _refused_and_nothing_kept(response, check, 422, settings)
    [message] = response.json()["errors"]["file_request_letter"]
    assert "pesa" in message and "el máximo es 1 KB" in message


def test_a_body_over_the_bound_is_refused_before_it_is_read(post, check, internet_plans, settings):
    settings.POSVENTA_UPLOAD_MAX_BYTES = 1024
    # Far more than the form's file fields may carry, plus 1 MiB of fields.
    huge = PDF + b"%" * (2 * 1024 * 1024)
    response = post(
        Role.EXECUTIVE,
        f"/tasks/{check.task_id}/complete",
        _form(internet_plans, file_request_letter=SimpleUploadedFile("carta.pdf", huge)),
    )
    _refused_and_nothing_kept(response, check, 413, settings)
    assert response.json()["detail"] == "El cuerpo de la petición es demasiado grande."


def test_a_file_under_a_name_the_step_does_not_take_is_refused(
    post, check, internet_plans, settings
):
    response = post(
        Role.EXECUTIVE,
        f"/tasks/{check.task_id}/complete",
        _form(internet_plans, file_contract=SimpleUploadedFile("contrato.pdf", PDF)),
    )
    _refused_and_nothing_kept(response, check, 422, settings)
    assert response.json()["errors"] == {
        "file_contract": ["Este paso no recibe ningún archivo con este nombre."]
    }


def test_a_bad_field_in_multipart_gets_the_forms_spanish_errors(
    post, check, internet_plans, settings
):
    response = post(
        Role.EXECUTIVE,
        f"/tasks/{check.task_id}/complete",
        {"new_plan": "999999", "file_request_letter": SimpleUploadedFile("carta.pdf", PDF)},
    )
    _refused_and_nothing_kept(response, check, 422, settings)
    assert "new_plan" in response.json()["errors"]


def test_a_nul_in_a_multipart_field_is_refused_as_in_json(post, check, internet_plans, settings):
    response = post(
        Role.EXECUTIVE,
        f"/tasks/{check.task_id}/complete",
        {**_form(internet_plans), "signed_by_other": "a\x00b"},
    )
    _refused_and_nothing_kept(response, check, 422, settings)
    assert "signed_by_other" in response.json()["errors"]


def test_a_malformed_multipart_body_is_a_400(post, check, settings):
    response = post(
        Role.EXECUTIVE,
        f"/tasks/{check.task_id}/complete",
        b"--xyz\r\nnot a part\r\n",
        content_type="multipart/form-data; boundary=",
    )
    _refused_and_nothing_kept(response, check, 400, settings)
    assert response.json()["detail"]


@pytest.mark.parametrize("role", [Role.COMMERCIAL_MANAGER, Role.TECHNICAL_ANALYST])
def test_another_roles_step_is_not_found(post, check, internet_plans, settings, role):
    response = post(
        role,
        f"/tasks/{check.task_id}/complete",
        _form(internet_plans, file_request_letter=SimpleUploadedFile("carta.pdf", PDF)),
    )
    _refused_and_nothing_kept(response, check, 404, settings)


def test_the_schema_documents_both_bodies(client):
    schema = client.get("/api/v1/openapi.json").json()
    body = schema["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]["requestBody"]
    assert set(body["content"]) == {"application/json", "multipart/form-data"}
    assert "data" in body["content"]["application/json"]["schema"]["properties"]
    assert "413" in schema["paths"]["/api/v1/tasks/{task_id}/complete"]["post"]["responses"]


# --- opening a case with the documents the customer sent --------------------------------------


def _request(product, **files):
    return {
        "nit": product.company.nit,
        "procedure": "B",
        "channel": "email",
        "subject": "Cambio de plan",
        "product_id": str(product.pk),
        **files,
    }


def test_a_case_opens_with_the_documents_the_customer_sent(
    post, procedures, customer_product, settings
):
    response = post(
        Role.EXECUTIVE,
        "/cases",
        _request(
            customer_product,
            documents=[
                SimpleUploadedFile("carta.pdf", PDF, content_type="application/pdf"),
                SimpleUploadedFile("nit.pdf", PDF, content_type="application/pdf"),
            ],
        ),
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get(number=response.json()["number"])
    kept = case.documents.filter(generated=False, kind=DocumentKind.OTHER)
    assert kept.count() == 2
    assert all(Path(d.file.path).read_bytes() == PDF for d in kept)


def test_a_case_with_a_document_refused_by_its_content_is_not_opened(
    post, procedures, customer_product, settings
):
    response = post(
        Role.EXECUTIVE,
        "/cases",
        _request(
            customer_product,
            documents=[SimpleUploadedFile("carta.pdf", HTML, content_type="application/pdf")],
        ),
    )
    assert response.status_code == 422, response.content
    assert "no es de un tipo permitido" in response.json()["errors"]["documents"][0]
    assert not Case.objects.exists() and _stored_files(settings) == []


def test_a_case_request_in_multipart_is_checked_as_in_json(post, procedures, customer_product):
    response = post(
        Role.EXECUTIVE,
        "/cases",
        {
            **_request(customer_product),
            "procedure": "Z",
            "letter": SimpleUploadedFile("a.pdf", PDF),
        },
    )
    assert response.status_code == 422
    assert set(response.json()["errors"]) == {"letter"}  # the file's name first, nothing read
    response = post(Role.EXECUTIVE, "/cases", {**_request(customer_product), "procedure": "Z"})
    assert response.status_code == 422 and set(response.json()["errors"]) == {"procedure"}
    assert not Case.objects.exists()


def test_the_schema_documents_both_bodies_of_a_case_request(client):
    body = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/cases"]["post"]
    assert set(body["requestBody"]["content"]) == {"application/json", "multipart/form-data"}
