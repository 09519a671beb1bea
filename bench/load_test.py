"""`make load-test`: simulated patients over REST and over socketio (the web chat) for a bounded time.

Starts scripts/run.sh on free loopback ports with a private SQLite tracker store (unless --host
names servers already running), runs the patients for --run-time, prints the response times and
failures of each kind of request, stops the servers. Exits with 1 if any request failed.

The same asyncio client as the benchmark (bench/benchmark.py: aiohttp, in the project's venv),
with think times instead of a closed loop. Half the patients use REST, half socketio. Each has
short conversations: three questions answered by custom actions, then "merci" or "au revoir".

- REST: POST /webhooks/rest/webhook; a failure is a non-200, a body that is not a JSON list,
  or an empty list.
- socketio: python-socketio's asyncio client, HTTP long-polling only (as the web chat); per
  conversation a `session_request`/`session_confirm`, then `user_uttered`. Response time =
  `user_uttered` sent -> first `bot_uttered` received; no reply within --reply-timeout is a
  failure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import aiohttp
import socketio

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.benchmark import percentile  # noqa: E402
from bench.messages import ACTION_MIX, RESPONSE_MIX  # noqa: E402
from harness.servers import RunningAssistant, stop_all, stop_all_on_exit, tree_memory_mb  # noqa: E402

QUESTIONS_PER_CONVERSATION = 3
CLOSINGS = [text for text in RESPONSE_MIX if text in ("merci", "au revoir", "ok merci")]
REST_REQUEST = "REST: message -> replies"
CONNECT = "socketio: connect"
SESSION = "socketio: session_request -> session_confirm"
MESSAGE = "socketio: user_uttered -> first bot_uttered"


def seconds(run_time: str) -> int:
    """A run time: "2m", "90s", "1h30m" or a number of seconds."""
    if run_time.isdigit():
        return int(run_time)
    parts = re.findall(r"(\d+)\s*([hms])", run_time)
    if not parts:
        raise argparse.ArgumentTypeError(f"invalid run time {run_time!r}")
    return sum(int(n) * {"h": 3600, "m": 60, "s": 1}[unit] for n, unit in parts)


@dataclass
class Stats:
    """Response times (ms) and failures, by kind of request."""

    times: Dict[str, List[float]] = field(default_factory=lambda: defaultdict(list))
    failures: Dict[str, List[str]] = field(default_factory=lambda: defaultdict(list))

    def record(self, name: str, started: float, failure: Optional[str] = None) -> None:
        self.times[name].append((time.perf_counter() - started) * 1000)
        if failure:
            self.failures[name].append(failure)

    def table(self, elapsed: float) -> Tuple[List[str], int]:
        """Markdown lines per kind of request, and the number of failures."""
        lines = [
            "| Request | Count | Failures | p50 ms | p95 ms | p99 ms | max ms | req/s |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for name, times in sorted(self.times.items()):
            lines.append(
                f"| {name} | {len(times)} | {len(self.failures[name])} | {percentile(times, 50):.0f} "
                f"| {percentile(times, 95):.0f} | {percentile(times, 99):.0f} | {max(times):.0f} "
                f"| {len(times) / elapsed:.1f} |"
            )
        return lines, sum(len(failed) for failed in self.failures.values())


class Conversation:
    """The messages of one patient, conversation after conversation."""

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.pending: List[str] = []
        self.sender = ""

    def next_message(self) -> Tuple[str, bool]:
        """(text, True if it starts a new conversation)."""
        new = not self.pending
        if new:
            self.sender = f"{self.prefix}-{uuid.uuid4().hex[:12]}"
            self.pending = random.sample(ACTION_MIX, QUESTIONS_PER_CONVERSATION) + [random.choice(CLOSINGS)]
        return self.pending.pop(0), new


@dataclass
class Load:
    url: str
    deadline: float
    think: Tuple[float, float]
    reply_timeout: float
    stats: Stats

    async def pause(self) -> None:
        await asyncio.sleep(random.uniform(*self.think))


async def rest_patient(load: Load, session: aiohttp.ClientSession) -> None:
    conversation = Conversation("load-rest")
    timeout = aiohttp.ClientTimeout(total=load.reply_timeout)
    while time.monotonic() < load.deadline:
        text, _ = conversation.next_message()
        started = time.perf_counter()
        failure = None
        try:
            body = {"sender": conversation.sender, "message": text}
            async with session.post(f"{load.url}/webhooks/rest/webhook", json=body, timeout=timeout) as reply:
                replies = await reply.json(content_type=None) if reply.status == 200 else None
                if reply.status != 200:
                    failure = f"HTTP {reply.status}"
                elif not isinstance(replies, list) or not replies:
                    failure = f"no reply to {text!r}"
        except (aiohttp.ClientError, asyncio.TimeoutError, ValueError) as error:
            failure = type(error).__name__
        load.stats.record(REST_REQUEST, started, failure)
        await load.pause()


class SocketPatient:
    """One patient of the web chat: a socket.io connection, a session per conversation."""

    def __init__(self, load: Load, session: aiohttp.ClientSession) -> None:
        self.load, self.session = load, session
        self.conversation = Conversation("load-sio")
        self.replies: asyncio.Queue = asyncio.Queue()
        self.confirms: asyncio.Queue = asyncio.Queue()
        self.client: Optional[socketio.AsyncClient] = None

    async def run(self) -> None:
        try:
            while time.monotonic() < self.load.deadline:
                if (self.client is None or not self.client.connected) and not await self.connect():
                    await asyncio.sleep(1)
                    continue
                await self.send_message()
                await self.load.pause()
        finally:
            if self.client is not None and self.client.connected:
                await self.client.disconnect()

    async def connect(self) -> bool:
        # The shared HTTP session, which the load test closes (engineio would leave its own open).
        client = socketio.AsyncClient(reconnection=False, http_session=self.session)
        client.on("bot_uttered", lambda data: self.replies.put_nowait((time.perf_counter(), data)))
        client.on("session_confirm", lambda data: self.confirms.put_nowait(data))
        started = time.perf_counter()
        try:
            await client.connect(
                self.load.url,
                transports=["polling"],
                socketio_path="socket.io",
                wait_timeout=self.load.reply_timeout,
            )
        except (socketio.exceptions.ConnectionError, asyncio.TimeoutError) as error:
            self.load.stats.record(CONNECT, started, type(error).__name__)
            return False
        self.load.stats.record(CONNECT, started)
        self.client = client
        return True

    async def send_message(self) -> None:
        text, new = self.conversation.next_message()
        if new and not await self.new_session():
            self.conversation.pending = []
            return
        while not self.replies.empty():  # replies to the previous message are not this one's
            self.replies.get_nowait()
        started = time.perf_counter()
        await self.client.emit("user_uttered", {"message": text, "session_id": self.conversation.sender})
        try:
            _, data = await asyncio.wait_for(self.replies.get(), self.load.reply_timeout)
        except asyncio.TimeoutError:
            self.load.stats.record(MESSAGE, started, f"no reply to {text!r}")
            return
        self.load.stats.record(
            MESSAGE, started, None if (data or {}).get("text") else "bot_uttered without text"
        )

    async def new_session(self) -> bool:
        while not self.confirms.empty():
            self.confirms.get_nowait()
        started = time.perf_counter()
        await self.client.emit("session_request", {"session_id": self.conversation.sender})
        try:
            # The server hands out the session id (channels/socketio.py): speak in that one.
            self.conversation.sender = await asyncio.wait_for(self.confirms.get(), self.load.reply_timeout)
        except asyncio.TimeoutError:
            self.load.stats.record(SESSION, started, "no session_confirm")
            return False
        self.load.stats.record(SESSION, started)
        return True


async def run_patients(load: Load, users: int, spawn_rate: float) -> None:
    async with aiohttp.ClientSession() as session:
        patients = []
        for number in range(users):
            patient = rest_patient(load, session) if number % 2 == 0 else SocketPatient(load, session).run()
            patients.append(asyncio.create_task(patient))
            await asyncio.sleep(1 / spawn_rate)
        await asyncio.gather(*patients)


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", help="URL of a running Rasa server (default: start ours)")
    parser.add_argument("--users", type=int, default=20, help="simulated patients, half over socketio (20)")
    parser.add_argument("--spawn-rate", type=float, default=5, help="patients started per second (5)")
    parser.add_argument("--run-time", type=seconds, default="2m", help="e.g. 60s, 2m (2m)")
    parser.add_argument("--think-min", type=float, default=0.5, help="min think time, s (0.5)")
    parser.add_argument("--think-max", type=float, default=2.0, help="max think time, s (2.0)")
    parser.add_argument(
        "--reply-timeout", type=float, default=10.0, help="seconds before no reply fails (10)"
    )
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary folder (server logs)")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    stop_all_on_exit()
    workdir = Path(tempfile.mkdtemp(prefix="rasa-load-"))
    servers: Optional[RunningAssistant] = None
    status = 1
    try:
        url = args.host
        if url is None:
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
            url = servers.url
            print(f"Rasa server {url} answering after {servers.start_seconds:.1f} s", flush=True)
        print(f"{args.users} patients over REST and socketio for {args.run_time} s, {url}", flush=True)
        load = Load(
            url,
            time.monotonic() + args.run_time,
            (args.think_min, args.think_max),
            args.reply_timeout,
            Stats(),
        )
        started = time.monotonic()
        asyncio.run(run_patients(load, args.users, args.spawn_rate))
        elapsed = time.monotonic() - started
        lines, failures = load.stats.table(elapsed)
        print(f"\nResponse times over {elapsed:.0f} s:\n")
        print("\n".join(lines))
        for name, failed in sorted(load.stats.failures.items()):
            if failed:
                print(f"- {name}: {len(failed)} failed, first: {failed[0]}")
        if servers is not None:
            rasa_pid, action_pid = servers.rasa_pid(), servers.action_pid()
            print(
                f"\nRSS peak: Rasa server {tree_memory_mb(rasa_pid, peak=True):.0f} MB, "
                f"action server {tree_memory_mb(action_pid, peak=True):.0f} MB"
            )
            if servers.process.poll() is not None:
                print("The servers stopped during the test: see the log.", file=sys.stderr)
                failures += 1
        status = 0 if failures == 0 else 1
        print("\nNo failures." if status == 0 else f"\nFAILED: {failures} failed requests.")
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
