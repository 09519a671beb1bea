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

`--seeds 1 2 3` (make evaluate SEEDS="1 2 3") trains one model per random seed
of the intent classifier (config.yml with DIET's `random_seed` changed, into a
temporary folder), evaluates each, and prints the worst figure of each set:
what a retraining may give, not the luckiest training.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Dict, List

import yaml

from harness.evaluation import (
    BLIND_EVALUATION_SETS,
    EVALUATION_SET,
    FURTHER_EVALUATION_SETS,
    FURTHER_TARGET_RIGHT_SHARE,
    TARGET_RIGHT_SHARE,
    Result,
    evaluate,
    load_cases,
    report,
    summarise,
)
from harness.servers import REPO_ROOT, RunningAssistant
from knowledge import load_knowledge
from knowledge.loader import COMMITTED_KNOWLEDGE_FILE

CONFIG = REPO_ROOT / "config.yml"
PYTHON = REPO_ROOT / ".venv" / "bin" / "python"


def train_with_seed(seed: int, folder: Path) -> Path:
    """A model trained on the project's data with DIET's random seed set to `seed`."""
    config = yaml.safe_load(CONFIG.read_text(encoding="utf-8"))
    for component in config["pipeline"]:
        if component["name"] == "DIETClassifier":
            component["random_seed"] = seed
    seeded = folder / f"config-seed-{seed}.yml"
    seeded.write_text(yaml.safe_dump(config, allow_unicode=True, sort_keys=False), encoding="utf-8")
    out = folder / f"models-seed-{seed}"
    command = [str(PYTHON), "scripts/train.py", "--config", str(seeded), "--out", str(out)]
    subprocess.run(command, cwd=REPO_ROOT, check=True)
    return next(out.glob("*.tar.gz"))


def evaluate_sets(workdir: Path, sets: Dict[Path, float], **settings: str) -> Dict[Path, List[Result]]:
    knowledge = load_knowledge(COMMITTED_KNOWLEDGE_FILE)
    assistant = RunningAssistant(workdir, **settings)
    assistant.start()
    try:
        return {path: evaluate(assistant.say, knowledge, load_cases(path)) for path in sets}
    finally:
        assistant.stop()


def print_reports(sets: Dict[Path, float], results: Dict[Path, List[Result]]) -> bool:
    """Prints each set's report; whether every set met its targets."""
    all_met = True
    blind_sets = {blind.resolve() for blind in BLIND_EVALUATION_SETS}
    for path, target in sets.items():
        blind = path in blind_sets
        print(f"=== {path.name}" + (" (blind: misses not printed)" if blind else ""))
        print(report(results[path], with_misses=not blind, target_right_share=target))
        print()
        all_met = all_met and summarise(results[path], target).targets_met
    return all_met


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
    parser.add_argument(
        "--seeds",
        type=int,
        nargs="*",
        default=[],
        help="train one model per random seed and report the worst figures (default: the model in models/)",
    )
    args = parser.parse_args()
    sets = {EVALUATION_SET.resolve(): TARGET_RIGHT_SHARE}
    sets.update({path.resolve(): FURTHER_TARGET_RIGHT_SHARE for path in args.also})
    if not args.seeds:
        with tempfile.TemporaryDirectory() as workdir:
            results = evaluate_sets(Path(workdir), sets)
        all_met = print_reports(sets, results)
        print(f"All sets: targets {'MET' if all_met else 'MISSED'}")
        return 0 if all_met else 1

    worst: Dict[Path, List[str]] = {path: [] for path in sets}
    all_met = True
    with tempfile.TemporaryDirectory() as workdir:
        for seed in args.seeds:
            model = train_with_seed(seed, Path(workdir))
            seed_dir = Path(workdir) / f"run-{seed}"
            seed_dir.mkdir()
            results = evaluate_sets(seed_dir, sets, MODEL=str(model))
            print(f"##### DIET random seed {seed}")
            all_met = print_reports(sets, results) and all_met
            for path, target in sets.items():
                summary = summarise(results[path], target)
                compound = summary.by_kind.get("compound", {})
                worst[path].append(
                    f"seed {seed}: right {summary.right}/{summary.total} = {100 * summary.right_share:.1f}%, "
                    f"wrong procedure {summary.wrong_procedure}, "
                    f"emergencies {summary.emergency_right}/{summary.emergency_total}"
                    + (f", compound {compound.get('right', 0)}/{compound['cases']}" if compound else "")
                )
    print("##### Every seed, per set (the worst counts)")
    for path, lines in worst.items():
        print(f"=== {path.name}")
        print("\n".join(lines))
    print(f"All seeds, all sets: targets {'MET' if all_met else 'MISSED'}")
    return 0 if all_met else 1


if __name__ == "__main__":
    sys.exit(main())
