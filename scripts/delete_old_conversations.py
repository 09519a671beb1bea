"""Delete the conversations older than N days from Rasa's SQL tracker store (data retention).

    .venv/bin/python scripts/delete_old_conversations.py [--endpoints endpoints.yml] [--days N] [--dry-run]

A conversation (a sender id) is deleted whole, every one of its rows in the `events` table, when its
LAST event is older than N days; a conversation with any event in the last N days is kept whole.
N is --days, else the RETENTION_DAYS environment variable, else 30.

The tracker store is the `tracker_store` section of the endpoints file, reached as `rasa run` reaches
it (stores/tracker_sql.py). Everything happens in one transaction. Only counts are printed, never sender ids
or messages.

Exit codes: 0 done (also when nothing was old enough), 2 bad arguments, endpoints file, tracker
store type or database (unreachable, no Rasa `events` table).
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import time
import warnings
from datetime import datetime, timezone
from typing import Any, List, NoReturn, Optional, Tuple

# Deprecation warnings of Rasa's dependencies would only clutter a cron job's output; SQLAlchemy's
# notice about 2.0 is silenced before SQLAlchemy is imported (it reads the variable then).
warnings.filterwarnings("ignore", category=DeprecationWarning)
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
import sqlalchemy as sa  # noqa: E402

import settings  # noqa: E402
from stores.tracker_sql import (  # noqa: E402
    TrackerStoreError,
    check_connection,
    check_events_table,
    db_error,
    engine_from_config,
    events_table,
    load_tracker_store_config,
    transaction,
)

DEFAULT_DAYS = settings.Settings.__fields__["retention_days"].default
MAX_DAYS = settings.MAX_RETENTION_DAYS
SECONDS_PER_DAY = 86400


class RetentionError(TrackerStoreError):
    """An error explained in one line to the user (exit code 2)."""


def parse_days(value: Optional[str], source: str) -> int:
    """The retention period in days: a positive integer."""
    text = (value or "").strip()
    if not re.fullmatch(r"\d+", text) or not 0 < int(text) <= MAX_DAYS:
        raise RetentionError(f"{source} must be a positive integer (days, at most {MAX_DAYS}), got {value!r}")
    return int(text)


def retention_days(cli_value: Optional[str]) -> int:
    if cli_value is not None:
        return parse_days(cli_value, "--days")
    try:
        return settings.load().retention_days
    except settings.SettingsError as problem:
        raise RetentionError(str(problem)) from None


def _stale_sender_ids(cutoff: float) -> Any:
    """SELECT of the sender ids whose most recent event is before `cutoff` (UNIX time)."""
    events = events_table()
    return (
        sa.select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(sa.func.max(events.c.timestamp) < cutoff)
    )


def conversations_older_than(engine: Any, cutoff: float) -> List[str]:
    """The sender ids whose last event is before `cutoff` (UNIX time), sorted."""
    with transaction(engine) as connection:
        check_events_table(connection)
        return sorted(connection.execute(_stale_sender_ids(cutoff)).scalars())


def delete_conversations(engine: Any, cutoff: float, dry_run: bool = False) -> Tuple[int, int]:
    """Delete, in one transaction, every event of the conversations whose last event is before
    `cutoff` (UNIX time). Returns (conversations, events) deleted, or that would be with dry_run."""
    events = events_table()
    stale = events.c.sender_id.in_(_stale_sender_ids(cutoff))
    with transaction(engine) as connection:
        check_events_table(connection)
        conversations, rows = connection.execute(
            sa.select(sa.func.count(sa.distinct(events.c.sender_id)), sa.func.count()).where(stale)
        ).one()
        if not dry_run and rows:
            deleted = connection.execute(sa.delete(events).where(stale)).rowcount
            if deleted != rows:
                raise RetentionError(f"{deleted} events matched instead of {rows} counted: rolled back")
    return conversations, rows


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see --help)\n")


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = _Parser(
        description="Delete the conversations whose last event is older than N days from Rasa's "
        "SQL tracker store.",
    )
    parser.add_argument(
        "--endpoints", default="endpoints.yml", help="Rasa endpoints file (default: %(default)s)"
    )
    parser.add_argument(
        "--days",
        help=f"retention period in days (default: $RETENTION_DAYS, else {DEFAULT_DAYS})",
    )
    parser.add_argument("--dry-run", action="store_true", help="only count, delete nothing")
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    try:
        days = retention_days(args.days)
        engine = engine_from_config(load_tracker_store_config(args.endpoints), lock_sqlite_for_writing=True)
        try:
            check_connection(engine)
            cutoff = time.time() - days * SECONDS_PER_DAY
            try:
                conversations, events = delete_conversations(engine, cutoff, dry_run=args.dry_run)
            except sa.exc.SQLAlchemyError as error:
                raise RetentionError(f"database error, nothing deleted: {db_error(error)}") from None
        finally:
            engine.dispose()
    except TrackerStoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    since = datetime.fromtimestamp(cutoff, timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    scope = f"whose last event is older than {days} days (before {since})"
    if args.dry_run:
        print(f"Dry run: {conversations} conversations ({events} events) {scope} would be deleted.")
    else:
        print(f"Deleted {conversations} conversations ({events} events) {scope}.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
