"""Runs bench/locustfile.py headless against our servers; started by bench/load_test.sh.

Starts scripts/run.sh on free loopback ports with a private SQLite tracker store (unless --host
names servers already running), runs Locust from .venv-load for a bounded time, prints Locust's
own statistics and a short summary, stops the servers. Exits with 1 if any request failed or
Locust itself failed. Options not listed here are passed on to Locust (after `--`).
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.servers import (  # noqa: E402
    REPO_ROOT,
    RunningAssistant,
    spawn,
    stop_all,
    stop_all_on_exit,
    stop_group,
    tree_memory_mb,
)


def seconds(run_time: str) -> int:
    """Locust's --run-time syntax ("2m", "90s", "1h30m", "120") in seconds."""
    if run_time.isdigit():
        return int(run_time)
    parts = re.findall(r"(\d+)\s*([hms])", run_time)
    if not parts:
        raise argparse.ArgumentTypeError(f"invalid run time {run_time!r}")
    return sum(int(n) * {"h": 3600, "m": 60, "s": 1}[unit] for n, unit in parts)


def summary(stats_csv: Path) -> tuple:
    """Markdown lines per request name from Locust's CSV, and the total number of failures."""
    rows = list(csv.DictReader(stats_csv.open(encoding="utf-8")))
    lines = [
        "| Request | Count | Failures | p50 ms | p95 ms | p99 ms | max ms | req/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    failures = 0
    for row in rows:
        name = row["Name"] if row["Name"] != "Aggregated" else "**all**"
        lines.append(
            f"| {name} | {row['Request Count']} | {row['Failure Count']} | {row['50%']} | {row['95%']} "
            f"| {row['99%']} | {float(row['Max Response Time']):.0f} | {float(row['Requests/s']):.1f} |"
        )
        if row["Name"] == "Aggregated":
            failures = int(row["Failure Count"])
    return lines, failures


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", help="URL of a running Rasa server (default: start ours)")
    parser.add_argument("--users", type=int, default=20, help="simulated patients (20)")
    parser.add_argument("--spawn-rate", type=float, default=5, help="patients started per second (5)")
    parser.add_argument("--run-time", default="2m", help="Locust --run-time, e.g. 60s, 2m (2m)")
    parser.add_argument("--think-min", type=float, default=0.5, help="min think time, s (0.5)")
    parser.add_argument("--think-max", type=float, default=2.0, help="max think time, s (2.0)")
    parser.add_argument(
        "--locust", default=str(REPO_ROOT / ".venv-load" / "bin" / "locust"), help="locust executable"
    )
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary folder (logs, CSV)")
    args, locust_extra = parser.parse_known_args(argv)
    run_seconds = seconds(args.run_time)
    if not Path(args.locust).exists():
        sys.exit(f"{args.locust} not found: run bench/load_test.sh, which installs Locust in .venv-load")

    stop_all_on_exit()
    workdir = Path(tempfile.mkdtemp(prefix="rasa-load-"))
    servers: Optional[RunningAssistant] = None
    status = 1
    try:
        host = args.host
        if host is None:
            print("Starting the servers (scripts/run.sh) on free ports...", flush=True)
            # The simulated patients think 0.5 to 2 s between messages, faster than real ones:
            # socketio's per-connection rate (30 a minute) would refuse them. And they all come
            # from 127.0.0.1, whose work a minute (channels/rates.py) is that of one network.
            per_minute = os.environ.get("SOCKETIO_MESSAGES_PER_MINUTE", "120")
            work = os.environ.get("SOCKETIO_WORK_PER_ADDRESS", "100000")
            servers = RunningAssistant(
                workdir, SOCKETIO_MESSAGES_PER_MINUTE=per_minute, SOCKETIO_WORK_PER_ADDRESS=work
            )
            servers.start()
            host = servers.url
            print(f"Rasa server {host} answering after {servers.start_seconds:.1f} s", flush=True)
        command = [
            args.locust,
            "-f",
            str(REPO_ROOT / "bench" / "locustfile.py"),
            "--headless",
            "--users",
            str(args.users),
            "--spawn-rate",
            str(args.spawn_rate),
            "--run-time",
            args.run_time,
            "--stop-timeout",
            "15",
            "--host",
            host,
            "--only-summary",
            "--csv",
            str(workdir / "locust"),
            "--think-min",
            str(args.think_min),
            "--think-max",
            str(args.think_max),
            *[arg for arg in locust_extra if arg != "--"],
        ]
        print(
            f"Locust: {args.users} users over REST and socketio for {args.run_time}, host {host}", flush=True
        )
        started = time.monotonic()
        locust = spawn(command, workdir / "locust.log")
        try:
            locust_status = locust.wait(run_seconds + 120)
        except subprocess.TimeoutExpired:
            print("Locust did not stop in time: stopped.", file=sys.stderr)
            locust_status = 1
        stop_group(locust, kill_leftovers=True)
        elapsed = time.monotonic() - started

        stats_csv = workdir / "locust_stats.csv"
        if not stats_csv.exists():
            print(f"Locust wrote no statistics: see {workdir / 'locust.log'}.", file=sys.stderr)
            return 1
        lines, failures = summary(stats_csv)
        print(f"\nSummary from Locust's CSV ({elapsed:.0f} s of Locust run):\n")
        print("\n".join(lines))
        if servers is not None:
            rasa_pid, action_pid = servers.rasa_pid(), servers.action_pid()
            print(
                f"\nRSS peak: Rasa server {tree_memory_mb(rasa_pid, peak=True):.0f} MB, "
                f"action server {tree_memory_mb(action_pid, peak=True):.0f} MB"
            )
            if servers.process.poll() is not None:
                print("The servers stopped during the test: see the log.", file=sys.stderr)
                failures += 1
        status = 0 if failures == 0 and locust_status == 0 else 1
        print(
            "\nNo failures."
            if status == 0
            else f"\nFAILED: {failures} failed requests (Locust exit {locust_status})."
        )
        return status
    finally:
        stop_all()
        if args.keep_temp or status != 0:
            print(f"Logs kept in {workdir}", file=sys.stderr)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
