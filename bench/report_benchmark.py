"""How long `make report` takes on a month of a busy clinic: 10,000 synthetic conversations.

    .venv/bin/python bench/report_benchmark.py [--conversations 10000] [--days 30]

(`make bench-report`.) Fills a temporary SQLite tracker store with conversations as Rasa writes them
(the `events` table of Rasa's SQLTrackerStore, each row an event's `as_dict()`, as `rasa run` saves
them): answers with a fact or "not stated", clarifications and the patient's choice, fallbacks,
out-of-scope questions, emergencies, feedback, spread over the period. Then times the report command
itself (`scripts/conversation_report.py`, as `make report` runs it) and prints the figures, with
PASS or MISS against the target (exit status 1 on a miss).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List

os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
import sqlalchemy as sa  # noqa: E402
from rasa.core.tracker_store import SQLTrackerStore  # noqa: E402
from rasa.shared.core.events import (  # noqa: E402
    ActionExecuted,
    BotUttered,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)

from assistant.answers import answer_record  # noqa: E402
from harness.servers import REPO_ROOT  # noqa: E402
from knowledge import ASPECTS, load_knowledge  # noqa: E402

TARGET_SECONDS = 60
DAY = 86400
# Off-topic or unclear messages, with a varying tail so that grouping has work to do.
UNCLEAR = [
    "euh",
    "c'est pour savoir",
    "mon docteur a dit",
    "quel temps fera-t-il demain",
    "vous êtes ouverts le dimanche",
    "combien ça coûte",
    "je peux venir avec mon chien",
    "où se garer",
    "est-ce remboursé par la sécu",
    "j'ai perdu mon ordonnance",
]
TAILS = ["", " ?", " svp", " merci", " demain", " pour ma mère", " bonjour", " vite"]


def turn(
    text: str, intent: str, confidence: float, at: float, action: str, record: Dict[str, Any]
) -> List[Event]:
    ranking = [{"name": intent, "confidence": confidence}, {"name": "out_of_scope", "confidence": 0.1}]
    return [
        UserUttered(
            text,
            intent={"name": intent, "confidence": confidence},
            parse_data={
                "intent": {"name": intent, "confidence": confidence},
                "intent_ranking": ranking,
                "entities": [],
                "text": text,
            },
            timestamp=at,
        ),
        ActionExecuted(action, timestamp=at + 0.5),
        BotUttered("…", metadata={"answer": record}, timestamp=at + 0.6),
        ActionExecuted("action_listen", timestamp=at + 0.7),
    ]


def conversation(rng: random.Random, knowledge: Any, start: float) -> List[Event]:
    events: List[Event] = [
        ActionExecuted("action_session_start", timestamp=start),
        SessionStarted(timestamp=start),
        ActionExecuted("action_listen", timestamp=start),
    ]
    at = start + 5
    for _ in range(rng.randint(1, 4)):
        procedure = rng.choice(knowledge.procedures)
        kind = rng.random()
        if kind < 0.55:
            aspect = rng.choice(ASPECTS)
            outcome = "fact" if getattr(procedure.facts, aspect).is_known else "not_stated"
            events += turn(
                f"question sur {procedure.patient_words[0]}",
                f"ask_{aspect}",
                0.95,
                at,
                "action_answer",
                answer_record(outcome, procedure.id, aspect),
            )
            if rng.random() < 0.2:
                feedback = rng.choice(["helpful", "not_helpful"])
                at += 20
                events += turn(
                    "ça ne répond pas à ma question",
                    f"feedback_{feedback}",
                    0.9,
                    at,
                    "action_record_feedback",
                    answer_record("feedback"),
                )
                events.insert(-1, SlotSet("feedback", feedback, timestamp=at + 0.6))
        elif kind < 0.7:
            candidates = [p.id for p in rng.sample(knowledge.procedures, 3)]
            events += turn(
                "combien de temps dure un drainage",
                "ask_duration",
                0.9,
                at,
                "action_answer",
                answer_record("clarify", aspect="duration", candidates=candidates),
            )
            at += 20
            chosen = rng.choice(candidates)
            outcome = "fact" if knowledge.procedure(chosen).facts.duration.is_known else "not_stated"
            events += turn(
                f'/inform_procedure{{"procedure": "{chosen}"}}',
                "inform_procedure",
                1.0,
                at,
                "action_answer",
                answer_record(outcome, chosen, "duration"),
            )
        elif kind < 0.85:
            text = rng.choice(UNCLEAR) + rng.choice(TAILS)
            events += turn(text, "nlu_fallback", 0.3, at, "action_answer", answer_record("fallback"))
        elif kind < 0.97:
            text = rng.choice(UNCLEAR) + rng.choice(TAILS)
            events += turn(
                text, "out_of_scope", 0.8, at, "action_answer", answer_record("out_of_scope")
            )
        else:
            events += [
                UserUttered(
                    "j'ai de la fièvre depuis hier", intent={"name": "urgent_symptoms"}, timestamp=at
                ),
                ActionExecuted("utter_emergency", timestamp=at + 0.5),
                BotUttered("…", timestamp=at + 0.6),
                ActionExecuted("action_listen", timestamp=at + 0.7),
            ]
        at += rng.randint(20, 300)
    return events


def fill_store(path: Path, conversations: int, days: int) -> int:
    """Writes the conversations into a new SQLite tracker store; returns the number of events."""
    engine = sa.create_engine(f"sqlite:///{path}")
    SQLTrackerStore.SQLEvent.__table__.create(engine)
    table = SQLTrackerStore.SQLEvent.__table__
    knowledge = load_knowledge()
    rng = random.Random(42)
    now = time.time()
    count = 0
    with engine.begin() as connection:
        for number in range(conversations):
            start = now - rng.uniform(0, days * DAY - 3600)
            rows = []
            for event in conversation(rng, knowledge, start):
                data = event.as_dict()
                rows.append(
                    {
                        "sender_id": f"bench-{number:05d}",
                        "type_name": event.type_name,
                        "timestamp": event.timestamp,
                        "intent_name": data.get("parse_data", {}).get("intent", {}).get("name"),
                        "action_name": data.get("name") if event.type_name == "action" else None,
                        "data": json.dumps(data),
                    }
                )
            connection.execute(table.insert(), rows)
            count += len(rows)
    engine.dispose()
    return count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--conversations", type=int, default=10000)
    parser.add_argument("--days", type=int, default=30)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        database = Path(workdir) / "tracker.db"
        started = time.perf_counter()
        events = fill_store(database, args.conversations, args.days)
        filled = time.perf_counter() - started
        endpoints = Path(workdir) / "endpoints.yml"
        endpoints.write_text(f"tracker_store:\n  type: SQL\n  dialect: sqlite\n  db: {database}\n")
        report = Path(workdir) / "report.html"
        started = time.perf_counter()
        result = subprocess.run(
            [
                sys.executable,
                str(REPO_ROOT / "scripts" / "conversation_report.py"),
                "--endpoints",
                str(endpoints),
                "--days",
                str(args.days),
                "--out",
                str(report),
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return 1
        size = report.stat().st_size
    print(
        f"Store: {args.conversations} conversations, {events} events over {args.days} days "
        f"(filled in {filled:.1f} s)"
    )
    print(f"Report: {seconds:.1f} s for the whole command (start-up included), HTML {size / 1024:.0f} kB")
    verdict = "PASS" if seconds < TARGET_SECONDS else "MISS"
    print(f"Target: under {TARGET_SECONDS} s: {verdict}")
    return 0 if verdict == "PASS" else 1


if __name__ == "__main__":
    sys.exit(main())
