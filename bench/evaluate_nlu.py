"""NLU quality on the held-out test set, our pipeline beside `rasa init`'s default.

    make evaluate-nlu        (or: .venv/bin/python bench/evaluate_nlu.py)

Trains an NLU model with each configuration on data/ (the same training data),
evaluates both on tests/nlu_test_set.yml (never used for training), and prints
intent macro-F1, `procedure` entity F1 and the most frequent confusions. Exits
with 1 if config.yml misses the targets (intent macro-F1 and procedure F1 >= 0.95).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import yaml

REPO_ROOT = Path(__file__).resolve().parents[1]
RASA = REPO_ROOT / ".venv" / "bin" / "rasa"
TEST_SET = REPO_ROOT / "tests" / "nlu_test_set.yml"
RESULTS = REPO_ROOT / "results" / "nlu"
CONFIGS = {
    "config.yml (spaCy fr)": REPO_ROOT / "config.yml",
    "rasa init default": REPO_ROOT / "bench" / "configs" / "rasa_init_default.yml",
}
TARGET_F1 = 0.95


def run(log: Path, *args: str) -> None:
    """A rasa command, its output kept in a log file so the table stays readable."""
    env = {**os.environ, "RASA_TELEMETRY_ENABLED": "false"}
    log.parent.mkdir(parents=True, exist_ok=True)
    with log.open("a") as output:
        result = subprocess.run([str(RASA), *args], cwd=REPO_ROOT, env=env, stdout=output, stderr=output)
    if result.returncode != 0:
        sys.exit(f"'rasa {' '.join(args)}' failed, see {log}")


def evaluate(label: str, config: Path) -> dict:
    slug = "ours" if config.name == "config.yml" else "rasa_init"
    out = RESULTS / slug
    started = time.monotonic()
    log = out / "rasa.log"
    log.unlink(missing_ok=True)
    run(
        log, "train", "nlu", "--config", str(config), "--out", str(out), "--fixed-model-name", slug, "--quiet"
    )
    training_seconds = time.monotonic() - started
    run(log, "test", "nlu", "--model", str(out / f"{slug}.tar.gz"), "--nlu", str(TEST_SET), "--out", str(out))

    intents = json.loads((out / "intent_report.json").read_text())
    # The entity report is named after the extractor: CRF in config.yml, DIET in rasa init's.
    entity_reports = [out / "CRFEntityExtractor_report.json", out / "DIETClassifier_report.json"]
    entities = json.loads(next(path for path in entity_reports if path.exists()).read_text())
    errors = json.loads((out / "intent_errors.json").read_text())
    confusions = Counter((e["intent"], e["intent_prediction"]["name"]) for e in errors)
    return {
        "label": label,
        "intent_macro_f1": intents["macro avg"]["f1-score"],
        "intent_accuracy": intents["accuracy"],
        "procedure_f1": entities.get("procedure", {}).get("f1-score", 0.0),
        "organ_f1": entities.get("organ", {}).get("f1-score", 0.0),
        "training_seconds": training_seconds,
        "confusions": confusions.most_common(8),
        "weak_intents": sorted(
            (name, report["f1-score"])
            for name, report in intents.items()
            if isinstance(report, dict)
            and "support" in report
            and name not in ("macro avg", "weighted avg")
            and report["f1-score"] < 0.95
        ),
    }


def main() -> int:
    test_set = yaml.safe_load(TEST_SET.read_text(encoding="utf-8"))["nlu"]
    examples = sum(len(item["examples"].strip().splitlines()) for item in test_set if "intent" in item)
    print(f"Held-out test set: {TEST_SET.relative_to(REPO_ROOT)} ({examples} messages)\n")
    results = [evaluate(label, config) for label, config in CONFIGS.items()]

    header = (
        f"{'pipeline':<24}{'intent macro-F1':>17}{'accuracy':>10}"
        f"{'procedure F1':>14}{'organ F1':>10}{'train (s)':>11}"
    )
    print(header)
    print("-" * len(header))
    for r in results:
        print(
            f"{r['label']:<24}{r['intent_macro_f1']:>17.3f}{r['intent_accuracy']:>10.3f}"
            f"{r['procedure_f1']:>14.3f}{r['organ_f1']:>10.3f}{r['training_seconds']:>11.0f}"
        )
    for r in results:
        print(f"\n{r['label']}: most frequent confusions (expected -> predicted, count)")
        for (expected, predicted), count in r["confusions"]:
            print(f"  {expected:<30} -> {predicted:<30} {count}")
        if r["weak_intents"]:
            print("  intents under 0.95 F1: " + ", ".join(f"{n} {f:.2f}" for n, f in r["weak_intents"]))
    print(f"\nFull reports (confusion matrix, errors): {RESULTS.relative_to(REPO_ROOT)}/")

    ours = results[0]
    met = ours["intent_macro_f1"] >= TARGET_F1 and ours["procedure_f1"] >= TARGET_F1
    print(
        f"\nTargets (>= {TARGET_F1} intent macro-F1 and procedure F1) for config.yml: "
        + ("met" if met else "NOT met")
    )
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
