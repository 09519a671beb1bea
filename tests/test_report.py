"""`make report` and `make conversation-to-test` on tracker stores filled by real conversations.

The assistant runs with scripts/run.sh (tests/conftest.py's RunningAssistant) on a private store, SQLite
or a throwaway PostgreSQL (tests/postgres.py, as the retention tests do); the conversations go through
the REST channel. Each reply is checked to be the one the scenario means (composed from the knowledge
file), then the report's figures are checked against what was sent: counts, endings, the "not stated"
pairs in order, feedback, clarifications, messages not understood. The commands run as `make` targets.
"""

from __future__ import annotations

import os
import re
import subprocess
import uuid
from collections import Counter
from dataclasses import dataclass, field
from html import unescape
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Tuple

import pytest

from assistant import answers
from harness.servers import REPO_ROOT, RunningAssistant
from knowledge import KnowledgeBase
from tests.postgres import PostgresServer

PASSWORD_VARIABLE = "REPORT_TEST_DB_PASSWORD"
# Ways of asking each kind of question, the procedure as patients name it in {word}.
QUESTIONS = {
    "duration": "Combien de temps dure {word} ?",
    "anaesthesia": "Est-ce qu'on m'endort pour {word} ?",
    "hospital_stay": "Combien de nuits faut-il rester à la clinique après {word} ?",
}
# How often each of the first three "not stated" pairs of the knowledge file is asked.
NOT_STATED_ASKED = (3, 2, 1)
NOT_HELPFUL = "ça ne répond pas à ma question"
# Messages the model does not understand: short gibberish can still read as an intent ("aaa" as a yes).
FALLBACKS = ("euh", "euh", "zzz")
OUT_OF_SCOPE = "quel temps fera-t-il demain ?"
EMERGENCY = "j'ai de la fièvre depuis ma biopsie"
AMBIGUOUS_QUESTION = "combien de temps dure un drainage ?"
EMERGENCY_TEXT_START = "Ce que vous décrivez peut être une urgence"


@dataclass
class Sent:
    """What the test sent and what it expects the report to show."""

    conversations: Dict[str, str] = field(default_factory=dict)  # sender id -> designed ending
    patient_messages: int = 0
    not_stated: Counter = field(default_factory=Counter)  # (procedure, aspect)
    facts: Counter = field(default_factory=Counter)
    feedback: Dict[Tuple[str, str, str], Counter] = field(default_factory=dict)
    clarified: List[Tuple[Tuple[str, ...], str]] = field(default_factory=list)  # (offered, chosen)
    clarification_conversation: Optional[str] = None


def not_stated_pairs(knowledge: KnowledgeBase) -> List[Tuple[str, str]]:
    return [
        (procedure.id, aspect)
        for procedure in knowledge.procedures
        for aspect in QUESTIONS
        if not getattr(procedure.facts, aspect).is_known
    ]


class Conversations:
    """Sends the scenarios through the REST channel and checks each reply is the one meant."""

    def __init__(self, assistant: RunningAssistant, knowledge: KnowledgeBase) -> None:
        self.assistant = assistant
        self.knowledge = knowledge
        self.sent = Sent()

    def new(self, ending: str) -> str:
        sender = f"report-{uuid.uuid4().hex[:12]}"
        self.sent.conversations[sender] = ending
        return sender

    def say(self, sender: str, text: str) -> List[dict]:
        self.sent.patient_messages += 1
        return self.assistant.say(text, sender)

    def last_text(self, sender: str, text: str) -> str:
        replies = self.say(sender, text)
        assert replies, text
        return replies[-1]["text"]

    def ask_aspect(self, sender: str, procedure_id: str, aspect: str) -> None:
        procedure = self.knowledge.procedure(procedure_id)
        question = QUESTIONS[aspect].format(word=procedure.patient_words[0])
        expected = answers.answer_aspect(self.knowledge, procedure, aspect)
        assert self.last_text(sender, question) == expected.text, question
        known = getattr(procedure.facts, aspect).is_known
        (self.sent.facts if known else self.sent.not_stated)[(procedure_id, aspect)] += 1

    def feedback(self, sender: str, message: str, feedback: str, answer: Tuple[str, str, str]) -> None:
        expected = answers.feedback_reply(self.knowledge, feedback)
        assert self.last_text(sender, message) == expected.text
        self.sent.feedback.setdefault(answer, Counter())[feedback] += 1

    def play_all(self) -> Sent:
        pairs = not_stated_pairs(self.knowledge)[: len(NOT_STATED_ASKED)]
        for (procedure_id, aspect), times in zip(pairs, NOT_STATED_ASKED, strict=True):
            for _ in range(times):
                self.ask_aspect(self.new("answered"), procedure_id, aspect)
        # Typed feedback on the most asked "not stated" answer.
        first = self.new("answered")
        self.ask_aspect(first, *pairs[0])
        self.feedback(first, NOT_HELPFUL, "not_helpful", (*pairs[0], "not_stated"))
        # A fact, and the web chat's "helpful" button.
        self.say_fact(self.new("answered"))
        self.clarify_then_choose()
        for text in FALLBACKS:
            sender = self.new("fallback")
            assert self.last_text(sender, text) == answers.out_of_scope(self.knowledge).text
        out = self.new("out_of_scope")
        assert self.last_text(out, OUT_OF_SCOPE) == answers.out_of_scope(self.knowledge).text
        emergency = self.new("emergency")
        assert self.last_text(emergency, EMERGENCY).startswith(EMERGENCY_TEXT_START)
        greeting = self.new("no_question")
        self.say(greeting, "bonjour")
        return self.sent

    def say_fact(self, sender: str) -> None:
        biopsy = self.knowledge.procedure("biopsie")
        expected = answers.answer_aspect(self.knowledge, biopsy, "purpose")
        assert self.last_text(sender, "A quoi sert une biopsie ?") == expected.text
        self.sent.facts[("biopsie", "purpose")] += 1
        self.feedback(sender, "/feedback_helpful", "helpful", ("biopsie", "purpose", "fact"))

    def clarify_then_choose(self) -> None:
        sender = self.new("answered")
        self.sent.clarification_conversation = sender
        replies = self.say(sender, AMBIGUOUS_QUESTION)
        buttons = replies[-1].get("buttons") or []
        offered = tuple(re.search(r'"procedure":"(\w+)"', b["payload"]).group(1) for b in buttons)
        assert 1 < len(offered) < len(self.knowledge.procedures), replies
        chosen = offered[0]
        procedure = self.knowledge.procedure(chosen)
        expected = answers.answer_aspect(self.knowledge, procedure, "duration")
        assert self.last_text(sender, buttons[0]["payload"]) == expected.text
        known = procedure.facts.duration.is_known
        (self.sent.facts if known else self.sent.not_stated)[(chosen, "duration")] += 1
        self.sent.clarified.append((offered, chosen))
        outcome = "fact" if known else "not_stated"
        self.feedback(sender, NOT_HELPFUL, "not_helpful", (chosen, "duration", outcome))


# --- The stores, filled once per module -----------------------------------------


@pytest.fixture(scope="module")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer.start()
    yield server
    server.stop()


def postgres_endpoints(path: Path, server: PostgresServer, db: str) -> Path:
    """endpoints.yml's action server with a PostgreSQL store, the password through ${VAR} as in a
    deployment."""
    path.write_text(
        "action_endpoint:\n  url: ${ACTION_SERVER_URL}\n"
        "tracker_store:\n  type: SQL\n  dialect: postgresql\n"
        f"  url: {server.host}\n  port: {server.port}\n  db: {db}\n  username: {server.user}\n"
        f"  password: ${{{PASSWORD_VARIABLE}}}\n",
        encoding="utf-8",
    )
    return path


@dataclass
class FilledStore:
    endpoints: Path
    env: Dict[str, str]
    sent: Sent


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def filled_store(request, tmp_path_factory, knowledge) -> Iterator[FilledStore]:
    workdir = tmp_path_factory.mktemp(f"report-{request.param}")
    if request.param == "postgresql":
        server: PostgresServer = request.getfixturevalue("postgres")
        endpoints = postgres_endpoints(workdir / "endpoints.yml", server, server.create_database("report"))
        env = {PASSWORD_VARIABLE: server.password}
        running = RunningAssistant(workdir, ENDPOINTS=str(endpoints), **env)
    else:
        # endpoints.yml as shipped (its SQLite store), on this run's file.
        endpoints = REPO_ROOT / "endpoints.yml"
        running = RunningAssistant(workdir)
        env = {"TRACKER_DB": str(running.tracker_db)}
    running.start()
    try:
        sent = Conversations(running, knowledge).play_all()
    finally:
        running.stop()
    yield FilledStore(endpoints, env, sent)


def run_make(*args: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", *args],
        cwd=REPO_ROOT,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
    )


def make_report(endpoints: Path, env: Dict[str, str], days: str = "30") -> Tuple[Path, str]:
    result = run_make("report", f"ENDPOINTS={endpoints}", f"DAYS={days}", env=env)
    assert result.returncode == 0, result.stderr
    path = Path(result.stdout.strip().splitlines()[-1])
    assert path.is_absolute() and path.suffix == ".html", result.stdout
    html = path.read_text(encoding="utf-8")
    path.unlink()
    return path, html


# --- Reading the HTML -------------------------------------------------------------


def section(html: str, element_id: str) -> str:
    match = re.search(rf'<(\w+)\b[^>]*\bid="{element_id}"[^>]*>.*?</\1>', html, re.S)
    assert match, f"no #{element_id} in the report"
    return match.group(0)


def tagged(html: str, tag: str) -> List[Dict[str, str]]:
    """The attributes of every `tag` element of this HTML."""
    return [
        dict(re.findall(r'([\w-]+)="([^"]*)"', attrs)) for attrs in re.findall(rf"<{tag}\b([^>]*)>", html)
    ]


# --- Tests ------------------------------------------------------------------------


def test_report_counts_what_was_sent(filled_store, knowledge):
    sent = filled_store.sent
    _, html = make_report(filled_store.endpoints, filled_store.env)

    period = tagged(section(html, "period"), "p")[0]
    assert int(period["data-conversations"]) == len(sent.conversations)
    assert period["data-days"] == "30"
    assert "messages de patients" in section(html, "warning")

    totals = [int(cell["data-count"]) for cell in tagged(section(html, "totals"), "td")]
    assert totals[:2] == [len(sent.conversations), sent.patient_messages]

    endings = {
        row["data-ending"]: int(row["data-count"]) for row in tagged(section(html, "endings"), "tr")[1:]
    }
    assert {name: count for name, count in endings.items() if count} == dict(
        Counter(sent.conversations.values())
    )

    bars = tagged(section(html, "chart"), "rect")
    assert sum(int(bar["data-count"]) for bar in bars) == len(sent.conversations)


def test_report_lists_the_not_stated_pairs_asked_most_first(filled_store, knowledge):
    sent = filled_store.sent
    _, html = make_report(filled_store.endpoints, filled_store.env)

    listed = [
        (li["data-procedure"], li["data-aspect"], int(li["data-not-stated"]))
        for li in tagged(section(html, "facts-to-add"), "li")
    ]
    expected = sorted(((p, a, n) for (p, a), n in sent.not_stated.items()), key=lambda item: -item[2])
    assert [count for _, _, count in listed] == [count for _, _, count in expected]
    assert set(listed) == set(expected)
    # The top pairs are the ones asked most, each really "not stated" in the knowledge file.
    most = not_stated_pairs(knowledge)[0]
    assert listed[0][:2] == most
    for procedure_id, aspect, _ in listed:
        assert not getattr(knowledge.procedure(procedure_id).facts, aspect).is_known

    cells = {(td["data-procedure"], td["data-aspect"]): td for td in tagged(section(html, "pairs"), "td")}
    for pair in set(sent.not_stated) | set(sent.facts):
        cell = cells[pair]
        assert int(cell["data-not-stated"]) == sent.not_stated[pair], pair
        assert int(cell["data-fact"]) == sent.facts[pair], pair
    asked = sum(int(td["data-asked"]) for td in cells.values())
    assert asked == sum(sent.not_stated.values()) + sum(sent.facts.values())


def test_report_shows_feedback_clarifications_and_messages_not_understood(filled_store, knowledge):
    sent = filled_store.sent
    _, html = make_report(filled_store.endpoints, filled_store.env)

    feedback = {
        (row["data-procedure"], row["data-aspect"], row["data-outcome"]): Counter(
            helpful=int(row["data-helpful"]), not_helpful=int(row["data-not-helpful"])
        )
        for row in tagged(section(html, "feedback"), "tr")[1:]
    }
    assert {key: +count for key, count in feedback.items()} == sent.feedback

    clarifications = unescape(section(html, "clarifications"))
    for offered, chosen in sent.clarified:
        for procedure_id in offered:
            assert knowledge.procedure(procedure_id).name in clarifications
        assert f"{knowledge.procedure(chosen).name} (1)" in clarifications

    groups = section(html, "unanswered")
    rows = tagged(groups, "tr")[1:]
    most_frequent = Counter(FALLBACKS + (OUT_OF_SCOPE,)).most_common()
    assert [int(row["data-count"]) for row in rows] == [count for _, count in most_frequent]
    first_row = groups.split("<tr", 3)[2]
    assert most_frequent[0][0] in first_row


def test_report_is_self_contained(filled_store):
    _, html = make_report(filled_store.endpoints, filled_store.env)

    assert "http://" not in html and "https://" not in html and "//" not in re.sub(r"<[^>]*>", "", html)
    for forbidden in ("<script", "<link", "<img", "<iframe", " src=", "@import", "url("):
        assert forbidden not in html.lower()
    assert "<svg" in html


def test_conversation_to_test_gives_a_story_rasa_test_passes(filled_store, tmp_path):
    sender = filled_store.sent.clarification_conversation
    result = run_make(
        "conversation-to-test", f"ID={sender}", f"ENDPOINTS={filled_store.endpoints}", env=filled_store.env
    )
    assert result.returncode == 0, result.stderr
    story = result.stdout
    assert AMBIGUOUS_QUESTION.split(" un ")[0] in story and "/inform_procedure{" in story
    assert "action: action_answer" in story and "intent: feedback_not_helpful" in story
    assert "action_listen" not in story and "action_session_start" not in story

    stories = tmp_path / "story.yml"
    stories.write_text(story, encoding="utf-8")
    test = subprocess.run(
        [
            # As scripts/test.sh runs the conversation tests, and stricter: the exported intents
            # are the model's own, so an intent read otherwise fails too.
            str(REPO_ROOT / ".venv" / "bin" / "python"),
            "scripts/rasa_server.py",
            "test",
            "core",
            "--stories",
            str(stories),
            "--e2e",
            "--fail-on-prediction-errors",
            "--model",
            str(REPO_ROOT / "models"),
            "--out",
            str(tmp_path / "out"),
            "--quiet",
        ],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert test.returncode == 0, test.stdout[-3000:] + test.stderr[-3000:]


def test_conversation_to_test_unknown_id_is_a_clear_error(filled_store):
    result = run_make(
        "conversation-to-test", "ID=nobody-such", f"ENDPOINTS={filled_store.endpoints}", env=filled_store.env
    )
    assert result.returncode != 0
    assert "no conversation 'nobody-such'" in result.stderr


def test_report_on_an_empty_store_says_so(tmp_path):
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {tmp_path / 'none.db'}\n")

    _, html = make_report(endpoints, {})

    assert 'data-conversations="0"' in html
    assert "Aucune conversation sur cette période" in section(html, "empty")
    assert "<table" not in html


@pytest.mark.parametrize("days", ["0", "trente", "-1"])
def test_report_with_bad_days_is_a_one_line_error(tmp_path, days):
    result = run_make("report", f"ENDPOINTS={tmp_path / 'endpoints.yml'}", f"DAYS={days}")

    assert result.returncode != 0
    assert "error: DAYS must be a number of days between 1 and" in result.stderr
