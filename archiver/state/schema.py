"""The schema of ``state.sqlite``, as an ordered list of migrations (see archiver/state.py).

Migration N (1-based) takes a database from ``PRAGMA user_version`` N-1 to N. Never edit a
migration that has shipped: append a new one, so that every archive upgrades the same way.
Times are ISO 8601 UTC text; WARC pointers and counts are JSON text.
"""

from __future__ import annotations

import logging
import sqlite3
from pathlib import Path

logger = logging.getLogger(__name__)


class StateError(RuntimeError):
    """The state database cannot be used (made by a newer archiver, or not ours)."""


_V1 = (
    """CREATE TABLE runs (
        run_id      TEXT PRIMARY KEY,
        mode        TEXT NOT NULL CHECK (mode IN ('incremental', 'full')),
        started_at  TEXT NOT NULL,
        finished_at TEXT,
        status      TEXT NOT NULL,
        counts      TEXT
    )""",
    """CREATE TABLE posts (
        source                TEXT NOT NULL,
        url                   TEXT NOT NULL,
        node_id               TEXT,
        title                 TEXT,
        published             TEXT,
        first_seen_run        TEXT NOT NULL,
        last_seen_run         TEXT NOT NULL,
        first_seen_at         TEXT NOT NULL,
        last_seen_at          TEXT NOT NULL,
        content_sha256        TEXT,
        capture_pending       INTEGER NOT NULL DEFAULT 0,
        removed_at            TEXT,
        removed_run           TEXT,
        removal_reason        TEXT,
        removal_suspected_run TEXT,
        PRIMARY KEY (source, url)
    )""",
    "CREATE INDEX posts_by_node ON posts (source, node_id)",
    "CREATE INDEX posts_by_last_seen ON posts (source, last_seen_run)",
    # The URL a listing printed, when the page answered at another (an old alias, a redirect).
    """CREATE TABLE aliases (
        source    TEXT NOT NULL,
        alias_url TEXT NOT NULL,
        url       TEXT NOT NULL,
        PRIMARY KEY (source, alias_url),
        FOREIGN KEY (source, url) REFERENCES posts (source, url)
    )""",
    # One row per distinct content of a post, in capture order; at most one per post and run.
    """CREATE TABLE versions (
        id             INTEGER PRIMARY KEY,
        source         TEXT NOT NULL,
        url            TEXT NOT NULL,
        run_id         TEXT NOT NULL,
        content_sha256 TEXT NOT NULL,
        warc           TEXT,
        captured_at    TEXT NOT NULL,
        UNIQUE (source, url, run_id),
        FOREIGN KEY (source, url) REFERENCES posts (source, url)
    )""",
    "CREATE INDEX versions_by_run ON versions (run_id)",
    """CREATE TABLE validators (
        url           TEXT PRIMARY KEY,
        etag          TEXT,
        last_modified TEXT
    )""",
    # The first WARC record of each payload at each URI: what a revisit record refers to.
    """CREATE TABLE payloads (
        target_uri     TEXT NOT NULL,
        payload_digest TEXT NOT NULL,
        run_id         TEXT NOT NULL,
        warc           TEXT NOT NULL,
        PRIMARY KEY (target_uri, payload_digest)
    )""",
)

# Full-text search over every capture (archiver/state/search.py). Self-contained: it touches
# no table of v1, so it can be renumbered beside another branch's migration.
_V2_SEARCH = (
    # One row per capture of a post (a post in one run's items.jsonl); its id is the rowid of
    # its rows in both full-text tables.
    """CREATE TABLE search_captures (
        id         INTEGER PRIMARY KEY,
        post_key   TEXT NOT NULL,
        source     TEXT NOT NULL,
        url        TEXT NOT NULL,
        run_id     TEXT NOT NULL,
        title      TEXT,
        published  TEXT,
        crawled_at TEXT,
        warc       TEXT,
        UNIQUE (post_key, run_id)
    )""",
    "CREATE INDEX search_captures_by_run ON search_captures (run_id)",
    # Words of alphabetic scripts (Latin, Turkish, Arabic-script Uyghur), case and
    # diacritics folded: "uygur" finds "Uyğur".
    """CREATE VIRTUAL TABLE search_words USING fts5(
        title, body, tokenize = 'unicode61 remove_diacritics 2'
    )""",
    # Any three characters: scripts written without spaces (Chinese) and substrings.
    "CREATE VIRTUAL TABLE search_trigrams USING fts5(title, body, tokenize = 'trigram')",
    # Which items.jsonl (by SHA-256) each run was indexed from, so a sync skips what it has.
    """CREATE TABLE search_runs (
        run_id       TEXT PRIMARY KEY,
        items_sha256 TEXT NOT NULL,
        indexed_at   TEXT NOT NULL
    )""",
)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2_SEARCH)
SCHEMA_VERSION = len(MIGRATIONS)


def migrate(connection: sqlite3.Connection, path: Path) -> None:
    """Apply the migrations the database has not had yet, each in its own transaction."""
    version = int(connection.execute("PRAGMA user_version").fetchone()[0])
    if version > SCHEMA_VERSION:
        raise StateError(
            f"{path} has schema version {version}; this archiver knows up to {SCHEMA_VERSION}:"
            " upgrade the archiver"
        )
    for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
        logger.info("Migrating %s to schema version %d", path, number)
        try:
            connection.execute("BEGIN IMMEDIATE")
            for statement in script:
                connection.execute(statement)
            connection.execute(f"PRAGMA user_version = {number:d}")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
