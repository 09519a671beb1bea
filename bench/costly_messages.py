"""What the costliest messages a client may send cost the Rasa server, and what they do to another
patient's answer time while one client uses all its socket.io connections and messages.

    .venv/bin/python bench/costly_messages.py                 (about 5 min; make bench-costly-messages)
    .venv/bin/python bench/costly_messages.py --skip-nlu      (only the second patient's answer time)
    .venv/bin/python bench/costly_messages.py --questions 30  (more answers timed in each phase)

1. Where the time of one message goes: the newest model of models/ loaded in this process, each
   message of harness/load.py's COSTLY_MESSAGES parsed as it reached the NLU before the channels'
   checks and as it reaches it now (channels/incoming.py: symbols cut, too many words refused),
   with the CPU time of each graph node (spaCy, featurizers, DIET, the CRF...).
2. The rule: a second patient's answer time stays within 2x its normal time while one client uses
   all its allowed connections and messages. scripts/run.sh on free ports, default settings; the
   second patient (127.0.0.2) asks a question at a time and its answer times are measured three
   times in the same run: alone, while a client (127.0.0.1) holds SOCKETIO_MAX_CONNECTIONS_PER_ADDRESS
   connections each sending COSTLY_MESSAGES as fast as its limits allow, and alone again. The
   ratio is the median under load over the larger of the two medians alone.

Run from a checkout of another version (with this file and harness/load.py copied in) to compare.
"""

from __future__ import annotations

import argparse
import asyncio
import glob
import logging
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path
from typing import Dict

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from harness.load import COSTLY_MESSAGES, Abuser, answer_times, median  # noqa: E402
from harness.servers import REPO_ROOT, RunningAssistant, machine_description, stop_all_on_exit  # noqa: E402

ORDINARY = "À quoi sert une angiographie ?"
NAMES = ["ordinary question", "2,000 emoji", '"!?" * 1000', "2,000 characters of prose", '"a " * 999']


def checked(text: str):
    """What the channels pass to the NLU now: the text, or None when refused unparsed."""
    from channels.incoming import checked_message

    incoming = checked_message("bench", text)
    return None if incoming.too_long else incoming.text


def nlu_costs(repeats: int) -> None:
    from patches import apply_all

    apply_all()
    logging.disable(logging.WARNING)
    from rasa.core.agent import Agent
    from rasa.engine.graph import GraphNode

    node_cpu: Dict[str, float] = defaultdict(float)
    call = GraphNode.__call__

    def timed(node, *args, **kwargs):
        started = time.process_time()
        try:
            return call(node, *args, **kwargs)
        finally:
            node_cpu[node._node_name] += time.process_time() - started

    GraphNode.__call__ = timed
    agent = Agent.load(sorted(glob.glob(str(REPO_ROOT / "models" / "*.tar.gz")))[-1])

    async def cost(text: str):
        await agent.parse_message(text)  # warm
        runs, per_node = [], defaultdict(list)
        for _ in range(repeats):
            node_cpu.clear()
            started = time.process_time()
            await agent.parse_message(text)
            runs.append(time.process_time() - started)
            for name, seconds in node_cpu.items():
                per_node[name].append(seconds)
        return statistics.median(runs), {name: statistics.median(v) for name, v in per_node.items()}

    async def run() -> None:
        print(
            f"\n1. CPU time of the NLU on one message (median of {repeats} parses), before the "
            "channels' checks and as the NLU reads it now"
        )
        print(f"   {'message':28} {'as typed':>10} {'now':>10}   where the time goes, as typed (ms)")
        for name, text in zip(NAMES, [ORDINARY, *COSTLY_MESSAGES], strict=True):
            raw, nodes = await cost(text)
            now_text = checked(text)
            now = "refused" if now_text is None else f"{(await cost(now_text))[0] * 1000:7.1f} ms"
            top = sorted(nodes.items(), key=lambda item: -item[1])[:5]
            where = ", ".join(f"{short(node)} {seconds * 1000:.0f}" for node, seconds in top)
            print(f"   {name:28} {raw * 1000:7.1f} ms {now:>10}   {where}")

    asyncio.run(run())
    GraphNode.__call__ = call


def short(node_name: str) -> str:
    name = node_name.removeprefix("run_").rstrip("0123456789")
    return name.rsplit(".", 1)[-1]


def second_patient(questions: int) -> None:
    import settings
    from channels.socketio import BURST_MESSAGES

    defaults = settings.Settings.construct()  # the servers are started without these settings

    print(f"\n2. A second patient's answer time ({questions} questions a phase, one at a time)")
    with tempfile.TemporaryDirectory() as workdir:
        servers = RunningAssistant(Path(workdir))
        servers.start()
        try:
            alone = answer_times(servers.url, questions)
            abuser = Abuser(
                servers.url,
                defaults.socketio_max_connections_per_address,
                defaults.socketio_messages_per_minute,
                BURST_MESSAGES,
            )
            abuser.start()
            try:
                time.sleep(2)  # the burst of every connection under way
                started = time.monotonic()
                loaded = answer_times(servers.url, questions)
                loaded_seconds = time.monotonic() - started
            finally:
                abuser.stop()
            time.sleep(2)
            alone_again = answer_times(servers.url, questions)
        finally:
            servers.stop()
    normal = max(median(alone), median(alone_again))
    for phase, times in (("alone", alone), ("under the load", loaded), ("alone again", alone_again)):
        slowest = max(times) * 1000
        print(f"   {phase + ':':16}median {median(times) * 1000:7.0f} ms, slowest {slowest:7.0f} ms")
    replies = dict(sorted(abuser.acknowledged.items()))
    print(
        f"   the client: {len(abuser.chats)} connections, {abuser.sent} messages sent in "
        f"{loaded_seconds + 2:.0f} s; replies per message -> messages: {replies}"
    )
    print(f"   ratio (median under load / normal): {median(loaded) / normal:.2f} (the rule: at most 2)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--skip-nlu", action="store_true")
    args = parser.parse_args()
    stop_all_on_exit()
    print(machine_description())
    if not args.skip_nlu:
        nlu_costs(args.repeats)
    second_patient(args.questions)


if __name__ == "__main__":
    main()
