"""Reads `rasa test core --e2e`'s failed stories: fails on any action not taken as the story says.

The intent the NLU gives each `user:` line is one signal among others now (assistant/understanding.py
reads the words; every message that may ask something goes to action_answer), so a different
intent that leads to the same action is reported, not failed; an action the assistant would not
take as written (the emergency instruction, feedback, an answer) fails the tests.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

PREDICTED = re.compile(r"^\s*- (action|intent): (.*?)\s+# predicted: (.*)$")


def main(results: Path) -> int:
    failed = results / "failed_test_stories.yml"
    lines = failed.read_text(encoding="utf-8").splitlines() if failed.exists() else []
    mismatches = [match.groups() for match in map(PREDICTED.match, lines) if match]
    for kind, expected, predicted in mismatches:
        print(f"{kind} expected {expected}, predicted {predicted}")
    actions = [m for m in mismatches if m[0] == "action"]
    print(
        f"Conversation tests: {len(actions)} wrong actions, "
        f"{len(mismatches) - len(actions)} intents read otherwise (reported only)"
    )
    return 1 if actions else 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path("results/stories")))
