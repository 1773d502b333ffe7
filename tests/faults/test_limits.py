"""Guards against traps: a limit that trips stops the paging, the run finishes by itself, and
run.json, changes.json and the exit code (5, LIMITED) say which limit it was."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from archiver.archive.layout import ArchivePaths
from archiver.files import read_json
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite

from .crawling import (
    assert_no_duplicates,
    crawl_args,
    items_of,
    only_run_id,
    path_of,
    run_archiver,
    run_record,
)


def _crawl(tmp_path: Path, options: ReplicaOptions, *settings: str) -> tuple[int, str, int]:
    site = ReplicaSite(options)
    with ReplicaServer(site) as server:
        started = time.monotonic()
        done = run_archiver(*crawl_args(server.listing_url, tmp_path, *settings), timeout=120)
        elapsed = time.monotonic() - started
        listing_requests = sum(1 for e in server.request_log if e.path.startswith("/topic/news"))
    assert "Traceback" not in done.stderr, done.stderr[-4000:]
    assert elapsed < 60
    return done.returncode, done.stderr, listing_requests


@pytest.mark.parametrize(
    ("limit", "value"),
    [("ARCHIVER_MAX_LISTING_PAGES", 2), ("ARCHIVER_MAX_POSTS_PER_RUN", 7)],
)
def test_a_limit_stops_the_run_and_is_named(tmp_path: Path, limit: str, value: int) -> None:
    options = ReplicaOptions(posts=45, seed=3, traps=frozenset({"endless_pager"}))
    code, log, listings = _crawl(tmp_path, options, "-s", f"{limit}={value}")
    assert code == 5, log[-4000:]
    run_id = only_run_id(tmp_path)
    record = run_record(tmp_path, run_id)
    assert record["status"] == "limited"
    assert record["limit_reached"] == limit
    changes = read_json(ArchivePaths(tmp_path).run(run_id).changes_json)
    assert changes["limit_reached"] == limit
    assert f"LIMITED by {limit}" in log
    paths = [path_of(i["url"]) for i in items_of(tmp_path, run_id)]
    assert_no_duplicates(paths, "items.jsonl holds a post")
    if limit == "ARCHIVER_MAX_LISTING_PAGES":
        assert listings == value
        assert len(paths) == 2 * options.page_size
    else:
        assert len(paths) == value


def test_the_endless_pager_ends_by_itself_with_every_post_once(tmp_path: Path) -> None:
    options = ReplicaOptions(posts=25, seed=4, traps=frozenset({"endless_pager"}))
    site = ReplicaSite(options)
    code, log, listings = _crawl(tmp_path, options)
    assert code == 0, log[-4000:]
    run_id = only_run_id(tmp_path)
    paths = [path_of(i["url"]) for i in items_of(tmp_path, run_id)]
    assert_no_duplicates(paths, "items.jsonl holds a post")
    assert sorted(paths) == sorted(t["url"] for t in site.truth())
    assert run_record(tmp_path, run_id)["limit_reached"] is None
    assert listings <= 4


def test_no_limit_when_a_real_site_ends(tmp_path: Path) -> None:
    code, log, _ = _crawl(tmp_path, ReplicaOptions(posts=15, seed=2))
    assert code == 0, log[-4000:]
    record = run_record(tmp_path, only_run_id(tmp_path))
    assert record["status"] == "complete" and record["limit_reached"] is None
