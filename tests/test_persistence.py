"""Conversations survive a restart of the servers (embedded SQLite tracker store)."""

from __future__ import annotations

from actions import answers
from harness.servers import RunningAssistant


def test_conversation_continues_with_its_context_after_a_restart(tmp_path, knowledge, sender):
    running = RunningAssistant(tmp_path)
    running.start()
    try:
        running.say("c'est quoi une néphrostomie ?", sender)
        running.stop()
        running.start()
        after_restart = [reply.get("text") for reply in running.say("et ça dure combien ?", sender)]
    finally:
        running.stop()

    nephrostomy = knowledge.procedure("nephrostomie")
    # Same procedure slot, and no second disclaimer: the whole tracker came back.
    assert after_restart == [answers.answer_aspect(knowledge, nephrostomy, "duration").text]
