"""A NUL byte where no form reads — the address, the query string, a cookie —
is a 400 page in Spanish, before any view or the session lookup reads it
(common/input_guard.py); in a form's field it is that field's error."""

import pytest
from django.test import Client

from posventa.accounts.roles import Role

GUARD = "posventa.common.input_guard.NulByteMiddleware"
REFUSED = "La solicitud contiene un carácter que no está permitido."


@pytest.fixture
def guarded(settings):
    """The middleware where the deployment puts it: after CSP, before sessions."""
    middleware = list(settings.MIDDLEWARE)
    if GUARD not in middleware:
        middleware.insert(middleware.index("csp.middleware.CSPMiddleware") + 1, GUARD)
    settings.MIDDLEWARE = middleware


def refused(response) -> bool:
    return response.status_code == 400 and REFUSED in response.content.decode()


@pytest.mark.usefixtures("guarded")
def test_a_nul_byte_in_the_query_string_or_the_address_is_a_400_in_spanish(client, team):
    client.force_login(team[Role.TEAM_LEAD])
    assert refused(client.get("/clientes/", {"q": "\x00"}))
    assert refused(client.get("/clientes/", {"\x00": "x"}))
    assert refused(client.get("/casos/PV-2026-%00/"))
    assert refused(client.get("/admin/customers/company/", {"q": "a\x00"}))
    page = client.get("/clientes/", {"q": "\x00"}).content.decode()
    assert "Solicitud no válida" in page and "Vuelva atrás" in page
    assert client.get("/clientes/", {"q": "Minera"}).status_code == 200


@pytest.mark.usefixtures("guarded")
def test_a_nul_byte_in_a_form_is_left_to_the_form_which_shows_it_by_the_field(
    client, team, customer_product
):
    client.force_login(team[Role.EXECUTIVE])
    url = f"/clientes/{customer_product.company.pk}/interacciones/"
    response = client.post(
        url,
        {"channel": "phone", "direction": "inbound", "summary": "Hola\x00"},
        headers={"HX-Request": "true"},
    )
    assert response.status_code in (200, 422) and "is-invalid" in response.content.decode()
    assert customer_product.company.interactions.count() == 0


@pytest.mark.usefixtures("guarded")
def test_a_nul_byte_in_a_cookie_never_reaches_the_session_lookup(team):
    browser = Client()
    browser.cookies["sessionid"] = "abcdefgh\x00ijkl"
    assert refused(browser.get("/entrar/"))


@pytest.mark.usefixtures("guarded")
def test_the_api_is_left_to_its_own_rules(client):
    response = client.get("/api/v1/tasks", {"company_id": "\x00"})
    assert not refused(response) and response["Content-Type"].startswith("application/json")


def test_without_the_guard_the_forms_still_refuse_a_nul_byte(client, team, customer_product):
    """Defence in depth: the layer is not the only one (common/forms.py)."""
    client.force_login(team[Role.EXECUTIVE])
    url = f"/clientes/{customer_product.company.pk}/interacciones/"
    response = client.post(url, {"channel": "phone", "direction": "inbound", "summary": "a\x00"})
    assert response.status_code == 422
    assert customer_product.company.interactions.count() == 0
