"""Kill -9 a crawl, then start the next run as a cron job would (no --resume): the killed run is
closed first (its WARC repaired, its items kept and in the catalogue, run.json 'interrupted'),
the next run archives the rest, and the archive verifies clean: nothing lost, nothing twice."""

from __future__ import annotations

import signal
from pathlib import Path

from archiver.archive.layout import ArchivePaths
from archiver.files import read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite

from .crawling import (
    LOOPBACK_ARGS,
    assert_no_duplicates,
    count_lines,
    crawl_args,
    path_of,
    poll,
    run_archiver,
    run_record,
    start_archiver,
)

POSTS = 30


def test_next_run_closes_the_killed_one_and_loses_nothing(tmp_path: Path) -> None:
    output = tmp_path / "archive"
    site = ReplicaSite(ReplicaOptions(posts=POSTS, seed=29, latency_ms=25))
    truth = {t["url"] for t in site.truth()}
    archive = ArchivePaths(output)
    with ReplicaServer(site) as server:
        args = crawl_args(server.listing_url, output, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=2")
        process = start_archiver(*args, log_file=tmp_path / "first.log")
        try:

            def a_third_captured() -> bool:
                runs = archive.run_ids()
                return bool(runs) and count_lines(archive.run(runs[0]).items_partial) >= 10

            poll(a_third_captured, timeout=60, what="a third of the posts", interval=0.002)
            assert process.poll() is None, "the crawl finished before the kill"
            process.send_signal(signal.SIGKILL)
            process.wait(timeout=10)
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
        killed = archive.run_ids()[0]
        assert list(archive.run(killed).warc_dir.glob("*.open"))
        nxt = run_archiver("crawl", "--start-url", server.listing_url, "--output", str(output),
                           *LOOPBACK_ARGS)  # fmt: skip
    assert nxt.returncode == 0, nxt.stderr[-4000:]
    assert f"closed interrupted run {killed}" in nxt.stderr

    record = run_record(output, killed)
    assert record["status"] == "interrupted"
    assert not list(archive.run(killed).warc_dir.glob("*.open"))
    assert not archive.run(killed).items_partial.exists()
    kept = [path_of(i["url"]) for i in read_jsonl(archive.run(killed).items_jsonl)]
    assert len(kept) >= 10

    catalogue = [path_of(p["url"]) for p in read_jsonl(archive.posts_jsonl)]
    assert_no_duplicates(catalogue, "posts.jsonl holds a post")
    assert sorted(catalogue) == sorted(truth)

    verify = run_archiver("verify", str(output))
    assert verify.returncode == 0, verify.stdout[-4000:]
