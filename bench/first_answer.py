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
import time
import urllib.request
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT))

from harness.servers import spawn, stop_group  # noqa: E402

MESSAGE = "combien de temps dure une néphrostomie ?"
# Lines that are a dependency's or the machine's warning, not the project's own output.
WARNING_LINE = re.compile(r"warning|deprecat|notice|could not find|this does not indicate", re.I)
STEP_LINE = re.compile(r"^(Installation|Entraînement) : .*fait en (\d+) s")


def terminal_lines(output: bytes) -> list[str]:
    """Lines as a terminal leaves them: a progress bar redrawn after "\\r" is one line."""
    text = output.decode(errors="replace").removesuffix("\n")
    return [line.rstrip("\r").split("\r")[-1] for line in text.split("\n")] if text else []


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

    console = workspace / "console.log"
    started = time.monotonic()
    # In a process group of its own, with Ctrl-C's default action, as a terminal starts it.
    run = spawn(["make", "run"], console, cwd=clone, env=environment)
    first_answer = None
    while time.monotonic() - started < arguments.timeout and run.poll() is None:
        if answered(arguments.port):
            first_answer = time.monotonic() - started
            bytes_before_answer = console.stat().st_size
            break
        time.sleep(1)
    # Ctrl-C as a terminal sends it; whatever is left after a failed stop is killed (the servers
    # run in sessions of their own and would keep the port).
    status = stop_group(run, signal.SIGINT, timeout=60, kill_leftovers=True)
    output = console.read_bytes()
    subprocess.run(["rm", "-rf", str(workspace)], check=False)
    lines = terminal_lines(output)

    if arguments.output:
        arguments.output.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if first_answer is None:
        print("\n".join(lines[-40:]))
        print(f"No answer within {arguments.timeout} s (make run exited {status}).")
        return 1
    before = terminal_lines(output[:bytes_before_answer])
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
    for line in lines[len(before):]:
        if "POST /webhooks/rest/webhook" not in line:
            print(f"  | {line[:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
