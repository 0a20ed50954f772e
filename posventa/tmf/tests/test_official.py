"""The validator the TMF tests lean on (official.py) must itself refuse what the
official documents refuse, or every "validated against the specification" claim
would be hollow."""

import json

import pytest

from posventa.tmf.tests import official

FULL_PRODUCT = {
    "id": "7",
    "href": "/tmf-api/productInventory/v4/product/7",
    "name": "Internet 20 Mbps",
    "status": "active",
    "startDate": "2024-03-01T00:00:00-04:00",
    "relatedParty": [{"id": "3", "role": "customer", "@referredType": "Organization"}],
    "productCharacteristic": [{"name": "technology", "valueType": "string", "value": "fiber"}],
    "@type": "Product",
}


def test_every_kept_document_is_an_official_v4_swagger():
    for api in ("TMF621", "TMF622", "TMF632", "TMF637", "TMF683"):
        doc = official.document(api)
        assert doc["swagger"] == "2.0"
        assert doc["info"]["version"] == "4.0.0"
        assert doc["basePath"].startswith("/tmf-api/")


def test_a_valid_full_product_passes():
    official.assert_matches("TMF637", "Product", FULL_PRODUCT)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"status": "live"}, "status"),  # not in ProductStatusType
        ({"id": 7}, "id"),  # ids are strings
        ({"startDate": "2024-03-01"}, "date-time"),  # a date is not a date-time
        ({"relatedParty": [{"id": "3"}]}, "@referredType"),  # RelatedParty requires it
        ({"productCharacteristic": [{"name": "x"}]}, "value"),  # Characteristic requires it
        ({"relatedparty": []}, "relatedparty"),  # misspelt: undefined attribute
    ],
)
def test_a_departure_from_the_document_fails_and_says_where(change, expected):
    with pytest.raises(AssertionError, match=expected):
        official.assert_matches("TMF637", "Product", {**FULL_PRODUCT, **change})


def test_strict_false_accepts_undefined_attributes_as_the_document_is_written():
    official.assert_matches("TMF637", "Product", {**FULL_PRODUCT, "extra": 1}, strict=False)


def test_nested_undefined_attributes_fail_in_strict_mode():
    body = {**FULL_PRODUCT, "relatedParty": [{**FULL_PRODUCT["relatedParty"][0], "nit": "1"}]}
    with pytest.raises(AssertionError, match="nit"):
        official.assert_matches("TMF637", "Product", body)


def test_a_full_organization_needs_its_required_id():
    with pytest.raises(AssertionError, match='"id" is a required property'):
        official.assert_matches("TMF632", "Organization", {"name": "ACME"})


def test_a_partial_representation_may_lack_unselected_required_attributes():
    official.assert_matches("TMF632", "Organization", {"name": "ACME"}, fields="name")


def test_a_partial_representation_keeps_the_selected_required_ones():
    with pytest.raises(AssertionError, match='"id" is a required property'):
        official.assert_matches("TMF632", "Organization", {"name": "ACME"}, fields=["id", "name"])


def test_a_partial_representation_refuses_unselected_attributes():
    with pytest.raises(AssertionError, match="tradingName"):
        official.assert_matches(
            "TMF632", "Organization", {"id": "1", "tradingName": "ACME"}, fields="name"
        )


def test_a_selection_naming_an_undefined_attribute_is_a_mistake_in_the_test():
    with pytest.raises(LookupError):
        official.assert_matches("TMF632", "Organization", {}, fields="nit")


def test_an_unknown_definition_or_api_is_a_mistake_in_the_test():
    with pytest.raises(LookupError):
        official.assert_matches("TMF637", "Produkt", {})
    with pytest.raises(LookupError):
        official.assert_matches("TMF999", "Product", {})


def test_a_list_validates_each_item_and_an_empty_list_proves_nothing():
    official.assert_each_matches("TMF637", "Product", [FULL_PRODUCT, FULL_PRODUCT])
    with pytest.raises(AssertionError, match="item 1"):
        official.assert_each_matches("TMF637", "Product", [FULL_PRODUCT, {"id": 1}])
    with pytest.raises(AssertionError, match="empty"):
        official.assert_each_matches("TMF637", "Product", [])


def test_openapi3_documents_resolve_components(tmp_path, monkeypatch):
    doc = {
        "openapi": "3.0.1",
        "info": {"title": "x", "version": "1"},
        "paths": {},
        "components": {
            "schemas": {
                "Thing": {
                    "type": "object",
                    "required": ["part"],
                    "properties": {"part": {"$ref": "#/components/schemas/Part"}},
                },
                "Part": {"type": "object", "properties": {"n": {"type": "integer"}}},
            }
        },
    }
    (tmp_path / "TMF000-Thing-v4.json").write_text(json.dumps(doc))
    monkeypatch.setattr(official, "DOCS", tmp_path)
    official.document.cache_clear()
    official._validator.cache_clear()
    try:
        official.assert_matches("TMF000", "Thing", {"part": {"n": 1}})
        with pytest.raises(AssertionError, match="integer"):
            official.assert_matches("TMF000", "Thing", {"part": {"n": "1"}})
    finally:
        official.document.cache_clear()
        official._validator.cache_clear()


def test_a_nested_selection_relaxes_only_that_attribute():
    # fields=relatedParty.name: each party lacks TMF637's required @referredType, legitimately.
    official.assert_matches(
        "TMF637",
        "Product",
        {"id": "7", "relatedParty": [{"name": "ACME"}]},
        fields="relatedParty.name",
    )
    # …but a fully selected relatedParty must still be complete.
    with pytest.raises(AssertionError, match="@referredType"):
        official.assert_matches(
            "TMF637",
            "Product",
            {"id": "7", "relatedParty": [{"name": "ACME"}]},
            fields="relatedParty",
        )
    # …and its items still refuse attributes the document does not define.
    with pytest.raises(AssertionError, match="nit"):
        official.assert_matches(
            "TMF637", "Product", {"relatedParty": [{"nit": "1"}]}, fields="relatedParty.name"
        )
