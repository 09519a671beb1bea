"""`make shell` (scripts/shell.sh): rasa shell with the project's patches, the action timeout among them."""

from __future__ import annotations

import socket
import subprocess
import threading

from harness.servers import REPO_ROOT, base_env, free_port

ACTION_TIMEOUT_SECONDS = 2
# Far below Rasa's own five minutes: a shell without the patch runs into it.
SHELL_TIMEOUT_SECONDS = 150


def hung_action_server() -> tuple:
    """A port that accepts connections and never answers, like a hung action server."""
    listener = socket.create_server(("127.0.0.1", 0))
    accepted = []

    def accept_forever():
        while True:
            try:
                accepted.append(listener.accept()[0])
            except OSError:
                return

    threading.Thread(target=accept_forever, daemon=True).start()
    return listener, listener.getsockname()[1]


def test_the_shell_gives_up_on_a_hung_action_server_after_the_timeout(tmp_path):
    listener, port = hung_action_server()
    try:
        result = subprocess.run(
            [str(REPO_ROOT / "scripts" / "shell.sh")],
            input="À quoi sert une biopsie ?\n/stop\n",
            env=base_env(
                ACTION_TIMEOUT_SECONDS=str(ACTION_TIMEOUT_SECONDS),
                ACTION_SERVER_URL=f"http://127.0.0.1:{port}/webhook",
                ACTION_PORT=str(free_port()),
                TRACKER_DB=str(tmp_path / "tracker.db"),
            ),
            capture_output=True,
            text=True,
            timeout=SHELL_TIMEOUT_SECONDS,
        )
    finally:
        listener.close()
    output = result.stdout + result.stderr
    assert result.returncode == 0, output[-3000:]
    assert "Encountered an exception while running action" in output
    assert "TimeoutError" in output
