"""The knowledge file: validation errors, reload, coverage table, generated files."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from harness.servers import REPO_ROOT
from knowledge import KnowledgeError, KnowledgeStore, load_knowledge
from knowledge.__main__ import coverage_table, nlu_vocabulary
from knowledge.page import INTRODUCTION, page_sections
from reports.review_sheet import review_sheet

pytestmark = pytest.mark.unit


def write_knowledge(tmp_path: Path, data) -> Path:
    path = tmp_path / "procedures.yml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def procedure_named(data, procedure_id):
    return next(p for p in data["procedures"] if p["id"] == procedure_id)


def test_each_procedure_takes_its_facts_from_a_page_section_of_its_own(knowledge):
    sections = {}
    for procedure in knowledge.procedures:
        own = {fact.source for _, fact in procedure.facts if fact.is_known and fact.source}
        own.discard(INTRODUCTION)
        assert len(own) == 1, (procedure.id, own)
        sections[procedure.id] = own.pop()
    assert len(set(sections.values())) == len(sections), sections


def test_every_known_fact_names_its_page_section(knowledge, clinic_page):
    facts = [fact for p in knowledge.procedures for _, fact in p.facts if fact.is_known]
    facts += [fact for _, fact in knowledge.general]
    for fact in facts:
        assert fact.source, fact
    # Every source is a title line of the page, or its introduction (page_sections raises otherwise).
    sections = page_sections(clinic_page, {fact.source for fact in facts})
    assert all(sections[fact.source] for fact in facts)


def test_the_page_gives_no_contact_details_so_none_are_filled(knowledge):
    contact = knowledge.contact
    assert (contact.phone, contact.email, contact.address, contact.opening_hours) == (None,) * 4


@pytest.mark.parametrize(
    "break_file, entry, field",
    [
        (lambda d: procedure_named(d, "biopsie").update(price="100 €"), "« biopsie »", "price"),
        (lambda d: procedure_named(d, "nephrostomie").pop("name"), "« nephrostomie »", "name"),
        (
            lambda d: procedure_named(d, "biopsie")["facts"]["anaesthesia"].update(answer=["locale"]),
            "« biopsie »",
            "facts.anaesthesia.answer",
        ),
        (
            lambda d: procedure_named(d, "angiographie")["patient_words"].append("biopsie"),
            "« angiographie »",
            "patient_words",
        ),
        (
            lambda d: procedure_named(d, "infiltration")["facts"]["duration"].pop("source"),
            "« infiltration »",
            "facts.duration",
        ),
        (
            lambda d: procedure_named(d, "biopsie")["facts"]["hospital_stay"]["by_organ"].update(
                genou="en consultation"
            ),
            "« biopsie »",
            "facts.hospital_stay.by_organ.genou",
        ),
        (lambda d: procedure_named(d, "biliaire").update(id="biopsie"), "« biopsie »", "id"),
        (lambda d: d["not_described"][1].update(id=d["not_described"][0]["id"]), "geste non décrit", "id"),
        (lambda d: d["general"].pop("asepsis"), "general", "asepsis"),
        (
            lambda d: procedure_named(d, "biopsie")["facts"]["purpose"].update(
                answer="Voir <img src=x onerror=alert(1)>"
            ),
            "« biopsie »",
            "facts.purpose.answer",
        ),
        (
            lambda d: procedure_named(d, "nephrostomie").update(name="[Néphrostomie](javascript:alert(1))"),
            "« nephrostomie »",
            "name",
        ),
    ],
    ids=[
        "unknown field",
        "missing name",
        "wrong type",
        "synonym of two procedures",
        "fact without source",
        "unknown organ",
        "duplicate id",
        "duplicate act id",
        "missing general entry",
        "HTML in an answer",
        "Markdown link in a name",
    ],
)
def test_a_broken_file_is_refused_naming_file_entry_and_field(
    tmp_path, raw_knowledge, break_file, entry, field
):
    data = yaml.safe_load(yaml.safe_dump(raw_knowledge))
    break_file(data)
    path = write_knowledge(tmp_path, data)
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(path)
    message = str(error.value)
    assert str(path) in message
    assert entry in message
    assert f"« {field} »" in message


def test_a_yaml_syntax_error_is_refused_with_its_line(tmp_path):
    path = tmp_path / "procedures.yml"
    path.write_text("contact:\n  team_name: équipe\nprocedures: [\n  - id: x\n", encoding="utf-8")
    with pytest.raises(KnowledgeError) as error:
        load_knowledge(path)
    assert str(path) in str(error.value) and "ligne" in str(error.value)


def test_the_action_server_refuses_to_start_on_a_broken_file(tmp_path, raw_knowledge):
    data = yaml.safe_load(yaml.safe_dump(raw_knowledge))
    procedure_named(data, "nephrostomie")["facts"]["duration"]["answer"] = 12
    path = write_knowledge(tmp_path, data)
    result = subprocess.run(
        [
            str(REPO_ROOT / ".venv" / "bin" / "rasa"),
            "run",
            "actions",
            "--actions",
            "actions",
            "--port",
            "5199",
        ],
        cwd=REPO_ROOT,
        env={**os.environ, "KNOWLEDGE_FILE": str(path)},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode != 0
    assert str(path) in result.stderr
    assert "« nephrostomie »" in result.stderr and "facts.duration.answer" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_running_store_reloads_edits_and_keeps_the_last_good_version(tmp_path, raw_knowledge):
    data = yaml.safe_load(yaml.safe_dump(raw_knowledge))
    path = write_knowledge(tmp_path, data)
    store = KnowledgeStore(path)

    procedure_named(data, "biopsie")["name"] = "Biopsie (texte modifié)"
    write_knowledge(tmp_path, data)
    os.utime(path, (time.time() + 5, time.time() + 5))
    assert store.knowledge.procedure("biopsie").name == "Biopsie (texte modifié)"

    path.write_text("procedures: [oops", encoding="utf-8")
    os.utime(path, (time.time() + 10, time.time() + 10))
    assert store.knowledge.procedure("biopsie").name == "Biopsie (texte modifié)"


def test_coverage_table_shows_which_facts_are_missing(knowledge):
    table = coverage_table(knowledge)
    rows = {line.split("|")[1].strip(): line for line in table.splitlines() if line.startswith("| ")}
    for procedure in knowledge.procedures:
        cells = [cell.strip() for cell in rows[procedure.id].split("|")[2:-1]]
        assert (cells[2] != "—") == procedure.facts.duration.is_known
        assert (cells[3] != "—") == procedure.facts.anaesthesia.is_known


def test_check_command_prints_the_table_and_fails_on_a_broken_file(tmp_path):
    ok = subprocess.run(
        [sys.executable, "-m", "knowledge", "check"], cwd=REPO_ROOT, capture_output=True, text=True
    )
    assert ok.returncode == 0 and "| nephrostomie" in ok.stdout
    bad = tmp_path / "bad.yml"
    bad.write_text("contact: {}\n", encoding="utf-8")
    broken = subprocess.run(
        [sys.executable, "-m", "knowledge", "check", "--file", str(bad)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
    )
    assert broken.returncode == 1 and str(bad) in broken.stderr


def test_committed_nlu_vocabulary_matches_the_knowledge_file(tmp_path):
    """Regenerated into a temporary file, never over the committed one (make test does not regenerate it)."""
    regenerated = tmp_path / "vocabulary.yml"
    subprocess.run(
        [sys.executable, "-m", "knowledge", "nlu", "--out", str(regenerated)],
        cwd=REPO_ROOT,
        check=True,
        capture_output=True,
        timeout=120,
    )
    committed = (REPO_ROOT / "data" / "nlu" / "vocabulary.yml").read_text(encoding="utf-8")
    assert committed == regenerated.read_text(encoding="utf-8"), (
        "data/nlu/vocabulary.yml does not match the knowledge file: run `make nlu-vocabulary` and commit it"
    )


def test_nlu_synonyms_cover_every_patient_word(knowledge):
    vocabulary = yaml.safe_load(nlu_vocabulary(knowledge))["nlu"]
    synonyms = {
        word.strip("- ").strip(): item["synonym"]
        for item in vocabulary
        if "synonym" in item
        for word in item["examples"].splitlines()
    }
    for procedure in knowledge.procedures:
        for word in procedure.patient_words:
            assert word.lower() == procedure.id or synonyms[word.lower()] == procedure.id


def test_committed_review_sheet_matches_the_knowledge_file(knowledge, clinic_page):
    committed = (REPO_ROOT / "docs" / "review-sheet.md").read_text(encoding="utf-8")
    assert committed == review_sheet(knowledge, clinic_page), "run `make review-sheet`"
