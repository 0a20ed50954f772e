# ruff: noqa: F811 — the fixtures imported from readonly.py are parameters here
"""A page of the read-only facades costs the same queries for one item as
for many: what a representation reads is fetched with the page, not item by
item."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from posventa.factories import (
    CompanyFactory,
    ContactFactory,
    EnabledServiceFactory,
    EquipmentFactory,
    InteractionFactory,
    ProductFactory,
    SuspensionFactory,
)
from posventa.tmf.tests.readonly import as_executive  # noqa: F401 — fixture

pytestmark = pytest.mark.django_db


def _one_customer(executive):
    company = CompanyFactory(executive=executive)
    ContactFactory(company=company)
    product = ProductFactory(company=company)
    EquipmentFactory(product=product)
    SuspensionFactory(product=product)
    EnabledServiceFactory(product__company=company)
    InteractionFactory(company=company, contact=company.contacts.first())


def _queries(client, path) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(path)
    assert response.status_code == 200
    assert response.json()
    return len(queries)


@pytest.mark.parametrize(
    "path",
    [
        "/tmf-api/productInventory/v4/product",
        "/tmf-api/partyInteraction/v4/partyInteraction",
        "/tmf-api/party/v4/organization",
    ],
)
def test_a_page_costs_the_same_queries_for_one_customer_as_for_five(as_executive, executive, path):
    _one_customer(executive)
    one = _queries(as_executive, path)
    for _n in range(4):
        _one_customer(executive)
    assert _queries(as_executive, path) == one
