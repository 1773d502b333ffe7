"""The item a crawl emits: one news post as published, with pointers to the evidence.

Fields are documented for the researchers who read the JSON files; the same descriptions are
in ``archiver/schemas/post.schema.json``. Pipelines touch items through ``ItemAdapter``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

# Item flags that several parts of the archiver set or read, named once. (Every flag an item can
# carry is listed in the README's "Item fields" and in archiver/schemas/post.schema.json.)
FLAG_ARTICLE_MISSING = "article_missing"
"""The post's page answered 404/410 (or Drupal's 403): the item is the listing's teaser."""
FLAG_ARTICLE_FETCH_FAILED = "article_fetch_failed"
"""The post's page could not be had for a reason that may pass: tried again next run."""
FLAG_ARTICLE_NOT_FETCHED = "article_not_fetched"
"""robots.txt or the host scope refused the post's page (our choice, not the server's)."""
FLAG_ARTICLE_NOT_HTML = "article_not_html"
"""The post's URL answered with something that is not an HTML page."""
FLAG_EXTRACTION_FAILED = "extraction_failed"
"""The post's page broke the page reader (a worker process died reading it, twice): the item
is the listing's teaser; the page's bytes are in the WARC."""
FLAG_NOT_MODIFIED = "not_modified"
"""A full run's conditional request got 304: the stored capture, pointing at the revisit."""
FLAG_UNLISTED = "unlisted"
"""Fetched at the end of a full run because no listing showed the post any more."""


def post_key(source: str, node_id: object, url: str | None) -> str:
    """The identity of a post, the one rule every part of the archiver uses.

    The source plus the CMS's node id when the page gives it (an alias, a moved host or a new
    scheme is still the same post), else the URL's path (and query) without scheme, host and
    trailing slash. ``post_key("iuhrdf", 123, ...) == "iuhrdf node/123"``.
    """
    if node_id not in (None, ""):
        return f"{source} node/{node_id}"
    parts = urlsplit(url or "")
    path = parts.path.rstrip("/") or "/"
    return f"{source} {path}?{parts.query}" if parts.query else f"{source} {path}"


def node_number(node_id: object) -> int | None:
    """A node id as items carry it: an integer, or None when there is none (or it is not one)."""
    if node_id in (None, "") or isinstance(node_id, bool):
        return None
    try:
        return int(str(node_id))
    except ValueError:
        return None


def record_key(record: Mapping[str, Any]) -> str:
    """:func:`post_key` of an item record (a dict, an ItemAdapter or a catalogue line)."""
    return post_key(str(record.get("source") or ""), record.get("node_id"), record.get("url"))


@dataclass
class PostItem:
    """One news post of a source, as the crawl saw it."""

    url: str
    """Canonical URL of the post page (after redirects); the listed link if the page is gone."""
    source: str
    """Name of the source profile the crawl ran with (e.g. ``iuhrdf``)."""
    node_id: int | None = None
    """Drupal node id, an integer (from ``node-<nid>``); null when the page shows none."""
    title: str | None = None
    """Title exactly as published (from the post page, else from the listing teaser)."""
    author: str | None = None
    """Author name as printed on the submitted line."""
    published: str | None = None
    """ISO 8601 date-time with the source's UTC offset, or null when it could not be decided."""
    published_raw: str | None = None
    """The date text exactly as printed (e.g. ``Per, 10/08/2020 - 17:31``)."""
    published_machine: str | None = None
    """A machine-readable date on the page (RDFa ``content``), exactly as found, or null."""
    published_candidates: list[str] = field(default_factory=list)
    """When ``published`` is null because the printed local time happened twice (clocks set back)
    or several readings remain: every instant the text may mean, ISO 8601, earliest first."""
    date_flags: list[str] = field(default_factory=list)
    """How ``published`` was decided (``rdfa``, ``weekday_checked``, ``weekday_mismatch``, ...)."""
    teaser: str | None = None
    """The summary shown on the listing page, whitespace-normalised."""
    body_text: str | None = None
    """Body paragraphs as plain text, one blank line between paragraphs, no site noise."""
    body_html: str | None = None
    """HTML of the body field exactly as served."""
    images: list[str] = field(default_factory=list)
    """Absolute URLs of the post's images, in page order."""
    tags: list[str] = field(default_factory=list)
    """Tag names (taxonomy terms) shown on the post page."""
    listing_url: str | None = None
    """The listing page where this post was found."""
    listed_url: str | None = None
    """The post link as the listing printed it (may be an old alias that redirects)."""
    http_status: int | None = None
    """HTTP status of the post page (the final one, after redirects)."""
    crawled_at: str | None = None
    """When the post page (or the listing, for a missing page) was fetched, UTC, ISO 8601."""
    content_sha256: str | None = None
    """SHA-256 (hex) of ``body_text`` in UTF-8; null when there is no body."""
    flags: list[str] = field(default_factory=list)
    """Problems seen with this post (``article_missing``, ``no_body``, ``no_title``, ...)."""
    warc: dict[str, Any] | None = None
    """Where the evidence is: the WARC response record of the post page (or of the listing)."""
    run_id: str | None = None
    """The run that captured this version."""
    change: str | None = None
    """What this capture is to the archive: ``new``, ``changed``, ``unchanged``, ``removed``,
    ``gone`` (listed, page 404/410 before any capture) or ``unlisted`` (in no listing, page up)."""
