"""What earlier runs saw: the archive's memory for cron mode, in SQLite (``OUTPUT/state.sqlite``).

Every post ever seen (stored by source and the URL it was first captured at, with the
listing's aliases, and FOUND by its identity, :func:`archiver.items.post_key`: a lookup by
address goes through the aliases, then the node id, then the path, so a post whose source
moved to another scheme, host or port, or got a new alias, is the same post), every
captured version of it (content hash + WARC pointer), every run, the HTTP validators of the last
capture and the first WARC record of each payload (for ``revisit`` records). From it a run
learns which posts are new, changed or removed.

Guarantees a cron job relies on:

- **Crash-safe**: every write is one transaction (``BEGIN IMMEDIATE`` ... ``COMMIT``; a write
  that is one statement is its own transaction) in WAL mode with ``synchronous=NORMAL``: a
  killed process leaves the state of its last committed write (WAL commits survive any
  process crash); a power cut may lose the last few commits but never
  corrupts the database, and a lost commit is re-learned from the run's items on ``--resume``.
  (FULL would fsync every write: a third of a loopback crawl's time, for no process-crash gain.)
- **Idempotent**: recording the same capture again in the same run (a resumed run) neither adds a
  version nor turns a post "changed". A run's changes are computed from the database
  (``run_changes``), not from calls remembered in memory, so a resumed run reports them all.
- **Removal is never a guess**: a post is "removed" when its page answers 404/410
  (``record_gone``), or when two complete full runs in a row did not see it in any listing;
  one miss only makes it "removal suspected". A full run fetches the live posts no listing
  showed once its listings are walked; what it gets is not a listing sighting (the item is
  flagged ``unlisted``): 404/410 (or Drupal's 403) -> ``removed``; a page that still answers ->
  ``unlisted`` (live, reported each full run while it lasts); no answer -> the absence rules
  above (``removal_suspected``). A listed post whose page answers 404/410 before the archive
  ever had it is ``gone``, never ``new``. A full run that misses more than
  ``max_missing_fraction`` of a source's posts suspects none (a listing that broke, not a purge).

One connection per process (``ArchiveState.open``); concurrent runs are kept out by
``archiver.archive.lock``. The schema is versioned with ``PRAGMA user_version``; ``MIGRATIONS`` are
applied in order on open. Reads no settings: the caller passes plain values (suggested setting:
``ARCHIVER_REMOVAL_MAX_MISSING_FRACTION = 0.5``, handed to ``finish_run``).
"""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.items import FLAG_ARTICLE_FETCH_FAILED, FLAG_ARTICLE_MISSING, FLAG_UNLISTED, post_key
from archiver.state.schema import StateError, connect

__all__ = ["MODES", "ArchiveState", "Change", "PostState", "StateError", "parse_mode"]

logger = logging.getLogger(__name__)

MODES = ("incremental", "full")


def parse_mode(value: object) -> str:
    """A run mode from a setting (``ARCHIVER_MODE``): empty means incremental; anything but
    ``incremental`` or ``full`` is a clear error."""
    mode = str(value or "incremental").lower()
    if mode not in MODES:
        raise ValueError(f"ARCHIVER_MODE must be one of {', '.join(MODES)}, not {mode!r}")
    return mode


GONE_STATUSES = frozenset({404, 410})
# Flags on a teaser-only item whose page fetch failed for a reason that may pass: retry it.
RETRY_FLAGS = frozenset({FLAG_ARTICLE_FETCH_FAILED})
# Flag of an item fetched by a full run's end-of-run check because no listing showed the post.
UNLISTED_FLAG = FLAG_UNLISTED
DEFAULT_MAX_MISSING_FRACTION = 0.5
# What a reader of a post sees: an edit to any of these is a new version ("changed").
VISIBLE_FIELDS = ("title", "published_raw", "author", "tags", "images", "body_text")


def visible_fields(item: Mapping[str, Any]) -> dict[str, Any]:
    """The fields of ``item`` a reader sees, comparable across runs (image URLs as paths, so a
    source that moved to another address does not change every post)."""
    values = {name: item.get(name) for name in VISIBLE_FIELDS}
    values["tags"] = list(values["tags"] or [])
    values["images"] = [_path_of(str(url)) for url in values["images"] or []]
    return values


def _path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


@dataclass(frozen=True)
class PostState:
    """What the archive knows of one post."""

    source: str
    url: str
    node_id: str | None
    title: str | None
    published: str | None
    first_seen_run: str
    last_seen_run: str
    first_seen_at: str
    last_seen_at: str
    content_sha256: str | None
    """Hash of the latest captured body (null until a page with a body was captured)."""
    removed_at: str | None
    removal_reason: str | None
    removal_suspected_run: str | None
    capture_pending: bool
    """The last fetch of the page failed for a reason that may pass: fetch it again."""
    etag: str | None
    last_modified: str | None
    warc: dict[str, Any] | None
    """WARC pointer of the first capture of the latest version (what a revisit refers to)."""


@dataclass(frozen=True)
class Change:
    """How one post changed in one run: ``new``, ``changed``, ``unchanged``, ``removed``,
    ``removal_suspected``, ``gone`` (listed, but its page answered 404/410 before any capture:
    never "new") or ``unlisted`` (in no listing, its page still answers)."""

    kind: str
    source: str
    url: str
    title: str | None = None
    published: str | None = None
    old_sha256: str | None = None
    new_sha256: str | None = None
    removed_at: str | None = None
    reason: str | None = None
    node_id: str | None = None
    fields: dict[str, dict[str, Any]] | None = None
    """For ``changed``: each visible field that changed, ``{"old": ..., "new": ...}`` (None when
    the earlier version predates field tracking: then only the body hash is compared)."""

    @property
    def key(self) -> str:
        """The post's identity (:func:`archiver.items.post_key`)."""
        return post_key(self.source, self.node_id, self.url)


# The stored address of a post (ArchiveState._canonical): as an alias, as itself, by its node
# id (?3, NULL when none), by its path (?4; a page showing another node id, ?5, than the stored
# one is another post). UNION ALL yields its branches' rows in order.
_CANONICAL_URL = (
    "SELECT url FROM aliases WHERE source = ?1 AND alias_url = ?2"
    " UNION ALL SELECT url FROM posts WHERE source = ?1 AND url = ?2"
    " UNION ALL SELECT * FROM (SELECT url FROM posts WHERE ?3 IS NOT NULL AND source = ?1"
    "  AND post_key = ?3 ORDER BY removed_at IS NOT NULL, last_seen_at DESC LIMIT 1)"
    " UNION ALL SELECT * FROM (SELECT url FROM posts WHERE source = ?1 AND path_key = ?4"
    "  AND (node_id IS NULL OR ?5 IS NULL OR node_id = ?5)"
    "  ORDER BY removed_at IS NOT NULL, last_seen_at DESC LIMIT 1)"
)


def utc_now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()


class ArchiveState:
    """The state database of one archive. Use ``ArchiveState.open(path)``; ``close()`` it."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._db = connection

    @classmethod
    def open(cls, path: Path) -> ArchiveState:
        """Open (or create) the database at ``path`` and bring its schema up to date."""
        return cls(connect(path))

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> ArchiveState:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    @property
    def schema_version(self) -> int:
        return int(self._db.execute("PRAGMA user_version").fetchone()[0])

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- runs ---------------------------------------------------------------------------------

    def begin_run(self, run_id: str, mode: str, started_at: str | None = None) -> None:
        """Record a run as running; a resumed run (same id) keeps its first start time."""
        if mode not in MODES:
            raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
        with self._transaction() as db:
            db.execute(
                "INSERT INTO runs (run_id, mode, started_at, status) VALUES (?, ?, ?, 'running')"
                " ON CONFLICT (run_id) DO UPDATE SET status = 'running', finished_at = NULL",
                (run_id, mode, started_at or utc_now()),
            )

    def previous_run_status(self, run_id: str) -> str | None:
        """Status of the latest run before ``run_id`` (None when there was none)."""
        row = self._db.execute(
            "SELECT status FROM runs WHERE run_id < ? ORDER BY run_id DESC LIMIT 1", (run_id,)
        ).fetchone()
        return str(row[0]) if row else None

    def walked_to_end(self, run_id: str) -> bool:
        """Whether the archive was walked to the end of its listing before run ``run_id``.

        The latest run before it decides: it ``complete``d or ended ``partial`` and its
        spider said the listing was walked to the end (``archiver/walked_to_end`` in its
        counts: its last page, or known posts of an archive walked before). A run that was
        ``limited``, ``failed`` or ``interrupted``, or lost a listing page, was not; so every
        run after it walks the whole listing until one gets to the end. Runs recorded before
        the count existed: ``complete`` is walked. No run before: True (nothing is known).
        """
        row = self._db.execute(
            "SELECT status, counts FROM runs WHERE run_id < ? ORDER BY run_id DESC LIMIT 1",
            (run_id,),
        ).fetchone()
        if row is None:
            return True
        status = str(row[0])
        counts = json.loads(row[1]) if row[1] else {}
        if status not in ("complete", "partial"):
            return False
        if "archiver/walked_to_end" in counts:
            return bool(counts["archiver/walked_to_end"])
        return status == "complete"

    def run(self, run_id: str) -> dict[str, Any] | None:
        row = self._db.execute("SELECT * FROM runs WHERE run_id = ?", (run_id,)).fetchone()
        if row is None:
            return None
        record = dict(row)
        record["counts"] = json.loads(record["counts"]) if record["counts"] else None
        return record

    def finish_run(
        self,
        run_id: str,
        status: str,
        mode: str | None = None,
        counts: Mapping[str, Any] | None = None,
        *,
        finished_at: str | None = None,
        max_missing_fraction: float = DEFAULT_MAX_MISSING_FRACTION,
        report: bool = True,
    ) -> list[Change]:
        """Close the run and return its changes (new, changed, removed, removal_suspected);
        ``report=False``: return none (a run's end reads them with :meth:`iter_run_changes`,
        one at a time: a first run's changes are every post of the site).

        Removals by absence are decided only in a full run that completed (``status ==
        "complete"``): a partial run may have missed listing pages.
        """
        finished = finished_at or utc_now()
        with self._transaction() as db:
            row = db.execute("SELECT mode FROM runs WHERE run_id = ?", (run_id,)).fetchone()
            if row is None:
                raise StateError(f"run {run_id} was never begun")
            run_mode = mode or row["mode"]
            if run_mode == "full" and status == "complete":
                self._detect_absences(db, run_id, finished, max_missing_fraction)
            db.execute(
                "UPDATE runs SET finished_at = ?, status = ?, mode = ?, counts = ?"
                " WHERE run_id = ?",
                (finished, status, run_mode, json.dumps(dict(counts or {})), run_id),
            )
        return self.run_changes(run_id) if report else []

    def _detect_absences(
        self, db: sqlite3.Connection, run_id: str, now: str, max_missing_fraction: float
    ) -> None:
        sources = [
            r[0]
            for r in db.execute(
                "SELECT DISTINCT source FROM posts WHERE last_seen_run = ?", (run_id,)
            )
        ]
        for source in sources:
            live = db.execute(
                "SELECT COUNT(*) FROM posts WHERE source = ? AND removed_at IS NULL", (source,)
            ).fetchone()[0]
            missing = db.execute(
                "SELECT url, removal_suspected_run FROM posts WHERE source = ?"
                " AND removed_at IS NULL AND last_seen_run != ? AND unlisted_run IS NOT ?",
                (source, run_id, run_id),
            ).fetchall()
            if len(missing) > max_missing_fraction * live:
                logger.warning(
                    "Full run %s did not see %d of %d posts of %s: more than %.0f%%, so the "
                    "listing is suspect, not the posts; no removal suspected",
                    run_id,
                    len(missing),
                    live,
                    source,
                    100 * max_missing_fraction,
                )
                continue
            for post in missing:
                if post["removal_suspected_run"] in (None, run_id):
                    db.execute(
                        "UPDATE posts SET removal_suspected_run = ? WHERE source = ? AND url = ?",
                        (run_id, source, post["url"]),
                    )
                else:  # missed by an earlier full run too, and not seen since
                    self._mark_removed(db, run_id, source, post["url"], now, "gone_from_listings")

    # -- what is known ----------------------------------------------------------------------

    def known_urls(self, source: str, *, before_run: str | None = None) -> set[str]:
        """URLs (canonical and as listed) of posts an incremental run need not fetch again:
        live and removed ones; not those whose last fetch failed (``pending_urls``).
        With ``before_run``, only posts first seen by an earlier run (a resumed run must not
        take its own captures for old news)."""
        rows = self._db.execute(
            "SELECT url FROM posts WHERE source = ? AND capture_pending = 0"
            " AND first_seen_run IS NOT ?"
            " UNION SELECT a.alias_url FROM aliases a JOIN posts p"
            " ON p.source = a.source AND p.url = a.url"
            " WHERE a.source = ? AND p.capture_pending = 0 AND p.first_seen_run IS NOT ?",
            (source, before_run, source, before_run),
        )
        return {r[0] for r in rows}

    def post_count(self, source: str) -> int:
        """How many posts of ``source`` the archive holds (one per post, aliases not counted)."""
        row = self._db.execute("SELECT COUNT(*) FROM posts WHERE source = ?", (source,)).fetchone()
        return int(row[0])

    def known_node_ids(self, source: str, *, before_run: str | None = None) -> set[str]:
        rows = self._db.execute(
            "SELECT node_id FROM posts WHERE source = ? AND node_id IS NOT NULL"
            " AND capture_pending = 0 AND first_seen_run IS NOT ?",
            (source, before_run),
        )
        return {r[0] for r in rows}

    def pending_urls(self, source: str) -> set[str]:
        """Posts whose last fetch failed for a reason that may pass: fetch them again."""
        rows = self._db.execute(
            "SELECT url FROM posts WHERE source = ? AND capture_pending = 1", (source,)
        )
        return {r[0] for r in rows}

    def is_known(self, source: str, url: str, node_id: str | None = None) -> bool:
        post = self.post(source, url)
        if post is not None:
            return not post.capture_pending
        return node_id is not None and node_id in self.known_node_ids(source)

    def post(self, source: str, url: str) -> PostState | None:
        """The post at ``url`` (canonical or an alias the listing printed), or None."""
        row = self._db.execute(
            "SELECT p.*, v.warc, val.etag, val.last_modified FROM posts p"
            " LEFT JOIN validators val ON val.url = p.url"
            " LEFT JOIN versions v ON v.id = ("
            "  SELECT id FROM versions WHERE source = p.source AND url = p.url"
            "  ORDER BY id DESC LIMIT 1)"
            " WHERE p.source = ? AND p.url = ?",
            (source, self._canonical(source, url)),
        ).fetchone()
        if row is None:
            return None
        values = {f.name: row[f.name] for f in fields(PostState) if f.name != "warc"}
        values["capture_pending"] = bool(values["capture_pending"])
        return PostState(**values, warc=json.loads(row["warc"]) if row["warc"] else None)

    def latest_warc(self, source: str, url: str) -> dict[str, Any] | None:
        """``post(source, url).warc`` (the WARC pointer of the post's latest version, None for
        an unknown post or one without a capture) in one indexed lookup: the capture
        middleware asks it for every 304 answer of a full run."""
        row = self._db.execute(
            "SELECT warc FROM versions WHERE source = ? AND url = ? ORDER BY id DESC LIMIT 1",
            (source, self._canonical(source, url)),
        ).fetchone()
        return json.loads(row[0]) if row is not None and row[0] else None

    def posts(self, source: str | None = None) -> list[PostState]:
        query = "SELECT source, url FROM posts" + (" WHERE source = ?" if source else "")
        keys = self._db.execute(query, (source,) if source else ()).fetchall()
        return [p for p in (self.post(s, u) for s, u in keys) if p is not None]

    def missing_from_run(self, run_id: str, source: str) -> list[str]:
        """Live posts of ``source`` that run ``run_id`` has neither seen in a listing nor
        captured, oldest first. A full run fetches these once its listings are walked: a
        404/410 (``record_gone``) proves the removal in this very run."""
        rows = self._db.execute(
            "SELECT url FROM posts WHERE source = ? AND removed_at IS NULL"
            " AND last_seen_run != ? ORDER BY first_seen_at, url",
            (source, run_id),
        )
        return [r[0] for r in rows]

    def removed_posts(self) -> dict[str, str]:
        """``{post_key: removed_at}`` of every removed post (to mark the catalogue)."""
        rows = self._db.execute(
            "SELECT source, node_id, url, removed_at FROM posts WHERE removed_at IS NOT NULL"
        )
        return {post_key(r[0], r[1], r[2]): r[3] for r in rows}

    def versions(self, source: str, url: str) -> list[dict[str, Any]]:
        """Every captured version of a post, oldest first."""
        rows = self._db.execute(
            "SELECT run_id, content_sha256, warc, captured_at FROM versions"
            " WHERE source = ? AND url = ? ORDER BY id",
            (source, self._canonical(source, url)),
        )
        return [{**dict(r), "warc": json.loads(r["warc"]) if r["warc"] else None} for r in rows]

    def _canonical(self, source: str, url: str, node_id: object = None) -> str:
        """The stored address of the post at ``url``: found by the address itself, as an alias
        the listing printed, by the post's identity (node id) or by its path (the source moved
        to another scheme, host or port). ``url`` itself when the post is not known.

        One statement, its branches in that order of preference: its first row is the answer,
        and SQLite stops at it (a post known by its address costs one index lookup)."""
        node = None if node_id in (None, "") else str(node_id)
        row = self._db.execute(
            _CANONICAL_URL,
            (
                source,
                url,
                post_key(source, node_id, url) if node is not None else None,
                post_key(source, None, url),
                node,
            ),
        ).fetchone()
        return str(row[0]) if row else url

    # -- recording what a run saw -------------------------------------------------------------

    def record_capture(self, run_id: str, item: Mapping[str, Any]) -> Change:
        """Record an item of run ``run_id`` (a post page, or a teaser when the page was not had).

        A 404/410 item (flag ``article_missing``) is a removal; a teaser-only item never
        changes the content hash. Returns the post's change in this run so far.
        """
        source, address = str(item["source"]), str(item["url"])
        url = self._canonical(source, address, item.get("node_id"))
        now = str(item.get("crawled_at") or utc_now())
        content_sha256 = item.get("content_sha256") if item.get("body_text") is not None else None
        flags = set(item.get("flags") or [])
        # The spider flags a page as missing only when its answer proves it (404/410, or 403
        # for a post no listing shows any more: Drupal's unpublished node).
        gone = FLAG_ARTICLE_MISSING in flags and item.get("http_status") in GONE_STATUSES | {403}
        pending = content_sha256 is None and bool(flags & RETRY_FLAGS)
        # Fetched by a full run's check of posts no listing showed: not a listing sighting.
        unlisted = UNLISTED_FLAG in flags
        with self._transaction() as db:
            self._upsert_post(db, run_id, source, url, now, item, seen=not unlisted)
            if unlisted and not gone and content_sha256:
                db.execute(
                    "UPDATE posts SET unlisted_run = ? WHERE source = ? AND url = ?",
                    (run_id, source, url),
                )
            for alias in {item.get("listed_url"), address} - {None, "", url}:
                db.execute(
                    "INSERT INTO aliases (source, alias_url, url) VALUES (?, ?, ?)"
                    " ON CONFLICT (source, alias_url) DO UPDATE SET url = excluded.url",
                    (source, alias, url),
                )
            if gone:
                self._mark_removed(db, run_id, source, url, now, f"http_{item['http_status']}")
            elif content_sha256:
                self._add_version(
                    db, run_id, source, url, content_sha256, item.get("warc"), now,
                    json.dumps(visible_fields(item), ensure_ascii=False, sort_keys=True),
                )  # fmt: skip
            else:
                # A teaser only: keep any earlier capture; retry later only if it may pass.
                db.execute(
                    "UPDATE posts SET capture_pending = ? WHERE source = ? AND url = ?"
                    " AND content_sha256 IS NULL",
                    (int(pending), source, url),
                )
        return self.change(run_id, source, url)

    def _upsert_post(
        self,
        db: sqlite3.Connection,
        run_id: str,
        source: str,
        url: str,
        now: str,
        item: Mapping[str, Any],
        *,
        seen: bool = True,
    ) -> None:
        """Insert or update the post; ``seen``: the run saw it in a listing (or as listed)."""
        sighting = (
            " last_seen_run = excluded.last_seen_run, last_seen_at = excluded.last_seen_at,"
            " removal_suspected_run = NULL"
            if seen
            else " last_seen_run = last_seen_run"
        )
        db.execute(
            "INSERT INTO posts (source, url, node_id, title, published, first_seen_run,"
            " last_seen_run, first_seen_at, last_seen_at, post_key, path_key)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (source, url) DO UPDATE SET"
            " node_id = COALESCE(excluded.node_id, node_id),"
            " post_key = CASE WHEN excluded.node_id IS NULL THEN post_key"
            "  ELSE excluded.post_key END,"
            " title = COALESCE(excluded.title, title),"
            " published = COALESCE(excluded.published, published)," + sighting,
            (
                source,
                url,
                item.get("node_id"),
                item.get("title"),
                item.get("published"),
                run_id,
                run_id,
                now,
                now,
                post_key(source, item.get("node_id"), url),
                post_key(source, None, url),
            ),
        )

    def _add_version(
        self,
        db: sqlite3.Connection,
        run_id: str,
        source: str,
        url: str,
        content_sha256: str,
        warc: Mapping[str, Any] | None,
        now: str,
        visible: str | None = None,
    ) -> None:
        latest = db.execute(
            "SELECT id, content_sha256, fields FROM versions WHERE source = ? AND url = ?"
            " ORDER BY id DESC LIMIT 1",
            (source, url),
        ).fetchone()
        if (
            latest is None
            or latest["content_sha256"] != content_sha256
            or (visible is not None and latest["fields"] not in (None, visible))
        ):
            # One version per post and run: a resumed run that saw other content replaces it.
            db.execute(
                "INSERT INTO versions (source, url, run_id, content_sha256, warc, captured_at,"
                " fields) VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (source, url, run_id)"
                " DO UPDATE SET content_sha256 = excluded.content_sha256, warc = excluded.warc,"
                " captured_at = excluded.captured_at, fields = excluded.fields",
                (
                    source,
                    url,
                    run_id,
                    content_sha256,
                    json.dumps(warc) if warc else None,
                    now,
                    visible,
                ),
            )
        elif latest["fields"] is None and visible is not None:
            # A version from before field tracking: learn its fields, it is not a change.
            db.execute("UPDATE versions SET fields = ? WHERE id = ?", (visible, latest["id"]))
        # A page with a body is back if it had been removed.
        db.execute(
            "UPDATE posts SET content_sha256 = ?, capture_pending = 0, removed_at = NULL,"
            " removed_run = NULL, removal_reason = NULL WHERE source = ? AND url = ?",
            (content_sha256, source, url),
        )

    def record_seen_in_listing(self, run_id: str, source: str, url: str) -> None:
        """A listing page of run ``run_id`` showed the post (a known one: else nothing)."""
        self.record_listing_page(run_id, source, [url])

    def record_listing_page(self, run_id: str, source: str, urls: Iterable[str]) -> None:
        """Every post a listing page showed, in one transaction."""
        now = utc_now()
        with self._transaction() as db:
            for url in urls:
                db.execute(
                    "UPDATE posts SET last_seen_run = ?, last_seen_at = ?,"
                    " removal_suspected_run = NULL WHERE source = ? AND url = ?",
                    (run_id, now, source, self._canonical(source, url)),
                )

    def record_gone(self, run_id: str, source: str, url: str, status: int) -> Change:
        """The post's page answered ``status`` (404 or 410): the post is removed."""
        if status not in GONE_STATUSES:
            raise ValueError(f"HTTP {status} does not say a page is gone")
        url = self._canonical(source, url)
        with self._transaction() as db:
            if db.execute(
                "SELECT 1 FROM posts WHERE source = ? AND url = ?", (source, url)
            ).fetchone():
                self._mark_removed(db, run_id, source, url, utc_now(), f"http_{status}")
        return self.change(run_id, source, url)

    def _mark_removed(
        self, db: sqlite3.Connection, run_id: str, source: str, url: str, now: str, reason: str
    ) -> None:
        db.execute(
            "UPDATE posts SET removed_at = ?, removed_run = ?, removal_reason = ?,"
            " removal_suspected_run = NULL, capture_pending = 0"
            " WHERE source = ? AND url = ? AND removed_at IS NULL",
            (now, run_id, reason, source, url),
        )

    # -- HTTP validators and payloads (conditional requests, revisit records) ---------------

    def validators(self, url: str) -> tuple[str | None, str | None]:
        """(ETag, Last-Modified) of the last capture of ``url`` (any page, not just posts)."""
        row = self._db.execute(
            "SELECT etag, last_modified FROM validators WHERE url = ?", (url,)
        ).fetchone()
        return (row[0], row[1]) if row else (None, None)

    def set_validators(self, url: str, etag: str | None, last_modified: str | None) -> None:
        with self._transaction() as db:
            db.execute(
                "INSERT INTO validators (url, etag, last_modified) VALUES (?, ?, ?)"
                " ON CONFLICT (url) DO UPDATE SET etag = excluded.etag,"
                " last_modified = excluded.last_modified",
                (url, etag, last_modified),
            )

    def remember_payload(
        self, run_id: str, target_uri: str, payload_digest: str, warc: Mapping[str, Any]
    ) -> bool:
        """Remember the first record holding this payload; False when one was known already.

        One statement, so its own transaction (autocommit): committed when it returns, as
        with ``BEGIN IMMEDIATE`` ... ``COMMIT`` (a write statement takes the write lock
        before it reads), at a third of the calls into SQLite: one per record written."""
        cursor = self._db.execute(
            "INSERT OR IGNORE INTO payloads (target_uri, payload_digest, run_id, warc)"
            " VALUES (?, ?, ?, ?)",
            (target_uri, payload_digest, run_id, json.dumps(dict(warc))),
        )
        return cursor.rowcount == 1

    def original_payload(self, target_uri: str, payload_digest: str) -> dict[str, Any] | None:
        """The WARC pointer of the first record of this payload at this URI (for a revisit)."""
        row = self._db.execute(
            "SELECT run_id, warc FROM payloads WHERE target_uri = ? AND payload_digest = ?",
            (target_uri, payload_digest),
        ).fetchone()
        return {**json.loads(row["warc"]), "run_id": row["run_id"]} if row else None

    # -- changes --------------------------------------------------------------------------------

    def change(self, run_id: str, source: str, url: str) -> Change:
        """How the post changed in run ``run_id``, from what the database holds."""
        for change in self._changes(run_id, "AND p.source = ? AND p.url = ?", (source, url)):
            return change
        # Unchanged: its title and date as post() would give them, without the rest.
        row = self._db.execute(
            "SELECT title, published FROM posts WHERE source = ? AND url = ?",
            (source, self._canonical(source, url)),
        ).fetchone()
        return Change("unchanged", source, url, *(tuple(row) if row else (None, None)))

    def run_changes(self, run_id: str) -> list[Change]:
        """Every post that was new, changed, removed or suspected removed in run ``run_id``."""
        return list(self._changes(run_id, "", ()))

    def iter_run_changes(self, run_id: str) -> Iterator[Change]:
        """:meth:`run_changes`, one at a time (read while the state is open)."""
        return self._changes(run_id, "", ())

    def _changes(self, run_id: str, where: str, args: tuple[Any, ...]) -> Iterator[Change]:
        rows = self._db.execute(
            "SELECT p.*, v.content_sha256 AS new_sha, v.fields AS new_fields,"
            " (SELECT o.content_sha256 FROM versions o"
            "  WHERE o.source = v.source AND o.url = v.url AND o.id < v.id"
            "  ORDER BY o.id DESC LIMIT 1) AS old_sha,"
            " (SELECT o.fields FROM versions o"
            "  WHERE o.source = v.source AND o.url = v.url AND o.id < v.id"
            "  ORDER BY o.id DESC LIMIT 1) AS old_fields"
            " FROM posts p LEFT JOIN versions v"
            "  ON v.source = p.source AND v.url = p.url AND v.run_id = ?"
            " WHERE (p.first_seen_run = ? OR p.removed_run = ? OR p.removal_suspected_run = ?"
            "  OR p.unlisted_run = ? OR v.id IS NOT NULL) "
            + where
            + " ORDER BY p.published DESC, p.url",
            (run_id, run_id, run_id, run_id, run_id, *args),
        )
        for row in rows:
            common = (row["source"], row["url"], row["title"], row["published"])
            node_id = row["node_id"]
            if (
                row["first_seen_run"] == run_id
                and row["removed_run"] == run_id
                and row["content_sha256"] is None
            ):
                # Listed, but its page answered 404/410 before the archive ever had it.
                yield Change(
                    "gone",
                    *common,
                    removed_at=row["removed_at"],
                    reason=row["removal_reason"],
                    node_id=node_id,
                )
            elif row["first_seen_run"] == run_id:
                yield Change("new", *common, new_sha256=row["content_sha256"], node_id=node_id)
            elif row["removed_run"] == run_id:
                yield Change(
                    "removed",
                    *common,
                    removed_at=row["removed_at"],
                    reason=row["removal_reason"],
                    node_id=node_id,
                )
            elif row["removal_suspected_run"] == run_id:
                yield Change(
                    "removal_suspected", *common, reason="gone_from_listings", node_id=node_id
                )
            elif row["unlisted_run"] == run_id:
                yield Change("unlisted", *common, reason="page_live_not_listed", node_id=node_id)
            elif row["old_sha"] and (
                row["new_sha"] != row["old_sha"]
                or _fields_differ(row["old_fields"], row["new_fields"])
            ):
                yield Change(
                    "changed",
                    *common,
                    old_sha256=row["old_sha"],
                    new_sha256=row["new_sha"],
                    node_id=node_id,
                    fields=_field_changes(row["old_fields"], row["new_fields"]),
                )


def _fields_differ(old: str | None, new: str | None) -> bool:
    return old is not None and new is not None and old != new


def _field_changes(old: str | None, new: str | None) -> dict[str, dict[str, Any]] | None:
    """``{field: {"old": ..., "new": ...}}`` for each visible field that differs."""
    if old is None or new is None:
        return None
    before, after = json.loads(old), json.loads(new)
    return {
        name: {"old": before.get(name), "new": after.get(name)}
        for name in VISIBLE_FIELDS
        if before.get(name) != after.get(name)
    }
