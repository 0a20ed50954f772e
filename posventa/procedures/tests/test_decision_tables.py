"""The procedures' decision tables declare hit policy UNIQUE: a conforming
DMN engine refuses an input that matches two rows, where SpiffWorkflow would
silently take the first. Their rows must not overlap, and every input the
team can meet must match one row."""

import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from posventa.catalog.models import ProductTypeCode, Technology
from posventa.catalog.reference_data import PRODUCT_TYPES

TABLES = Path(__file__).resolve().parents[1] / "dmn"
NS = {"dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/"}
ON_ACCESS_NETWORK = {code: uses_network for code, _name, uses_network in PRODUCT_TYPES}


def _rules(table_file: str) -> list[tuple[str, list[str]]]:
    table = ET.parse(TABLES / table_file).getroot().find(".//dmn:decisionTable", NS)
    assert table.get("hitPolicy") == "UNIQUE"
    return [
        (
            rule.get("id"),
            [entry.findtext("dmn:text", "", NS) for entry in rule.findall("dmn:inputEntry", NS)],
        )
        for rule in table.findall("dmn:rule", NS)
    ]


def _matches(entry: str, value) -> bool:
    """The entries these tables use: "-" (any), one string or integer
    literal, or ">= n". Anything else fails, so the check stays sound."""
    entry = entry.strip()
    if entry == "-":
        return True
    if re.fullmatch(r'"[^"]*"', entry):
        return entry[1:-1] == value
    if re.fullmatch(r"\d+", entry):
        return value == int(entry)
    if found := re.fullmatch(r">=\s*(\d+)", entry):
        return value >= int(found[1])
    raise AssertionError(f"entry {entry!r}: this check does not read it")


def _matching(table_file: str, *values) -> list[str]:
    return [
        rule_id
        for rule_id, entries in _rules(table_file)
        if all(_matches(entry, value) for entry, value in zip(entries, values, strict=True))
    ]


@pytest.mark.parametrize(
    "product_type,technology",
    list(itertools.product(ProductTypeCode.values, [*Technology.values, ""])),
)
def test_no_product_matches_two_rows_of_the_unique_reconnection_table(product_type, technology):
    assert len(_matching("reconnection.dmn", product_type, technology)) <= 1


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
    assert len(_matching("reconnection.dmn", product_type, technology)) == 1


@pytest.mark.parametrize(
    "source,previous_months", list(itertools.product(["comteco", "boliviatel"], range(0, 13)))
)
def test_every_call_detail_request_matches_one_row_of_the_fee_table(source, previous_months):
    assert len(_matching("call_detail_fee.dmn", source, previous_months)) == 1
