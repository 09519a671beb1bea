"""The project's changes to Rasa: applied by one explicit call, each on the version it was written for."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
from importlib.metadata import version
from typing import Dict

import pytest

from harness.servers import REPO_ROOT, base_env
from patches import PATCHES, Patch, PatchVersionError, apply_all

pytestmark = pytest.mark.unit

CHECK_NOTHING_PATCHED_ON_IMPORT = """
from rasa.core.actions.action import RemoteAction
from rasa.core.processor import MessageProcessor
import rasa.core.actions.action as action
from rasa.utils.tensorflow.models import RasaModel
def patched():
    timeout = action.DEFAULT_REQUEST_TIMEOUT
    return (RemoteAction._validate_action_result, MessageProcessor.parse_message, timeout, RasaModel.load)
before = patched()
import channels, channels.rest, channels.socketio, patches
after = patched()
assert before == after, "importing channels changed Rasa"
patches.apply_all()
assert action.DEFAULT_REQUEST_TIMEOUT == 5.0, action.DEFAULT_REQUEST_TIMEOUT
assert RemoteAction._validate_action_result is not before[0]
assert MessageProcessor.parse_message is not before[1]
assert RasaModel.load != before[3]
"""


def run_in_a_fresh_process(code: str, env: Dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO_ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_importing_the_channels_changes_nothing_until_apply_all():
    env = {k: v for k, v in base_env().items() if k != "ACTION_TIMEOUT_SECONDS"}
    result = run_in_a_fresh_process(CHECK_NOTHING_PATCHED_ON_IMPORT, env)
    assert result.returncode == 0, result.stderr


def test_every_patch_was_written_for_the_installed_versions():
    for patch in PATCHES:
        assert version(patch.package).startswith(patch.written_for), patch.name


def other_version(patch: Patch) -> Patch:
    applied = []
    return dataclasses.replace(patch, written_for="0.0.", apply=lambda: applied.append(True))


def test_a_required_patch_on_another_version_stops_the_start_with_its_name_and_versions():
    required = next(p for p in PATCHES if p.required)
    with pytest.raises(PatchVersionError) as stop:
        apply_all([other_version(required)])
    message = str(stop.value)
    assert required.name in message and version(required.package) in message and "0.0.x" in message


def test_an_optional_patch_on_another_version_is_skipped_with_a_warning(caplog):
    calls = []
    optional = Patch(
        "faster check", "rasa", "0.0.", lambda: calls.append(1), "no issue found: -", required=False
    )
    current = Patch("timeout", "rasa", version("rasa")[:4], lambda: calls.append(2), "no issue found: -")
    assert apply_all([optional, current]) == {"faster check": False, "timeout": True}
    assert calls == [2]
    assert "faster check" in caplog.text and "0.0.x" in caplog.text


CHECK_NO_FILE_READ_ON_IMPORT = """
import builtins, pathlib, os
read = []
original_read_text, original_open = pathlib.Path.read_text, builtins.open
def read_text(self, *args, **kwargs):
    read.append(str(self))
    return original_read_text(self, *args, **kwargs)
def opened(file, *args, **kwargs):
    read.append(str(file))
    return original_open(file, *args, **kwargs)
pathlib.Path.read_text, builtins.open = read_text, opened
before = dict(os.environ)
import settings, channels.rest, channels.socketio, channels.payload, channels.personal_data
import stores.tracker_sql, stores.sqlite_tracker_store
import knowledge, assistant.understanding, assistant.answers, actions.actions, patches
# The project's files (dask reads its own configuration when Rasa's runner is imported).
ours = [path for path in read if path.endswith((".yml", ".yaml", ".md")) and "site-packages" not in path]
assert not ours, ours
assert dict(os.environ) == before, "importing changed the environment"
"""


def test_importing_the_project_s_packages_reads_no_file_and_sets_no_variable():
    result = run_in_a_fresh_process(CHECK_NO_FILE_READ_ON_IMPORT, base_env())
    assert result.returncode == 0, result.stderr


CHECK_LIMITS_ON_THE_APP_RASA_CONFIGURES = """
import rasa.core.run, settings, patches
from patches.server_limits import limits
patches.apply_all()
expected = limits(settings.load())
for api in (False, True):
    # Rasa sets its own keep-alive (120 s), and with the API the response timeout (3600 s).
    app = rasa.core.run.configure_app(enable_api=api, auth_token="t" if api else None)
    for name, value in expected.items():
        assert getattr(app.config, name) == value, (api, name, getattr(app.config, name), value)
"""


def test_the_limits_hold_on_the_app_rasa_configures_with_or_without_the_api():
    env = base_env(SANIC_KEEP_ALIVE_TIMEOUT="7", SANIC_RESPONSE_TIMEOUT="33")
    result = run_in_a_fresh_process(CHECK_LIMITS_ON_THE_APP_RASA_CONFIGURES, env)
    assert result.returncode == 0, result.stderr


def test_every_patch_names_what_it_works_around_upstream():
    for patch in PATCHES:
        assert patch.upstream.startswith(("https://", "no issue found: ")), patch.name
