"""`make evaluate`: the assistant on the evaluation sets, through the real servers and REST.

Starts the servers with scripts/run.sh on free ports and a temporary tracker
store, plays every case of every set, prints the table per kind and the totals
against the targets, and exits with 1 when a target is missed on any set. The
targets: 0 wrong-procedure answers and every emergency on each set; right
outcomes ≥ 98 % on tests/evaluation_set.yml and ≥ 97 % on the sets written
later. The evaluation sets are never used for training.

The later sets (tests/evaluation_set_fresh.yml after the assistant was tuned
against the first, tests/evaluation_set_final.yml after it was tuned against
the second, tests/evaluation_set_whole_message.yml before the whole-message
reader) show how well the tuning carries over to messages not yet seen. The
last one is blind: its misses are not printed, so those who change the
assistant never read its cases.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

from actions.knowledge import load_knowledge
from tests.conftest import KNOWLEDGE_FILE, RunningAssistant
from tests.evaluation import (
    BLIND_EVALUATION_SETS,
    EVALUATION_SET,
    FURTHER_EVALUATION_SETS,
    FURTHER_TARGET_RIGHT_SHARE,
    TARGET_RIGHT_SHARE,
    evaluate,
    load_cases,
    report,
    summarise,
)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--also",
        type=Path,
        nargs="*",
        default=[path for path in FURTHER_EVALUATION_SETS if path.exists()],
        help="the sets written later (default: all of them)",
    )
    args = parser.parse_args()
    knowledge = load_knowledge(KNOWLEDGE_FILE)
    sets = {EVALUATION_SET.resolve(): TARGET_RIGHT_SHARE}
    sets.update({path.resolve(): FURTHER_TARGET_RIGHT_SHARE for path in args.also})
    with tempfile.TemporaryDirectory() as workdir:
        assistant = RunningAssistant(Path(workdir))
        assistant.start()
        try:
            results = {path: evaluate(assistant.say, knowledge, load_cases(path)) for path in sets}
        finally:
            assistant.stop()
    all_met = True
    for path, target in sets.items():
        blind = path in {blind.resolve() for blind in BLIND_EVALUATION_SETS}
        print(f"=== {path.name}" + (" (blind: misses not printed)" if blind else ""))
        print(report(results[path], with_misses=not blind, target_right_share=target))
        print()
        all_met = all_met and summarise(results[path], target).targets_met
    print(f"All sets: targets {'MET' if all_met else 'MISSED'}")
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
