"""Post pages read in worker processes (archiver.spiders.extraction): the same fields as read in
the crawl's process; a page that kills its worker costs that page only (the item is kept from
its teaser, flagged); no workers to be had means pages are read in the crawl's process; and a
crawl through the replica with a worker gives the same items as one without."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
from pathlib import Path
from typing import Any

import pytest
from extraction_readers import KILL_MARK, read_or_die
from helpers import LOOPBACK_ARGS, REPO_ROOT, run_archiver

from archiver.archive.layout import ArchivePaths
from archiver.files import read_jsonl
from archiver.pages import parse_post_page
from archiver.pages.selectors import DRUPAL7
from archiver.pages.worker import ready
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.spiders.extraction import PostExtractor, parse_workers

PAGES = REPO_ROOT / "tests" / "fixtures" / "pages"


def fixture_posts() -> list[tuple[str, str]]:
    """(html, url) of the saved post pages."""
    posts = []
    for html in sorted(PAGES.glob("post-*.html")):
        url = html.with_suffix(".url").read_text(encoding="utf-8").strip()
        posts.append((html.read_text(encoding="utf-8"), url))
    assert len(posts) >= 2
    return posts


def read_all(extractor: PostExtractor, pages: list[tuple[str, str]]) -> list[Any]:
    async def all_at_once() -> list[Any]:
        return list(await asyncio.gather(*(extractor.parse(h, u) for h, u in pages)))

    try:
        return asyncio.run(all_at_once())
    finally:
        extractor.close()


def test_the_setting() -> None:
    assert parse_workers("auto", cores=1) == 0
    assert parse_workers("auto", cores=2) == 1
    assert parse_workers("auto", cores=16) == 1
    assert parse_workers("3") == 3
    assert parse_workers(0) == 0
    for wrong in ("-1", "many", "1.5"):
        with pytest.raises(ValueError, match="ARCHIVER_PARSE_WORKERS"):
            parse_workers(wrong)


def test_a_worker_reads_what_this_process_reads() -> None:
    pages = fixture_posts() * 3
    extractor = PostExtractor(1, DRUPAL7)
    got = read_all(extractor, pages)
    assert got == [parse_post_page(html, url) for html, url in pages]
    assert all(post.title for post in got)
    assert extractor.pages_in_workers == len(pages)
    assert extractor.worker_failures == 0


def test_a_page_that_kills_its_worker_costs_that_page_only(caplog: Any) -> None:
    good = fixture_posts()
    html, url = good[0]
    killer = (html.replace("</body>", KILL_MARK + "</body>"), url + "?killer")
    pages = [*good, killer, *good]
    extractor = PostExtractor(1, DRUPAL7, read=read_or_die)
    with caplog.at_level(logging.WARNING):
        got = read_all(extractor, pages)
    expected = [parse_post_page(h, u) for h, u in pages]
    killed = pages.index(killer)
    assert got[killed] is None
    assert [p for i, p in enumerate(got) if i != killed] == [
        p for i, p in enumerate(expected) if i != killed
    ]
    assert extractor.worker_failures >= 1
    assert "broke a page-reading worker twice" in caplog.text
    # The pool was replaced: the next page is read by a worker again.
    extractor = PostExtractor(1, DRUPAL7, read=read_or_die)
    again = read_all(extractor, [killer, good[1]])
    assert again == [None, parse_post_page(*good[1])]


class NoProcesses:
    """A multiprocessing context that cannot start a process (limits, no semaphores)."""

    def __getattr__(self, name: str) -> Any:
        return getattr(multiprocessing.get_context("spawn"), name)

    def Process(self, *args: Any, **kwargs: Any) -> Any:  # noqa: N802 (multiprocessing's name)
        raise OSError("cannot start a process here")


def test_no_workers_to_be_had_reads_pages_here(monkeypatch: Any, caplog: Any) -> None:
    monkeypatch.setattr(
        "archiver.spiders.extraction.multiprocessing.get_context", lambda _: NoProcesses()
    )
    pages = fixture_posts()
    extractor = PostExtractor(1, DRUPAL7)
    with caplog.at_level(logging.WARNING):
        got = read_all(extractor, pages)
    assert got == [parse_post_page(h, u) for h, u in pages]
    assert extractor.workers == 0 and extractor.pages_in_workers == 0
    assert "pages are read in the crawl's process" in caplog.text


VOLATILE = {"crawled_at", "run_id", "warc", "listing_warc", "fetched_at"}


def test_a_crawl_with_a_worker_gives_the_same_items(tmp_path: Path) -> None:
    site = ReplicaSite(ReplicaOptions(posts=30, seed=5))
    items: dict[str, dict[str, dict[str, Any]]] = {}
    with ReplicaServer(site, port=0) as server:
        for workers in ("0", "1"):
            output = tmp_path / f"workers-{workers}"
            result = run_archiver(
                "crawl", "--start-url", server.listing_url, "--output", str(output),
                *LOOPBACK_ARGS, "-s", f"ARCHIVER_PARSE_WORKERS={workers}",
                "-s", "LOG_LEVEL=INFO",
            )  # fmt: skip
            assert result.returncode == 0, result.stderr[-3000:]
            archive = ArchivePaths(output)
            (run_id,) = archive.run_ids()
            read = {
                item["url"]: {k: v for k, v in item.items() if k not in VOLATILE}
                for item in read_jsonl(archive.run(run_id).items_jsonl)
            }
            items[workers] = read
            pages = sum(1 for item in read.values() if item.get("http_status") == 200)
            assert pages >= 25
            in_workers = 0 if workers == "0" else pages
            assert f"'archiver/parse/in_workers': {in_workers}," in result.stderr
            started = 0 if workers == "0" else 1
            assert f"'archiver/parse/workers_started': {started}," in result.stderr
        # A run that finds nothing new (cron's usual run) reads no page: no worker started.
        again = run_archiver(
            "crawl", "--start-url", server.listing_url, "--output", str(tmp_path / "workers-1"),
            *LOOPBACK_ARGS, "-s", "ARCHIVER_PARSE_WORKERS=1", "-s", "LOG_LEVEL=INFO",
        )  # fmt: skip
        assert again.returncode == 0, again.stderr[-3000:]
        assert "'archiver/parse/in_workers': 0," in again.stderr
        assert "'archiver/parse/workers_started': 0," in again.stderr
    assert items["0"] == items["1"]
    assert len(items["1"]) == 30


class BrokenReader:
    """An extractor whose page broke two workers."""

    async def parse(self, text: str, url: str) -> None:
        return None


def test_a_page_that_breaks_the_reader_keeps_its_post_flagged(tmp_path: Path) -> None:
    from scrapy.http import Request, TextResponse
    from test_spider import make_spider

    from archiver.items import FLAG_EXTRACTION_FAILED, PostItem
    from archiver.pages import Teaser

    spider = make_spider(tmp_path, ARCHIVER_PARSE_WORKERS=0)
    spider.extractor = BrokenReader()  # type: ignore[assignment]
    html, url = fixture_posts()[0]
    teaser = Teaser(url, "7", "From the listing", None, None, None, None, None, 0)
    response = TextResponse(
        url, body=html.encode(), headers={"Content-Type": b"text/html; charset=utf-8"},
        encoding="utf-8", request=Request(url),
    )  # fmt: skip

    async def outputs() -> list[Any]:
        return [o async for o in spider.parse_post(response, teaser, f"{url}/list", None)]

    (item,) = asyncio.run(outputs())
    assert isinstance(item, PostItem)
    assert item.title == "From the listing" and item.url == url
    assert item.flags == [FLAG_EXTRACTION_FAILED]
    assert spider.crawler.stats is not None
    assert spider.crawler.stats.get_value("archiver/posts/extraction_failed") == 1


KILLED_CRAWL = """
import os, signal, sys
from archiver.pages.selectors import DRUPAL7
from archiver.pages.worker import ready
from archiver.spiders.extraction import PostExtractor

if __name__ == "__main__":  # spawned workers import this module too
    extractor = PostExtractor(1, DRUPAL7)
    extractor.start()
    with open(sys.argv[1], "w") as pid_file:  # not stdout: an orphan would hold its pipe
        pid_file.write(str(extractor._pool.submit(ready).result(timeout=60)))
    os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer would: no cleanup at all
"""


def process_ended(pid: int) -> bool:
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "State:\tZ" in status  # ended, not yet reaped by whoever adopted it


def test_workers_end_when_the_crawl_is_killed(tmp_path: Path) -> None:
    import subprocess
    import sys
    import time

    if not Path("/proc/self/status").exists():
        pytest.skip("needs /proc to watch the worker")
    script = tmp_path / "killed_crawl.py"
    script.write_text(KILLED_CRAWL)
    pid_file = tmp_path / "worker.pid"
    log = tmp_path / "killed_crawl.log"
    with log.open("w") as out:
        subprocess.run(
            [sys.executable, str(script), str(pid_file)], stdout=out, stderr=out, timeout=120
        )
    assert pid_file.is_file(), log.read_text()[-2000:]
    worker = int(pid_file.read_text())
    assert worker > 0
    deadline = time.monotonic() + 30
    while not process_ended(worker):  # the worker looks every WATCH_INTERVAL seconds
        assert time.monotonic() < deadline, f"worker {worker} outlived its crawl"
        time.sleep(0.05)


def test_a_worker_lives_through_ctrl_c() -> None:
    """Ctrl-C in a terminal signals the whole process group, the workers with the crawl: the
    crawl shuts down gracefully and still needs its worker for the pages waiting in it."""
    import os
    import signal

    pages = fixture_posts()
    extractor = PostExtractor(1, DRUPAL7)
    extractor.start()
    assert extractor._pool is not None
    worker = extractor._pool.submit(ready).result(timeout=60)
    os.kill(worker, signal.SIGINT)
    try:
        assert extractor._pool.submit(ready).result(timeout=60) == worker
    finally:
        got = read_all(extractor, pages)
    assert got == [parse_post_page(h, u) for h, u in pages]
    assert extractor.worker_failures == 0 and extractor.pages_in_workers == len(pages)


def children_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def test_ctrl_c_mid_crawl_ends_the_run_cleanly(tmp_path: Path) -> None:
    """Ctrl-C (SIGINT to the process group) while posts are read in the worker: the run is
    kept as interrupted (exit 4), with every fetched post's item, no worker counted as lost,
    no traceback on stderr, and no process left behind."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from helpers import archiver_env

    if not Path("/proc/self/task").exists():
        pytest.skip("needs /proc to find the worker")
    site = ReplicaSite(ReplicaOptions(posts=400, seed=5, latency_ms=30))
    output = tmp_path / "archive"
    with ReplicaServer(site, port=0) as server:
        crawl = subprocess.Popen(
            [
                sys.executable, "-m", "archiver", "crawl", "--start-url", server.listing_url,
                "--output", str(output), *LOOPBACK_ARGS, "-s", "ARCHIVER_PARSE_WORKERS=1",
            ],
            cwd=REPO_ROOT, env=archiver_env(), stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, start_new_session=True,
        )  # fmt: skip
        try:
            deadline = time.monotonic() + 60
            warcs = output / "runs"
            # Mid-crawl: the worker is up and post pages are being captured.
            while not (
                len(children_of(crawl.pid)) >= 2
                and sum(f.stat().st_size for f in warcs.glob("*/warc/*")) > 200_000
            ):
                assert crawl.poll() is None and time.monotonic() < deadline
                time.sleep(0.02)
            children = children_of(crawl.pid)
            os.killpg(crawl.pid, signal.SIGINT)  # as the terminal does
            _, stderr = crawl.communicate(timeout=60)
        finally:
            if crawl.poll() is None:
                crawl.kill()
    assert crawl.returncode == 4, stderr[-3000:]
    assert "Traceback" not in stderr, stderr[-3000:]
    assert "archiver/parse/workers_lost" not in stderr
    assert "page-reading worker died" not in stderr
    run = ArchivePaths(output).run(ArchivePaths(output).run_ids()[-1])
    items = list(read_jsonl(run.items_jsonl))
    assert 0 < len(items) < 400
    read = sum(1 for item in items if item.get("http_status") == 200)
    assert f"'archiver/parse/in_workers': {read}," in stderr
    deadline = time.monotonic() + 30
    while not all(process_ended(child) for child in children):
        assert time.monotonic() < deadline, "a worker outlived its crawl"
        time.sleep(0.05)


UNGUARDED_SCRIPT = """
import os, sys
from scrapy.crawler import CrawlerProcess
from scrapy.settings import Settings

# No `if __name__ == "__main__"`: a spawned worker imports this module and runs it all again.
settings = Settings()
settings.setmodule("archiver.settings", priority="project")
settings.set("ARCHIVER_START_URLS", [sys.argv[1]])
settings.set("ARCHIVER_OUTPUT_DIR", os.path.join(sys.argv[2], str(os.getpid())))
settings.set("ARCHIVER_PARSE_WORKERS", 1)
settings.set("LOG_LEVEL", "WARNING")
for name, value in zip(sys.argv[3::2], sys.argv[4::2]):
    settings.set(name, value)
process = CrawlerProcess(settings)
process.crawl("news")
process.start()
"""


def test_an_unguarded_script_does_not_crawl_again_in_its_worker(tmp_path: Path) -> None:
    """A script that runs a crawl without ``if __name__ == "__main__"`` is imported again by
    the spawned worker: that import must not run a second crawl (here into another archive,
    as a script naming its output by date or process would), and says how to fix the script."""
    import subprocess
    import sys

    from helpers import archiver_env

    script = tmp_path / "unguarded.py"
    script.write_text(UNGUARDED_SCRIPT)
    archives = tmp_path / "archives"
    settings = [part.split("=", 1) for part in LOOPBACK_ARGS[1::2]]
    site = ReplicaSite(ReplicaOptions(posts=20, seed=5))
    with ReplicaServer(site, port=0) as server:
        result = subprocess.run(
            [sys.executable, str(script), server.listing_url, str(archives)]
            + [value for pair in settings for value in pair],
            cwd=tmp_path, env=archiver_env(), capture_output=True, text=True, timeout=300,
        )  # fmt: skip
    assert result.returncode == 0, result.stderr[-3000:]
    crawled = sorted(path.name for path in archives.iterdir())
    assert len(crawled) == 1, (crawled, result.stderr[-3000:])
    assert 'if __name__ == "__main__"' in result.stderr
    (archive,) = crawled
    run = ArchivePaths(archives / archive)
    (run_id,) = run.run_ids()
    assert len(list(read_jsonl(run.run(run_id).items_jsonl))) == 20


def test_a_worker_killed_between_pages_is_replaced(caplog: Any) -> None:
    """A worker killed while it waits for pages (the OOM killer, an operator, systemd's stop
    signalling the whole unit) is a worker lost, not a sign that workers cannot run here: a
    new one reads the next pages, and the loss is counted."""
    import os
    import signal
    import time

    pages = fixture_posts()
    extractor = PostExtractor(1, DRUPAL7)
    extractor.start()
    pool = extractor._pool
    assert pool is not None
    worker = pool.submit(ready).result(timeout=60)
    os.kill(worker, signal.SIGKILL)
    deadline = time.monotonic() + 30
    while not getattr(pool, "_broken", False):  # the pool has seen it (CPython's flag)
        assert time.monotonic() < deadline, "the pool never saw its worker die"
        time.sleep(0.02)
    with caplog.at_level(logging.WARNING):
        got = read_all(extractor, pages)
    assert got == [parse_post_page(h, u) for h, u in pages]
    assert extractor.pages_in_workers == len(pages) and extractor.workers == 1
    assert extractor.worker_failures == 1
    assert "cannot run here" not in caplog.text
