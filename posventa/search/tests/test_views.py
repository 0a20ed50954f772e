"""The header search's two screens (suggestions, full results) and the grouped
menu around it."""

import re

import pytest
from django.test import RequestFactory
from django.urls import reverse
from django.utils import translation

from posventa.accounts.roles import Role
from posventa.factories import CompanyFactory, ContactFactory, UserFactory
from posventa.search.selectors import DROPDOWN_LIMIT
from posventa.web.context_processors import navigation

pytestmark = pytest.mark.django_db

SUGGEST = reverse("search:suggest")
RESULTS = reverse("search:results")


@pytest.fixture
def clinic(executive):
    company = CompanyFactory(executive=executive, nit="1020703023", legal_name="Clínica Cala")
    ContactFactory(company=company, name="Carla Ovando")
    return company


def test_suggestions_link_each_hit_to_its_page(client, executive, clinic):
    client.force_login(executive)
    page = client.get(SUGGEST, {"q": "1020703"}).content.decode()
    assert f'href="{reverse("customers:detail", args=[clinic.pk])}"' in page
    assert "Empresas" in page and "Clínica Cala" in page
    # The count for screen readers, swapped out of band into the live region.
    status = r'id="site-search-status"[^>]*role="status" hx-swap-oob="true">1 resultado'
    assert re.search(status, page)
    assert f'href="{RESULTS}?q=1020703"' in page  # "see all": the full page


def test_suggestions_stop_at_five_per_kind_and_the_page_shows_more(client, executive, clinic):
    for n in range(DROPDOWN_LIMIT + 2):
        ContactFactory(company=clinic, name=f"Rodrigo Suárez {n}")
    client.force_login(executive)
    assert client.get(SUGGEST, {"q": "suarez"}).content.decode().count("Rodrigo Suárez") == 5
    page = client.get(RESULTS, {"q": "suarez"}).content.decode()
    assert page.count("Rodrigo Suárez") == 7
    assert "7 resultados" in page


def test_nothing_found_is_said_in_spanish(client, executive, clinic):
    client.force_login(executive)
    assert "No se encontró nada para “zzzz”." in client.get(SUGGEST, {"q": "zzzz"}).text
    assert "No se encontró nada para “zzzz”." in client.get(RESULTS, {"q": "zzzz"}).text
    assert "al menos tres letras" in client.get(SUGGEST, {"q": "ab"}).text


def test_an_empty_box_empties_the_suggestions(client, executive):
    client.force_login(executive)
    page = client.get(SUGGEST, {"q": ""}).content.decode()
    assert "site-search-panel" not in page


@pytest.mark.parametrize("url", [SUGGEST, RESULTS])
def test_a_too_long_text_is_refused_with_a_message(client, executive, url):
    client.force_login(executive)
    response = client.get(url, {"q": "a" * 500})
    assert response.status_code == 200
    assert "no se puede buscar" in response.text


@pytest.mark.parametrize("url", [SUGGEST, RESULTS])
@pytest.mark.parametrize("q", ["%00", "cala%00", "%ED%A0%80", "%FF%FE", "%1B%5B2J", "cala%25"])
def test_hostile_text_is_never_a_server_error(client, executive, clinic, url, q):
    client.force_login(executive)
    response = client.get(f"{url}?q={q}")
    assert response.status_code in (200, 400)
    assert "Clínica Cala" not in response.text


def test_a_second_query_parameter_or_a_post_changes_nothing(client, executive, clinic):
    client.force_login(executive)
    assert client.get(RESULTS + "?q=cala&q=zzzz").status_code == 200
    assert client.post(RESULTS, {"q": "cala"}).status_code == 405


@pytest.mark.parametrize("url", [SUGGEST, RESULTS])
def test_the_search_needs_a_login(client, url):
    response = client.get(url, {"q": "cala"})
    assert response.status_code == 302 and reverse("login") in response["Location"]


def test_another_portfolio_is_not_found_on_the_page(client, other_executive, clinic):
    client.force_login(other_executive)
    page = client.get(RESULTS, {"q": "cala"}).text
    assert "Clínica Cala" not in page and "No se encontró nada" in page


def test_the_header_has_the_search_box(client, executive):
    client.force_login(executive)
    page = client.get(reverse("cases:inbox")).content.decode()
    assert re.search(
        r'<form class="site-search" role="search" method="get" action="/buscar/"',
        page,
    )
    assert 'hx-trigger="input changed delay:250ms, search"' in page
    assert f'hx-get="{SUGGEST}"' in page


# --- the grouped menu ------------------------------------------------------------


def menu(user, path="/bandeja/"):
    request = RequestFactory().get(path)
    request.user = user
    with translation.override("es"):
        context = navigation(request)
    return context


@pytest.mark.parametrize("role", list(Role))
def test_the_team_view_is_in_the_menu_of_the_lead_and_the_head_only(role):
    urls = [item["url"] for item in menu(UserFactory(role=role))["menu"]]
    assert reverse("cases:list") in urls
    assert (reverse("cases:team") in urls) == (role in (Role.TEAM_LEAD, Role.DIVISION_HEAD))


def test_the_menu_groups_the_entries_under_few_headings():
    groups = menu(UserFactory(role=Role.TEAM_LEAD, is_staff=True))["menu_groups"]
    labels = {str(group["label"]): [str(i["label"]) for i in group["items"]] for group in groups}
    assert labels["Casos"] == ["Bandeja", "Mensajes", "Lista de casos", "Equipo"]
    assert labels["Seguimiento"] == [
        "Órdenes de trabajo",
        "Reclamos de facturación",
        "Cobranza",
        "Campañas de llamadas",
        "Revisión preventiva",
        "Calendario de visitas",
    ]
    assert labels["Administración"] == ["Importaciones", "Administración"]
    assert len(groups) == 5


def test_the_group_of_the_current_page_is_marked(client):
    user = UserFactory(role=Role.TEAM_LEAD)
    client.force_login(user)
    page = client.get(reverse("workorders:list")).content.decode()
    assert re.search(r'class="nav-link dropdown-toggle active" id="menu-follow_up"', page)
    assert re.search(
        r'class="dropdown-item active" aria-current="page" href="/ordenes-de-trabajo/"', page
    )
    # Only one entry is the current page.
    assert page.count('aria-current="page"') == 1


def test_a_case_page_marks_the_case_list_not_the_inbox():
    items = menu(UserFactory(role=Role.EXECUTIVE), "/casos/PV-2026-000001/")["menu"]
    assert [str(i["label"]) for i in items if i["active"]] == ["Lista de casos"]
