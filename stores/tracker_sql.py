"""Rasa's SQL tracker store (SQLite or PostgreSQL) as the endpoints file describes it, for the commands
that read or purge conversations outside the Rasa server: scripts/delete_old_conversations.py,
scripts/conversation_report.py and scripts/conversation_to_test.py.

The `tracker_store` section of the endpoints file is read with Rasa's own code (`${VAR}` environment
variables are substituted) and turned into a database URL by Rasa's `SQLTrackerStore.get_db_url`, so
the commands reach the same database as `rasa run`: a relative SQLite path is relative to the current
directory, `login_db` and the POSTGRESQL_SCHEMA variable behave as in Rasa. Errors are
`TrackerStoreError`s, explained in one line without the password.
"""

from __future__ import annotations

import json
import os
import warnings
from typing import Any, Dict, Iterator, Optional, Sequence, Tuple

# Rasa 3.6 and its dependencies (SQLAlchemy 1.4, pkg_resources, sanic) emit deprecation warnings that
# would only clutter a command's output (sanic even re-enables them while being imported). SQLAlchemy's
# notice about 2.0 is silenced by the commands that use this module, before they import SQLAlchemy
# (SQLALCHEMY_SILENCE_UBER_WARNING): not here, where it would change the environment at import.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    import sqlalchemy as sa
    from rasa.core.tracker_store import SQLTrackerStore, create_engine_kwargs, validate_port
    from rasa.shared.exceptions import RasaException
    from rasa.shared.utils.common import class_from_module_path
    from rasa.utils.endpoints import read_endpoint_config

PG_CONNECT_TIMEOUT = 10  # seconds; libpq waits for the TCP timeout (minutes) by default


class TrackerStoreError(Exception):
    """An error explained in one line to the user."""


class SQLiteFileMissing(TrackerStoreError):
    """The SQLite file does not exist: Rasa has not stored anything there yet (or the path is wrong)."""


def load_tracker_store_config(endpoints: str) -> Any:
    """The `tracker_store` section of the endpoints file, as Rasa reads it (an EndpointConfig)."""
    if not os.path.isfile(endpoints):
        raise TrackerStoreError(f"endpoints file not found: {os.path.abspath(endpoints)}")
    try:
        config = read_endpoint_config(endpoints, "tracker_store")
    except (RasaException, ValueError) as error:  # bad YAML, ${VAR} not set, ...
        raise TrackerStoreError(f"cannot read {endpoints}: {one_line(error)}") from None
    if config is None or config.type is None:
        raise TrackerStoreError(
            f"no tracker_store type in {endpoints}: Rasa keeps the conversations in memory, not in a database"
        )
    if not is_sql_tracker_store(str(config.type)):
        raise TrackerStoreError(
            f"tracker store type {config.type!r} in {endpoints} is not supported, only SQL"
        )
    if "host" in config.kwargs:
        # Rasa passes `url` as the host: with a `host` key too, SQLTrackerStore() fails with a TypeError.
        raise TrackerStoreError(f"the SQL tracker store in {endpoints} has a 'host' key: Rasa expects 'url'")
    return config


def is_sql_tracker_store(store_type: str) -> bool:
    """`SQL`, or a class of this project's stores/ built on Rasa's SQLTrackerStore (same tables),
    as endpoints.yml's SQLite store."""
    if store_type.lower() == "sql":
        return True
    if not store_type.startswith("stores."):
        return False
    try:
        store_class = class_from_module_path(store_type)
    except (ImportError, AttributeError):
        return False
    return isinstance(store_class, type) and issubclass(store_class, SQLTrackerStore)


def engine_from_config(config: Any, lock_sqlite_for_writing: bool = False) -> Any:
    """The SQLAlchemy engine of the tracker store, built the way SQLTrackerStore.__init__ builds it.

    SQLTrackerStore itself is not instantiated: it retries forever (every 5 s) when the database is
    unreachable and creates the tables when they are missing. `lock_sqlite_for_writing`: every
    transaction on SQLite takes the write lock when it begins (for a count followed by a delete).
    """
    options = config.kwargs
    try:
        port = validate_port(options.get("port"))
    except RasaException as error:
        raise TrackerStoreError(str(error)) from None
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
        raise TrackerStoreError(f"invalid SQL tracker store settings: {one_line(error)}") from None
    if engine.dialect.name == "sqlite":
        _check_sqlite_file(engine)
        if lock_sqlite_for_writing:
            _begin_sqlite_transactions_explicitly(engine)
    return engine


def _check_sqlite_file(engine: Any) -> None:
    """Connecting to a missing SQLite file would create an empty one, and delete nothing."""
    database = engine.url.database
    if not database or database == ":memory:":
        raise TrackerStoreError("the SQLite tracker store is in memory: it keeps nothing")
    if not os.path.isfile(database):
        raise SQLiteFileMissing(
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


def events_table() -> Any:
    return SQLTrackerStore.SQLEvent.__table__


def transaction(engine: Any) -> Any:
    """One transaction (a context manager giving its connection); on PostgreSQL in REPEATABLE READ,
    so that all its statements see the same data."""
    if engine.dialect.name == "postgresql":
        engine = engine.execution_options(isolation_level="REPEATABLE READ")
    return engine.begin()


def check_events_table(connection: Any) -> None:
    if not sa.inspect(connection).has_table(events_table().name):
        raise TrackerStoreError(
            f"no '{events_table().name}' table in {connection.engine.url!r}: not a Rasa tracker store "
            "(Rasa creates it when it starts)"
        )


def check_connection(engine: Any) -> None:
    try:
        with engine.connect():
            pass
    except sa.exc.SQLAlchemyError as error:
        raise TrackerStoreError(f"cannot connect to the database {engine.url!r}: {db_error(error)}") from None


def db_error(error: Exception) -> str:
    """The driver's message, without SQLAlchemy's statement and parameters."""
    return one_line(getattr(error, "orig", None) or error)


def one_line(error: Any) -> str:
    lines = [line.strip() for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def read_events(
    engine: Any, since: float = 0.0, sender_id: Optional[str] = None, types: Sequence[str] = ()
) -> Iterator[Tuple[str, Dict[str, Any]]]:
    """(sender id, event as Rasa stored it) of the events at or after `since` (UNIX time), one
    conversation after the other, each in the order Rasa saved them; only those of `sender_id`
    and of the `types` (Rasa's type names: "user", "bot", ...) when given."""
    events = events_table()
    query = sa.select(events.c.sender_id, events.c.data).where(events.c.timestamp >= since)
    if sender_id is not None:
        query = query.where(events.c.sender_id == sender_id)
    if types:
        query = query.where(events.c.type_name.in_(list(types)))
    with transaction(engine) as connection:
        check_events_table(connection)
        # Streamed: a month of a busy clinic need not fit in memory twice.
        rows = connection.execution_options(stream_results=True).execute(
            query.order_by(events.c.sender_id, events.c.id)
        )
        for row_sender_id, data in rows:
            try:
                event = json.loads(data)
            except (TypeError, ValueError):
                continue  # not written by Rasa: nothing to read in it
            if isinstance(event, dict):
                yield row_sender_id, event
