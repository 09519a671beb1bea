"""scripts/setup.sh on a machine without Node.js: it says so before installing anything."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from harness.servers import REPO_ROOT

pytestmark = pytest.mark.unit


def test_setup_stops_on_a_missing_node_before_the_pip_install(tmp_path):
    (tmp_path / "scripts").mkdir()
    shutil.copy(REPO_ROOT / "scripts" / "setup.sh", tmp_path / "scripts" / "setup.sh")
    tools = tmp_path / "bin"
    tools.mkdir()
    os.symlink(shutil.which("dirname"), tools / "dirname")
    # Any Python the script would use leaves a mark: it must not get that far.
    marker = tmp_path / "python-was-called"
    for name in ("python3.10", "python3", "python", "uv"):
        fake = tools / name
        fake.write_text(f"#!/bin/sh\ntouch {marker}\nexit 1\n")
        fake.chmod(0o755)
    result = subprocess.run(
        ["/bin/bash", str(tmp_path / "scripts" / "setup.sh")],
        env={"PATH": str(tools)},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 1
    assert "Node.js" in result.stderr and "npm" in result.stderr
    assert not marker.exists()
    assert not (tmp_path / ".venv").exists()
