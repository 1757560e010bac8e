"""The shared words live at the bottom of the house; the figures do not need the schema reader."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from noncustomers import schema
from noncustomers.vocabulary import (NON_CUSTOMER_TIERS, TIERS, UNCLASSIFIED, is_noise,
                                     segment_name, segment_tier)

SRC = Path(__file__).resolve().parents[1] / "src" / "noncustomers"


def test_segment_names_round_trip():
    for tier in TIERS:
        for number in (1, 2, 12):
            assert segment_tier(segment_name(tier, number)) == tier
        assert is_noise(segment_name(tier, None)) and segment_tier(segment_name(tier, None)) == tier
    assert segment_tier("soon-to-be") is None and segment_tier(UNCLASSIFIED) is None
    assert segment_tier("refusing-x") is None and not is_noise("refusing-1")


def test_the_schema_reader_re_exports_the_same_words():
    assert (schema.TIERS, schema.NON_CUSTOMER_TIERS, schema.UNCLASSIFIED) == (
        TIERS, NON_CUSTOMER_TIERS, UNCLASSIFIED)


@pytest.mark.parametrize("package", ["analytics", "charts"])
def test_figures_and_charts_do_not_import_the_schema_reader_for_words(package):
    for path in sorted((SRC / package).glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
        assert "noncustomers.schema" not in imported, path.name
