"""Creates the tracker store's tables before the Rasa servers start.

Each Rasa server creates them at start-up if they are missing; two servers
starting at the same moment could both try. Rasa's own SQLTrackerStore does
it here, once, from the same endpoints file. Unlike `rasa run`, which falls
back to an in-memory store when the database is unreachable, this fails, so
the cluster does not start without its database.

Usage: python -m deploy.create_tracker_tables deploy/endpoints.cluster.yml
"""

from __future__ import annotations

import sys

import sqlalchemy
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import read_endpoint_config


def main(endpoints_file: str) -> None:
    config = read_endpoint_config(endpoints_file, "tracker_store")
    if config is None or (config.type or "").lower() != "sql":
        sys.exit(f"{endpoints_file}: the tracker_store must be of type SQL")
    store = SQLTrackerStore(domain=Domain.empty(), host=config.url, **config.kwargs)
    # Rasa logs a failure to create the tables and carries on: check that they are there.
    try:
        with store.engine.connect() as connection:
            connection.execute(sqlalchemy.text("SELECT 1 FROM events LIMIT 1"))
    except sqlalchemy.exc.SQLAlchemyError as error:
        sys.exit(f"{endpoints_file}: the tracker store's database is not usable: {type(error).__name__}")


if __name__ == "__main__":
    main(sys.argv[1])
