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

from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.utils.endpoints import read_endpoint_config


def main(endpoints_file: str) -> None:
    config = read_endpoint_config(endpoints_file, "tracker_store")
    if config is None or (config.type or "").lower() != "sql":
        sys.exit(f"{endpoints_file}: the tracker_store must be of type SQL")
    SQLTrackerStore(domain=Domain.empty(), host=config.url, **config.kwargs)


if __name__ == "__main__":
    main(sys.argv[1])
