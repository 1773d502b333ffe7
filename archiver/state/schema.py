"""The schema of ``state.sqlite``, as an ordered list of migrations (see archiver/state.py).

Migration N (1-based) takes a database from ``PRAGMA user_version`` N-1 to N. Never edit a
migration that has shipped: append a new one, so that every archive upgrades the same way.
Times are ISO 8601 UTC text; WARC pointers and counts are JSON text.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Callable
from pathlib import Path

from archiver.items import post_key

logger = logging.getLogger(__name__)


class StateError(RuntimeError):
    """The state database cannot be used (made by a newer archiver, or not ours)."""


# A migration step: an SQL statement, or code run inside the migration's transaction.
Step = str | Callable[[sqlite3.Connection], None]

_V1: tuple[Step, ...] = (
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


# Version 2: a full run's end-of-run check of posts missing from every listing records a page
# that still answers (200) as "unlisted" in that run, without counting it as seen in a listing.
# A version also keeps the fields a reader sees (JSON: title, date as printed, author, tags,
# image paths, body text), so an edit to any of them is a new version ("changed").
# A post is found by its identity (archiver.items.post_key: source + node id, else path), not
# by its address: ``post_key`` and ``path_key`` (the path rule alone, for a page that shows no
# node id), filled in for the posts already known.
def _fill_post_keys(connection: sqlite3.Connection) -> None:
    rows = connection.execute("SELECT source, url, node_id FROM posts").fetchall()
    for source, url, node_id in rows:
        connection.execute(
            "UPDATE posts SET post_key = ?, path_key = ? WHERE source = ? AND url = ?",
            (post_key(source, node_id, url), post_key(source, None, url), source, url),
        )


_V2: tuple[Step, ...] = (
    "ALTER TABLE posts ADD COLUMN unlisted_run TEXT",
    "ALTER TABLE versions ADD COLUMN fields TEXT",
    "ALTER TABLE posts ADD COLUMN post_key TEXT",
    "ALTER TABLE posts ADD COLUMN path_key TEXT",
    _fill_post_keys,
    "CREATE INDEX posts_by_key ON posts (source, post_key)",
    "CREATE INDEX posts_by_path ON posts (source, path_key)",
)


# Version 3: full-text search over every capture (archiver/state/search.py). It touches no table of
# v1 or v2.
_V3_SEARCH: tuple[Step, ...] = (
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

MIGRATIONS: tuple[tuple[Step, ...], ...] = (_V1, _V2, _V3_SEARCH)
SCHEMA_VERSION = len(MIGRATIONS)


def connect(path: Path) -> sqlite3.Connection:
    """A connection to the state database at ``path`` (created if missing), its schema up to
    date: WAL, synchronous=NORMAL, foreign keys on, rows as ``sqlite3.Row``. The one way the
    state (archiver.state.store) and its search tables (archiver.state.search) open it.

    ``isolation_level=None``: callers issue BEGIN/COMMIT themselves, so a transaction is exactly
    one public method, never an implicit one that outlives it.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    connection = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    connection.row_factory = sqlite3.Row
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("PRAGMA synchronous=NORMAL")
        connection.execute("PRAGMA foreign_keys=ON")
        migrate(connection, path)
    except BaseException:
        connection.close()
        raise
    return connection


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
            for step in script:
                if callable(step):
                    step(connection)
                else:
                    connection.execute(step)
            connection.execute(f"PRAGMA user_version = {number:d}")
            connection.execute("COMMIT")
        except BaseException:
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            raise
