"""The test harness starts servers the way a terminal would."""

from __future__ import annotations

import signal
import sys

import pytest

from harness.servers import spawn

pytestmark = pytest.mark.unit


def test_a_spawned_command_gets_ctrl_c_s_default_action_even_if_the_caller_ignores_it(tmp_path):
    """A shell started with SIGINT ignored cannot trap it: run.sh would never stop its servers."""
    log = tmp_path / "out.log"
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        child = spawn([sys.executable, "-c", "import signal; print(signal.getsignal(signal.SIGINT))"], log)
        assert child.wait(timeout=30) == 0
    finally:
        signal.signal(signal.SIGINT, previous)
    assert "default_int_handler" in log.read_text(encoding="utf-8")
