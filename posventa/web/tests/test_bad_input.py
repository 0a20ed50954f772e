"""Odd input anywhere gets a clear 4xx (or the form again), never a 500. A NUL
byte in an address or a query string is a Spanish 400 (common/input_guard.py)."""

import pytest

from posventa.accounts.roles import Role
from posventa.api.services import token_create


@pytest.mark.parametrize(
    "url",
    [
        "/bandeja/?company=abc&procedure=ZZ",
        "/clientes/?page=999&executive=x&q=%00",
        "/casos/NOPE/",
        "/clientes/999999/",
        "/clientes/999999/casos/nuevo/",
        "/tareas/00000000-0000-0000-0000-000000000000/",
    ],
)
def test_odd_pages_answer_without_a_server_error(client, team, url):
    client.force_login(team[Role.EXECUTIVE])
    assert client.get(url).status_code in (200, 302, 400, 404)


@pytest.mark.parametrize(
    "url",
    [
        "/reclamos/?state=%00&page=x",
        "/reclamos/999999/",
        "/ordenes-de-trabajo/?state=nope&page=-1",
        "/ordenes-de-trabajo/OT-0000-000000/",
        "/indicadores/?month=%00",
        "/indicadores/casos/?month=2026-02-30&indicator=%00&role=%00&executive=-1",
        "/indicadores/tiempos/?procedure=%00&received_from=2026-13-01&role=x",
        "/indicadores/cierre/?month=1999-01",
        "/indicadores/reporte.pdf?month=abc",
        "/indicadores/vigilancia/?page=abc",
        "/cobranza/?page=x",
        "/cobranza/proformas/999999/avance/",
        "/campanas/999999/",
        "/revision-preventiva/?executive=%00&kind=%00",
        "/revision-preventiva/informe-diario/?analyst=-1&day=2026-02-30",
        "/visitas/?view=%00&day=2026-02-30&analyst=x",
        "/visitas/cronograma.pdf?executive=abc&start=2026-02-30&end=%00",
        "/visitas/analista/999999.ics",
        "/visitas/analista/999999/%00.ics",
    ],
)
@pytest.mark.parametrize("role", [Role.TEAM_LEAD, Role.EXECUTIVE, Role.TECHNICAL_MANAGER])
def test_odd_pages_of_the_team_answer_without_a_server_error(client, team, url, role):
    client.force_login(team[role])
    assert client.get(url).status_code in (200, 302, 400, 403, 404)


def test_odd_form_posts_come_back_as_forms(client, procedures, team, customer_product):
    client.force_login(team[Role.EXECUTIVE])
    company = customer_product.company.pk
    response = client.post(
        f"/clientes/{company}/interacciones/",
        {
            "channel": "x" * 5000,
            "direction": "y",
            "summary": "z" * 5000,
            "occurred_at": "31/02/2026 25:99",
        },
        headers={"HX-Request": "true"},
    )
    assert response.status_code == 200 and "is-invalid" in response.content.decode()
    response = client.post(
        f"/clientes/{company}/casos/nuevo/",
        {"procedure": "B", "channel": "email", "subject": "a" * 500, "product": "abc"},
    )
    assert response.status_code == 200 and "is-invalid" in response.content.decode()


@pytest.mark.parametrize(
    ("method", "path", "body", "status"),
    [
        ("post", "/cases", "{", 400),
        ("post", "/cases", "[]", 422),
        ("post", "/cases", '{"procedure": 5}', 422),
        (
            "post",
            "/cases",
            '{"nit": "1", "procedure": "B", "channel": "email", "subject": "x",'
            ' "received_at": "not a date"}',
            422,
        ),
        ("post", "/tasks/not-a-uuid/complete", "{}", 422),
        ("get", "/tasks?company_id=abc", None, 422),
    ],
)
def test_odd_api_calls_get_a_client_error(client, team, method, path, body, status):
    _token, key = token_create(user=team[Role.EXECUTIVE], name="test")
    response = getattr(client, method)(
        f"/api/v1{path}",
        data=body,
        content_type="application/json",
        headers={"Authorization": f"Bearer {key}"},
    )
    assert response.status_code == status
