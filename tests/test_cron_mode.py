"""Cron mode against the replica, mutated between runs (posts added, edited, deleted).

Run 1 archives everything; run 2 (incremental) must report exactly the added posts and request
no old post page; run 3 (--full) must report exactly the edited and deleted posts; run 4
(incremental, nothing changed) costs at most 3 requests besides robots.txt. Nothing of run 1
may change afterwards.
"""

from __future__ import annotations

import hashlib
import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from helpers import LOOPBACK_ARGS, run_archiver

from archiver.archive.layout import ArchivePaths
from archiver.archive.lock import ArchiveLock
from archiver.files import read_json, read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite


@dataclass
class CronStory:
    archive: ArchivePaths
    run_ids: list[str]
    results: list[Any]
    logs: list[list[Any]]
    added: list[str]
    edited: str
    deleted: str
    unpublished: str
    first_run_hashes: dict[str, str]
    truth_after: dict[str, dict[str, Any]] = field(default_factory=dict)


def _hash_tree(directory: Path) -> dict[str, str]:
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def _path(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> CronStory:
    output = tmp_path_factory.mktemp("cron")
    archive = ArchivePaths(output)
    site = ReplicaSite(ReplicaOptions(posts=30, seed=5))
    results, logs = [], []
    with ReplicaServer(site) as server:

        def crawl(*extra: str) -> None:
            server.clear_log()
            results.append(
                run_archiver(
                    "crawl",
                    "--start-url",
                    server.listing_url,
                    "--output",
                    str(output),
                    *extra,
                    *LOOPBACK_ARGS,
                )
            )
            logs.append(list(server.request_log))

        crawl()
        first_run = archive.run_ids()[0]
        first_run_hashes = _hash_tree(archive.run(first_run).directory)
        live = [t for t in site.truth() if t["status"] == "live"]
        added = [
            site.add_post(title="New: a statement on the camps", body="One.\n\nTwo.")["url"],
            site.add_post(title="New: Rebiya Kadeer at the UN", body="Body of the second.")["url"],
        ]
        edited, deleted, unpublished = live[4], live[9], live[14]
        site.edit_post(edited["node_id"], body="This post was edited after publication.")
        site.delete_post(deleted["node_id"])
        site.unpublish_post(unpublished["node_id"])  # Drupal: gone from listings, page 403
        crawl("--print-new")
        crawl("--full")
        crawl()
        truth_after = {t["url"]: t for t in site.truth()}
    return CronStory(
        archive=archive,
        run_ids=archive.run_ids(),
        results=results,
        logs=logs,
        added=added,
        edited=edited["url"],
        deleted=deleted["url"],
        unpublished=unpublished["url"],
        first_run_hashes=first_run_hashes,
        truth_after=truth_after,
    )


def _changes(story: CronStory, index: int) -> dict[str, Any]:
    return read_json(story.archive.run(story.run_ids[index]).changes_json)


def test_every_run_exits_zero(story: CronStory) -> None:
    assert len(story.run_ids) == 4
    for result in story.results:
        assert result.returncode == 0, result.stderr[-2000:]


def test_incremental_run_reports_exactly_the_added_posts(story: CronStory) -> None:
    changes = _changes(story, 1)
    assert sorted(_path(e["url"]) for e in changes["new"]) == sorted(story.added)
    assert changes["changed"] == [] and changes["removed"] == []
    printed = [json.loads(line) for line in story.results[1].stdout.splitlines()]
    assert sorted(_path(p["url"]) for p in printed) == sorted(story.added)
    assert all(p["body_text"] for p in printed)


def test_incremental_run_requests_no_old_post_page(story: CronStory) -> None:
    post_pages = {e.path for e in story.logs[1] if e.path.startswith("/content/")}
    assert post_pages == set(story.added)


def test_full_run_reports_exactly_the_edited_deleted_and_unpublished_posts(
    story: CronStory,
) -> None:
    changes = _changes(story, 2)
    assert [_path(e["url"]) for e in changes["changed"]] == [story.edited]
    assert changes["changed"][0]["old_sha256"] != changes["changed"][0]["new_sha256"]
    removed = {_path(e["url"]): e["reason"] for e in changes["removed"]}
    assert removed == {story.deleted: "http_404", story.unpublished: "http_403"}
    assert changes["new"] == []
    assert any(e.status == 304 for e in story.logs[2])  # conditional requests were used


def test_unchanged_site_costs_at_most_three_requests(story: CronStory) -> None:
    requests = [e for e in story.logs[3] if e.path != "/robots.txt"]
    assert 1 <= len(requests) <= 3
    assert _changes(story, 3)["new"] == []


def test_catalogue_keeps_removed_posts_and_takes_edits(story: CronStory) -> None:
    catalogue = {_path(p["url"]): p for p in read_jsonl(story.archive.posts_jsonl)}
    assert catalogue[story.deleted]["removed_at"]
    assert catalogue[story.deleted]["body_text"]  # the evidence stays
    assert catalogue[story.edited]["body_text"] == "This post was edited after publication."
    assert all(catalogue[url]["removed_at"] is None for url in story.added)
    assert set(story.added) <= set(catalogue)


def test_first_run_is_untouched(story: CronStory) -> None:
    first = story.archive.run(story.run_ids[0]).directory
    assert _hash_tree(first) == story.first_run_hashes


def test_feed_lists_the_new_posts(story: CronStory) -> None:
    feed = ET.parse(story.archive.feed_atom).getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    links = [e.find(f"{atom}link").get("href") for e in feed.findall(f"{atom}entry")]
    assert {_path(link) for link in links} >= set(story.added)


def test_a_second_run_on_a_locked_archive_exits_clearly(tmp_path: Path) -> None:
    with ArchiveLock(ArchivePaths(tmp_path).lock_file, run_id="20260101T000000Z"):
        result = run_archiver(
            "crawl",
            "--start-url",
            "http://127.0.0.1:9/topic/news",
            "--output",
            str(tmp_path),
            *LOOPBACK_ARGS,
        )
    assert result.returncode == 4
    assert "locked by run 20260101T000000Z" in result.stderr
    assert not (tmp_path / "runs").exists()  # nothing was written
