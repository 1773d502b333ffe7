"""The archive's catalogue of posts (``posts.jsonl``): every post ever captured, latest version.

Rebuilt from the previous catalogue and a run's items at the end of each run. A post is keyed by
its identity (:func:`archiver.items.post_key`: source + node id, else path); a newer capture
replaces the older one in the catalogue (the older stays in
its run's items.jsonl and WARC). Posts are never dropped from the catalogue: evidence is never
deleted, a removed post keeps its last version with ``removed_at``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from archiver.items import record_key

Record = dict[str, Any]


def merge_catalogue(previous: Iterable[Record], items: Iterable[Record]) -> list[Record]:
    """The catalogue after a run: previous posts, replaced by this run's captures, newest first.

    A capture replaces an earlier one unless it is a teaser-only item (its page was not had) and
    the earlier one holds the page: a failed fetch must not erase a good capture.
    """
    catalogue: dict[str, Record] = {record_key(r): r for r in previous}
    for item in items:
        key = record_key(item)
        earlier = catalogue.get(key)
        if earlier is not None and _is_teaser_only(item) and not _is_teaser_only(earlier):
            kept = dict(earlier)
            kept["last_seen_run"] = item.get("run_id")
            catalogue[key] = kept
            continue
        catalogue[key] = item
    return sorted(catalogue.values(), key=_newest_first_key)


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


def latest_per_post(records: Iterable[Record]) -> list[Record]:
    """One record per post, the last written (a resumed run may capture a post again)."""
    by_key: dict[str, Record] = {}
    for record in records:
        key = record_key(record)
        by_key.pop(key, None)  # keep the order of the latest write
        by_key[key] = record
    return list(by_key.values())
