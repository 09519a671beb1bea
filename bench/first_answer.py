"""Time from `make run` on a fresh clone to the first answer, as a newcomer lives it.

Clones the committed HEAD into a new folder (with ../shared beside it, as CI has it), runs
`make run` there with empty package caches (pip, uv, npm: none of this machine's downloads
are reused), sends one patient message over REST every second until the assistant answers,
then stops `make run` with SIGINT to its process group, as Ctrl-C in a terminal does.

Prints the seconds to the first answer, the seconds each step reported, and how many lines
`make run` printed before the answer (with the warnings among them).

    .venv/bin/python bench/first_answer.py [--keep-caches] [--port 5105]
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from harness.servers import default_interrupt  # noqa: E402

MESSAGE = "combien de temps dure une néphrostomie ?"
# Lines that are a dependency's or the machine's warning, not the project's own output.
WARNING_LINE = re.compile(r"warning|deprecat|notice|could not find|this does not indicate", re.I)
STEP_LINE = re.compile(r"^(Installation|Entraînement) : .*fait en (\d+) s")


def answered(port: int) -> bool:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/webhooks/rest/webhook",
        data=json.dumps({"sender": "first-answer-bench", "message": MESSAGE}).encode(),
        headers={"Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return bool(json.load(response))
    except OSError:
        return False


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keep-caches", action="store_true",
                        help="reuse this machine's pip/uv/npm caches (a second clone, not a new machine)")
    parser.add_argument("--port", type=int, default=5105, help="RASA_PORT for the run (default 5105)")
    parser.add_argument("--timeout", type=int, default=1200, help="give up after this many seconds")
    parser.add_argument("--output", type=Path, help="also write everything make run printed to this file")
    arguments = parser.parse_args()

    if answered(arguments.port):
        parser.error(f"something already answers on port {arguments.port}: stop it, or pass --port")
    workspace = Path(tempfile.mkdtemp(prefix="first-answer-"))
    clone = workspace / "main"
    subprocess.run(["git", "clone", "--quiet", str(PROJECT), str(clone)], check=True)
    (workspace / "shared").symlink_to((PROJECT.parent / "shared").resolve())

    environment = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    environment.update(RASA_PORT=str(arguments.port), ACTION_PORT=str(arguments.port + 50),
                       WEB_PORT=str(arguments.port + 100), TRACKER_DB=str(workspace / "rasa.db"))
    if not arguments.keep_caches:
        caches = workspace / "caches"
        environment.update(PIP_NO_CACHE_DIR="1", UV_CACHE_DIR=str(caches / "uv"),
                           npm_config_cache=str(caches / "npm"))

    started = time.monotonic()
    # In a process group of its own, with Ctrl-C's default action, as a terminal starts it.
    run = subprocess.Popen(["make", "run"], cwd=clone, env=environment, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, start_new_session=True, preexec_fn=default_interrupt)
    lines: list[str] = []

    def read_output() -> None:
        # Lines as a terminal leaves them: a progress bar redrawn after "\r" is one line.
        for line in run.stdout:
            lines.append(line.decode(errors="replace").rstrip("\n").rstrip("\r").split("\r")[-1])

    reader = threading.Thread(target=read_output, daemon=True)
    reader.start()
    first_answer = None
    while time.monotonic() - started < arguments.timeout and run.poll() is None:
        if answered(arguments.port):
            first_answer = time.monotonic() - started
            lines_before_answer = len(lines)
            break
        time.sleep(1)

    os.killpg(run.pid, signal.SIGINT)
    try:
        status = run.wait(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(run.pid, signal.SIGKILL)
        status = run.wait()
    reader.join(timeout=5)
    # The servers run in sessions of their own (scripts/run.sh): whatever is left of them after a
    # failed stop would keep the port.
    for process in Path("/proc").glob("[0-9]*"):
        try:
            if str(workspace) in os.readlink(process / "cwd"):
                os.kill(int(process.name), signal.SIGKILL)
        except OSError:
            pass
    subprocess.run(["rm", "-rf", str(workspace)], check=False)

    if arguments.output:
        arguments.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if first_answer is None:
        print("\n".join(lines[-40:]))
        print(f"No answer within {arguments.timeout} s (make run exited {run.returncode}).")
        return 1
    before = lines[:lines_before_answer]
    print(f"First answer {first_answer:.0f} s after `make run` on a fresh clone "
          f"({'caches kept' if arguments.keep_caches else 'empty package caches'}).")
    for line in before:
        step = STEP_LINE.match(line)
        if step:
            print(f"  {line}")
    warnings = [line for line in before if WARNING_LINE.search(line)]
    print(f"Lines printed before the first answer: {len(before)}, of which warnings: {len(warnings)}.")
    for line in warnings:
        print(f"  warning: {line[:160]}")
    print(f"Ctrl-C (SIGINT to make's process group): make exited {status}; what it printed after the answer:")
    for line in lines[lines_before_answer:]:
        if "POST /webhooks/rest/webhook" not in line:
            print(f"  | {line[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
