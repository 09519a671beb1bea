"""scripts/check_conversation_tests.py: a wrong action fails the conversation tests, an intent read
otherwise that leads to the same action is only reported."""

from __future__ import annotations

import pytest

from scripts.check_conversation_tests import main

pytestmark = pytest.mark.unit

STORY = """version: "3.1"
stories:
- story: a conversation
  steps:
  - intent: ask_duration
    user: |-
      combien de temps dure une biopsie ?
  - action: action_answer
  - intent: inform_procedure  # predicted: out_of_scope: et pour le genou ?
    user: |-
      et pour le genou ?
  - action: {action}
"""


def test_a_wrong_action_fails_and_an_intent_read_otherwise_is_reported(tmp_path, capsys):
    (tmp_path / "failed_test_stories.yml").write_text(
        STORY.format(action="action_answer  # predicted: utter_emergency"), encoding="utf-8"
    )
    assert main(tmp_path) == 1
    assert "1 wrong actions" in capsys.readouterr().out

    (tmp_path / "failed_test_stories.yml").write_text(STORY.format(action="action_answer"), encoding="utf-8")
    assert main(tmp_path) == 0
    assert "0 wrong actions, 1 intents read otherwise" in capsys.readouterr().out


def test_no_failed_story_passes(tmp_path):
    assert main(tmp_path) == 0
