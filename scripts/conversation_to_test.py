"""Print a stored conversation as a conversation test story, to correct and add to tests/test_stories.yml.

    .venv/bin/python scripts/conversation_to_test.py --id CONVERSATION_ID [--endpoints endpoints.yml]

(`make conversation-to-test ID=...`, with ENDPOINTS.) The conversation is read from the tracker store
of the endpoints file (stores/tracker_sql.py), every session of it. The story holds the patient's
messages as stored (masked by the channels) with the intents and entities the model predicted, and
the actions the assistant took: `rasa test` passes it as long as the model understands the same.

Exit codes: 0 printed, 1 no such conversation (or no patient message in it), 2 bad arguments,
endpoints file, tracker store type or database.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import warnings
from typing import List, NoReturn, Optional

# Deprecation warnings of Rasa's dependencies would only clutter the output.
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
warnings.filterwarnings("ignore", category=DeprecationWarning)
import sqlalchemy as sa  # noqa: E402

from reports.story_export import conversation_story  # noqa: E402
from stores.tracker_sql import (  # noqa: E402
    TrackerStoreError,
    check_connection,
    db_error,
    engine_from_config,
    load_tracker_store_config,
    read_events,
)

# Rasa's sender ids are at most 255 characters (the `events` table's column).
MAX_ID_CHARS = 255


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see --help)\n")


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = _Parser(description="Print a stored conversation as a conversation test story.")
    parser.add_argument("--id", required=True, help="the conversation id (Rasa's sender id)")
    parser.add_argument(
        "--endpoints", default="endpoints.yml", help="Rasa endpoints file (default: %(default)s)"
    )
    return parser.parse_args(argv)


def story_name(conversation_id: str) -> str:
    # The id as the story's name, without anything that is not plain (it is printed in YAML).
    return "conversation " + re.sub(r"[^\w.-]", "_", conversation_id)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    conversation_id = args.id.strip()
    if not conversation_id or len(conversation_id) > MAX_ID_CHARS:
        print(f"error: give the conversation id: ID=... (1 to {MAX_ID_CHARS} characters)", file=sys.stderr)
        return 2
    try:
        engine = engine_from_config(load_tracker_store_config(args.endpoints))
        try:
            check_connection(engine)
            events = [event for _, event in read_events(engine, sender_id=conversation_id)]
        except sa.exc.SQLAlchemyError as error:
            raise TrackerStoreError(
                f"database error while reading the conversation: {db_error(error)}"
            ) from None
        finally:
            engine.dispose()
    except TrackerStoreError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    story = conversation_story(events, story_name(conversation_id))
    if story is None:
        print(
            f"error: no conversation {conversation_id!r} with a patient message in the store", file=sys.stderr
        )
        return 1
    print(story, end="")
    return 0


if __name__ == "__main__":
    sys.exit(main())
