"""Distributed crawl (issue 16, point 3): 3 worker processes, one Redis (scrapy-redis queue and
duplicate filter), one run: every post exactly once, every WARC valid, each worker's WARCs
named by its id, and the run finished once through the run lifecycle."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import LOOPBACK_ARGS, archiver_env, run_archiver
from scale_helpers import redis_server, scale_python

from archiver.archive.layout import ArchivePaths
from archiver.files import read_json, read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.verify.archive import verify_archive

WORKERS = 3


def test_three_workers_share_one_queue_and_finish_one_run(tmp_path: Path) -> None:
    python = scale_python()
    output = tmp_path / "archive"
    site = ReplicaSite(ReplicaOptions(posts=1000, seed=5, latency_ms=3))
    with redis_server(tmp_path) as redis_url, ReplicaServer(site, port=0) as server:
        command = [python, "-m", "archiver", "crawl", "--start-url", server.listing_url,
                   "--output", str(output), "--redis", redis_url, *LOOPBACK_ARGS,
                   "-s", "ARCHIVER_REQUISITES_ENABLED=False",
                   # Few slots each, so that no one worker drains the shared queue alone.
                   "-s", "CONCURRENT_REQUESTS=4",
                   "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=4"]  # fmt: skip
        workers = [
            subprocess.Popen(command, env=archiver_env(), stderr=subprocess.PIPE, text=True)
            for _ in range(WORKERS)
        ]
        errors = [worker.communicate(timeout=600)[1] for worker in workers]
        codes = [worker.returncode for worker in workers]
        log = list(server.request_log)
    assert codes == [0] * WORKERS, "\n".join(e[-2000:] for e in errors)
    archive = ArchivePaths(output)
    (run_id,) = archive.run_ids()
    run = archive.run(run_id)
    record = read_json(run.run_json)
    assert record["status"] == "complete", record.get("problems")
    assert record["workers"] == ["w1", "w2", "w3"]
    assert sum("the last worker finishes run" in e for e in errors) == WORKERS - 1
    items = list(read_jsonl(run.items_jsonl))
    truth = sorted(t["url"] for t in site.truth())
    assert sorted(urlsplit(i["url"]).path for i in items) == truth
    posts = list(read_jsonl(archive.posts_jsonl))
    assert sorted(urlsplit(p["url"]).path for p in posts) == truth
    assert not list(run.directory.glob("*.partial"))
    # The workers shared the work, each writing its own WARC files (named by its id).
    warcs = sorted(p.name for p in run.warc_dir.glob("*.warc.gz"))
    writers = {name.split("-")[0] for name in warcs}
    assert writers <= {"archiver_w1", "archiver_w2", "archiver_w3"} and len(writers) >= 2, warcs
    # ... and no post page was fetched twice (one queue, one duplicate filter, across workers).
    fetched = Counter(e.path for e in log if e.path in set(truth) and e.status == 200)
    assert fetched and max(fetched.values()) == 1
    report = verify_archive(output)
    assert report.ok, report.summary()


def test_redis_without_the_scale_extra_is_one_line_and_exit_2(tmp_path: Path) -> None:
    """The crawler needs neither redis nor scrapy-redis unless --redis is given; then a
    missing (or unusable) one is a usage error, not a traceback."""
    completed = run_archiver(
        "crawl", "--start-url", "http://127.0.0.1:9/", "--output", str(tmp_path),
        "--redis", "redis://127.0.0.1:9/0", timeout=60,
    )  # fmt: skip
    assert completed.returncode == 2, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and "--redis" in lines[0]


def test_the_workers_reports_merge_into_one_run_report() -> None:
    from archiver.archive.workers import archive_namespace, merge_reports

    merged = merge_reports([
        {"worker": "w2", "counts": {"item_scraped_count": 3, "archiver/listing_pages": 0},
         "failures": [{"url": "http://a/1", "kind": "post"}], "item_errors": {},
         "finish_reason": "finished", "limit_reached": None},
        {"worker": "w1", "counts": {"item_scraped_count": 5, "archiver/listing_pages": 2},
         "failures": [{"url": "http://a/1", "kind": "post"}], "item_errors": {"u": "e"},
         "finish_reason": "shutdown", "limit_reached": "ARCHIVER_MAX_POSTS_PER_RUN"},
    ])  # fmt: skip
    assert merged["counts"] == {"item_scraped_count": 8, "archiver/listing_pages": 2}
    assert merged["failures"] == [{"url": "http://a/1", "kind": "post"}]
    assert merged["item_errors"] == {"u": "e"}
    assert merged["finish_reason"] == "shutdown"
    assert merged["limit_reached"] == "ARCHIVER_MAX_POSTS_PER_RUN"
    assert merged["workers"] == ["w1", "w2"]
    assert archive_namespace("/srv/a") == archive_namespace("/srv/a/../a")
    assert archive_namespace("/srv/a") != archive_namespace("/srv/b")


@pytest.mark.parametrize(
    ("options", "refused"),
    [
        (["--resume"], "--redis cannot --resume"),
        (["-s", "ARCHIVER_RESUME=1"], "--redis cannot --resume"),
        (["--full"], "--redis cannot --full"),
        (["-s", "ARCHIVER_MODE=full"], "--redis cannot --full"),
        # the setting alone is --redis too
        (["--SETTING-ONLY", "--full"], "--redis cannot --full"),
        (["--SETTING-ONLY", "--resume"], "--redis cannot --resume"),
    ],
)
def test_what_a_distributed_run_cannot_do_is_refused_before_anything_runs(
    tmp_path: Path, options: list[str], refused: str
) -> None:
    """--resume (the queue is in Redis) and --full (no removal check across workers) are a
    usage error with --redis (one line, exit 2), before Redis is reached or the archive made."""
    output = tmp_path / "archive"
    redis = ["--redis", "redis://127.0.0.1:9/0"]
    if options[0] == "--SETTING-ONLY":
        redis, options = ["-s", "ARCHIVER_REDIS_URL=redis://127.0.0.1:9/0"], options[1:]
    completed = run_archiver(
        "crawl", "--start-url", "http://127.0.0.1:9/", "--output", str(output),
        *redis, *options, timeout=60,
    )  # fmt: skip
    assert completed.returncode == 2, completed.stderr
    lines = completed.stderr.strip().splitlines()
    assert len(lines) == 1 and refused in lines[0], lines
    assert not output.exists()


def test_a_crawl_without_redis_imports_neither_redis_nor_scrapy_redis() -> None:
    import sys

    probe = (
        "import sys, archiver.cli.crawl, archiver.spiders.news; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('redis', 'scrapy_redis')))"
    )
    completed = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip() == "[]"
