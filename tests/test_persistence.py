"""Conversations survive a restart of the servers (the shipped SQLite tracker store)."""

from __future__ import annotations

import sqlite3

from assistant import answers
from harness.servers import RunningAssistant


def test_conversation_continues_with_its_context_after_a_restart(tmp_path, knowledge, sender):
    running = RunningAssistant(tmp_path)
    # endpoints.yml's own tracker store (stores/sqlite_tracker_store.py), on a private file (TRACKER_DB).
    running.start()
    try:
        first_turn = running.say("c'est quoi une néphrostomie ?", sender)
        running.stop()
        with sqlite3.connect(running.tracker_db) as database:
            stored_types = [
                row[0]
                for row in database.execute(
                    "SELECT type_name FROM events WHERE sender_id = ? ORDER BY id", (sender,)
                )
            ]
        running.start()
        after_restart = [reply.get("text") for reply in running.say("et ça dure combien ?", sender)]
    finally:
        running.stop()

    # The first turn was on disk once the servers stopped: the session start, the message,
    # each reply (disclaimer and answer) and the slots the action set.
    assert stored_types[:3] == ["action", "session_started", "action"]
    assert stored_types.count("user") == 1
    assert stored_types.count("bot") == len(first_turn) == 2
    assert "slot" in stored_types
    nephrostomy = knowledge.procedure("nephrostomie")
    # Same procedure slot, and no second disclaimer: the whole tracker came back.
    assert after_restart == [answers.answer_aspect(knowledge, nephrostomy, "duration").text]
