"""Delete the conversations older than N days from Rasa's SQL tracker store (data retention).

    .venv/bin/python scripts/delete_old_conversations.py [--endpoints endpoints.yml] [--days N] [--dry-run]

A conversation (a sender id) is deleted whole, every one of its rows in the `events` table, when its
LAST event is older than N days; a conversation with any event in the last N days is kept whole.
N is --days, else the RETENTION_DAYS environment variable, else 30.

The tracker store is the `tracker_store` section of the endpoints file (type SQL, or a store of
stores/ built on it, as endpoints.yml's SQLite store), read with Rasa's own code
(`${VAR}` environment variables are substituted) and turned into a database URL by Rasa's
`SQLTrackerStore.get_db_url`, so the script reaches the same database as `rasa run`: a relative
SQLite path is relative to the current directory, `login_db` and the POSTGRESQL_SCHEMA variable
behave as in Rasa. Everything happens in one transaction. Only counts are printed, never sender ids
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
from pathlib import Path
from typing import Any, List, NoReturn, Optional, Tuple

# Rasa 3.6 and its dependencies (SQLAlchemy 1.4, pkg_resources, sanic) emit deprecation warnings that
# would only clutter a cron job's output (sanic even re-enables them while being imported).
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
warnings.filterwarnings("ignore", category=DeprecationWarning)
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs, validate_port
    from rasa.shared.exceptions import RasaException
    from rasa.shared.utils.common import class_from_module_path
    from rasa.utils.endpoints import read_endpoint_config

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DAYS = 30
MAX_DAYS = 36500
SECONDS_PER_DAY = 86400
PG_CONNECT_TIMEOUT = 10  # seconds; libpq waits for the TCP timeout (minutes) by default


class RetentionError(Exception):
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
    if os.environ.get("RETENTION_DAYS") is not None:
        return parse_days(os.environ["RETENTION_DAYS"], "RETENTION_DAYS")
    return DEFAULT_DAYS


def load_tracker_store_config(endpoints: str) -> Any:
    """The `tracker_store` section of the endpoints file, as Rasa reads it (an EndpointConfig)."""
    if not os.path.isfile(endpoints):
        raise RetentionError(f"endpoints file not found: {os.path.abspath(endpoints)}")
    try:
        config = read_endpoint_config(endpoints, "tracker_store")
    except (RasaException, ValueError) as error:  # bad YAML, ${VAR} not set, ...
        raise RetentionError(f"cannot read {endpoints}: {_one_line(error)}") from None
    if config is None or config.type is None:
        raise RetentionError(
            f"no tracker_store type in {endpoints}: Rasa keeps the conversations in memory, nothing to delete"
        )
    if not is_sql_tracker_store(str(config.type)):
        raise RetentionError(f"tracker store type {config.type!r} in {endpoints} is not supported, only SQL")
    if "host" in config.kwargs:
        # Rasa passes `url` as the host: with a `host` key too, SQLTrackerStore() fails with a TypeError.
        raise RetentionError(f"the SQL tracker store in {endpoints} has a 'host' key: Rasa expects 'url'")
    return config


def is_sql_tracker_store(store_type: str) -> bool:
    """`SQL`, or a class of this project's stores/ built on Rasa's SQLTrackerStore (same tables)."""
    if store_type.lower() == "sql":
        return True
    if not store_type.startswith("stores."):
        return False
    if str(PROJECT_ROOT) not in sys.path:  # run as `python scripts/...`: stores/ is beside scripts/
        sys.path.append(str(PROJECT_ROOT))
    try:
        store_class = class_from_module_path(store_type)
    except (ImportError, AttributeError):
        return False
    return isinstance(store_class, type) and issubclass(store_class, SQLTrackerStore)


def engine_from_config(config: Any) -> Any:
    """The SQLAlchemy engine of the tracker store, built the way SQLTrackerStore.__init__ builds it.

    SQLTrackerStore itself is not instantiated: it retries forever (every 5 s) when the database is
    unreachable and creates the tables when they are missing.
    """
    options = config.kwargs
    try:
        port = validate_port(options.get("port"))
    except RasaException as error:
        raise RetentionError(str(error)) from None
    db = options.get("db", "rasa.db")
    login_db = options.get("login_db")
    url = sa.engine.make_url(
        SQLTrackerStore.get_db_url(
            options.get("dialect", "sqlite"),
            config.url,
            port,
            db,
            options.get("username"),
            options.get("password"),
            login_db,
            options.get("query"),
        )
    )
    try:
        kwargs = create_engine_kwargs(url)
        if login_db and url.get_backend_name() == "postgresql":
            # Rasa connects to `login_db`, creates `db` if needed, then switches to `db` with a plain
            # create_engine(url): the POSTGRESQL_SCHEMA search_path is not applied in that case.
            url, kwargs = url.set(database=db), {}
        if url.get_backend_name() == "postgresql" and "connect_timeout" not in url.query:
            kwargs.setdefault("connect_args", {}).setdefault("connect_timeout", PG_CONNECT_TIMEOUT)
        engine = sa.create_engine(url, **kwargs)
    except (sa.exc.ArgumentError, sa.exc.NoSuchModuleError, ImportError, ValueError) as error:
        raise RetentionError(f"invalid SQL tracker store settings: {_one_line(error)}") from None
    if engine.dialect.name == "sqlite":
        _check_sqlite_file(engine)
        _begin_sqlite_transactions_explicitly(engine)
    return engine


def _check_sqlite_file(engine: Any) -> None:
    """Connecting to a missing SQLite file would create an empty one, and delete nothing."""
    database = engine.url.database
    if not database or database == ":memory:":
        raise RetentionError("the SQLite tracker store is in memory: nothing to delete")
    if not os.path.isfile(database):
        raise RetentionError(
            f"SQLite database not found: {os.path.abspath(database)} "
            "(a relative path is relative to the current directory, as for Rasa)"
        )


def _begin_sqlite_transactions_explicitly(engine: Any) -> None:
    """pysqlite only opens a transaction at the first write: the count and the delete would see
    different data if Rasa wrote in between. BEGIN IMMEDIATE takes the write lock up front."""

    @sa.event.listens_for(engine, "connect")
    def _no_implicit_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @sa.event.listens_for(engine, "begin")
    def _begin_immediate(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def _events_table() -> Any:
    return SQLTrackerStore.SQLEvent.__table__


def _stale_sender_ids(cutoff: float) -> Any:
    """SELECT of the sender ids whose most recent event is before `cutoff` (UNIX time)."""
    events = _events_table()
    return (
        sa.select(events.c.sender_id)
        .group_by(events.c.sender_id)
        .having(sa.func.max(events.c.timestamp) < cutoff)
    )


def _transaction(engine: Any) -> Any:
    """One transaction (a context manager giving its connection); on PostgreSQL in REPEATABLE READ,
    so that all its statements see the same data."""
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    return engine.begin()


def _check_events_table(connection: Any) -> None:
    if not sa.inspect(connection).has_table(_events_table().name):
        raise RetentionError(
            f"no '{_events_table().name}' table in {connection.engine.url!r}: not a Rasa tracker store "
            "(Rasa creates it when it starts)"
        )


def conversations_older_than(engine: Any, cutoff: float) -> List[str]:
    """The sender ids whose last event is before `cutoff` (UNIX time), sorted."""
    with _transaction(engine) as connection:
        _check_events_table(connection)
        return sorted(connection.execute(_stale_sender_ids(cutoff)).scalars())


def delete_conversations(engine: Any, cutoff: float, dry_run: bool = False) -> Tuple[int, int]:
    """Delete, in one transaction, every event of the conversations whose last event is before
    `cutoff` (UNIX time). Returns (conversations, events) deleted, or that would be with dry_run."""
    events = _events_table()
    stale = events.c.sender_id.in_(_stale_sender_ids(cutoff))
    with _transaction(engine) as connection:
        _check_events_table(connection)
        conversations, rows = connection.execute(
            sa.select(sa.func.count(sa.distinct(events.c.sender_id)), sa.func.count()).where(stale)
        ).one()
        if not dry_run and rows:
            deleted = connection.execute(sa.delete(events).where(stale)).rowcount
            if deleted != rows:
                raise RetentionError(f"{deleted} events matched instead of {rows} counted: rolled back")
    return conversations, rows


def check_connection(engine: Any) -> None:
    try:
        with engine.connect():
            pass
    except sa.exc.SQLAlchemyError as error:
        raise RetentionError(f"cannot connect to the database {engine.url!r}: {_db_error(error)}") from None


def _db_error(error: Exception) -> str:
    """The driver's message, without SQLAlchemy's statement and parameters."""
    return _one_line(getattr(error, "orig", None) or error)


def _one_line(error: Any) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


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
        engine = engine_from_config(load_tracker_store_config(args.endpoints))
        try:
            check_connection(engine)
            cutoff = time.time() - days * SECONDS_PER_DAY
            try:
                conversations, events = delete_conversations(engine, cutoff, dry_run=args.dry_run)
            except sa.exc.SQLAlchemyError as error:
                raise RetentionError(f"database error, nothing deleted: {_db_error(error)}") from None
        finally:
            engine.dispose()
    except RetentionError as error:
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
