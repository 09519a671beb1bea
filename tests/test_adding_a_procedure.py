"""Adding a procedure to the knowledge file, in a copy of the project, as docs/connaissances.md
("Ajouter un geste") describes it: the checks accept it, and every list derived from the
file (NLU vocabulary, review sheet, the tests' procedures) has it without any other edit."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from harness.servers import REPO_ROOT, base_env

# A procedure the clinic page does not describe, written the way staff would add one.
SECTION = "Les alcoolisations de kystes"
NEW_PROCEDURE = {
    "id": "alcoolisation_kyste",
    "name": "Alcoolisation d'un kyste",
    "patient_words": ["alcoolisation", "alcoolisation de kyste", "alcoolisation d'un kyste"],
    "context_words": ["kyste"],
    "scope": {"covers": "l'injection d'alcool dans un kyste pour le faire disparaître", "source": SECTION},
    "facts": {
        "purpose": {"source": SECTION, "answer": "L'alcoolisation sert à faire disparaître un kyste gênant."},
        "how_it_is_done": {
            "source": SECTION,
            "answer": "Le radiologue vide le kyste avec une aiguille puis y injecte de l'alcool.",
        },
        "duration": {"answer": None},
        "anaesthesia": {"answer": None},
        "hospital_stay": {"answer": None},
    },
}
NOT_COPIED = (
    ".git",
    ".venv*",
    "models",
    "results",
    "node_modules",
    "var",
    "*.db",
    "__pycache__",
    ".*cache*",
    ".rasa",
    ".hypothesis",
)


def run(project: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    # The copy's own page: the clinic's, with a section for the new procedure (the review sheet
    # quotes it beside the new answers).
    env = base_env(PYTHONPATH=str(project), CLINIC_PAGE=str(project / PAGE_OF_THE_COPY))
    env.pop("KNOWLEDGE_FILE", None)
    return subprocess.run(args, cwd=project, env=env, capture_output=True, text=True, timeout=timeout)


def pytest_in(project: Path, *args: str) -> subprocess.CompletedProcess:
    return run(project, sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args)


PAGE_OF_THE_COPY = "clinic-page.md"


@pytest.fixture(scope="module")
def project(tmp_path_factory, clinic_page) -> Path:
    copy = tmp_path_factory.mktemp("adding") / "project"
    shutil.copytree(REPO_ROOT, copy, ignore=shutil.ignore_patterns(*NOT_COPIED))
    new_section = "L'alcoolisation d'un kyste consiste à le vider puis à y injecter de l'alcool."
    (copy / PAGE_OF_THE_COPY).write_text(f"{clinic_page}\n{SECTION}\n{new_section}\n", encoding="utf-8")
    os.symlink(REPO_ROOT / ".venv", copy / ".venv")
    knowledge_file = copy / "knowledge" / "procedures.yml"
    data = yaml.safe_load(knowledge_file.read_text(encoding="utf-8"))
    data["procedures"].append(NEW_PROCEDURE)
    knowledge_file.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return copy


@pytest.mark.timeout(900)
def test_a_new_procedure_reaches_every_derived_list(project):
    new_id = NEW_PROCEDURE["id"]

    check = run(project, sys.executable, "-m", "knowledge", "check")
    assert check.returncode == 0, check.stderr
    assert f"| {new_id}" in check.stdout

    # Before the generated files are regenerated, the checks of the committed ones fail.
    generated_checks = ("tests/test_knowledge.py", "-k", "committed_nlu_vocabulary or committed_review_sheet")
    stale = pytest_in(project, *generated_checks)
    assert stale.returncode == 1 and "2 failed" in stale.stdout, stale.stdout

    for command in (("knowledge", "nlu"), ("reports.review_sheet",)):
        regenerated = run(project, sys.executable, "-m", *command)
        assert regenerated.returncode == 0, regenerated.stderr
    fresh = pytest_in(project, *generated_checks)
    assert fresh.returncode == 0, fresh.stdout
    vocabulary = yaml.safe_load((project / "data" / "nlu" / "vocabulary.yml").read_text(encoding="utf-8"))
    synonym = next(item for item in vocabulary["nlu"] if item.get("synonym") == new_id)
    assert "alcoolisation de kyste" in synonym["examples"]
    assert NEW_PROCEDURE["name"] in (project / "docs" / "review-sheet.md").read_text(encoding="utf-8")

    # The tests' procedures come from the file: the new one is asked every question.
    collected = pytest_in(project, "--collect-only", "tests/test_answers.py", "tests/test_rest_channel.py")
    assert (
        f"test_every_procedure_and_aspect_gets_the_fact_or_an_honest_answer[{new_id}-duration]"
        in collected.stdout
    )
    assert (
        f"test_every_procedure_and_aspect_is_answered_from_the_knowledge_file[{new_id}-purpose]"
        in collected.stdout
    )

    unit = pytest_in(
        project,
        "-m",
        "unit",
        "tests/test_knowledge.py",
        "tests/test_answers.py",
        "tests/test_understanding.py",
    )
    assert unit.returncode == 0, unit.stdout[-3000:]

    validate = run(
        project, str(REPO_ROOT / ".venv" / "bin" / "rasa"), "data", "validate", "--fail-on-warnings"
    )
    assert validate.returncode == 0, validate.stdout[-3000:]
