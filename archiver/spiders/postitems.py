"""Build a ``PostItem`` from what the extractors read: the teaser, the post page, the fetch.

This is the join between extraction (archiver.pages) and the item; it holds no selectors and
does no I/O, so the spider stays a crawler and the join is testable on plain values.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import fields
from datetime import UTC, datetime
from typing import Any

from archiver.items import FLAG_NOT_MODIFIED, FLAG_UNLISTED, PostItem, node_number
from archiver.pages import PostPage, Teaser


def utc_now_iso() -> str:
    """The current UTC time as ISO 8601 with a ``Z``-free ``+00:00`` offset, to the second."""
    return datetime.now(UTC).replace(microsecond=0).isoformat()


def sha256_text(text: str | None) -> str | None:
    """SHA-256 hex of ``text`` in UTF-8, or None for no text."""
    if not text:
        return None
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def item_from_post(
    teaser: Teaser,
    post: PostPage,
    *,
    source: str,
    listing_url: str | None,
    final_url: str,
    status: int,
    warc: dict[str, Any] | None,
    run_id: str | None,
) -> PostItem:
    """The item for a post whose page was fetched: the page wins, the teaser fills gaps."""
    flags = [f"page_{problem}" for problem in post.problems]
    flags.extend(post.flags)
    if teaser.title and post.title and teaser.title != post.title:
        flags.append("title_differs_from_listing")
    return PostItem(
        url=final_url,
        source=source,
        node_id=node_number(post.node_id or teaser.node_id),
        title=post.title or teaser.title,
        author=post.author or teaser.author,
        published_raw=post.date_raw or teaser.date_raw,
        published_machine=post.machine_date or teaser.machine_date,
        teaser=teaser.teaser,
        body_text=post.body_text,
        body_html=post.body_html,
        images=list(post.images),
        tags=list(post.tags),
        listing_url=listing_url,
        listed_url=teaser.url,
        http_status=status,
        crawled_at=utc_now_iso(),
        content_sha256=sha256_text(post.body_text),
        flags=flags,
        warc=warc,
        run_id=run_id,
    )


def item_from_teaser(
    teaser: Teaser,
    *,
    source: str,
    listing_url: str | None,
    flags: list[str],
    status: int | None,
    warc: dict[str, Any] | None,
    run_id: str | None,
) -> PostItem:
    """The item for a listed post whose page could not be had: nothing listed is lost."""
    return PostItem(
        url=teaser.url,
        source=source,
        node_id=node_number(teaser.node_id),
        title=teaser.title,
        author=teaser.author,
        published_raw=teaser.date_raw,
        published_machine=teaser.machine_date,
        teaser=teaser.teaser,
        listing_url=listing_url,
        listed_url=teaser.url,
        http_status=status,
        crawled_at=utc_now_iso(),
        flags=list(flags),
        warc=warc,
        run_id=run_id,
    )


def item_from_stored(
    stored: Mapping[str, Any],
    teaser: Teaser,
    *,
    listing_url: str | None,
    status: int,
    warc: dict[str, Any] | None,
    run_id: str | None,
) -> PostItem:
    """The item for a post the server answered 304 Not Modified: the stored capture (its latest
    catalogue record), pointing at this run's revisit record (``warc``) and, through
    ``warc.refers_to``, at the response record that holds the page. Flagged ``not_modified``."""
    names = {f.name for f in fields(PostItem)}
    values = {k: v for k, v in stored.items() if k in names}
    values["node_id"] = node_number(values.get("node_id"))
    pointer = dict(warc) if warc else None
    original = stored.get("warc")
    if pointer is not None and "refers_to" not in pointer and isinstance(original, Mapping):
        pointer["refers_to"] = {k: v for k, v in original.items() if k != "refers_to"}
    flags = [f for f in stored.get("flags") or [] if f not in (FLAG_NOT_MODIFIED, FLAG_UNLISTED)]
    values.update(
        listing_url=listing_url,
        listed_url=teaser.url,
        http_status=status,
        crawled_at=utc_now_iso(),
        flags=[*flags, FLAG_NOT_MODIFIED],
        warc=pointer if pointer is not None else original,
        run_id=run_id,
        change=None,
    )
    return PostItem(**values)
