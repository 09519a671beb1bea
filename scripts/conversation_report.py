"""Write the staff report on the conversations of the last N days, as one self-contained HTML file.

    .venv/bin/python scripts/conversation_report.py [--endpoints endpoints.yml] [--days N] [--out FILE]

(`make report`, with DAYS and ENDPOINTS.) N is --days, else the DAYS environment variable, else 30.
The conversations are read from the tracker store of the endpoints file (stores/tracker_sql.py: SQLite
or PostgreSQL, as `rasa run` reaches it); procedure names and question kinds come from the knowledge
file. The file is written readable by its owner only (it holds patients' messages, as masked in the
store) under results/reports/ unless --out says otherwise, and its path is printed last.

Exit codes: 0 written (also for a period without conversations: the report says so), 2 bad
arguments, endpoints file, tracker store type or database.
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
from typing import Any, List, NoReturn, Optional

# Deprecation warnings of Rasa's dependencies would only clutter the output.
os.environ.setdefault("SQLALCHEMY_SILENCE_UBER_WARNING", "1")
warnings.filterwarnings("ignore", category=DeprecationWarning)
import sqlalchemy as sa  # noqa: E402

from knowledge import ASPECTS, KnowledgeBase, KnowledgeError, load_knowledge  # noqa: E402
from reports.analysis import Summary, conversations_from_events, summarise  # noqa: E402
from reports.html_report import render  # noqa: E402
from stores.tracker_sql import (  # noqa: E402
    SQLiteFileMissing,
    TrackerStoreError,
    check_connection,
    db_error,
    engine_from_config,
    load_tracker_store_config,
    read_events,
)

DEFAULT_DAYS = 30
MAX_DAYS = 3650
SECONDS_PER_DAY = 86400
REPORTS_DIR = Path(__file__).resolve().parents[1] / "results" / "reports"
# What the report reads; the rest (session starts, user features...) says nothing to staff.
EVENT_TYPES = ("user", "bot", "action", "slot")


def report_days(cli_value: Optional[str]) -> int:
    source, value = ("--days", cli_value) if cli_value is not None else ("DAYS", os.environ.get("DAYS"))
    if value is None or value == "":
        return DEFAULT_DAYS
    text = value.strip()
    if not re.fullmatch(r"\d+", text) or not 0 < int(text) <= MAX_DAYS:
        raise TrackerStoreError(f"{source} must be a number of days between 1 and {MAX_DAYS}, got {value!r}")
    return int(text)


def build_summary(engine: Any, knowledge: KnowledgeBase, days: int, now: float) -> Summary:
    """The report's figures for the `days` before `now`, read from the store."""
    since = now - days * SECONDS_PER_DAY
    pair_order = [(procedure.id, aspect) for procedure in knowledge.procedures for aspect in ASPECTS]
    conversations = conversations_from_events(read_events(engine, since=since, types=EVENT_TYPES))
    return summarise(conversations, since, now, pair_order)


def write_report(html: str, out: Optional[str], now: float) -> Path:
    if out:
        path = Path(out)
    else:
        stamp = datetime.fromtimestamp(now, timezone.utc).strftime("%Y%m%d-%H%M%S")
        path = REPORTS_DIR / f"conversations-{stamp}.html"
    path.parent.mkdir(parents=True, exist_ok=True)
    # Patients' messages: readable by the owner only, from the first byte.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(html)
    os.chmod(path, 0o600)
    return path.resolve()


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(2, f"error: {message} (see --help)\n")


def parse_args(argv: Optional[List[str]]) -> argparse.Namespace:
    parser = _Parser(description="Write the staff report on the stored conversations (HTML).")
    parser.add_argument(
        "--endpoints", default="endpoints.yml", help="Rasa endpoints file (default: %(default)s)"
    )
    parser.add_argument("--days", help=f"period in days (default: $DAYS, else {DEFAULT_DAYS})")
    parser.add_argument(
        "--out", help="the HTML file to write (default: results/reports/conversations-<time>.html)"
    )
    return parser.parse_args(argv)


def main(argv: Optional[List[str]] = None) -> int:
    args = parse_args(argv)
    now = time.time()
    try:
        days = report_days(args.days)
        knowledge = load_knowledge()
        try:
            engine = engine_from_config(load_tracker_store_config(args.endpoints))
        except SQLiteFileMissing as missing:
            # A fresh installation: Rasa creates the file with the first conversation.
            print(f"note: {missing}: no conversation stored yet", file=sys.stderr)
            engine = None
        try:
            if engine is None:
                summary = summarise([], now - days * SECONDS_PER_DAY, now, [])
            else:
                check_connection(engine)
                summary = build_summary(engine, knowledge, days, now)
        except sa.exc.SQLAlchemyError as error:
            raise TrackerStoreError(
                f"database error while reading the conversations: {db_error(error)}"
            ) from None
        finally:
            if engine is not None:
                engine.dispose()
    except (TrackerStoreError, KnowledgeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    path = write_report(render(summary, knowledge, now), args.out, now)
    print(f"{summary.conversations} conversations over {days} days.")
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
