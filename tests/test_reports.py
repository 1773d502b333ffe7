"""Run reports: changes.json, the Atom feed, removed_at in the catalogue."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import datetime
from pathlib import Path
from typing import Any

from archiver.archive.layout import ArchivePaths
from archiver.archive.reports import (
    build_feed,
    changes_report,
    mark_removed,
    write_changes,
    write_feed,
)
from archiver.files import read_json
from archiver.items import record_key
from archiver.state import Change

A = "{http://www.w3.org/2005/Atom}"
RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
URL = "http://127.0.0.1:8000/content/"


def record(slug: str, published: str | None, **extra: Any) -> dict[str, Any]:
    return {
        "source": "iuhrdf",
        "url": URL + slug,
        "title": f"Title {slug}",
        "published": published,
        "teaser": f"Teaser of {slug}",
        "author": "Kanat",
        "tags": ["News"],
        "crawled_at": "2024-05-01T12:00:00+00:00",
        **extra,
    }


def test_changes_json_has_each_kind_with_its_fields(tmp_path: Path) -> None:
    run = ArchivePaths(tmp_path).run("20240501T120000Z")
    changes = [
        Change("new", "iuhrdf", URL + "old", "Old", "2019-01-01T10:00:00-05:00"),
        Change("new", "iuhrdf", URL + "newer", "Newer", "2020-10-08T17:31:00-04:00"),
        Change("changed", "iuhrdf", URL + "c", "C", None, old_sha256="a" * 64, new_sha256="b" * 64),
        Change(
            "removed",
            "iuhrdf",
            URL + "r",
            "R",
            None,
            removed_at="2024-05-01T12:00:00+00:00",
            reason="http_404",
        ),
        Change("removal_suspected", "iuhrdf", URL + "s", "S", None, reason="gone_from_listings"),
        Change("unchanged", "iuhrdf", URL + "u"),
    ]
    path = write_changes(run, changes, mode="full")
    assert path == run.changes_json
    report = read_json(path)
    assert report["run_id"] == "20240501T120000Z" and report["mode"] == "full"
    assert [e["url"] for e in report["new"]] == [URL + "newer", URL + "old"]  # newest first
    assert report["new"][0] == {
        "url": URL + "newer",
        "title": "Newer",
        "published": "2020-10-08T17:31:00-04:00",
        "source": "iuhrdf",
    }
    assert report["changed"] == [
        {
            "url": URL + "c",
            "title": "C",
            "published": None,
            "source": "iuhrdf",
            "old_sha256": "a" * 64,
            "new_sha256": "b" * 64,
        }
    ]
    assert report["removed"][0]["removed_at"] == "2024-05-01T12:00:00+00:00"
    assert report["removed"][0]["reason"] == "http_404"
    assert [e["url"] for e in report["removal_suspected"]] == [URL + "s"]
    assert "unchanged" not in report


def test_an_empty_run_still_writes_all_lists() -> None:
    assert changes_report("r", "incremental", []) == {
        "run_id": "r",
        "mode": "incremental",
        "new": [],
        "changed": [],
        "removed": [],
        "removal_suspected": [],
        "gone": [],
        "unlisted": [],
    }


def test_mark_removed_sets_and_clears_removed_at() -> None:
    records = [
        record("a", None),
        record("b", None, removed_at="2023-01-01T00:00:00+00:00"),
        record("c", None),
    ]
    marked = mark_removed(records, {record_key(records[0]): "2024-05-01T12:00:00+00:00"})
    assert [r["removed_at"] for r in marked] == ["2024-05-01T12:00:00+00:00", None, None]
    assert [r["url"] for r in marked] == [r["url"] for r in records]  # nothing dropped
    assert "removed_at" not in records[0]  # the input is left alone


def parse_feed(text: str) -> ET.Element:
    assert text.startswith('<?xml version="1.0" encoding="utf-8"?>')
    return ET.fromstring(text.encode("utf-8"))


def test_feed_is_valid_atom_newest_first(tmp_path: Path) -> None:
    archive = ArchivePaths(tmp_path)
    entries = [
        record("old", "2018-03-10T14:24:00-05:00"),
        record("undated", None),  # falls back to crawled_at
        record("newest", "2020-10-08T17:31:00-04:00", teaser="Ünïcode \x0b text"),
        {"title": "no url"},  # cannot be an entry
    ]
    path = write_feed(archive, entries, title="IUHRDF news", link="https://www.iuhrdf.org/")
    assert path == archive.feed_atom
    feed = parse_feed(path.read_text("utf-8"))
    assert feed.tag == f"{A}feed"
    for name in ("id", "title", "updated"):  # RFC 4287 4.1.1: exactly one of each
        assert len(feed.findall(f"{A}{name}")) == 1
    assert feed.findtext(f"{A}author/{A}name") == "archiver"
    assert feed.findtext(f"{A}id", "").startswith("urn:uuid:")
    assert RFC3339.match(feed.findtext(f"{A}updated", ""))
    ids = [e.findtext(f"{A}id") for e in feed.findall(f"{A}entry")]
    assert ids == [URL + "undated", URL + "newest", URL + "old"]
    for entry in feed.findall(f"{A}entry"):
        for name in ("id", "title", "updated", "summary"):
            assert len(entry.findall(f"{A}{name}")) == 1, name
        assert RFC3339.match(entry.findtext(f"{A}updated", ""))
        link = entry.find(f"{A}link")
        assert link is not None and link.get("rel") == "alternate"
        assert link.get("href") == entry.findtext(f"{A}id")
    newest = feed.findall(f"{A}entry")[1]
    assert newest.findtext(f"{A}summary") == "Ünïcode  text"  # control character dropped
    assert newest.findtext(f"{A}published") == "2020-10-08T17:31:00-04:00"
    assert feed.findtext(f"{A}updated") == "2024-05-01T12:00:00+00:00"


def test_feed_limit_and_stable_identity() -> None:
    entries = [record(f"p{i}", f"2020-01-{i + 1:02d}T00:00:00+00:00") for i in range(30)]
    first = build_feed(entries, title="News", limit=5)
    again = build_feed(list(reversed(entries)), title="News", limit=5)
    assert first == again  # unchanged posts give a byte-identical feed
    feed = parse_feed(first)
    published = [e.findtext(f"{A}published") for e in feed.findall(f"{A}entry")]
    assert len(published) == 5
    times = [datetime.fromisoformat(p or "") for p in published]
    assert times == sorted(times, reverse=True) and published[0].startswith("2020-01-30")


def test_empty_feed_is_still_valid() -> None:
    feed = parse_feed(build_feed([], title="News"))
    assert feed.findall(f"{A}entry") == []
    assert RFC3339.match(feed.findtext(f"{A}updated", ""))


def test_reports_from_the_state_after_a_changed_site(tmp_path: Path) -> None:
    """The pieces together as the write pipeline uses them: state -> changes.json, catalogue."""
    import hashlib

    from archiver.archive.catalogue import merge_catalogue
    from archiver.state import ArchiveState

    def captured(slug: str, body: str, run_id: str) -> dict[str, Any]:
        sha = hashlib.sha256(body.encode()).hexdigest()
        return record(
            slug,
            "2020-01-01T00:00:00+00:00",
            body_text=body,
            content_sha256=sha,
            run_id=run_id,
            flags=[],
            http_status=200,
        )

    archive = ArchivePaths(tmp_path)
    with ArchiveState.open(archive.state_db) as state:
        state.begin_run("20200101T000000Z", "incremental")
        first = [captured(s, "text", "20200101T000000Z") for s in ("kept", "edited", "deleted")]
        for capture in first:
            state.record_capture("20200101T000000Z", capture)
        state.finish_run("20200101T000000Z", "complete")
        catalogue = merge_catalogue([], first)

        state.begin_run("20200102T000000Z", "full")
        second = [
            captured("kept", "text", "20200102T000000Z"),
            captured("edited", "new text", "20200102T000000Z"),
            captured("added", "text", "20200102T000000Z"),
        ]
        for capture in second:
            state.record_capture("20200102T000000Z", capture)
        state.record_gone("20200102T000000Z", "iuhrdf", URL + "deleted", 404)
        changes = state.finish_run("20200102T000000Z", "complete")
        catalogue = mark_removed(merge_catalogue(catalogue, second), state.removed_posts())

    report = read_json(write_changes(archive.run("20200102T000000Z"), changes, mode="full"))
    assert [e["url"] for e in report["new"]] == [URL + "added"]
    assert [e["url"] for e in report["changed"]] == [URL + "edited"]
    assert [e["url"] for e in report["removed"]] == [URL + "deleted"]
    by_url = {r["url"]: r for r in catalogue}
    assert set(by_url) == {URL + s for s in ("kept", "edited", "deleted", "added")}
    assert by_url[URL + "deleted"]["removed_at"] and by_url[URL + "deleted"]["body_text"] == "text"
    assert by_url[URL + "kept"]["removed_at"] is None
