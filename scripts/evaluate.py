"""`make evaluate`: the assistant on tests/evaluation_set.yml, through the real servers and REST.

Starts the servers with scripts/run.sh on free ports and a temporary tracker
store, plays every case, prints the table per kind and the totals against the
targets (0 wrong-procedure answers, ≥ 98 % right, every emergency), and exits
with 1 when a target is missed. The evaluation sets are never used for training.

It also reports, for information, on the two sets written later the same way
(tests/evaluation_set_fresh.yml after the assistant was tuned against the
first, tests/evaluation_set_final.yml after it was tuned against the second):
their figures show how well the tuning carries over to messages not yet seen.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from actions.knowledge import load_knowledge
from tests.conftest import KNOWLEDGE_FILE, RunningAssistant
from tests.evaluation import EVALUATION_SET, FURTHER_EVALUATION_SETS, evaluate, load_cases, report, summarise


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--also",
        type=Path,
        nargs="*",
        default=FURTHER_EVALUATION_SETS,
        help="further sets to report on, for information (default: the two written later)",
    )
    args = parser.parse_args()
    knowledge = load_knowledge(KNOWLEDGE_FILE)
    with tempfile.TemporaryDirectory() as workdir:
        assistant = RunningAssistant(Path(workdir))
        assistant.start()
        try:
            results = evaluate(assistant.say, knowledge)
            further = {path: evaluate(assistant.say, knowledge, load_cases(path)) for path in args.also}
        finally:
            assistant.stop()
    for path, other in further.items():
        print(f"=== {path.name} (for information: not judged against the targets)")
        print(report(other))
        print()
    print(f"=== {EVALUATION_SET.name}")
    print(report(results))
    return 0 if summarise(results).targets_met else 1


if __name__ == "__main__":
    sys.exit(main())
