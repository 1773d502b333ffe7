"""End to end: `archiver crawl` in a real subprocess against the replica over loopback HTTP,
with 20% transient faults (503 + Retry-After, 500, dropped connections).

Asserted against the replica's ground truth: every post exactly once with exact title, author,
teaser, body, date and node id; the deleted post flagged; the moved post under its new URL;
every item valid against the JSON Schema; and from the server's log and a loopback-only socket
guard, no robots-disallowed request and no contact with any other host.
"""

from __future__ import annotations

import json
import urllib.request
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import jsonschema
import pytest
from helpers import LOOPBACK_ARGS, REPO_ROOT, run_archiver
from protego import Protego

from archiver.archive.layout import ArchivePaths
from archiver.files import read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.settings import USER_AGENT

SCHEMA = json.loads((REPO_ROOT / "archiver/schemas/post.schema.json").read_text())


@dataclass
class CrawlOutcome:
    returncode: int
    stderr: str
    archive: ArchivePaths
    run_id: str
    items: list[dict[str, Any]]
    truth: dict[str, dict[str, Any]]
    base_url: str
    log: list[Any]
    robots_txt: str
    netguard_hits: str


@pytest.fixture(scope="module")
def faulty_crawl(tmp_path_factory: pytest.TempPathFactory) -> CrawlOutcome:
    output = tmp_path_factory.mktemp("archive")
    netguard_log = output.parent / "netguard.log"
    site = ReplicaSite(ReplicaOptions(posts=65, seed=11, fault_rate=0.2))
    with ReplicaServer(site, port=0) as server:
        result = run_archiver(
            "crawl",
            "--start-url",
            server.listing_url,
            "--output",
            str(output),
            *LOOPBACK_ARGS,
            netguard_log=netguard_log,
        )
        log = list(server.request_log)
        with urllib.request.urlopen(server.base_url + "/robots.txt") as response:
            robots_txt = response.read().decode("utf-8")
        base_url = server.base_url
    archive = ArchivePaths(output)
    run_ids = archive.run_ids()
    assert len(run_ids) == 1, result.stderr[-3000:]
    items = list(read_jsonl(archive.run(run_ids[0]).items_jsonl))
    return CrawlOutcome(
        returncode=result.returncode,
        stderr=result.stderr,
        archive=archive,
        run_id=run_ids[0],
        items=items,
        truth={t["url"]: t for t in site.truth()},
        base_url=base_url,
        log=log,
        robots_txt=robots_txt,
        netguard_hits=netguard_log.read_text(),
    )


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def test_run_completes_despite_faults(faulty_crawl: CrawlOutcome) -> None:
    assert faulty_crawl.returncode == 0, faulty_crawl.stderr[-3000:]
    faults = [entry for entry in faulty_crawl.log if entry.fault]
    assert len(faults) >= 10  # the faults really happened
    assert {entry.fault for entry in faults} >= {"503", "500", "drop"}
    run = json.loads(faulty_crawl.archive.run(faulty_crawl.run_id).run_json.read_text())
    assert run["status"] == "complete"
    assert run["counts"]["retry/count"] >= 10  # (Twisted itself re-sends some dropped GETs)
    assert run["software"]["scrapy"]
    assert run["started_at"] <= run["finished_at"]


def test_run_json_records_the_settings_in_effect_and_their_origin(
    faulty_crawl: CrawlOutcome,
) -> None:
    run = json.loads(faulty_crawl.archive.run(faulty_crawl.run_id).run_json.read_text())
    settings, origin = run["settings"], run["settings_origin"]
    # Empty settings filled by the source profile are recorded with the values used.
    assert settings["ARCHIVER_TIMEZONE"] == "America/New_York"
    assert settings["ARCHIVER_DATE_LANGUAGES"] == ["en", "tr"]
    assert origin["ARCHIVER_TIMEZONE"] == origin["ARCHIVER_DATE_LANGUAGES"] == "profile"
    assert settings["ARCHIVER_START_URLS"] == [faulty_crawl.base_url + "/topic/news"]
    assert origin["ARCHIVER_START_URLS"] == origin["DOWNLOAD_DELAY"] == "command line"
    assert origin["ARCHIVER_FEED_LIMIT"] == "default"
    software = run["software"]
    assert {"archiver", "scrapy", "warcio", "dateparser"} <= set(software)
    assert len(software.get("archiver_commit", "")) == 40  # run from a git checkout


def test_every_post_exactly_once(faulty_crawl: CrawlOutcome) -> None:
    paths = [_path(item["url"]) for item in faulty_crawl.items]
    assert len(paths) == len(set(paths)), "a post was emitted twice"
    assert sorted(paths) == sorted(faulty_crawl.truth)
    assert len(paths) >= 60


def test_fields_match_the_truth(faulty_crawl: CrawlOutcome) -> None:
    for item in faulty_crawl.items:
        truth = faulty_crawl.truth[_path(item["url"])]
        assert item["title"] == truth["title"]
        assert item["author"] == truth["author"]
        assert item["teaser"] == truth["teaser"]
        assert item["published_raw"] == truth["published_raw"]
        assert item["published"] == truth["published"], (item["published_raw"], item["date_flags"])
        assert item["node_id"] == int(truth["node_id"])
        if truth["status"] == "deleted":
            assert "article_missing" in item["flags"]
            assert item["http_status"] == 404
            assert item["body_text"] is None
        else:
            assert item["body_text"] == truth["body_text"]
            assert item["tags"] == truth["tags"]
            assert [_path(url) for url in item["images"]] == truth["images"]
            assert item["http_status"] == 200
            assert item["content_sha256"] and len(item["content_sha256"]) == 64


def test_moved_post_is_archived_under_its_new_alias(faulty_crawl: CrawlOutcome) -> None:
    moved = [t for t in faulty_crawl.truth.values() if t["status"] == "moved"]
    assert moved
    by_path = {_path(item["url"]): item for item in faulty_crawl.items}
    for truth in moved:
        item = by_path[truth["url"]]
        assert _path(item["listed_url"]) == truth["listed_url"] != truth["url"]


def test_items_validate_against_the_schema_and_catalogue_is_newest_first(
    faulty_crawl: CrawlOutcome,
) -> None:
    for item in faulty_crawl.items:
        jsonschema.validate(item, SCHEMA)
    catalogue = list(read_jsonl(faulty_crawl.archive.posts_jsonl))
    assert len(catalogue) == len(faulty_crawl.items)
    dates = [p["published"] for p in catalogue if p["published"]]
    assert dates == sorted(
        dates, key=lambda d: __import__("datetime").datetime.fromisoformat(d), reverse=True
    )


def test_no_disallowed_or_offsite_request(faulty_crawl: CrawlOutcome) -> None:
    robots = Protego.parse(faulty_crawl.robots_txt)
    assert faulty_crawl.log[0].path == "/robots.txt"
    host = urlsplit(faulty_crawl.base_url).netloc
    for entry in faulty_crawl.log:
        assert entry.headers.get("Host") == host
        assert entry.headers.get("User-Agent") == USER_AGENT
        assert robots.can_fetch(faulty_crawl.base_url + entry.path, USER_AGENT), entry.path
    assert faulty_crawl.netguard_hits == "", "the crawl tried to reach another host"
    # The replica's pages link Twitter, Facebook and partner sites: they were seen, not fetched.
    # (Paths, not substrings: Drupal's /modules/search/search.css is a page requisite.)
    assert not any(e.path.startswith(("/user/login", "/search/")) for e in faulty_crawl.log)


def test_requisites_of_posts_are_fetched(faulty_crawl: CrawlOutcome) -> None:
    requested = {entry.path for entry in faulty_crawl.log if entry.status == 200}
    live = [t for t in faulty_crawl.truth.values() if t["status"] != "deleted"]
    assert sum(len(t["images"]) for t in live) >= 20
    for truth in live:
        for image in truth["images"]:
            assert image in requested


def test_retry_after_is_honoured(faulty_crawl: CrawlOutcome) -> None:
    by_path: dict[str, list[Any]] = {}
    for entry in faulty_crawl.log:
        by_path.setdefault(entry.path, []).append(entry)
    waits = []
    for entries in by_path.values():
        for earlier, later in zip(entries, entries[1:], strict=False):
            if earlier.fault == "503":  # the replica sends Retry-After: 1 with its 503s
                waits.append(later.time - earlier.time)
    assert waits, "no 503 was retried"
    assert min(waits) >= 0.9
