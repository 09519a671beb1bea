"""What one client may ask of the Rasa server: token buckets, and a budget of work per address.

A message costs the server in proportion to its words (channels/incoming.py): about 25 ms a
turn, plus 0.25 ms a token. Counting messages alone let one client slow everyone down: 30
connections from one address, 30 messages a minute each, were 900 turns a minute, and five
messages of 2,000 emoji at once kept the server busy for two seconds. So besides the messages
per connection and per conversation, the socketio channel charges each message's work to its
sender's address, in units of one ordinary question (`message_cost`): an address may spend
SOCKETIO_WORK_PER_ADDRESS units a minute (120 by default: about 6 % of one core, whatever the
messages), with bursts of half as much. A message is checked against the budget before its text
is read, and its cost taken once it is (into debt if need be). Patients behind one address (a
clinic's Wi-Fi, a mobile operator's NAT) share it: 120 units is some 40 patients writing three
questions a minute. `make bench-costly-messages` measures another patient's answer time while one
client spends all of it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Dict

# Tokens the NLU reads for the price of one more ordinary question (25 ms / 0.25 ms, rounded down).
WORDS_PER_UNIT = 50
# How often idle entries are forgotten (seconds).
CLEAN_UP_EVERY = 60.0


def message_cost(words: int) -> float:
    """Units of work of a message the NLU reads: 1 for an ordinary question, 13 at most."""
    return 1.0 + words / WORDS_PER_UNIT


@dataclass
class TokenBucket:
    """`capacity` tokens at once, refilled at `per_minute` a minute."""

    capacity: float
    per_minute: float
    tokens: float = -1.0
    refilled: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        if self.tokens < 0:
            self.tokens = self.capacity

    def _refill(self, now: float) -> None:
        self.tokens = min(self.capacity, self.tokens + (now - self.refilled) * self.per_minute / 60)
        self.refilled = now

    def take(self, amount: float = 1.0) -> bool:
        self._refill(time.monotonic())
        if self.tokens < amount:
            return False
        self.tokens -= amount
        return True

    def spend(self, amount: float) -> None:
        """Takes `amount` even if the bucket holds less, down to -capacity."""
        self._refill(time.monotonic())
        self.tokens = max(-self.capacity, self.tokens - amount)

    def full(self) -> bool:
        self._refill(time.monotonic())
        return self.tokens >= self.capacity


class AddressBudgets:
    """One bucket of work per client address, kept while it has connections or is not full again
    (closing every connection and opening new ones does not refill it)."""

    def __init__(self, per_minute: float) -> None:
        self.per_minute = per_minute
        self._buckets: Dict[str, TokenBucket] = {}
        self._cleaned = time.monotonic()

    def _bucket(self, address: str) -> TokenBucket:
        bucket = self._buckets.get(address)
        if bucket is None:
            bucket = self._buckets[address] = TokenBucket(self.per_minute / 2, self.per_minute)
        return bucket

    def charge(self, address: str, cost: float) -> bool:
        """Takes `cost` units if the address has them."""
        return self._bucket(address).take(cost)

    def has_credit(self, address: str) -> bool:
        """Whether the address may start one more message (checked before the text is read)."""
        return self._bucket(address).take(0.0) and self._bucket(address).tokens >= 1

    def spend(self, address: str, cost: float) -> None:
        """Takes what a message read cost, into debt if need be (down to one burst's worth): the
        next messages wait until it is paid back."""
        self._bucket(address).spend(cost)

    def forget_idle(self, connected: Dict[str, int]) -> None:
        """Drops the full buckets of addresses without connections (at most once a minute)."""
        now = time.monotonic()
        if now - self._cleaned < CLEAN_UP_EVERY:
            return
        self._cleaned = now
        for address in [a for a, bucket in self._buckets.items() if not connected.get(a) and bucket.full()]:
            del self._buckets[address]
