"""The archive's catalogue of posts (``posts.jsonl``): every post ever captured, latest version.

Rebuilt from the previous catalogue and a run's items at the end of each run. A post is keyed by
its source and URL; a newer capture replaces the older one in the catalogue (the older stays in
its run's items.jsonl and WARC). Posts are never dropped from the catalogue: evidence is never
deleted, a removed post keeps its last version with ``removed_at``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

Record = dict[str, Any]


def post_key(record: Mapping[str, Any]) -> tuple[str, str]:
    """Identity of a post across runs: (source, url)."""
    return (str(record.get("source") or ""), str(record.get("url") or ""))


def merge_catalogue(previous: Iterable[Record], items: Iterable[Record]) -> list[Record]:
    """The catalogue after a run: previous posts, replaced by this run's captures, newest first.

    A capture replaces an earlier one unless it is a teaser-only item (its page was not had) and
    the earlier one holds the page: a failed fetch must not erase a good capture.
    """
    catalogue: dict[tuple[str, str], Record] = {post_key(r): r for r in previous}
    for item in items:
        key = post_key(item)
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
