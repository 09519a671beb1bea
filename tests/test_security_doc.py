"""docs/security.md names, for each claim, the test that proves it: each named test exists."""

from __future__ import annotations

import re

import pytest

from harness.servers import REPO_ROOT

pytestmark = pytest.mark.unit

SECURITY = REPO_ROOT / "docs" / "security.md"
# `tests/test_x.py`, `tests/test_x.py::test_name`, or `::test_name` after one of those.
REFERENCE = re.compile(r"`(?P<file>tests/[\w/]+\.py)?(?:::(?P<test>\w+))?`")


def references():
    current = None
    for found in REFERENCE.finditer(SECURITY.read_text(encoding="utf-8")):
        if found.group("file"):
            current = found.group("file")
        if found.group("file") or found.group("test"):
            yield current, found.group("test")


def test_every_test_the_threat_model_names_exists():
    named = list(references())
    assert len(named) > 20, named
    for file, test in named:
        assert file is not None, test
        path = REPO_ROOT / file
        assert path.is_file(), file
        if test:
            assert re.search(rf"^def {test}\(", path.read_text(encoding="utf-8"), re.M), f"{file}::{test}"
