"""Where the time of one message goes: NLU components, policies, tracker store, action server.

    .venv/bin/python bench/profile_message.py               (about 2 min)
    .venv/bin/python bench/profile_message.py --cprofile 25 (also the 25 costliest functions)
    .venv/bin/python bench/profile_message.py --turns 1     (every message starts a conversation)

Starts the action server (`rasa run actions`, own process group, free port), loads the newest
model of models/ in this process with the same endpoints as scripts/run.sh on a private SQLite
tracker store, and sends the benchmark's message mixes one at a time through
`Agent.handle_message` (what the REST channel calls, minus HTTP). Timers wrapped around Rasa's
own functions give, per message, wall and CPU time of each stage and of each graph node.

"As served" is what the Rasa server runs: endpoints.yml's tracker store
(stores/sqlite_tracker_store.py) and action endpoint (the domain left out of action calls), the
response check of patches/action_server.py and the spaCy loader of components/spacy_nlp.py
(NER off). Then measures changes in this process only, each alone, and checks that the
replies and the NLU output stay identical:
- what the project changed, undone, to show what each saves:
  - `rasa-validate`: Rasa's own check of action server responses, `jsonschema.validate`,
    which re-checks the (large) events schema each time;
  - `spacy-ner`: spaCy's named-entity recogniser on, as Rasa's SpacyNLP loads it;
  - `rasa-sql`: Rasa's SQLTrackerStore on SQLite (rollback journal: several syncs per commit; a
    new connection per call; an empty write when a conversation starts);
  - `full-domain`: `enable_selective_domain` off, so the domain is serialised and sent with every
    action call (our actions do not read it);
- candidates not applied to the project:
  - `keepalive`: one persistent HTTP session to the action server (Rasa opens one per call);
  - `sqlite-full`: the shipped store with synchronous=FULL (the log synced at every commit);
  - `memory`: InMemoryTrackerStore instead of SQLite (for comparison: loses conversations).
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import os
import pstats
import shutil
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.messages import ACTION_MIX, RESPONSE_MIX  # noqa: E402
from harness.servers import (  # noqa: E402
    RASA,
    REPO_ROOT,
    answers_ok,
    free_port,
    settings_env,
    spawn,
    stop_all,
    stop_all_on_exit,
    tree_memory_mb,
    wait_until,
)

# stage name -> list of (wall seconds, cpu seconds), one entry per call
CALLS: Dict[str, List[tuple]] = defaultdict(list)
_PATCHED: List[tuple] = []


def _record(name: str, wall: float, cpu: float) -> None:
    CALLS[name].append((wall, cpu))


def wrap_async(owner: Any, attribute: str, label: str) -> None:
    original = getattr(owner, attribute)

    async def timed(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return await original(*args, **kwargs)
        finally:
            _record(label, time.perf_counter() - wall, time.process_time() - cpu)

    _PATCHED.append((owner, attribute, original))
    setattr(owner, attribute, timed)


def wrap_sync(owner: Any, attribute: str, label: Callable[..., str] | str) -> None:
    original = getattr(owner, attribute)

    def timed(*args, **kwargs):
        wall, cpu = time.perf_counter(), time.process_time()
        try:
            return original(*args, **kwargs)
        finally:
            name = label(*args) if callable(label) else label
            _record(name, time.perf_counter() - wall, time.process_time() - cpu)

    _PATCHED.append((owner, attribute, original))
    setattr(owner, attribute, timed)


TOTAL = "total (Agent.handle_message)"
STAGES = [
    TOTAL,
    "NLU (parse_message)",
    "policies (predict next action)",
    "session start (action_session_start)",
    "custom action (RemoteAction.run)",
    "  build request: tracker + domain as dict",
    "  HTTP round trip to the action server",
    "  validate response (schema check)",
    "tracker store: retrieve",
    "tracker store: save",
]


def instrument() -> None:
    from rasa.core.actions.action import ActionSessionStart, RemoteAction
    from rasa.core.agent import Agent
    from rasa.core.processor import MessageProcessor
    from rasa.core.tracker_store import InMemoryTrackerStore, SQLTrackerStore
    from rasa.engine.graph import GraphNode
    from rasa.utils.endpoints import EndpointConfig

    from stores.sqlite_tracker_store import SQLiteTrackerStore

    wrap_async(Agent, "handle_message", STAGES[0])
    wrap_async(MessageProcessor, "parse_message", STAGES[1])
    wrap_sync(MessageProcessor, "_predict_next_with_tracker", STAGES[2])
    wrap_async(ActionSessionStart, "run", STAGES[3])
    wrap_async(RemoteAction, "run", STAGES[4])
    wrap_sync(RemoteAction, "_action_call_format", STAGES[5])
    wrap_async(EndpointConfig, "request", STAGES[6])
    wrap_sync(RemoteAction, "_validate_action_result", STAGES[7])
    for store in (SQLTrackerStore, InMemoryTrackerStore):
        wrap_async(store, "retrieve", STAGES[8])
        wrap_async(store, "save", STAGES[9])
    wrap_async(SQLiteTrackerStore, "save", STAGES[9])  # its own save, not SQLTrackerStore's
    wrap_sync(GraphNode, "__call__", lambda node, *_: f"node {node._node_name}")


def reset() -> None:
    CALLS.clear()


# --- Experiments (this process only) -------------------------------------------------------------


def sqlite_store(domain, path: Path, rasa_sql: bool, synchronous: Optional[str]):
    """endpoints.yml's tracker store on `path` (or Rasa's SQLTrackerStore), as Rasa creates it."""
    from rasa.core.tracker_store import FailSafeTrackerStore, SQLTrackerStore, TrackerStore
    from rasa.utils.endpoints import read_endpoint_config

    if rasa_sql:
        return FailSafeTrackerStore(SQLTrackerStore(domain, dialect="sqlite", db=str(path)))
    # The store's file (endpoints.yml's ${TRACKER_DB}, set by main_async) is replaced just below.
    config = read_endpoint_config(str(REPO_ROOT / "endpoints.yml"), "tracker_store")
    config.kwargs["db"] = str(path)
    if synchronous:
        config.kwargs["synchronous"] = synchronous
    return FailSafeTrackerStore(TrackerStore.create(config, domain))


def use_tracker_store(agent, store) -> None:
    agent.tracker_store = store
    agent.processor.tracker_store = store


class KeepAlive:
    """EndpointConfig.request through one persistent aiohttp session (Rasa opens one per call)."""

    def __init__(self):
        self.session = None
        self.original = None

    def enable(self) -> None:
        import aiohttp
        from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
        from rasa.utils.endpoints import EndpointConfig

        self.original = EndpointConfig.session
        keeper = self

        def shared_session(endpoint):
            if keeper.session is None or keeper.session.closed:
                keeper.session = aiohttp.ClientSession(
                    timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT)
                )

            class Borrowed:  # `async with` must not close the shared session
                async def __aenter__(self):
                    return keeper.session

                async def __aexit__(self, *exc):
                    return False

            return Borrowed()

        EndpointConfig.session = shared_session

    async def disable(self) -> None:
        from rasa.utils.endpoints import EndpointConfig

        if self.original is not None:
            EndpointConfig.session = self.original
        if self.session is not None:
            await self.session.close()


def spacy_models(agent) -> List[Any]:
    from rasa.nlu.utils.spacy_utils import SpacyNLP

    models = []
    for node in agent.processor.graph_runner._instantiated_nodes.values():
        if isinstance(node._component, SpacyNLP):
            models.append(node._component._model.model)
    return models


# --- Running the mixes ---------------------------------------------------------------------------


async def send_mix(agent, messages: List[str], count: int, tag: str, turns: int = 5) -> List[str]:
    """Sends `count` messages one at a time; returns the reply texts (to compare variants)."""
    from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

    replies = []
    for i in range(count):
        text = messages[i % len(messages)]
        output = CollectingOutputChannel()
        await agent.handle_message(
            UserMessage(text, output, f"profile-{tag}-c{i // turns}", input_channel="rest")
        )
        if not output.messages:
            raise RuntimeError(f"no reply to {text!r}")
        replies.append(" | ".join(str(m.get("text")) for m in output.messages))
    return replies


async def nlu_output(agent, messages: List[str]) -> List[tuple]:
    parses = []
    for text in messages:
        parse = await agent.parse_message(text)
        parses.append(
            (
                parse["intent"]["name"],
                round(parse["intent"]["confidence"], 5),
                [(e["entity"], e["value"]) for e in parse["entities"]],
            )
        )
    return parses


def summary(count: int) -> Dict[str, tuple]:
    """Per message: mean wall ms, mean CPU ms, calls per message; and the median of the total."""
    out = {}
    for name, calls in CALLS.items():
        wall = sum(c[0] for c in calls) * 1000 / count
        cpu = sum(c[1] for c in calls) * 1000 / count
        out[name] = (wall, cpu, len(calls) / count)
    totals = [c[0] * 1000 for c in CALLS.get(TOTAL, [])]
    out["_median_total"] = (statistics.median(totals) if totals else float("nan"), 0, 0)
    return out


def print_breakdown(title: str, stats: Dict[str, tuple]) -> None:
    total = stats[TOTAL][0]
    print(f"\n### {title}\n")
    print(f"median total {stats['_median_total'][0]:.1f} ms per message\n")
    print("| Stage | wall ms/msg | CPU ms/msg | calls/msg | share of total |")
    print("|---|---:|---:|---:|---:|")
    accounted = 0.0
    for name in STAGES:
        if name not in stats:
            continue
        wall, cpu, calls = stats[name]
        print(f"| {name} | {wall:.2f} | {cpu:.2f} | {calls:.1f} | {100 * wall / total:.0f}% |")
        if not name.startswith((TOTAL, "  ")):
            accounted += wall
    rest = total - accounted
    print(
        f"| rest: Rasa bookkeeping (events, lock, slots, NLG) | {rest:.2f} | | | {100 * rest / total:.0f}% |"
    )
    nodes = sorted(((n, v) for n, v in stats.items() if n.startswith("node ")), key=lambda kv: -kv[1][0])
    print("\n| Graph node (component) | wall ms/msg | CPU ms/msg | calls/msg |\n|---|---:|---:|---:|")
    for name, (wall, cpu, calls) in nodes:
        if wall >= 0.05:
            print(f"| {name[5:]} | {wall:.2f} | {cpu:.2f} | {calls:.1f} |")


async def measure(agent, messages, count, tag, turns: int) -> tuple:
    await send_mix(agent, messages, 10, f"{tag}-warm", turns)
    reset()
    replies = await send_mix(agent, messages, count, tag, turns)
    stats = summary(count)
    return stats, replies, await nlu_output(agent, messages)


# --- Variants: each one switched on, measured, switched off ------------------------------------


class Variants:
    def __init__(self, agent, workdir: Path, rasa_validate: Callable):
        from rasa.core.actions.action import RemoteAction

        self.agent = agent
        self.workdir = workdir
        self.keepalive = KeepAlive()
        self.validate_served = RemoteAction._validate_action_result
        self.validate_rasa = rasa_validate
        self.stores = 0

    def sqlite(self, rasa_sql: bool = False, synchronous: Optional[str] = None) -> None:
        self.stores += 1
        path = self.workdir / f"t{self.stores}.db"
        use_tracker_store(self.agent, sqlite_store(self.agent.domain, path, rasa_sql, synchronous))

    def memory(self) -> None:
        from rasa.core.tracker_store import FailSafeTrackerStore, InMemoryTrackerStore

        use_tracker_store(self.agent, FailSafeTrackerStore(InMemoryTrackerStore(self.agent.domain)))

    def full_domain(self, on: bool) -> None:
        from rasa.core.actions.constants import SELECTIVE_DOMAIN

        self.agent.processor.action_endpoint.kwargs[SELECTIVE_DOMAIN] = not on

    def rasa_validate(self, on: bool) -> None:
        from rasa.core.actions.action import RemoteAction

        RemoteAction._validate_action_result = self.validate_rasa if on else self.validate_served

    async def keep_alive(self, on: bool) -> None:
        if on:
            self.keepalive.enable()
        else:
            await self.keepalive.disable()

    def spacy_ner(self, on: bool) -> None:
        for nlp in spacy_models(self.agent):
            if on and "ner" in nlp.disabled:
                nlp.enable_pipe("ner")
            elif not on and "ner" in nlp.pipe_names:
                nlp.disable_pipe("ner")

    async def set(self, *names: str) -> None:
        """Exactly these variants on, everything else as served."""
        if "memory" in names:
            self.memory()
        else:
            self.sqlite("rasa-sql" in names, "FULL" if "sqlite-full" in names else None)
        self.full_domain("full-domain" in names)
        self.rasa_validate("rasa-validate" in names)
        await self.keep_alive("keepalive" in names)
        self.spacy_ner("spacy-ner" in names)


VARIANTS = [
    ("baseline (as served: endpoints.yml, response check per event type, spaCy NER off)", ()),
    ("rasa-validate: Rasa's own response check (undone project change)", ("rasa-validate",)),
    ("spacy-ner: spaCy NER on (undone project change)", ("spacy-ner",)),
    ("rasa-sql: Rasa's SQLTrackerStore on SQLite (undone project change)", ("rasa-sql",)),
    ("full-domain: the domain sent with every action call (undone project change)", ("full-domain",)),
    ("keepalive: one HTTP session to the action server", ("keepalive",)),
    ("sqlite-full: synchronous=FULL (every turn synced to disk)", ("sqlite-full",)),
    ("memory: InMemoryTrackerStore (loses conversations on restart)", ("memory",)),
]


async def main_async(args, workdir: Path) -> int:
    from rasa.core.agent import load_agent
    from rasa.core.utils import AvailableEndpoints
    from rasa.utils.common import configure_logging_and_warnings
    from rasa.utils.endpoints import read_endpoint_config
    from rasa.utils.log_utils import configure_structlog

    # The logging `rasa run` sets up (level from LOG_LEVEL, INFO by default): debug logs cost time.
    configure_logging_and_warnings(None, None, warn_only_once=True, filter_repeated_logs=True)
    configure_structlog(None)

    action_port = free_port()
    log = workdir / "actions.log"
    actions = spawn([str(RASA), "run", "actions", "--actions", "actions", "--port", str(action_port)], log)
    try:
        health = f"http://127.0.0.1:{action_port}/health"
        wait_until(lambda: answers_ok(health), actions, "action server", 120)
    except RuntimeError as error:
        raise RuntimeError(f"{error}, see {log}") from None

    model = max((REPO_ROOT / "models").glob("*.tar.gz"), key=lambda p: p.stat().st_mtime)
    # endpoints.yml's action endpoint (its options), at this action server's address; reading the
    # file needs each of its ${...} set.
    os.environ.update({**settings_env(), "ACTION_SERVER_URL": f"http://127.0.0.1:{action_port}/webhook"})
    action_endpoint = read_endpoint_config(str(REPO_ROOT / "endpoints.yml"), "action_endpoint")
    endpoints = AvailableEndpoints(action=action_endpoint)
    started = time.perf_counter()
    agent = await load_agent(model_path=str(model), endpoints=endpoints)
    load_seconds = time.perf_counter() - started
    # As the Rasa server runs it: scripts/rasa_server.py applies the project's patches.
    from rasa.core.actions.action import RemoteAction

    from patches import apply_all

    rasa_validate = RemoteAction._validate_action_result
    apply_all()

    assert RemoteAction._validate_action_result is not rasa_validate, "response check not applied"
    instrument()
    variants = Variants(agent, workdir, rasa_validate)

    print(
        f"Model {model.name} loaded in-process in {load_seconds:.1f} s; "
        f"RSS {tree_memory_mb(os.getpid()):.0f} MB."
    )
    print(f"{args.messages} messages per mix, one at a time, a new sender every {args.turns} messages.")

    mixes = {"custom actions": ACTION_MIX, "responses of domain.yml": list(RESPONSE_MIX)}
    for label, messages in mixes.items():
        await variants.set()
        stats, *_ = await measure(agent, messages, args.messages, f"base-{label[:3]}", args.turns)
        print_breakdown(f"{label}: as served (SQLite tracker store)", stats)

    if args.cprofile:
        await variants.set()
        profiler = cProfile.Profile()
        profiler.enable()
        await measure(agent, ACTION_MIX, args.messages, "cprofile", args.turns)
        profiler.disable()
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(args.cprofile)
        print(
            f"\n### cProfile, custom-action mix, top {args.cprofile} by own time (profiler overhead included)"
        )
        print("\n```")
        print("\n".join(line for line in text.getvalue().splitlines()[4:] if line.strip()))
        print("```")

    print("\n### Changes measured in this process only (custom-action mix)\n")
    rounds = max(1, args.rounds)
    per_round = max(10, args.messages // rounds)
    print(
        f"{rounds} rounds of {per_round} messages per variant, variants interleaved within each round "
        "(the machine's load drifts). CPU = process time of the Rasa process (all its threads).\n"
    )
    results = {
        name: {"walls": [], "cpu": 0.0, "same_replies": True, "same_nlu": True} for name, _ in VARIANTS
    }
    reference = None
    for round_number in range(rounds):
        for index, (name, toggles) in enumerate(VARIANTS):
            await variants.set(*toggles)
            _, replies, parses = await measure(
                agent, ACTION_MIX, per_round, f"r{round_number}v{index}", args.turns
            )
            reference = reference or (replies, parses)
            result = results[name]
            result["walls"] += [call[0] * 1000 for call in CALLS[TOTAL]]
            result["cpu"] += sum(call[1] * 1000 for call in CALLS[TOTAL])
            result["same_replies"] &= replies == reference[0]
            result["same_nlu"] &= parses == reference[1]
    await variants.set()
    base = statistics.median(results[VARIANTS[0][0]]["walls"])
    base_cpu = results[VARIANTS[0][0]]["cpu"] / len(results[VARIANTS[0][0]]["walls"])
    print("| Variant | median ms | Δ median | mean ms | CPU ms/msg | Δ CPU | same replies | same NLU |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for name, _ in VARIANTS:
        result = results[name]
        median = statistics.median(result["walls"])
        cpu = result["cpu"] / len(result["walls"])
        print(
            f"| {name} | {median:.1f} | {median - base:+.1f} | {statistics.mean(result['walls']):.1f} "
            f"| {cpu:.1f} | {cpu - base_cpu:+.1f} | {result['same_replies']} | {result['same_nlu']} |"
        )
    await variants.set()
    return 0


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--messages", type=int, default=200, help="messages per mix and variant (200)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds of the variants (3)")
    parser.add_argument(
        "--turns", type=int, default=5, help="messages per conversation (5); 1: each message starts one"
    )
    parser.add_argument("--cprofile", type=int, default=0, help="print the N costliest functions")
    args = parser.parse_args(argv)
    stop_all_on_exit()
    workdir = Path(tempfile.mkdtemp(prefix="rasa-profile-"))
    try:
        return asyncio.run(main_async(args, workdir))
    finally:
        stop_all()
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
