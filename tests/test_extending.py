"""docs/extending.md: its worked examples run, in order, in one namespace."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from noncustomers.segmentation import CRITERIA, METHODS

DOC = Path(__file__).resolve().parents[1] / "docs" / "extending.md"

pytestmark = pytest.mark.usefixtures("single_native_thread")


def _blocks() -> list[str]:
    return re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), flags=re.S)


def test_the_page_has_its_three_examples():
    text = DOC.read_text(encoding="utf-8")
    assert "## 1. Your own clusterer" in text and "## 2. Your own criterion" in text
    assert "## 3. Your own figure" in text
    assert len(_blocks()) == 5


def test_the_examples_of_extending_md_run():
    methods, criteria = dict(METHODS), dict(CRITERIA)
    namespace: dict = {"__name__": "extending_md"}
    try:
        for block in _blocks():
            exec(compile(block, str(DOC), "exec"), namespace)  # our own documentation
        assert "birch" in METHODS and "kmeans-db" in METHODS
        assert namespace["agreement"] >= 0.95
    finally:  # the registries are global: leave them as they were
        METHODS.clear()
        METHODS.update(methods)
        CRITERIA.clear()
        CRITERIA.update(criteria)
