"""What a run tells the world: ``changes.json``, the Atom feed, removals in the catalogue.

- ``runs/<run-id>/changes.json``: the posts that were new, changed or removed in the run, for a
  script to act on (``write_changes``). A ``changed`` entry says which fields a reader sees
  changed (``fields``: ``{name: {"old": ..., "new": ...}}``; title, published_raw, author,
  tags, images, body_text). ``removal_suspected`` lists posts that one full run did
  not see in any listing: not removed yet (a second full run decides), but worth a look.
  ``unlisted``: in no listing, but the page still answers 200 (live). ``gone``: listed, but its
  page answered 404/410 (``status``) before the archive ever had it: never ``new``, and never
  in the feed.
- ``feed.atom``: the newest posts of the archive as an Atom 1.0 feed (RFC 4287) for feed
  readers (``write_feed``); built with ``xml.etree``, deterministic (unchanged posts give an
  unchanged file), newest first.
- ``mark_removed`` (``with_removed_at``): ``removed_at`` on the catalogue's records, from the
  state database; evidence is never deleted, a removed post stays with the date it was found
  gone.

Reads no settings; all files are written through archiver.files (atomic).
"""

from __future__ import annotations

import heapq
import json
import logging
import re
import sqlite3
import uuid
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from archiver.archive.layout import ArchivePaths, RunPaths
from archiver.files import atomic_write_json_streamed, atomic_write_text
from archiver.items import FLAG_ARTICLE_MISSING, record_key
from archiver.state import Change

logger = logging.getLogger(__name__)

Record = dict[str, Any]
ATOM_NS = "http://www.w3.org/2005/Atom"
REPORTED_KINDS = ("new", "changed", "removed", "removal_suspected", "gone", "unlisted")
# XML 1.0 forbids these characters; ElementTree would write them and make the feed invalid.
_XML_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_SUMMARY_CHARS = 500


def changes_report(run_id: str, mode: str, changes: Iterable[Change]) -> dict[str, Any]:
    """The content of changes.json: one list per kind, newest published first."""
    report: dict[str, Any] = {"run_id": run_id, "mode": mode}
    for kind in REPORTED_KINDS:
        report[kind] = []
    for change in sorted(changes, key=_newest_first):
        if change.kind in REPORTED_KINDS:
            report[change.kind].append(change_entry(change))
    return report


def change_entry(change: Change) -> dict[str, Any]:
    """One post's entry in changes.json."""
    entry: dict[str, Any] = {
        "url": change.url,
        "title": change.title,
        "published": change.published,
        "source": change.source,
    }
    if change.kind == "changed":
        entry["old_sha256"] = change.old_sha256
        entry["new_sha256"] = change.new_sha256
        if change.fields is not None:
            entry["fields"] = change.fields
    elif change.kind == "removed":
        entry["removed_at"] = change.removed_at
        entry["reason"] = change.reason
    elif change.kind == "gone":
        entry["status"] = _status_of(change.reason)
        entry["removed_at"] = change.removed_at
        entry["reason"] = change.reason
    elif change.kind in ("removal_suspected", "unlisted"):
        entry["reason"] = change.reason
    return entry


def _status_of(reason: str | None) -> int | None:
    """The HTTP status in a removal reason (``http_404`` -> 404)."""
    if reason and reason.startswith("http_") and reason[5:].isdigit():
        return int(reason[5:])
    return None


def write_changes(run: RunPaths, changes: Iterable[Change], *, mode: str) -> Path:
    """Write ``runs/<run-id>/changes.json``; returns its path."""
    scratch = sqlite3.connect(":memory:", isolation_level=None)
    try:
        write_changes_streamed(run, changes, mode=mode, scratch=scratch)
    finally:
        scratch.close()
    return run.changes_json


def write_changes_streamed(
    run: RunPaths,
    changes: Iterable[Change],
    *,
    mode: str,
    scratch: sqlite3.Connection,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, int]:
    """Write ``runs/<run-id>/changes.json`` (:func:`changes_report`, then the ``extra``
    members) with the changes sorted in ``scratch`` (archiver.archive.scratch), never all in
    memory: a first run's changes list every post of the site. Returns how many posts each
    reported kind lists."""
    scratch.execute(
        "CREATE TABLE changes (seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, undated INTEGER"
        " NOT NULL, newest REAL NOT NULL, url TEXT NOT NULL, entry TEXT NOT NULL)"
    )
    counts = dict.fromkeys(REPORTED_KINDS, 0)
    for change in changes:
        if change.kind not in REPORTED_KINDS:
            continue
        counts[change.kind] += 1
        undated, newest, url = _newest_first(change)
        scratch.execute(
            "INSERT INTO changes (kind, undated, newest, url, entry) VALUES (?, ?, ?, ?, ?)",
            (change.kind, undated, newest, url, json.dumps(change_entry(change))),
        )
    scratch.execute("CREATE INDEX changes_order ON changes (kind, undated, newest, url, seq)")

    def entries(kind: str) -> Iterator[dict[str, Any]]:
        rows = scratch.execute(
            "SELECT entry FROM changes INDEXED BY changes_order WHERE kind = ?"
            " ORDER BY undated, newest, url, seq",
            (kind,),
        )
        for (text,) in rows:
            yield json.loads(text)

    members: list[tuple[str, Any]] = [("run_id", run.run_id), ("mode", mode)]
    members += [(kind, entries(kind)) for kind in REPORTED_KINDS]
    members += list((extra or {}).items())
    atomic_write_json_streamed(run.changes_json, members)
    scratch.execute("DROP TABLE changes")
    logger.info(
        "Run %s: %d new, %d changed, %d removed, %d suspected removed (%s)",
        run.run_id,
        counts["new"],
        counts["changed"],
        counts["removed"],
        counts["removal_suspected"],
        run.changes_json,
    )
    return counts


def mark_removed(records: Iterable[Mapping[str, Any]], removed: Mapping[str, str]) -> list[Record]:
    """Catalogue records with ``removed_at`` set from ``removed`` (``{post_key:
    removed_at}``, e.g. ``ArchiveState.removed_posts()``); null for posts that are live
    (again). Order and every other field are kept."""
    return list(with_removed_at(records, removed))


def with_removed_at(
    records: Iterable[Mapping[str, Any]], removed: Mapping[str, str]
) -> Iterator[Record]:
    """:func:`mark_removed`, one record at a time (for a catalogue streamed to its file)."""
    for record in records:
        copy = dict(record)
        copy["removed_at"] = removed.get(record_key(record))
        yield copy


class NewestEntries:
    """The newest ``limit`` feed entries of the catalogue records passed to :meth:`add`, kept
    as they stream by (a heap of ``limit``): the feed of an archive of any size."""

    def __init__(self, limit: int) -> None:
        self.limit = max(limit, 0)
        self._heap: list[tuple[datetime, str, int, Mapping[str, Any]]] = []
        self._seen = 0

    def add(self, record: Mapping[str, Any]) -> Any:
        """Consider ``record``; returns it (to pass records through on their way to a file)."""
        self.offer(record, lambda: record)
        return record

    def offer(self, summary: Mapping[str, Any], record: Callable[[], Mapping[str, Any]]) -> None:
        """Consider a record by its ``summary`` (its ``url``, ``flags``, ``published``,
        ``crawled_at`` and whether it has a ``body_text``: archiver.archive.catalogue's
        feed_summary); ``record()`` gives the record itself, asked for only when it is kept
        (the catalogue comes newest first: few are)."""
        if not summary.get("url") or _never_captured(summary) or not self.limit:
            return
        self._seen += 1
        # Of equal times and URLs, the earlier record wins (as a stable sort would keep it).
        rank = (_entry_time(summary) or _EPOCH, str(summary.get("url")), -self._seen)
        if len(self._heap) < self.limit:
            heapq.heappush(self._heap, (*rank, record()))
        elif rank > self._heap[0][:3]:
            heapq.heapreplace(self._heap, (*rank, record()))

    def dated(self) -> list[tuple[datetime | None, Mapping[str, Any]]]:
        """The kept records with their entry times, newest first."""
        ranked = sorted(self._heap, key=lambda entry: entry[:3], reverse=True)
        return [(_entry_time(record), record) for *_, record in ranked]

    def entries(self) -> list[Mapping[str, Any]]:
        """The kept records, newest first."""
        return [record for _, record in self.dated()]


def write_feed(
    archive: ArchivePaths,
    entries: Iterable[Mapping[str, Any]],
    *,
    title: str,
    limit: int = 50,
    link: str | None = None,
    feed_id: str | None = None,
    author: str = "archiver",
) -> Path:
    """Write ``feed.atom`` with the newest ``limit`` of ``entries`` (catalogue records)."""
    xml = build_feed(entries, title=title, limit=limit, link=link, feed_id=feed_id, author=author)
    atomic_write_text(archive.feed_atom, xml)
    return archive.feed_atom


def build_feed(
    entries: Iterable[Mapping[str, Any]],
    *,
    title: str,
    limit: int = 50,
    link: str | None = None,
    feed_id: str | None = None,
    author: str = "archiver",
) -> str:
    """An Atom 1.0 document: the newest ``limit`` posts, newest first.

    ``feed_id`` should be a stable IRI; by default one is derived from ``link`` (or the title),
    so the feed keeps its identity from run to run. Entry ids are the posts' URLs.
    """
    kept = NewestEntries(limit)
    for entry in entries:
        kept.add(entry)
    newest = kept.dated()
    ET.register_namespace("", ATOM_NS)
    feed = ET.Element(_tag("feed"))
    identity = feed_id or uuid.uuid5(uuid.NAMESPACE_URL, link or f"archiver-feed:{title}").urn
    _text(feed, "id", identity)
    _text(feed, "title", title)
    times = [moment for moment, _ in newest if moment is not None]
    # The newest entry's time, not "now": an unchanged archive gives a byte-identical feed.
    _text(feed, "updated", _rfc3339(max(times) if times else _EPOCH))
    _text(ET.SubElement(feed, _tag("author")), "name", author)
    if link:
        ET.SubElement(feed, _tag("link"), rel="alternate", href=link)
    _text(feed, "generator", "archiver")
    for moment, record in newest:
        _add_entry(feed, record, moment)
    ET.indent(feed)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, "unicode") + "\n"


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _add_entry(feed: ET.Element, record: Mapping[str, Any], moment: datetime | None) -> None:
    entry = ET.SubElement(feed, _tag("entry"))
    url = str(record["url"])
    _text(entry, "id", url)
    _text(entry, "title", str(record.get("title") or url))
    _text(entry, "updated", _rfc3339(moment or _EPOCH))
    published = _parse_time(record.get("published"))
    if published is not None:
        _text(entry, "published", _rfc3339(published))
    if record.get("author"):
        _text(ET.SubElement(entry, _tag("author")), "name", str(record["author"]))
    ET.SubElement(entry, _tag("link"), rel="alternate", href=url)
    for tag in record.get("tags") or []:
        ET.SubElement(entry, _tag("category"), term=_clean(str(tag)))
    summary = record.get("teaser") or record.get("body_text")
    if summary:
        text = str(summary)
        if len(text) > _SUMMARY_CHARS:
            text = text[:_SUMMARY_CHARS].rstrip() + "…"
        _text(entry, "summary", text).set("type", "text")


def _never_captured(record: Mapping[str, Any]) -> bool:
    """A listed post whose page was gone (404/410) before the archive had it: not news."""
    return FLAG_ARTICLE_MISSING in (record.get("flags") or []) and not record.get("body_text")


def _entry_time(record: Mapping[str, Any]) -> datetime | None:
    """When a post appeared: its publication date, else when it was captured."""
    return _parse_time(record.get("published")) or _parse_time(record.get("crawled_at"))


def _parse_time(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    # Atom needs an offset; a date without one cannot be placed in time, so it is left out.
    return moment if moment.tzinfo is not None else None


def _rfc3339(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat()


def _tag(name: str) -> str:
    return f"{{{ATOM_NS}}}{name}"


def _text(parent: ET.Element, name: str, text: str) -> ET.Element:
    element = ET.SubElement(parent, _tag(name))
    element.text = _clean(text)
    return element


def _clean(text: str) -> str:
    return _XML_FORBIDDEN.sub("", text)


def _newest_first(change: Change) -> tuple[int, float, str]:
    moment = _parse_time(change.published)
    return (0, -moment.timestamp(), change.url) if moment else (1, 0.0, change.url)
