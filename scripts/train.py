"""`rasa train` as `make train` runs it: one line per component trained, with the time it took,
DIET's epochs as a progress bar, and the dependencies' known warnings silenced.

Rasa's `--quiet` hides the progress bar along with the logs, and without it every INFO line of
the validation and of each component prints. So this calls Rasa's own training command with
its logs at WARNING, except the training hooks' "Starting to train / Finished training
component" records, which become the step lines. Arguments are those of `rasa train`:

    python scripts/train.py [--force] [--out models] ...
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from pathlib import Path

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
    rasa.cli.train.run_training(arguments, can_exit=True)


if __name__ == "__main__":
    main()
