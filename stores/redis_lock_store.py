"""Rasa's RedisLockStore, with every change to a lock made atomically in Redis.

Rasa 3.6's RedisLockStore reads a conversation's lock, changes it in Python
and writes it back. Two Rasa servers taking a message of the same
conversation at the same moment can both read the same lock and both get the
same ticket; they then process the conversation at the same time and one of
them overwrites the other's turn in the tracker store (RasaHQ/rasa#9213; the
cluster test reproduces it: a message of the conversation is lost).

Here each read-change-write is one Redis transaction (WATCH/MULTI/EXEC),
retried when another server changed the lock in between, so tickets are
unique and served in order across servers.

Waiting is fixed too. A ticket expires `TICKET_LOCK_LIFETIME` seconds after
it was issued, waiting included, and Rasa drops every expired ticket, the
waiter's own as well. When a server dies in the middle of a turn, the message
sent again to another server waits for the dead ticket to expire; both expire
at about the same time, the lock is left with no ticket, and the waiter never
gets it. Here a waiting server renews its own ticket each time it checks, so
only the tickets of servers that stopped checking expire.

Configured in endpoints files as
`lock_store: type: stores.redis_lock_store.AtomicRedisLockStore`.
"""

from __future__ import annotations

import asyncio
import json
import time
from typing import Callable, Optional, Tuple, TypeVar

from rasa.core.lock import TicketLock
from rasa.core.lock_store import LOCK_LIFETIME, LockError, RedisLockStore
from rasa.utils.endpoints import EndpointConfig

Result = TypeVar("Result")
# What a change returns: the lock to save (None: delete it) and a value for the caller.
Change = Callable[[TicketLock], Tuple[Optional[TicketLock], Result]]


class AtomicRedisLockStore(RedisLockStore):
    def __init__(self, endpoint_config: EndpointConfig) -> None:
        # Rasa builds lock stores named by module path from their endpoint config.
        super().__init__(host=endpoint_config.url or "localhost", **endpoint_config.kwargs)

    def _change_atomically(
        self, conversation_id: str, change: Change, create: bool = False
    ) -> Optional[Result]:
        key = self.key_prefix + conversation_id

        def attempt(pipe) -> Optional[Result]:
            serialised = pipe.get(key)
            if serialised:
                lock = TicketLock.from_dict(json.loads(serialised))
            elif create:
                lock = TicketLock(conversation_id)
            else:
                return None
            new_lock, result = change(lock)
            pipe.multi()
            if new_lock is None:
                pipe.delete(key)
            else:
                pipe.set(key, new_lock.dumps())
            return result

        # Runs `attempt` again whenever the key changed between WATCH and EXEC.
        return self.red.transaction(attempt, key, value_from_callable=True)

    def issue_ticket(self, conversation_id: str, lock_lifetime: float = LOCK_LIFETIME) -> int:
        def issue(lock: TicketLock) -> Tuple[TicketLock, int]:
            ticket = lock.issue_ticket(lock_lifetime)
            return lock, ticket

        try:
            return self._change_atomically(conversation_id, issue, create=True)
        except Exception as error:
            raise LockError(f"Error while acquiring lock. Error:\n{error}") from error

    def update_lock(self, conversation_id: str) -> None:
        def drop_expired(lock: TicketLock) -> Tuple[TicketLock, None]:
            lock.remove_expired_tickets()
            return lock, None

        self._change_atomically(conversation_id, drop_expired)

    def finish_serving(self, conversation_id: str, ticket_number: int) -> None:
        def finish(lock: TicketLock) -> Tuple[TicketLock, None]:
            lock.remove_ticket_for(ticket_number)
            return lock, None

        self._change_atomically(conversation_id, finish)

    def cleanup(self, conversation_id: str, ticket_number: int) -> None:
        # Finishing and deleting in one step: a ticket issued in between is never deleted.
        def finish_and_delete_if_idle(lock: TicketLock) -> Tuple[Optional[TicketLock], None]:
            lock.remove_ticket_for(ticket_number)
            return (lock if lock.is_someone_waiting() else None), None

        self._change_atomically(conversation_id, finish_and_delete_if_idle)

    async def _acquire_lock(
        self, conversation_id: str, ticket: int, wait_time_in_seconds: float
    ) -> TicketLock:
        def renew_own_and_drop_expired(lock: TicketLock) -> Tuple[TicketLock, Optional[TicketLock]]:
            own = [waiting for waiting in lock.tickets if waiting.number == ticket]
            if not own:
                return lock, None
            own[0].expires = time.time() + LOCK_LIFETIME
            for other in list(lock.tickets):
                if other.number != ticket and other.has_expired():
                    lock.tickets.remove(other)
            return lock, lock

        while True:
            lock = self._change_atomically(conversation_id, renew_own_and_drop_expired)
            if lock is None:
                raise LockError(f"Could not acquire lock for conversation_id '{conversation_id}'.")
            if not lock.is_locked(ticket):
                return lock
            await asyncio.sleep(wait_time_in_seconds)
