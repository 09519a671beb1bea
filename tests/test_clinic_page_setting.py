"""CLINIC_PAGE: without the clinic page, the tests that read it are skipped, saying how to run them."""

from __future__ import annotations

import subprocess
import sys

import pytest

from harness.servers import REPO_ROOT, base_env

pytestmark = pytest.mark.unit

PAGE_TESTS = [
    "tests/test_knowledge.py::test_every_known_fact_names_its_page_section",
    "tests/test_answers.py::test_numbers_in_the_knowledge_file_all_come_from_the_clinic_page",
    "tests/test_knowledge.py::test_committed_review_sheet_matches_the_knowledge_file",
]


def test_without_the_page_its_tests_are_skipped_with_how_to_run_them(tmp_path):
    absent = tmp_path / "clinic-page.md"
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rs", *PAGE_TESTS],
        cwd=REPO_ROOT,
        env=base_env(CLINIC_PAGE=str(absent)),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-2000:]
    assert f"{len(PAGE_TESTS)} skipped" in result.stdout
    assert f"the clinic page is not at {absent}" in result.stdout
    assert "CLINIC_PAGE=/path/to/clinic-page.md" in result.stdout
