"""`make evaluate`: the assistant on tests/evaluation_set.yml, through the real servers and REST.

Starts the servers with scripts/run.sh on free ports and a temporary tracker
store, plays every case, prints the table per kind and the totals against the
targets (0 wrong-procedure answers, ≥ 98 % right, every emergency), and exits
with 1 when a target is missed. The evaluation set is never used for training.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from actions.knowledge import load_knowledge
from tests.conftest import KNOWLEDGE_FILE, RunningAssistant
from tests.evaluation import evaluate, report, summarise


def main() -> int:
    knowledge = load_knowledge(KNOWLEDGE_FILE)
    with tempfile.TemporaryDirectory() as workdir:
        assistant = RunningAssistant(Path(workdir))
        assistant.start()
        try:
            results = evaluate(assistant.say, knowledge)
        finally:
            assistant.stop()
    print(report(results))
    return 0 if summarise(results).targets_met else 1


if __name__ == "__main__":
    sys.exit(main())
