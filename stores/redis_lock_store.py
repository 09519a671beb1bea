"""Rasa's RedisLockStore, made atomic, asynchronous, bounded and self-expiring.

Rasa 3.6's RedisLockStore reads a conversation's lock, changes it in Python
and writes it back. Two Rasa servers taking a message of the same
conversation at the same moment can both read the same lock and both get the
same ticket; they then process the conversation at the same time and one of
them overwrites the other's turn in the tracker store (RasaHQ/rasa#9213; the
cluster test reproduces it: a message of the conversation is lost).
Here each read-change-write is one Redis transaction (WATCH/MULTI/EXEC),
retried when another server changed the lock in between, so tickets are
unique and served in order across servers.

Beyond that, Rasa's lock store:
- calls Redis synchronously, on the event loop that serves every patient:
  here every call goes through `redis.asyncio`;
- lets a waiter wait forever: here a waiter gives up after `max_wait_seconds`
  (LOCK_WAIT_SECONDS, default 20) with `ConversationBusy`, and the channels
  answer with a clear apology (channels/never_silent.py);
- never renews the ticket of the server that is working: a turn slower than
  the ticket's lifetime (TICKET_LOCK_LIFETIME) lets the next turn of the same
  conversation start on top of it. Here the holder renews its ticket every
  third of the lifetime while it works, and a waiter renews its own each time
  it checks, so only the tickets of servers that stopped (died) expire;
- never expires its keys: a server that dies leaves its conversation's key
  in Redis forever. Here every write sets a TTL just past the last ticket's
  expiry.

Configured in endpoints files as
`lock_store: type: stores.redis_lock_store.AtomicRedisLockStore`, with Rasa's
RedisLockStore settings (url, port, db, username, password, use_ssl,
ssl_ca_certs, ssl_certfile, ssl_keyfile, key_prefix, socket_timeout) and
`ssl_check_hostname` (default true: the server's certificate must name the
host) and `max_wait_seconds`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import math
import time
from typing import Any, AsyncIterator, Callable, Dict, Optional, Tuple, TypeVar

import redis
import redis.asyncio
from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

import settings

logger = logging.getLogger(__name__)

Result = TypeVar("Result")
# What a change returns: the lock to save (None: delete it) and a value for the caller.
Change = Callable[[TicketLock], Tuple[Optional[TicketLock], Result]]

# A key outlives its last ticket by this much, then Redis deletes it.
KEY_GRACE_SECONDS = 5


class ConversationBusy(LockError):
    """Another turn of the conversation kept the lock longer than a waiter may wait."""

    conversation_busy = True


def max_wait_from_environment() -> float:
    """LOCK_WAIT_SECONDS (settings.py)."""
    return settings.load().lock_wait_seconds


def key_ttl(lock: TicketLock) -> int:
    """Seconds until the key may go: just after its last ticket expires."""
    last = max((ticket.expires for ticket in lock.tickets), default=time.time())
    return max(1, math.ceil(last - time.time()) + KEY_GRACE_SECONDS)


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        settings: Dict[str, Any] = dict(endpoint_config.kwargs)
        check_hostname = bool(settings.pop("ssl_check_hostname", True))
        self.max_wait_seconds = float(settings.pop("max_wait_seconds", None) or max_wait_from_environment())
        host = endpoint_config.url or "localhost"
        # Rasa's constructor: key prefix and the synchronous client (kept for inspection only).
        super().__init__(host=host, **settings)
        connection = dict(
            host=host,
            port=int(settings.get("port", 6379)),
            db=int(settings.get("db", 1)),
            username=settings.get("username"),
            password=settings.get("password"),
            socket_timeout=float(settings.get("socket_timeout", 10)),
        )
        if settings.get("use_ssl"):
            connection.update(
                ssl=True,
                ssl_ca_certs=settings.get("ssl_ca_certs"),
                ssl_certfile=settings.get("ssl_certfile"),
                ssl_keyfile=settings.get("ssl_keyfile"),
                ssl_cert_reqs="required",
                ssl_check_hostname=check_hostname,
            )
        self.red = redis.Redis(**connection)
        self.ared = redis.asyncio.Redis(**connection)

    async def _change_atomically(
        self, conversation_id: str, change: Change, create: bool = False
    ) -> Optional[Result]:
        key = self.key_prefix + conversation_id

        async def attempt(pipe) -> Optional[Result]:
            serialised = await pipe.get(key)
            if serialised:
                lock = TicketLock.from_dict(json.loads(serialised))
            elif create:
                lock = TicketLock(conversation_id)
            else:
                return None
            new_lock, result = change(lock)
            pipe.multi()
            if new_lock is None or not new_lock.tickets:
                pipe.delete(key)
            else:
                pipe.set(key, new_lock.dumps(), ex=key_ttl(new_lock))
            return result

        # Runs `attempt` again whenever the key changed between WATCH and EXEC.
        return await self.ared.transaction(attempt, key, value_from_callable=True)

    async def _issue(self, conversation_id: str, lifetime: float) -> int:
        def issue(lock: TicketLock) -> Tuple[TicketLock, int]:
            return lock, lock.issue_ticket(lifetime)

        try:
            return await self._change_atomically(conversation_id, issue, create=True)
        except redis.RedisError as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    async def _renew(self, conversation_id: str, ticket: int, lifetime: float) -> Optional[TicketLock]:
        """Renews `ticket` and drops the others' expired tickets; None if `ticket` is gone."""

        def renew(lock: TicketLock) -> Tuple[TicketLock, Optional[TicketLock]]:
            own = [waiting for waiting in lock.tickets if waiting.number == ticket]
            if not own:
                return lock, None
            own[0].expires = time.time() + lifetime
            for other in list(lock.tickets):
                if other.number != ticket and other.has_expired():
                    lock.tickets.remove(other)
            return lock, lock

        return await self._change_atomically(conversation_id, renew)

    async def _finish(self, conversation_id: str, ticket: int) -> None:
        # Finishing and deleting in one step: a ticket issued in between is never deleted.
        def finish(lock: TicketLock) -> Tuple[Optional[TicketLock], None]:
            lock.remove_ticket_for(ticket)
            return (lock if lock.is_someone_waiting() else None), None

        await self._change_atomically(conversation_id, finish)

    async def _wait_for_turn(
        self, conversation_id: str, ticket: int, lifetime: float, poll_seconds: float
    ) -> TicketLock:
        deadline = time.monotonic() + self.max_wait_seconds
        while True:
            lock = await self._renew(conversation_id, ticket, lifetime)
            if lock is None:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if not lock.is_locked(ticket):
                return lock
            if time.monotonic() >= deadline:
                raise ConversationBusy(
                    f"Conversation '{conversation_id}' still busy after {self.max_wait_seconds:g} s"
                )
            await asyncio.sleep(min(poll_seconds, max(0.0, deadline - time.monotonic())))

    async def _keep_renewing(self, conversation_id: str, ticket: int, lifetime: float) -> None:
        while True:
            await asyncio.sleep(lifetime / 3)
            try:
                if await self._renew(conversation_id, ticket, lifetime) is None:
                    logger.warning("Lock of conversation %s lost during a turn", conversation_id)
                    return
            except redis.RedisError as error:
                logger.warning("Could not renew the lock of conversation %s: %s", conversation_id, error)

    @contextlib.asynccontextmanager
    async def lock(
        self,
        conversation_id: str,
        lock_lifetime: float = LOCK_LIFETIME,
        wait_time_in_seconds: float = 1,
    ) -> AsyncIterator[TicketLock]:
        ticket = await self._issue(conversation_id, lock_lifetime)
        renewing: Optional[asyncio.Task] = None
        try:
            lock = await self._wait_for_turn(conversation_id, ticket, lock_lifetime, wait_time_in_seconds)
            renewing = asyncio.create_task(self._keep_renewing(conversation_id, ticket, lock_lifetime))
            yield lock
        finally:
            if renewing is not None:
                renewing.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await renewing
            await self._finish(conversation_id, ticket)

    def get_lock(self, conversation_id: str) -> Optional[TicketLock]:
        """The lock as stored (synchronous: for tests and inspection, not used by Rasa's turns)."""
        return super().get_lock(conversation_id)
