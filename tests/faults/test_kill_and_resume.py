"""Kill -9 a real crawl at several moments, then `archiver crawl --resume`: nothing lost, nothing
twice, nothing corrupt.

The replica answers slowly (latency) with 15% transient faults so the crawl takes a few
seconds; the test polls the replica's request log or the run's files to pick its moment:

- early: as soon as the first listing page has been served;
- middle: once items.jsonl.partial holds a third of the posts;
- late: once items.jsonl exists (the run is finalising: catalogue, package, hashes);
- torn: as middle, then the last line of items.jsonl.partial is cut short, as a kill in the
  middle of writing a large item leaves it.

After the resume: every post exactly once in items.jsonl, posts.jsonl and the state database;
run.json said "running" after the kill and says "complete" (with "resumed_at") after the resume;
every finished WARC reads to its end with valid digests; ``archiver verify`` exits 0.
"""

from __future__ import annotations

import signal
import sqlite3
from pathlib import Path

import pytest

from archiver.archive.layout import ArchivePaths
from archiver.files import read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite

from .crawling import (
    LOOPBACK_ARGS,
    assert_each_post_once,
    assert_no_duplicates,
    count_lines,
    crawl_args,
    items_of,
    only_run_id,
    path_of,
    poll,
    run_archiver,
    run_record,
    start_archiver,
    tail,
    warc_problems,
)

POSTS = 30
# Slow enough that a kill lands mid-run: 2 connections, 25 ms a response.
SLOW_ARGS = ("-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")


def _first_listing_served(server: ReplicaServer) -> bool:
    return any(e.path == "/topic/news" and e.status == 200 for e in server.request_log)


def _kill_when(
    moment: str, server: ReplicaServer, output: Path, log_file: Path
) -> tuple[str, bool]:
    """Start a crawl, SIGKILL it at ``moment``; return (run id, whether the kill landed)."""
    process = start_archiver(*crawl_args(server.listing_url, output, *SLOW_ARGS), log_file=log_file)
    try:

        def reached() -> bool:
            if process.poll() is not None:
                return True  # finished before the moment: reported by the caller
            runs = ArchivePaths(output).run_ids()
            run = ArchivePaths(output).run(runs[0]) if runs else None
            if moment == "early":
                return _first_listing_served(server)
            if run is None:
                return False
            if moment in ("middle", "torn"):
                return count_lines(run.items_partial) >= POSTS // 3
            return run.items_jsonl.exists()

        poll(reached, timeout=60, what=f"the {moment} moment of the crawl", interval=0.002)
        landed = process.poll() is None
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    run_ids: list[str] = poll(
        lambda: ArchivePaths(output).run_ids(), timeout=5, what="the run directory"
    )
    run_id = run_ids[0]
    return run_id, landed


@pytest.mark.parametrize("moment", ["early", "middle", "late", "torn"])
def test_sigkill_then_resume_loses_and_duplicates_nothing(moment: str, tmp_path: Path) -> None:
    output = tmp_path / "archive"
    log_file = tmp_path / "crawl.log"
    site = ReplicaSite(ReplicaOptions(posts=POSTS, seed=23, latency_ms=25, fault_rate=0.15))
    truth = {t["url"]: t for t in site.truth()}
    with ReplicaServer(site) as server:
        run_id, landed = _kill_when(moment, server, output, log_file)
        interrupted = run_record(output, run_id)
        if landed:
            assert interrupted["status"] == "running", interrupted
            assert interrupted["finished_at"] is None
        else:
            # The crawl beat the poll (a fast machine): the resume below is refused, nothing
            # else to prove about this moment.
            pytest.fail(f"the crawl finished before the {moment} kill: {tail(log_file)}")
        if moment == "torn":
            partial = ArchivePaths(output).run(run_id).items_partial
            data = partial.read_bytes()
            partial.write_bytes(data[: len(data) - 40])
        # No --start-url: the resume takes the interrupted run's from its run.json.
        resumed = run_archiver(
            "crawl", "--resume", "--output", str(output), *LOOPBACK_ARGS, *SLOW_ARGS
        )
    assert resumed.returncode == 0, resumed.stderr[-4000:]
    assert only_run_id(output) == run_id, "the resume started a new run"

    record = run_record(output, run_id)
    assert record["status"] == "complete"
    assert record["resumed_at"], record
    assert record["started_at"] == interrupted["started_at"]

    items = assert_each_post_once(items_of(output, run_id), truth)
    for path, item in items.items():
        expected = truth[path]
        if expected["status"] != "deleted":
            assert item["body_text"] == expected["body_text"], item["url"]
            assert not item["flags"], (item["url"], item["flags"])

    archive = ArchivePaths(output)
    catalogue = [path_of(post["url"]) for post in read_jsonl(archive.posts_jsonl)]
    assert_no_duplicates(catalogue, "posts.jsonl holds a post")
    assert sorted(catalogue) == sorted(truth)

    with sqlite3.connect(archive.state_db) as db:
        state_urls = [path_of(url) for (url,) in db.execute("SELECT url FROM posts")]
        versions = db.execute(
            "SELECT url, COUNT(*) FROM versions WHERE run_id = ? GROUP BY url HAVING COUNT(*) > 1",
            (run_id,),
        ).fetchall()
    assert_no_duplicates(state_urls, "the state holds a post")
    assert sorted(state_urls) == sorted(truth)
    assert not versions

    run = archive.run(run_id)
    assert list(run.warc_dir.glob("*.warc.gz")), "no finished WARC"
    assert warc_problems(run.warc_dir) == []
    assert not run.items_partial.exists()

    verify = run_archiver("verify", str(output))
    assert verify.returncode == 0, verify.stdout[-4000:] + verify.stderr[-4000:]
    # The interrupted run's unfinished WARC is repaired (cut to its last whole record, closed)
    # by the resume, so verify has nothing to report about it.
    assert not list(run.warc_dir.glob("*.open")), "a .open WARC was left behind after the resume"
