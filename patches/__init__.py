"""The project's changes to Rasa 3.6 and Sanic 21.12, in one place, applied explicitly when a
Rasa process starts: `apply_all()`.

None of them is configurable in Rasa 3.6, so each replaces a constant or a method. `PATCHES`
lists them, each with the upstream issue or code it works around and the version it was written
for: `apply_all()` checks the installed version first. A patch that protects patients (the HTTP
limits, the action timeout, bodies out of logs, the entity check) stops the start-up when the
version differs, since running without it would be unsafe; the response check, the model
loading and the graph runner only save time, so they are skipped with a warning.

scripts/rasa_server.py calls `apply_all()` before Rasa reads its arguments, for `rasa run`
(scripts/run.sh, deploy/local-cluster.sh, the container), `rasa shell` (scripts/shell.sh) and
`rasa test` (the conversation tests of scripts/test.sh). Importing this package changes nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from importlib.metadata import version
from typing import Callable, Dict, List

from patches.action_server import (
    apply_action_timeout,
    build_response_check_once,
    keep_response_bodies_out_of_logs,
)
from patches.entity_check import check_entities_on_every_parse
from patches.graph_runner import run_prediction_graphs_in_a_fixed_order
from patches.model_loading import load_models_without_tracing_the_training_step
from patches.server_limits import apply_server_limits

logger = logging.getLogger(__name__)

RASA = "https://github.com/RasaHQ/rasa"


class PatchVersionError(SystemExit):
    """A patch that must be applied was written for another version of the package it changes."""


@dataclass(frozen=True)
class Patch:
    name: str
    package: str
    # Version prefix the patch was written and tested for, e.g. "3.6." for any Rasa 3.6.x.
    written_for: str
    apply: Callable[[], object]
    # What it works around upstream: the issue, or the code where no issue was found.
    upstream: str
    # False: the patch only saves time, Rasa is still correct without it.
    required: bool = True


PATCHES: List[Patch] = [
    Patch(
        "HTTP size limit and timeouts (patches/server_limits.py)",
        "sanic",
        "21.12.",
        apply_server_limits,
        # Sanic's defaults (100 MB bodies, 60 s timeouts) and Rasa's own 120 s keep-alive
        # (rasa/core/run.py, configure_app) and, with the HTTP API, 3600 s response timeout.
        "https://sanic.dev/en/guide/running/configuration.html; rasa/core/run.py configure_app",
    ),
    Patch(
        "action server timeout (patches/action_server.py)",
        "rasa",
        "3.6.",
        apply_action_timeout,
        f"{RASA}/issues/9789 (DEFAULT_REQUEST_TIMEOUT not configurable; closed, still 300 s in 3.6)",
    ),
    Patch(
        "action server error bodies kept out of logs (patches/action_server.py)",
        "rasa",
        "3.6.",
        keep_response_bodies_out_of_logs,
        "no issue found: rasa/utils/endpoints.py ClientResponseError puts body='…' in its message",
    ),
    Patch(
        "entities checked on every parse (patches/entity_check.py)",
        "rasa",
        "3.6.",
        check_entities_on_every_parse,
        "no issue found: yaml_story_reader.py _entities_from_regex_match keeps any JSON value",
    ),
    Patch(
        "action response check built once (patches/action_server.py)",
        "rasa",
        "3.6.",
        build_response_check_once,
        "no issue found: rasa/core/actions/action.py calls jsonschema.validate on every response",
        required=False,
    ),
    Patch(
        "DIET loaded without tracing a training step (patches/model_loading.py)",
        "rasa",
        "3.6.",
        load_models_without_tracing_the_training_step,
        f"{RASA}/issues/7096 and {RASA}/issues/10194 (slow model loading; closed)",
        required=False,
    ),
    Patch(
        "prediction graphs run in an order worked out once (patches/graph_runner.py)",
        "rasa",
        "3.6.",
        run_prediction_graphs_in_a_fixed_order,
        "no issue found: rasa/engine/runner/dask.py calls dask.get on every run (#10754 is on training)",
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
