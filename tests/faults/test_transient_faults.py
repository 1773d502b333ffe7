"""Transient faults on the wire: 503 with Retry-After, 500, dropped connections and stalled
responses (timeouts) on 20% of URLs; and pages that keep failing past the retry budget.

- With every fault kind and a small DOWNLOAD_TIMEOUT, every post is captured exactly once with
  its text and the run completes (exit 0); no retry of a 503 comes before its Retry-After.
- With RETRY_TIMES=1 and faults that last longer than that, the posts whose page never came are
  still items (from their teaser) flagged ``article_fetch_failed``; run.json lists each failed
  page with its last error, and the exit status is 3 (partial).
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from archiver.archive.layout import ArchivePaths
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.replica.faults import FaultPlan

from .crawling import (
    assert_each_post_once,
    crawl_args,
    items_of,
    only_run_id,
    path_of,
    run_archiver,
    run_record,
    warc_problems,
)


def test_every_post_survives_all_fault_kinds_including_timeouts(tmp_path: Path) -> None:
    output = tmp_path / "archive"
    options = ReplicaOptions(
        posts=30,
        seed=8,
        fault_rate=0.2,
        fault_kinds=("503", "500", "drop", "timeout"),
        stall_seconds=4.0,
    )
    site = ReplicaSite(options)
    truth = {t["url"]: t for t in site.truth()}
    with ReplicaServer(site) as server:
        result = run_archiver(
            *crawl_args(server.listing_url, output, "-s", "DOWNLOAD_TIMEOUT=1"), timeout=120
        )
        log = server.request_log
    assert result.returncode == 0, result.stderr[-4000:]
    assert {e.fault for e in log if e.fault} == {"503", "500", "drop", "timeout"}

    run_id = only_run_id(output)
    record = run_record(output, run_id)
    assert record["status"] == "complete"
    assert record["failures"] == []
    items = assert_each_post_once(items_of(output, run_id), truth)
    for path, item in items.items():
        expected = truth[path]
        if expected["status"] != "deleted":
            assert item["body_text"] == expected["body_text"], item["url"]
            assert "article_fetch_failed" not in item["flags"]
    assert warc_problems(ArchivePaths(output).run(run_id).warc_dir) == []

    attempts: dict[str, list[Any]] = defaultdict(list)
    for entry in log:
        attempts[entry.path].append(entry)
    waits = [
        later.time - earlier.time
        for entries in attempts.values()
        for earlier, later in zip(entries, entries[1:], strict=False)
        if earlier.fault == "503"
    ]
    assert waits, "no 503 was retried"
    assert min(waits) >= 0.9, "a 503 was retried before its Retry-After: 1"


RETRIES = 1


def _seed_with_failing_posts_only(posts: int) -> tuple[ReplicaOptions, set[str]]:
    """Options whose faults outlast RETRIES on some post pages but on no listing page."""
    for seed in range(1, 200):
        options = ReplicaOptions(
            posts=posts, seed=seed, fault_rate=0.15, fault_kinds=("500",), fault_attempts=4
        )
        site = ReplicaSite(options)
        plan = FaultPlan(options)
        pages = (len(site.listed_posts("news")) - 1) // options.page_size + 1
        listings = ["/topic/news"] + [f"/topic/news?page={n}" for n in range(1, pages + 1)]
        if any(plan.failing_attempts(p) > RETRIES for p in ["/robots.txt", *listings]):
            continue
        doomed = {
            t["listed_url"]
            for t in site.truth()
            if t["status"] == "live" and plan.failing_attempts(t["listed_url"]) > RETRIES
        }
        if len(doomed) >= 2:
            return options, doomed
    raise AssertionError("no seed gives failing post pages with healthy listings")


def test_pages_that_fail_for_good_make_a_partial_run_and_keep_their_posts(
    tmp_path: Path,
) -> None:
    output = tmp_path / "archive"
    options, doomed = _seed_with_failing_posts_only(posts=30)
    site = ReplicaSite(options)
    truth = {t["url"]: t for t in site.truth()}
    with ReplicaServer(site) as server:
        result = run_archiver(
            *crawl_args(server.listing_url, output, "-s", f"RETRY_TIMES={RETRIES}"), timeout=120
        )
        base = server.base_url
    assert result.returncode == 3, result.stderr[-4000:]
    assert "PARTIAL" in result.stderr

    run_id = only_run_id(output)
    record = run_record(output, run_id)
    assert record["status"] == "partial"
    failures = {path_of(f["url"]): f for f in record["failures"]}
    for path in doomed:
        failure = failures[path]
        assert failure["kind"] == "post"
        assert failure["status"] == 500
        assert failure["error"] == "HTTP 500"
        assert failure["url"] == base + path

    items = {path_of(item["url"]): item for item in items_of(output, run_id)}
    assert sorted(items) == sorted(truth), "a post whose page failed was lost"
    for path in doomed:
        item = items[path]
        assert "article_fetch_failed" in item["flags"]
        assert item["title"] == truth[path]["title"]  # from the teaser
        assert item["body_text"] is None
    for path, item in items.items():
        if path not in doomed and truth[path]["status"] == "live":
            assert item["body_text"] == truth[path]["body_text"]
