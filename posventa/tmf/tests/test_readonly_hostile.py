# ruff: noqa: F811 — the fixtures imported from readonly.py are parameters here
"""Whatever a client puts in the query of the read-only facades (TMF637,
TMF683, TMF632), the answer is a TMF answer — a list or a Spanish 4xx —
never a 500, on SQLite and PostgreSQL alike."""

import pytest

from posventa.factories import CompanyFactory, InteractionFactory, ProductFactory
from posventa.tmf import party, party_interaction, product_inventory
from posventa.tmf.tests.readonly import as_executive  # noqa: F401 — fixture

pytestmark = pytest.mark.django_db

FACADES = [
    ("/tmf-api/productInventory/v4/product", product_inventory.FILTERS),
    ("/tmf-api/partyInteraction/v4/partyInteraction", party_interaction.FILTERS),
    ("/tmf-api/party/v4/organization", party.FILTERS),
]
HOSTILE = ["\x00", "a\x00b", "x" * 5000, "𝟙𝟚", "٣", "-1", "9" * 40, "' OR 1=1 --", "%", "_"]


@pytest.fixture
def data(executive):
    company = CompanyFactory(executive=executive)
    ProductFactory(company=company)
    InteractionFactory(company=company)


@pytest.mark.parametrize(("path", "filters"), FACADES)
def test_hostile_filter_values_get_a_list_or_a_spanish_400(as_executive, data, path, filters):
    for name in filters:
        for value in HOSTILE:
            response = as_executive.get(path, **{name: value})
            assert response.status_code in (200, 400), (name, value, response.content)
            if "\x00" in value:
                # PostgreSQL holds no NUL in a text: refused alike on every database.
                assert response.status_code == 400
                assert response.json()["message"] == (
                    f"El filtro {name} tiene un carácter no permitido."
                )
            elif response.status_code == 400:
                body = response.json()
                assert body["@type"] == "Error" and body["message"], body
            else:
                assert response.json() == [] or name == "relatedParty.id"


@pytest.mark.parametrize(("path", "filters"), FACADES)
@pytest.mark.parametrize(
    "params",
    [
        {"limit": "0"},
        {"limit": "100000"},
        {"limit": "abc"},
        {"offset": "-1"},
        {"offset": "9" * 40},
        {"fields": "name;drop"},
        {"fields": "\x00"},
    ],
)
def test_bad_paging_or_selection_is_a_spanish_400(as_executive, data, path, filters, params):
    response = as_executive.get(path, **params)
    assert response.status_code == 400, response.content
    assert response.json()["code"] == "invalidQuery"


@pytest.mark.parametrize(("path", "filters"), FACADES)
@pytest.mark.parametrize("item", ["\x00", "%00", "1%00", "9" * 40, "𝟙", "1.5", "0x1", " 1"])
def test_hostile_ids_are_a_404(as_executive, data, path, filters, item):
    response = as_executive.get(f"{path}/{item}")
    assert response.status_code == 404, response.content
    assert response.json()["code"] == "notFound"
