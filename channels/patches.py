"""The project's changes to Rasa 3.6 and Sanic, applied explicitly when a Rasa process starts.

None of them is configurable in Rasa 3.6, so each replaces a constant or a method, and each was
written against one version: `apply_all()` checks the installed version of the package it changes
before applying it. A patch that protects patients (the action timeout, bodies out of logs, the
entity check, the HTTP limits) stops the start-up when the version differs, since running without
it would be unsafe; the response check, the model loading and the graph runner only save time, so
they are skipped with a warning.

scripts/rasa_server.py calls `apply_all()` before Rasa reads its arguments, for `rasa run`
(scripts/run.sh, deploy/local-cluster.sh, the container), `rasa shell` (scripts/shell.sh) and
`rasa test` (the conversation tests of scripts/test.sh).
Importing the `channels` package changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.metadata import version
from typing import Callable, Dict, List

from channels.action_server import (
    apply_action_timeout,
    build_response_check_once,
    keep_response_bodies_out_of_logs,
)
from channels.payload import check_entities_on_every_parse
from channels.server_limits import apply_server_limits
from components.graph_runner import run_prediction_graphs_in_a_fixed_order
from components.model_loading import load_models_without_tracing_the_training_step

logger = logging.getLogger(__name__)


class PatchVersionError(SystemExit):
    """A patch that must be applied was written for another version of the package it changes."""


@dataclass(frozen=True)
class Patch:
    name: str
    package: str
    # Version prefix the patch was written and tested for, e.g. "3.6." for any Rasa 3.6.x.
    written_for: str
    apply: Callable[[], object]
    # False: the patch only saves time, Rasa is still correct without it.
    required: bool = True


PATCHES: List[Patch] = [
    Patch("HTTP size limit and timeouts (channels/server_limits.py)", "sanic", "21.12.", apply_server_limits),
    Patch("action server timeout (channels/action_server.py)", "rasa", "3.6.", apply_action_timeout),
    Patch(
        "action server error bodies kept out of logs (channels/action_server.py)",
        "rasa",
        "3.6.",
        keep_response_bodies_out_of_logs,
    ),
    Patch(
        "entities checked on every parse (channels/payload.py)", "rasa", "3.6.", check_entities_on_every_parse
    ),
    Patch(
        "action response check built once (channels/action_server.py)",
        "rasa",
        "3.6.",
        build_response_check_once,
        required=False,
    ),
    Patch(
        "DIET loaded without tracing a training step (components/model_loading.py)",
        "rasa",
        "3.6.",
        load_models_without_tracing_the_training_step,
        required=False,
    ),
    Patch(
        "prediction graphs run in an order worked out once (components/graph_runner.py)",
        "rasa",
        "3.6.",
        run_prediction_graphs_in_a_fixed_order,
        required=False,
    ),
]


def apply_all(patches: List[Patch] = PATCHES) -> Dict[str, bool]:
    """Applies each patch whose package has the version it was written for; returns name -> applied.

    Raises PatchVersionError (a SystemExit with the reason) when a required patch cannot be applied.
    """
    applied: Dict[str, bool] = {}
    for patch in patches:
        installed = version(patch.package)
        if not installed.startswith(patch.written_for):
            reason = (
                f"{patch.name}: written for {patch.package} {patch.written_for}x, "
                f"{patch.package} {installed} is installed"
            )
            if patch.required:
                raise PatchVersionError(f"{reason}. Check the patch against this version, then update it.")
            logger.warning("%s; left as %s ships it.", reason, patch.package)
            applied[patch.name] = False
            continue
        patch.apply()
        applied[patch.name] = True
    return applied
