"""The cluster's lock store against a real Redis server (redis-server on a free port)."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from stores.redis_lock_store import AtomicRedisLockStore
from tests.conftest import free_port


@pytest.fixture(scope="module")
def redis_port():
    if not shutil.which("redis-server"):
        pytest.fail("redis-server is missing: run 'make setup-cluster' (Debian package redis-server).")
    port = free_port()
    server = subprocess.Popen(
        ["redis-server", "--bind", "127.0.0.1", "--port", str(port), "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL,
    )
    client = redis.Redis(port=port)
    for _ in range(50):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.1)
    yield port
    server.terminate()
    server.wait()


def servers(port: int, count: int = 2):
    """Lock stores as `count` Rasa servers would each build them."""
    config = EndpointConfig(url="127.0.0.1", port=port, db=1)
    return [AtomicRedisLockStore(config) for _ in range(count)]


def test_tickets_issued_by_several_servers_at_once_are_unique(redis_port):
    stores = servers(redis_port)
    with ThreadPoolExecutor(max_workers=16) as pool:
        tickets = list(pool.map(lambda i: stores[i % 2].issue_ticket("conversation-a", 10), range(64)))
    assert sorted(tickets) == list(range(64))


def test_a_waiter_gets_the_lock_after_a_dead_servers_ticket_expires(redis_port):
    dead_server, live_server = servers(redis_port)
    dead_server.issue_ticket("conversation-b", lock_lifetime=1)  # never finished: its server died

    async def take_lock() -> float:
        started = time.monotonic()
        async with live_server.lock("conversation-b", lock_lifetime=1, wait_time_in_seconds=0.2):
            return time.monotonic() - started

    # Stock Rasa drops the waiter's own ticket with the dead one and waits forever.
    waited = asyncio.run(asyncio.wait_for(take_lock(), timeout=10))
    assert 0.8 < waited < 3
    assert live_server.get_lock("conversation-b") is None, "the lock is deleted when nobody waits"


def test_turns_of_one_conversation_never_overlap_across_servers(redis_port):
    stores = servers(redis_port, count=3)
    inside, overlaps = [0], []

    async def turn(store) -> None:
        async with store.lock("conversation-c", wait_time_in_seconds=0.01):
            inside[0] += 1
            overlaps.append(inside[0] > 1)
            await asyncio.sleep(0.01)
            inside[0] -= 1

    async def five_turns(store) -> None:
        await asyncio.wait_for(asyncio.gather(*(turn(store) for _ in range(5))), timeout=30)

    def run_turns(store) -> None:
        asyncio.run(five_turns(store))

    # One event loop per thread, like separate Rasa servers; `inside` is shared on purpose.
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(run_turns, stores))
    assert len(overlaps) == 15 and not any(overlaps)


def test_the_stock_store_is_still_what_rasa_ships(redis_port):
    # The subclass relies on RedisLockStore's key layout and client attribute.
    store = AtomicRedisLockStore(EndpointConfig(url="127.0.0.1", port=redis_port, db=1))
    assert isinstance(store, RedisLockStore) and store.red.ping()
