"""Latency, throughput, memory, load and training time of the assistant, beside a stock `rasa init` bot.

    .venv/bin/python bench/benchmark.py            (about 5 min on 2 cores: trains both bots cold)
    .venv/bin/python bench/benchmark.py --quick    (under 3 min: 5 s phases, our training skipped)

Starts our servers with scripts/run.sh on free loopback ports and endpoints.yml's tracker store on
a private file, then sends, through the REST channel, a fixed mix of patient questions:
- questions answered by custom actions (action server round trip),
- messages answered by a response of domain.yml (small talk through action_answer, the
  emergency instruction by a rule alone),
each with 1 user and with --users concurrent users (closed loop: a user sends its next message as
soon as it has the reply). Every user rotates its sender every few messages, so conversations
(and trackers) stay as short as real ones. Does the same with the bot `rasa init` makes,
trained and served by the same installed Rasa (`rasa run`, REST, in-memory tracker store, no
action server), running beside ours: each phase is cut into --rounds slices that alternate
between the two servers, so a change in the machine's load weighs on both alike.
Last, a new conversation per message (a new sender for every request: session start,
disclaimer, the conversation's first writes, the common case for patients who ask one to three
questions), 1 user then --users users, the two bots alternating in short rounds; ours must stay
within NEW_CONVERSATION_MAX_RATIO of the stock bot, p50 and p95.

Prints markdown tables: latency percentiles, messages/s and errors per scenario; start-up,
training time and resident memory; the targets with PASS/MISS. Targets are ratios to the stock
bot measured in the same run, so they hold on a slower or busier machine: absolute figures are
printed for information only. Exits with 1 if a target is missed. Progress goes to stderr, the
tables to stdout. The model served is the newest one in models/ (the timed training writes into a
temporary folder, models/ is never touched).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, List, Optional, Sequence

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.messages import ACTION_MIX, RESPONSE_MIX, STOCK_MIX  # noqa: E402
from channels.domain import response_text  # noqa: E402
from channels.domain import responses as domain_responses  # noqa: E402
from harness.servers import (  # noqa: E402
    RASA,
    REPO_ROOT,
    RunningAssistant,
    StockServer,
    base_env,
    machine_description,
    spawn,
    stop_all,
    stop_all_on_exit,
    stop_group,
    tree_memory_mb,
)

# Ours / stock, both measured in the same run on the same machine (custom-action mix against the
# stock bot's mix): at most this much slower, or at least 1/this of its throughput.
MAX_RATIO_TO_STOCK = 1.3


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def percentile(values: Sequence[float], q: int) -> float:
    """The q-th percentile (1 to 99), interpolated between closest ranks as numpy does; NaN when empty."""
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


# --- Load generator ----------------------------------------------------------------------------


@dataclass
class PhaseResult:
    scenario: str
    users: int
    latencies_ms: List[float] = field(default_factory=list)
    errors: int = 0
    wrong_replies: int = 0
    elapsed: float = 0.0
    error_samples: List[str] = field(default_factory=list)

    @property
    def requests(self) -> int:
        return len(self.latencies_ms) + self.errors

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.elapsed if self.elapsed else float("nan")

    def p(self, q: float) -> float:
        return percentile(self.latencies_ms, q)

    def add(self, other: PhaseResult) -> None:
        """Another slice of the same scenario and number of users."""
        self.latencies_ms += other.latencies_ms
        self.errors += other.errors
        self.wrong_replies += other.wrong_replies
        self.elapsed += other.elapsed
        self.error_samples += other.error_samples[: 5 - len(self.error_samples)]


async def _user(
    session: aiohttp.ClientSession,
    url: str,
    user: int,
    messages: Sequence[str],
    expected: Optional[Dict[str, str]],
    turns: int,
    tag: str,
    deadline: float,
    budget: List[int],
    timeout: float,
    result: PhaseResult,
) -> None:
    turn = 0
    offset = user * 3  # users do not all ask the same question at the same time
    while time.monotonic() < deadline:
        if budget[0] <= 0:
            return
        budget[0] -= 1
        text = messages[(offset + turn) % len(messages)]
        sender = f"bench-{tag}-u{user}-c{turn // turns}"
        turn += 1
        started = time.perf_counter()
        try:
            async with session.post(
                url, json={"sender": sender, "message": text}, timeout=aiohttp.ClientTimeout(total=timeout)
            ) as response:
                body = await response.read()
                elapsed_ms = (time.perf_counter() - started) * 1000
                if response.status != 200:
                    raise RuntimeError(f"HTTP {response.status}: {body[:200]!r}")
                replies = json.loads(body)
                if not isinstance(replies, list) or not replies:
                    raise RuntimeError(f"empty reply to {text!r}")
        except Exception as error:  # timeouts, refused connections, bad JSON, empty replies
            result.errors += 1
            if len(result.error_samples) < 5:
                result.error_samples.append(f"{type(error).__name__}: {error}"[:300])
            continue
        result.latencies_ms.append(elapsed_ms)
        # The first message of a conversation is answered after the disclaimer.
        if expected is not None and all(reply.get("text") != expected[text] for reply in replies):
            result.wrong_replies += 1


async def _phase(
    url: str,
    scenario: str,
    users: int,
    messages: Sequence[str],
    expected: Optional[Dict[str, str]],
    duration: float,
    max_requests: Optional[int],
    turns: int,
    timeout: float,
) -> PhaseResult:
    result = PhaseResult(scenario, users)
    tag = f"{scenario.split()[0]}{users}-{int(time.time() * 1000) % 10**8}"
    budget = [max_requests if max_requests else 10**12]
    deadline = time.monotonic() + (duration if not max_requests else 10**6)
    connector = aiohttp.TCPConnector(limit=users)
    async with aiohttp.ClientSession(connector=connector) as session:
        started = time.monotonic()
        await asyncio.gather(
            *(
                _user(session, url, u, messages, expected, turns, tag, deadline, budget, timeout, result)
                for u in range(users)
            )
        )
        result.elapsed = time.monotonic() - started
    return result


def run_phase(url: str, scenario: str, users: int, messages, expected, args) -> PhaseResult:
    amount = f"{args.requests} requests" if args.requests else f"{args.duration:g} s"
    log(f"{scenario}: {users} user(s), {amount}")
    result = asyncio.run(
        _phase(
            f"{url}/webhooks/rest/webhook",
            scenario,
            users,
            list(messages),
            expected,
            args.duration,
            args.requests,
            args.turns,
            args.timeout,
        )
    )
    log(
        f"  {result.requests} requests, {result.errors} errors, p50 {result.p(50):.1f} ms, "
        f"p95 {result.p(95):.1f} ms, {result.throughput:.1f} msg/s"
    )
    for sample in result.error_samples:
        log(f"  error: {sample}")
    return result


def slice_of(args: argparse.Namespace) -> argparse.Namespace:
    """The load of one of the --rounds slices of a phase."""
    return argparse.Namespace(
        **{
            **vars(args),
            "duration": args.duration / args.rounds,
            "requests": max(1, args.requests // args.rounds) if args.requests else None,
        }
    )


def warm_up(url: str, messages: Sequence[str], count: int) -> None:
    """A few conversations first: lazy initialisations are not part of the figures."""
    if count > 0:
        asyncio.run(
            _phase(f"{url}/webhooks/rest/webhook", "warmup", 2, list(messages), None, 600, count, 5, 30)
        )


# --- A new conversation per message -------------------------------------------------------------

# Most patients ask one to three questions, so the first message of a conversation (session start,
# disclaimer, slots, the conversation's first tracker writes) is the common case: ours must take at
# most this fraction of the stock bot's time, p50 and p95, at 1 user and at --users users.
NEW_CONVERSATION_MAX_RATIO = 0.8


def merged(parts: List[PhaseResult]) -> PhaseResult:
    whole = PhaseResult(parts[0].scenario, parts[0].users)
    for part in parts:
        whole.latencies_ms += part.latencies_ms
        whole.errors += part.errors
        whole.wrong_replies += part.wrong_replies
        whole.elapsed += part.elapsed
        whole.error_samples += part.error_samples[: 5 - len(whole.error_samples)]
    return whole


def new_conversation_phases(
    ours_url: str, stock_url: Optional[str], args, rounds: int = 4
) -> tuple[List[PhaseResult], List[PhaseResult]]:
    """1 user, then --users users, every request from a sender never seen before; ours and the stock
    bot (both servers up) take turns in short rounds, so a change in the machine's load (other
    processes, CPU frequency) weighs on both alike. Returns ours, stock (empty without stock)."""
    share = argparse.Namespace(
        **{
            **vars(args),
            "turns": 1,
            "duration": args.duration / rounds,
            "requests": args.requests // rounds if args.requests else None,
        }
    )
    bots = [("ours", ours_url, ACTION_MIX)]
    if stock_url is not None:
        bots.append(("stock rasa init", stock_url, STOCK_MIX))
    phases: Dict[tuple, List[PhaseResult]] = {}
    for users in (1, args.users):
        for _ in range(rounds):
            for bot, url, messages in bots:
                phase = run_phase(url, f"{bot}: new conversation per message", users, messages, None, share)
                phases.setdefault((bot, users), []).append(phase)
    by_bot = {bot: [merged(phases[bot, users]) for users in (1, args.users)] for bot, _, _ in bots}
    return by_bot["ours"], by_bot.get("stock rasa init", [])


def new_conversation_report(ours: List[PhaseResult], stock: List[PhaseResult]) -> tuple[str, bool]:
    """Ours beside the stock bot, p50 and p95 at each number of users, with the ratio and its target."""
    lines = [
        "Every request from a new sender (session start, disclaimer, the conversation's first writes), "
        "ours and the stock bot alternating in short rounds.\n",
        "| New conversation per message | Users | Ours ms | Stock ms | Ours / stock | Goal | Result |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    all_met = True
    for mine, theirs in zip(ours, stock, strict=True):
        for q in (50, 95):
            ratio = mine.p(q) / theirs.p(q)
            met = ratio <= NEW_CONVERSATION_MAX_RATIO and mine.errors == 0
            all_met &= met
            lines.append(
                f"| p{q} | {mine.users} | {fmt(mine.p(q))} | {fmt(theirs.p(q))} | {ratio:.2f}× "
                f"| ≤ {NEW_CONVERSATION_MAX_RATIO}× | {'PASS' if met else 'MISS'} |"
            )
    return "\n".join(lines), all_met


# --- Training -----------------------------------------------------------------------------------


def timed(args: List[str], cwd: Path, log_file: Path, **env: str) -> float:
    """Seconds a command takes, in its own process group (stopped on Ctrl-C)."""
    started = time.monotonic()
    process = spawn(args, log_file, cwd, base_env(**env))
    try:
        status = process.wait()
    finally:
        stop_group(process, kill_leftovers=True)
    if status != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({status}), see {log_file}")
    return time.monotonic() - started


def train_ours(workdir: Path) -> float:
    """`rasa train` of the project into a temporary folder, with an empty private cache (cold)."""
    log("training our project (cold: empty private Rasa cache, output in a temporary folder)")
    seconds = timed(
        [str(RASA), "train", "--out", str(workdir / "models"), "--fixed-model-name", "bench", "--quiet"],
        REPO_ROOT,
        workdir / "train.log",
        RASA_CACHE_DIRECTORY=str(workdir / "cache"),
    )
    log(f"  trained in {seconds:.0f} s")
    return seconds


def init_stock(workdir: Path) -> float:
    """`rasa init --no-prompt`: scaffolds the stock project and trains it (cold cache)."""
    log("rasa init --no-prompt (stock bot, trains it with a cold cache)")
    project = workdir / "project"
    project.mkdir(parents=True)
    seconds = timed(
        [str(RASA), "init", "--no-prompt", "--init-dir", str(project)],
        workdir,
        workdir / "init.log",
        RASA_CACHE_DIRECTORY=str(workdir / "cache"),
    )
    log(f"  scaffolded and trained in {seconds:.0f} s")
    return seconds


# --- Report -------------------------------------------------------------------------------------


def domain_texts() -> Dict[str, str]:
    return {name: response_text(name) for name, _ in domain_responses()}


def fmt(value: float, digits: int = 1) -> str:
    return (
        "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"
    )


def latency_table(results: List[PhaseResult]) -> str:
    lines = [
        "| Scenario | Users | Requests | Errors | Wrong replies | p50 ms | p95 ms | p99 ms | msg/s |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.scenario} | {r.users} | {r.requests} | {r.errors} | {r.wrong_replies} | {fmt(r.p(50))} "
            f"| {fmt(r.p(95))} | {fmt(r.p(99))} | {fmt(r.throughput)} |"
        )
    return "\n".join(lines)


def ratio_row(label: str, ours: float, stock: float, unit: str, higher_is_better: bool = False) -> tuple:
    """(label, goal, ours, stock, ratio, met) for one figure judged against the stock bot's."""
    ratio = ours / stock if stock else float("nan")
    if higher_is_better:
        goal, met = f"≥ {1 / MAX_RATIO_TO_STOCK:.2f}× stock", ratio >= 1 / MAX_RATIO_TO_STOCK
    else:
        goal, met = f"≤ {MAX_RATIO_TO_STOCK}× stock", ratio <= MAX_RATIO_TO_STOCK
    return label, goal, f"{fmt(ours)} {unit}", f"{fmt(stock)} {unit}", f"{fmt(ratio, 2)}×", met


def targets_table(
    single: PhaseResult,
    concurrent: PhaseResult,
    stock_single: Optional[PhaseResult],
    stock_concurrent: Optional[PhaseResult],
    memory: Dict[str, float],
) -> tuple[str, bool]:
    """The targets, judged by ratio to the stock bot of the same run; (markdown, all met)."""
    users = concurrent.users
    rows = [(f"{users} users errors", "0", str(concurrent.errors), "", "", concurrent.errors == 0)]
    if stock_single is not None and stock_concurrent is not None:
        rows += [
            ratio_row("1 user p50", single.p(50), stock_single.p(50), "ms"),
            ratio_row("1 user p95", single.p(95), stock_single.p(95), "ms"),
            ratio_row(f"{users} users p95", concurrent.p(95), stock_concurrent.p(95), "ms"),
            ratio_row(
                f"{users} users throughput",
                concurrent.throughput,
                stock_concurrent.throughput,
                "msg/s",
                higher_is_better=True,
            ),
            ratio_row(
                "Rasa server RSS (peak)", memory["ours_rasa_peak_mb"], memory["stock_rasa_peak_mb"], "MB"
            ),
        ]
    lines = [
        "| Target (custom-action mix) | Goal | Ours | Stock | Ratio | Result |",
        "|---|---|---:|---:|---:|---|",
    ]
    lines += [
        f"| {label} | {goal} | {ours} | {stock} | {ratio} | {'PASS' if met else 'MISS'} |"
        for label, goal, ours, stock, ratio, met in rows
    ]
    if stock_single is None:
        lines.append("\nNo stock bot in this run (--skip-stock): the latency targets are not judged.")
    return "\n".join(lines), all(met for *_, met in rows)


# --- Main ---------------------------------------------------------------------------------------


def parse_args(argv: Optional[List[str]] = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=20, help="seconds per load phase (default 20)")
    parser.add_argument("--requests", type=int, help="requests per load phase instead of a duration")
    parser.add_argument("--users", type=int, default=20, help="concurrent users of the load phases (20)")
    parser.add_argument(
        "--rounds", type=int, default=4, help="slices of each phase, alternated between the servers (4)"
    )
    parser.add_argument("--turns", type=int, default=5, help="messages per conversation (sender) (5)")
    parser.add_argument("--timeout", type=float, default=10, help="seconds before a request is an error")
    parser.add_argument("--warmup", type=int, default=30, help="warm-up requests per server (30)")
    parser.add_argument("--skip-training", action="store_true", help="do not time `rasa train` of ours")
    parser.add_argument("--skip-stock", action="store_true", help="no stock `rasa init` bot")
    parser.add_argument(
        "--quick", action="store_true", help="5 s phases in 2 rounds, 10 warm-up requests, no training"
    )
    parser.add_argument("--json", type=Path, help="also write the raw figures to this JSON file")
    parser.add_argument("--keep-temp", action="store_true", help="keep the temporary folder (logs)")
    args = parser.parse_args(argv)
    if args.quick:
        args.duration, args.warmup, args.skip_training, args.rounds = 5, 10, True, 2
    return args


@dataclass
class Measured:
    """Everything one run of the benchmark measured."""

    results: List[PhaseResult]
    single: PhaseResult  # ours, custom actions, one user
    concurrent: PhaseResult  # ours, custom actions, --users users
    nlu_single: PhaseResult  # ours, responses of domain.yml, one user
    stock_single: Optional[PhaseResult]
    stock_concurrent: Optional[PhaseResult]
    memory: Dict[str, float]
    train_seconds: float
    stock_train_seconds: float
    ours_load_seconds: float
    stock_load_seconds: float
    ours_new: List[PhaseResult]
    stock_new: List[PhaseResult]


def measure(args: argparse.Namespace, workdir: Path) -> Measured:
    """Trains, starts both bots side by side, and runs every phase; stops the servers."""
    responses = domain_texts()
    nlu_expected = {text: responses[name] for text, name in RESPONSE_MIX.items()}
    train_seconds = float("nan") if args.skip_training else train_ours(workdir / "train")
    stock_train = float("nan") if args.skip_stock else init_stock(workdir / "stock")

    log("starting our servers (scripts/run.sh)")
    ours = RunningAssistant(workdir)
    ours.start()
    log(f"  ready after {ours.start_seconds:.1f} s")
    warm_up(ours.url, ACTION_MIX + list(RESPONSE_MIX), args.warmup)
    scenarios = [
        ("ours: custom actions", ours.url, ACTION_MIX, None),
        ("ours: responses of domain.yml", ours.url, RESPONSE_MIX, nlu_expected),
    ]
    stock, stock_load = None, float("nan")
    if not args.skip_stock:
        log("starting the stock bot (rasa run)")
        stock = StockServer(workdir / "stock" / "project")
        stock.start()
        stock_load = stock.start_seconds
        log(f"  ready after {stock_load:.1f} s")
        warm_up(stock.url, STOCK_MIX, args.warmup)
        scenarios.append(("stock rasa init", stock.url, STOCK_MIX, None))

    # Both servers run side by side and their phases alternate, in --rounds slices each: a
    # machine whose load changes during the run (shared, throttled) weighs on both alike.
    measured: Dict[tuple, PhaseResult] = {}
    for users in (1, args.users):
        for _ in range(args.rounds):
            for scenario, url, messages, expected in scenarios:
                part = run_phase(url, scenario, users, messages, expected, slice_of(args))
                measured.setdefault((scenario, users), PhaseResult(scenario, users)).add(part)

    rasa_pid, action_pid = ours.rasa_pid(), ours.action_pid()
    memory = {
        "ours_rasa_rss_mb": tree_memory_mb(rasa_pid),
        "ours_rasa_peak_mb": tree_memory_mb(rasa_pid, peak=True),
        "ours_actions_rss_mb": tree_memory_mb(action_pid),
        "ours_actions_peak_mb": tree_memory_mb(action_pid, peak=True),
    }
    if stock is not None:
        memory["stock_rasa_rss_mb"] = tree_memory_mb(stock.rasa_pid())
        memory["stock_rasa_peak_mb"] = tree_memory_mb(stock.rasa_pid(), peak=True)
    # Ours keeps running: the new-conversation scenario alternates both bots.
    ours_new, stock_new = new_conversation_phases(ours.url, stock.url if stock else None, args)
    if stock is not None:
        stock.stop()
    ours.stop()
    return Measured(
        results=list(measured.values()) + ours_new + stock_new,
        single=measured[("ours: custom actions", 1)],
        concurrent=measured[("ours: custom actions", args.users)],
        nlu_single=measured[("ours: responses of domain.yml", 1)],
        stock_single=measured.get(("stock rasa init", 1)),
        stock_concurrent=measured.get(("stock rasa init", args.users)),
        memory=memory,
        train_seconds=train_seconds,
        stock_train_seconds=stock_train,
        ours_load_seconds=ours.start_seconds,
        stock_load_seconds=stock_load,
        ours_new=ours_new,
        stock_new=stock_new,
    )


def print_report(args: argparse.Namespace, machine: str, m: Measured) -> bool:
    """Prints the tables; returns whether every target is met."""
    load_desc = f"{args.requests} requests" if args.requests else f"{args.duration:g} s"
    print(f"\nMachine: {machine}")
    print(
        f"Load: {load_desc} per phase in {args.rounds} slices alternating between the servers, closed "
        f"loop (no think time), a new sender every {args.turns} messages, REST over loopback, "
        f"{args.warmup} warm-up requests per server.\n"
    )
    print(latency_table(m.results))
    action_share = m.single.p(50) - m.nlu_single.p(50)
    print(
        f"\nCustom-action mix minus NLU-only mix, 1 user p50: {fmt(action_share)} ms "
        "(action server round trip, its extra events in the tracker store, longer replies)."
    )
    memory = m.memory
    print("\n| Figure | Ours | Stock rasa init |\n|---|---:|---:|")
    print(
        f"| Training time, s | {fmt(m.train_seconds, 0)} (rasa train, cold cache) "
        f"| {fmt(m.stock_train_seconds, 0)} (rasa init, incl. training, cold cache) |"
    )
    print(
        "| Start-up: process start → model loaded and serving, s | "
        f"{fmt(m.ours_load_seconds)} | {fmt(m.stock_load_seconds)} |"
    )
    print(
        f"| Rasa server RSS after load / peak, MB | {fmt(memory['ours_rasa_rss_mb'], 0)} / "
        f"{fmt(memory['ours_rasa_peak_mb'], 0)} | {fmt(memory.get('stock_rasa_rss_mb'), 0)} / "
        f"{fmt(memory.get('stock_rasa_peak_mb'), 0)} |"
    )
    print(
        f"| Action server RSS after load / peak, MB | {fmt(memory['ours_actions_rss_mb'], 0)} / "
        f"{fmt(memory['ours_actions_peak_mb'], 0)} | none |"
    )
    table, all_met = targets_table(m.single, m.concurrent, m.stock_single, m.stock_concurrent, memory)
    print(
        "\nTargets: ratios to the stock bot measured in this run (absolute figures above are for "
        "information: they depend on the machine and its load)."
    )
    print("\n" + table)
    if m.stock_new:
        new_table, new_met = new_conversation_report(m.ours_new, m.stock_new)
        print("\n" + new_table)
        all_met = all_met and new_met
    print("\nAll targets met." if all_met else "\nSome targets missed (MISS above).")
    return all_met


def figures_of(machine: str, m: Measured) -> Dict[str, object]:
    """What --json writes."""
    return {
        "machine": machine,
        **m.memory,
        "train_seconds": m.train_seconds,
        "stock_train_seconds": m.stock_train_seconds,
        "ours_load_seconds": m.ours_load_seconds,
        "stock_load_seconds": m.stock_load_seconds,
        "phases": [
            {
                "scenario": r.scenario,
                "users": r.users,
                "requests": r.requests,
                "errors": r.errors,
                "wrong_replies": r.wrong_replies,
                "p50_ms": r.p(50),
                "p95_ms": r.p(95),
                "p99_ms": r.p(99),
                "msgs_per_s": r.throughput,
            }
            for r in m.results
        ],
    }


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    stop_all_on_exit()
    workdir = Path(tempfile.mkdtemp(prefix="rasa-bench-"))
    log(f"temporary folder: {workdir}")
    machine = machine_description()
    try:
        measured = measure(args, workdir)
    finally:
        stop_all()
        if args.keep_temp:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    all_met = print_report(args, machine, measured)
    if args.json:
        args.json.write_text(json.dumps(figures_of(machine, measured), indent=2), encoding="utf-8")
    return 0 if all_met else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
