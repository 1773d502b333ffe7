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
from typing import Any

from archiver.items import record_key

Record = dict[str, Any]

__all__ = [
    "count_posts",
    "latest_per_post",
    "merge_catalogue",
    "merged_catalogue",
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
    scratch.execute(
        "CREATE TABLE catalogue (key TEXT PRIMARY KEY, first INTEGER NOT NULL,"
        " undated INTEGER NOT NULL, newest REAL NOT NULL, url TEXT NOT NULL, record TEXT NOT NULL)"
    )
    order = 0
    for record in previous:
        order += 1
        _put(scratch, record_key(record), order, record)
    for item in items:
        order += 1
        key = record_key(item)
        row = scratch.execute("SELECT record FROM catalogue WHERE key = ?", (key,)).fetchone()
        earlier = json.loads(row[0]) if row is not None else None
        if earlier is not None and _is_teaser_only(item) and not _is_teaser_only(earlier):
            earlier["last_seen_run"] = item.get("run_id")
            _put(scratch, key, order, earlier)
            continue
        _put(scratch, key, order, item)
    # The index walks the rows in order, so SQLite does not sort them all in memory.
    scratch.execute("CREATE INDEX catalogue_order ON catalogue (undated, newest, url, first)")
    rows = scratch.execute(
        "SELECT record FROM catalogue INDEXED BY catalogue_order"
        " ORDER BY undated, newest, url, first"
    )
    for (text,) in rows:
        yield json.loads(text)
    scratch.execute("DROP TABLE catalogue")


def _put(scratch: sqlite3.Connection, key: str, order: int, record: Record) -> None:
    """Insert or replace ``key``'s record; a replaced post keeps the place it was first seen
    at (as a dict keeps a replaced key's place)."""
    undated, newest, url = _newest_first_key(record)
    scratch.execute(
        "INSERT INTO catalogue (key, first, undated, newest, url, record)"
        " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (key) DO UPDATE SET undated = excluded.undated,"
        " newest = excluded.newest, url = excluded.url, record = excluded.record",
        (key, order, undated, newest, url, json.dumps(record, ensure_ascii=False)),
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
