"""`rasa train` as `make train` runs it: one line per component trained, with the time it took,
DIET's epochs as a progress bar, and the dependencies' known warnings silenced.

Rasa's `--quiet` hides the progress bar along with the logs, and without it every INFO line of
the validation and of each component prints. So this calls Rasa's own training command with
its logs at WARNING, except the training hooks' "Starting to train / Finished training
component" records, which become the step lines. Arguments are those of `rasa train`:

    python scripts/train.py [--force] [--out models] ...
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

# Run as a script, Python puts scripts/ first on the path, not the project.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TRAINED_FOR_EPOCHS = {"DIETClassifier", "ResponseSelector", "TEDPolicy", "UnexpecTEDIntentPolicy"}
HOOK_LINE = re.compile(r"(Starting to train|Finished training) component '([^']+)'")


class StepLines(logging.Handler):
    """The training hooks' log records, as one line per component with its time."""

    def __init__(self) -> None:
        super().__init__()
        self.started: dict[str, float] = {}

    def emit(self, record: logging.LogRecord) -> None:
        hook = HOOK_LINE.search(record.getMessage())
        if not hook:
            return
        event, component = hook.groups()
        # Rasa decides to draw a progress bar when it creates one, from its log level: INFO
        # while a component that trains for epochs does, WARNING otherwise (the quick bars of
        # the story and rule readers stay hidden).
        starting = event == "Starting to train"
        os.environ["LOG_LEVEL"] = "INFO" if starting and component in TRAINED_FOR_EPOCHS else "WARNING"
        if starting:
            self.started[component] = time.monotonic()
            return
        seconds = time.monotonic() - self.started.pop(component, time.monotonic())
        print(f"Entraînement : {component}, fait en {seconds:.0f} s.", flush=True)


def main() -> None:
    from channels.dependency_warnings import silence_dependency_warnings

    silence_dependency_warnings()
    os.environ["LOG_LEVEL"] = "WARNING"
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    hooks = logging.getLogger("rasa.engine.training.hooks")
    hooks.setLevel(logging.INFO)
    hooks.propagate = False
    hooks.addHandler(StepLines())

    import rasa.__main__
    import rasa.cli.train
    import rasa.utils.tensorflow.environment as tf_environment
    from rasa.utils.log_utils import configure_structlog

    # Rasa's structured logs (RulePolicy's training prints every state otherwise).
    configure_structlog(logging.WARNING)

    arguments = rasa.__main__.create_argument_parser().parse_args(["train", *sys.argv[1:]])
    tf_environment.setup_tf_environment()
    with published_whole(Path(arguments.out)) as staging:
        arguments.out = str(staging)
        rasa.cli.train.run_training(arguments, can_exit=True)


@contextlib.contextmanager
def published_whole(out: Path) -> Iterator[Path]:
    """A folder beside `out` to train into; each model then moves into `out` in one step.

    `rasa run` loads the newest model of its folder: written there directly, a model still being
    written (a `make train` while the servers start) would be loaded half written."""
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".training-", dir=out))
    try:
        yield staging
        for model in sorted(staging.glob("*.tar.gz")):
            os.replace(model, out / model.name)
            # Rasa's own line named the staging folder.
            print(f"Modèle prêt : {out / model.name}")
    finally:
        shutil.rmtree(staging, ignore_errors=True)


if __name__ == "__main__":
    main()
