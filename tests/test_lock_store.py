"""The cluster's lock store against a real Redis server (redis-server on a free port).

Each test gives what the stock RedisLockStore gets wrong: duplicate tickets across
servers, a waiter that never gets the lock, overlapping turns, unbounded waits, a holder
that never renews its ticket, keys that never expire, Redis called on the event loop."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from rasa.core.lock_store import RedisLockStore
from rasa.utils.endpoints import EndpointConfig

from harness.servers import free_port
from stores.redis_lock_store import KEY_GRACE_SECONDS, AtomicRedisLockStore, ConversationBusy


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


def servers(port: int, count: int = 2, **settings):
    """Lock stores as `count` Rasa servers would each build them."""
    config = EndpointConfig(url="127.0.0.1", port=port, db=1, **settings)
    return [AtomicRedisLockStore(config) for _ in range(count)]


def in_own_loop(coroutine_function, *args):
    """Runs in a thread with its own event loop, like a separate Rasa server."""
    return asyncio.run(coroutine_function(*args))


def test_tickets_issued_by_several_servers_at_once_are_unique(redis_port):
    stores = servers(redis_port)

    async def issue_many(store):
        return await asyncio.gather(*(store._issue("conversation-a", 10) for _ in range(32)))

    with ThreadPoolExecutor(max_workers=2) as pool:
        batches = list(pool.map(lambda store: in_own_loop(issue_many, store), stores))
    tickets = [ticket for batch in batches for ticket in batch]
    assert sorted(tickets) == list(range(64))


def test_a_waiter_gets_the_lock_after_a_dead_servers_ticket_expires(redis_port):
    dead_server, live_server = servers(redis_port)
    asyncio.run(dead_server._issue("conversation-b", 1))  # never finished: its server died

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

    # One event loop per thread, like separate Rasa servers; `inside` is shared on purpose.
    with ThreadPoolExecutor(max_workers=3) as pool:
        list(pool.map(lambda store: in_own_loop(five_turns, store), stores))
    assert len(overlaps) == 15 and not any(overlaps)


def test_a_turn_longer_than_the_ticket_lifetime_is_not_overlapped(redis_port):
    """The holder renews its ticket while it works: a slow turn (3 s, lifetime 1 s)
    keeps the lock; without renewal the waiter would start after 1 s."""
    holder, waiter = servers(redis_port)
    events = []

    async def slow_turn():
        async with holder.lock("conversation-d", lock_lifetime=1, wait_time_in_seconds=0.1):
            events.append(("holder in", time.monotonic()))
            await asyncio.sleep(3)
            events.append(("holder out", time.monotonic()))

    async def next_turn():
        await asyncio.sleep(0.3)
        async with waiter.lock("conversation-d", lock_lifetime=1, wait_time_in_seconds=0.1):
            events.append(("waiter in", time.monotonic()))

    with ThreadPoolExecutor(max_workers=2) as pool:
        list(pool.map(lambda job: in_own_loop(job), [slow_turn, next_turn]))
    assert [name for name, _ in sorted(events, key=lambda event: event[1])] == [
        "holder in",
        "holder out",
        "waiter in",
    ]


def test_waiting_is_bounded_and_the_waiters_ticket_is_withdrawn(redis_port):
    holder, waiter = servers(redis_port, max_wait_seconds=1)
    released = threading.Event()

    async def long_turn():
        async with holder.lock("conversation-e", lock_lifetime=2, wait_time_in_seconds=0.1):
            await asyncio.get_running_loop().run_in_executor(None, released.wait, 10)

    async def impatient():
        await asyncio.sleep(0.3)
        started = time.monotonic()
        with pytest.raises(ConversationBusy):
            async with waiter.lock("conversation-e", lock_lifetime=2, wait_time_in_seconds=0.1):
                pass
        waited = time.monotonic() - started
        lock = waiter.get_lock("conversation-e")
        released.set()
        return waited, [ticket.number for ticket in lock.tickets]

    with ThreadPoolExecutor(max_workers=2) as pool:
        holder_done = pool.submit(in_own_loop, long_turn)
        waited, tickets_left = pool.submit(in_own_loop, impatient).result(timeout=20)
        holder_done.result(timeout=20)
    assert 0.9 < waited < 2, waited
    assert tickets_left == [0], "only the holder's ticket is left"


def test_lock_keys_expire_when_their_server_dies(redis_port):
    (store,) = servers(redis_port, count=1)
    client = redis.Redis(port=redis_port, db=1)
    asyncio.run(store._issue("conversation-f", 1))  # its server dies: nobody finishes or renews it
    key = store.key_prefix + "conversation-f"
    assert 0 < client.ttl(key) <= 1 + KEY_GRACE_SECONDS
    time.sleep(1 + KEY_GRACE_SECONDS + 1)
    assert not client.exists(key)


def test_redis_is_not_waited_for_on_the_event_loop(redis_port):
    """While Redis is paused (CLIENT PAUSE), taking a lock waits without blocking the loop:
    other patients' coroutines keep running. A synchronous client would freeze them."""
    (store,) = servers(redis_port, count=1)
    admin = redis.Redis(port=redis_port)

    async def scenario():
        ticks, stop = [], asyncio.Event()

        async def ticker():
            while not stop.is_set():
                ticks.append(time.monotonic())
                await asyncio.sleep(0.05)

        ticking = asyncio.create_task(ticker())
        await asyncio.sleep(0.2)
        admin.execute_command("CLIENT", "PAUSE", 1000, "ALL")
        started = time.monotonic()
        async with store.lock("conversation-g", wait_time_in_seconds=0.1):
            took = time.monotonic() - started
        stop.set()
        await ticking
        gaps = [later - earlier for earlier, later in zip(ticks, ticks[1:], strict=False)]
        return took, max(gaps)

    took, longest_gap = asyncio.run(scenario())
    assert took > 0.7, "Redis was paused while the lock was taken"
    assert longest_gap < 0.3, f"the event loop stood still for {longest_gap:.2f} s"


def test_the_stock_store_is_still_what_rasa_ships(redis_port):
    # The subclass relies on RedisLockStore's key layout.
    (store,) = servers(redis_port, count=1)
    assert isinstance(store, RedisLockStore) and store.red.ping()
