"""D's reconnection table (dmn/reconnection.dmn) declares hit policy UNIQUE:
a conforming DMN engine refuses a product that matches two rows, and
SpiffWorkflow would silently take the first. Its rows must not overlap, and
every product the team can hold must match one."""

import itertools
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from posventa.catalog.models import ProductTypeCode, Technology
from posventa.catalog.reference_data import PRODUCT_TYPES

TABLE = Path(__file__).resolve().parents[1] / "dmn" / "reconnection.dmn"
NS = {"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}
ON_ACCESS_NETWORK = {code: uses_network for code, _name, uses_network in PRODUCT_TYPES}


def _rules() -> list[tuple[str, list[str]]]:
    table = ET.parse(TABLE).getroot().find(".//dmn:decisionTable", NS)
    assert table.get("hitPolicy") == "UNIQUE"
    return [
        (
            rule.get("id"),
            [entry.findtext("dmn:text", "", NS) for entry in rule.findall("dmn:inputEntry", NS)],
        )
        for rule in table.findall("dmn:rule", NS)
    ]


def _matches(entry: str, value: str) -> bool:
    """The entries this table may use: "-" (any) or one string literal."""
    if entry == "-":
        return True
    assert entry.startswith('"') and entry.endswith('"') and entry.count('"') == 2, (
        f"entry {entry!r}: this check reads only '-' and one string literal"
    )
    return entry[1:-1] == value


def _matching(product_type: str, technology: str) -> list[str]:
    return [
        rule_id
        for rule_id, (type_entry, technology_entry) in _rules()
        if _matches(type_entry, product_type) and _matches(technology_entry, technology)
    ]


@pytest.mark.parametrize(
    "product_type,technology",
    list(itertools.product(ProductTypeCode.values, [*Technology.values, ""])),
)
def test_no_product_matches_two_rows_of_the_unique_reconnection_table(product_type, technology):
    assert len(_matching(product_type, technology)) <= 1


@pytest.mark.parametrize(
    "product_type,technology",
    [
        (code, technology)
        for code in ProductTypeCode.values
        for technology in ([*Technology.values, ""] if ON_ACCESS_NETWORK[code] else [""])
    ],
)
def test_every_product_the_team_holds_matches_one_row_of_the_reconnection_table(
    product_type, technology
):
    assert len(_matching(product_type, technology)) == 1
