"""The archive's catalogue of posts (``posts.jsonl``): every post ever captured, latest version.

Rebuilt from the previous catalogue and a run's items at the end of each run. A post is keyed by
its identity (:func:`archiver.items.post_key`: source + node id, else path); a newer capture
replaces the older one in the catalogue (the older stays in
its run's items.jsonl and WARC). Posts are never dropped from the catalogue: evidence is never
deleted, a removed post keeps its last version with ``removed_at``.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from archiver.files import json_line
from archiver.items import record_key

Record = dict[str, Any]

__all__ = [
    "CatalogueRow",
    "count_posts",
    "feed_summary",
    "latest_per_post",
    "merge_catalogue",
    "merged_catalogue",
    "merged_catalogue_rows",
]


def merge_catalogue(previous: Iterable[Record], items: Iterable[Record]) -> list[Record]:
    """The catalogue after a run: previous posts, replaced by this run's captures, newest first
    (:func:`merged_catalogue` in memory, for callers that hold few posts)."""
    scratch = sqlite3.connect(":memory:", isolation_level=None)
    try:
        return list(merged_catalogue(previous, items, scratch))
    finally:
        scratch.close()


def merged_catalogue(
    previous: Iterable[Record], items: Iterable[Record], scratch: sqlite3.Connection
) -> Iterator[Record]:
    """The catalogue after a run, record by record: previous posts, replaced by this run's
    captures, newest first; posts of the same time and URL in the order they were first seen.

    A capture replaces an earlier one unless it is a teaser-only item (its page was not had) and
    the earlier one holds the page: a failed fetch must not erase a good capture. The posts are
    keyed and sorted in ``scratch`` (see archiver.archive.scratch), so memory does not grow with
    the catalogue.
    """
    for row in merged_catalogue_rows(previous, items, scratch):
        yield row.record()


class CatalogueRow(NamedTuple):
    """One post of the catalogue as :func:`merged_catalogue_rows` gives it: its record as
    JSON text, so that writing the catalogue to its file needs no decoding and encoding of
    every record."""

    key: str
    """The post's identity (archiver.items.record_key)."""
    text: str
    """The record as compact JSON (archiver.files.json_line's, without the newline), less its
    ``removed_at`` member when ``removed_last``."""
    removed_last: bool
    """The record has no ``removed_at`` member, or has it last (left out of ``text``)."""
    removed: str | None
    """With ``removed_last``: the JSON of the record's own ``removed_at``, if it had one."""
    summary: str
    """JSON of the fields a feed chooses its entries by (:func:`feed_summary`)."""

    def record(self) -> Record:
        """The record, decoded."""
        record: Record = json.loads(self.text)
        if self.removed_last and self.removed is not None:
            record["removed_at"] = json.loads(self.removed)
        return record

    def line_with_removed_at(self, removed_at: str | None) -> str:
        """The record's JSON Lines line (:func:`archiver.files.json_line`) with its
        ``removed_at`` set to ``removed_at``: replaced where it is, else added last, as
        ``record["removed_at"] = removed_at`` does."""
        if not self.removed_last:
            record: Record = json.loads(self.text)
            record["removed_at"] = removed_at
            return json_line(record)
        member = '"removed_at":' + json.dumps(removed_at, ensure_ascii=False)
        if self.text == "{}":
            return "{" + member + "}\n"
        return self.text[:-1] + "," + member + "}\n"


def feed_summary(record: Mapping[str, Any]) -> dict[str, Any]:
    """What a feed chooses a post by (archiver.archive.reports.NewestEntries): its URL,
    flags, publication and capture times, and whether it has a body."""
    return {
        "url": record.get("url"),
        "flags": record.get("flags"),
        "published": record.get("published"),
        "crawled_at": record.get("crawled_at"),
        "body_text": True if record.get("body_text") else None,
    }


def merged_catalogue_rows(
    previous: Iterable[Record], items: Iterable[Record], scratch: sqlite3.Connection
) -> Iterator[CatalogueRow]:
    """:func:`merged_catalogue`, each post as a :class:`CatalogueRow`."""
    scratch.execute(
        "CREATE TABLE catalogue (key TEXT PRIMARY KEY, first INTEGER NOT NULL,"
        " undated INTEGER NOT NULL, newest REAL NOT NULL, url TEXT NOT NULL,"
        " teaser_only INTEGER NOT NULL, removed_last INTEGER NOT NULL, removed TEXT,"
        " summary TEXT NOT NULL, record TEXT NOT NULL)"
    )
    order = 0
    for record in previous:
        order += 1
        _put(scratch, record_key(record), order, record)
    for item in items:
        order += 1
        key = record_key(item)
        if _is_teaser_only(item):
            row = scratch.execute(
                "SELECT teaser_only FROM catalogue WHERE key = ?", (key,)
            ).fetchone()
            if row is not None and not row[0]:
                # The earlier capture holds the page: it stays, with this run's sighting.
                earlier = _stored(scratch, key).record()
                earlier["last_seen_run"] = item.get("run_id")
                _put(scratch, key, order, earlier)
                continue
        _put(scratch, key, order, item)
    # The index walks the rows in order, so SQLite does not sort them all in memory.
    scratch.execute("CREATE INDEX catalogue_order ON catalogue (undated, newest, url, first)")
    rows = scratch.execute(
        f"SELECT {_ROW_COLUMNS} FROM catalogue INDEXED BY catalogue_order"
        " ORDER BY undated, newest, url, first"
    )
    for row in rows:
        yield CatalogueRow(row[0], row[1], bool(row[2]), row[3], row[4])
    scratch.execute("DROP TABLE catalogue")


_ROW_COLUMNS = "key, record, removed_last, removed, summary"


def _stored(scratch: sqlite3.Connection, key: str) -> CatalogueRow:
    row = scratch.execute(f"SELECT {_ROW_COLUMNS} FROM catalogue WHERE key = ?", (key,)).fetchone()
    return CatalogueRow(row[0], row[1], bool(row[2]), row[3], row[4])


def _put(scratch: sqlite3.Connection, key: str, order: int, record: Record) -> None:
    """Insert or replace ``key``'s record; a replaced post keeps the place it was first seen
    at (as a dict keeps a replaced key's place)."""
    undated, newest, url = _newest_first_key(record)
    removed_last = "removed_at" not in record or next(reversed(record)) == "removed_at"
    removed = None
    if removed_last and "removed_at" in record:
        record = dict(record)
        removed = json.dumps(record.pop("removed_at"), ensure_ascii=False)
    scratch.execute(
        "INSERT INTO catalogue (key, first, undated, newest, url, teaser_only, removed_last,"
        " removed, summary, record) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (key) DO UPDATE SET undated = excluded.undated,"
        " newest = excluded.newest, url = excluded.url, teaser_only = excluded.teaser_only,"
        " removed_last = excluded.removed_last, removed = excluded.removed,"
        " summary = excluded.summary, record = excluded.record",
        (
            key,
            order,
            undated,
            newest,
            url,
            _is_teaser_only(record),
            removed_last,
            removed,
            json.dumps(feed_summary(record), ensure_ascii=False),
            json_line(record)[:-1],
        ),
    )


def _is_teaser_only(record: Mapping[str, Any]) -> bool:
    return record.get("body_text") is None


def _newest_first_key(record: Mapping[str, Any]) -> tuple[int, float, str]:
    published = record.get("published")
    if published:
        try:
            return (0, -datetime.fromisoformat(published).timestamp(), str(record.get("url")))
        except ValueError:
            pass
    return (1, 0.0, str(record.get("url")))


def latest_per_post(
    read: Callable[[], Iterable[Record]], scratch: sqlite3.Connection
) -> Iterator[Record]:
    """One record per post, the last written (a resumed run may capture a post again), in the
    order of those last writes. ``read`` gives the records, the same each call: it is called
    twice (the first pass notes each post's last record in ``scratch``, the second yields
    them), so the records are never all in memory."""
    _note_last(read(), scratch)
    kept = scratch.execute("SELECT seq FROM latest ORDER BY seq")
    next_kept = next(kept, None)
    for seq, record in enumerate(read()):
        if next_kept is not None and next_kept[0] == seq:
            next_kept = next(kept, None)
            yield record
    scratch.execute("DROP TABLE latest")


def count_posts(records: Iterable[Record], scratch: sqlite3.Connection) -> int:
    """How many posts ``records`` hold (one per key)."""
    _note_last(records, scratch)
    (count,) = scratch.execute("SELECT count(*) FROM latest").fetchone()
    scratch.execute("DROP TABLE latest")
    return int(count)


def _note_last(records: Iterable[Record], scratch: sqlite3.Connection) -> None:
    scratch.execute("CREATE TABLE latest (key TEXT PRIMARY KEY, seq INTEGER NOT NULL)")
    scratch.executemany(
        "INSERT INTO latest (key, seq) VALUES (?, ?)"
        " ON CONFLICT (key) DO UPDATE SET seq = excluded.seq",
        ((record_key(record), seq) for seq, record in enumerate(records)),
    )
    scratch.execute("CREATE INDEX latest_seq ON latest (seq)")
