"""`make run-cluster` as a newcomer runs it on a fresh clone: the default state folder
(var/cluster), started through make, stopped by Ctrl-C as a terminal sends it (SIGINT to the
process group of make)."""

from __future__ import annotations

import signal
import stat

import pytest

from harness.servers import DEFAULT_CLUSTER_STATE, RunningCluster
from tests.test_rest_channel import STOP_NOISE, texts

# PostgreSQL, Redis, three servers and nginx (up to 400 s), after make's own steps.
pytestmark = pytest.mark.timeout(900)


def test_make_run_cluster_with_its_default_state_answers_then_stops_quietly(tmp_path, knowledge, sender):
    cluster = RunningCluster(log=tmp_path / "cluster.log")
    cluster.start(command=["make", "--no-print-directory", "run-cluster"])
    try:
        assert cluster.state_dir == DEFAULT_CLUSTER_STATE
        question = "combien de temps dure une infiltration ?"
        replies = texts(cluster.say(cluster.rest_url, question, sender))
        assert knowledge.procedure("infiltration").facts.duration.answer in replies[-1]
    finally:
        status = cluster.stop()
    output = cluster.log.read_text(encoding="utf-8", errors="replace")
    assert "Arrêt demandé" in output
    assert [noise for noise in STOP_NOISE if noise in output] == []
    assert status in (0, -signal.SIGINT), status
    assert not (cluster.state_dir / "pgdata" / "postmaster.pid").exists(), "PostgreSQL left running"
    # The folder above the state (var/ on a fresh clone) lets the postgres user pass through.
    assert DEFAULT_CLUSTER_STATE.parent.stat().st_mode & stat.S_IXOTH
