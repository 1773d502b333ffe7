"""Issue 18 (first contact): what a new user met on the first day, each now answered."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
from pathlib import Path

from archiver.archive.layout import ArchivePaths
from archiver.archive.lock import ArchiveLock
from archiver.files import read_json, read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite

from .crawling import (
    count_lines,
    crawl_args,
    only_run_id,
    path_of,
    poll,
    run_archiver,
    run_record,
    start_archiver,
    tail,
)


def test_a_capped_run_does_not_hide_the_rest_of_the_site(tmp_path: Path) -> None:
    """A limited run, then a run that walks nothing (its start URL is a post page): the next
    plain runs still walk to the end, until the archive holds every post."""
    site = ReplicaSite(ReplicaOptions(posts=45, seed=5))
    with ReplicaServer(site) as server:
        capped = run_archiver(
            *crawl_args(server.listing_url, tmp_path, "-s", "ARCHIVER_MAX_LISTING_PAGES=1"),
            timeout=120,
        )
        assert capped.returncode == 5, capped.stderr[-3000:]
        post_url = server.base_url.rstrip("/") + site.truth()[0]["url"]
        astray = run_archiver(*crawl_args(post_url, tmp_path), timeout=120)
        assert astray.returncode == 4, astray.stderr[-3000:]
        for _ in range(2):
            plain = run_archiver(*crawl_args(server.listing_url, tmp_path), timeout=120)
            assert plain.returncode == 0, plain.stderr[-3000:]
    archived = {path_of(p["url"]) for p in read_jsonl(ArchivePaths(tmp_path).posts_jsonl)}
    assert archived == {t["url"] for t in site.truth()}


def test_a_start_url_that_lists_nothing_is_a_failed_run(tmp_path: Path) -> None:
    site = ReplicaSite(ReplicaOptions(posts=12, seed=6))
    with ReplicaServer(site) as server:
        post_url = server.base_url.rstrip("/") + site.truth()[0]["url"]
        done = run_archiver(*crawl_args(post_url, tmp_path), timeout=120)
    assert done.returncode == 4, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    record = run_record(tmp_path, only_run_id(tmp_path))
    assert record["status"] == "failed"
    assert any(p.startswith("no_teasers") for p in record["problems"]), record["problems"]
    last = done.stderr.strip().splitlines()[-1]
    assert "lists no post" in last and "node-teaser" in last and "page title" in last, last


def _slow_crawl(server: ReplicaServer, output: Path, log_file: Path) -> subprocess.Popen[bytes]:
    """A crawl started in the background; returns once its first item is written."""
    process = start_archiver(
        *crawl_args(server.listing_url, output, "-s", "CONCURRENT_REQUESTS_PER_DOMAIN=1"),
        log_file=log_file,
    )

    def first_item() -> bool:
        assert process.poll() is None, tail(log_file)
        partials = list(output.glob("runs/*/items.jsonl.partial"))
        return bool(partials) and count_lines(partials[0]) > 0

    poll(first_item, timeout=60, what="the first item of the crawl", interval=0.005)
    return process


def test_verify_repair_waits_for_a_live_crawl(tmp_path: Path) -> None:
    output = tmp_path / "out"
    site = ReplicaSite(ReplicaOptions(posts=30, seed=7, latency_ms=400))
    with ReplicaServer(site) as server:
        process = _slow_crawl(server, output, tmp_path / "crawl.log")
        try:
            open_warcs = list(output.glob("runs/*/warc/*.open"))
            assert open_warcs
            repair = run_archiver("verify", "--repair", str(output))
            assert repair.returncode == 4, repair.stdout + repair.stderr
            assert "archive is locked by run" in repair.stderr, repair.stderr
            assert all(path.exists() for path in open_warcs)  # the live WARC is untouched
            plain = run_archiver("verify", str(output))
            assert plain.returncode == 4, plain.stdout + plain.stderr
            assert "run_in_progress" in plain.stdout and "IN PROGRESS" in plain.stdout
            assert "--repair" not in plain.stdout, plain.stdout
            assert process.poll() is None  # the checks ran while the crawl went on
        finally:
            code = process.wait(timeout=120)
    assert code == 0, tail(tmp_path / "crawl.log")
    assert "FileNotFoundError" not in (tmp_path / "crawl.log").read_text()
    assert run_archiver("verify", str(output)).returncode == 0


def test_ctrl_c_interrupts_the_run_and_resume_continues_it(tmp_path: Path) -> None:
    output = tmp_path / "out"
    log_file = tmp_path / "crawl.log"
    site = ReplicaSite(ReplicaOptions(posts=40, seed=8, latency_ms=40))
    with ReplicaServer(site) as server:
        process = _slow_crawl(server, output, log_file)
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=120) == 4, tail(log_file)
        run_id = only_run_id(output)
        record = run_record(output, run_id)
        assert record["status"] == "interrupted", record.get("problems")
        last = log_file.read_text().strip().splitlines()[-1]
        assert "run interrupted" in last and "archiver crawl --resume" in last, last
        assert "FAILED" not in last
        resumed = run_archiver(*crawl_args(server.listing_url, output, "--resume"), timeout=120)
        assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert run_record(output, run_id)["status"] == "complete"
    posts = run_record(output, run_id)["posts"]
    # One count: the whole run's posts, before and after the interruption.
    assert posts["seen"] == len(list(read_jsonl(ArchivePaths(output).run(run_id).items_jsonl)))
    assert f"{posts['seen']} posts seen, {posts['new']} new" in resumed.stderr.splitlines()[-1]
    archived = {path_of(p["url"]) for p in read_jsonl(ArchivePaths(output).posts_jsonl)}
    assert archived == {t["url"] for t in site.truth()}


def test_verify_says_what_it_expects(tmp_path: Path) -> None:
    archive = tmp_path / "archive"
    (archive / "runs").mkdir(parents=True)
    (archive / "posts.jsonl").write_text("")
    a_file = tmp_path / "notes.txt"
    a_file.write_text("x")
    for given, says in [
        (tmp_path / "missing", "does not exist"),
        (archive / "runs", "is the runs/ directory of an archive"),
        (a_file, "is a file"),
        (tmp_path, "holds no runs/ directory"),
    ]:
        done = run_archiver("verify", str(given))
        assert done.returncode == 2, (given, done.stderr)
        assert done.stdout == "", done.stdout
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1 and says in lines[0] and str(given) in lines[0], lines


def test_an_unreachable_site_gives_one_line_and_no_skeleton(tmp_path: Path) -> None:
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        port = unused.getsockname()[1]  # closed again below: nothing listens there
    output = tmp_path / "new-archive"
    done = run_archiver(
        *crawl_args(f"http://127.0.0.1:{port}/topic/news", output, "-s", "RETRY_TIMES=0"),
        timeout=120,
    )
    assert done.returncode == 4, done.stderr[-3000:]
    assert "Traceback" not in done.stderr, done.stderr[-3000:]
    last = done.stderr.strip().splitlines()[-1]
    assert "no listing page could be fetched" in last and "refused" in last, last
    assert not output.exists()


def test_demo_on_a_locked_archive_prints_only_the_lock(tmp_path: Path) -> None:
    output = tmp_path / "demo"
    with ArchiveLock(ArchivePaths(output).lock_file, run_id="other"):
        done = run_archiver("demo", "--output", str(output), "--posts", "3", timeout=120)
    assert done.returncode == 4, done.stderr[-3000:]
    assert done.stdout == "", done.stdout
    assert "archive is locked by run other" in done.stderr.strip().splitlines()[-1]
    assert "Run " not in done.stderr


def test_one_count_of_posts_everywhere(tmp_path: Path) -> None:
    output = tmp_path / "out"
    site = ReplicaSite(ReplicaOptions(posts=25, seed=9))
    truth = len(site.truth())
    with ReplicaServer(site) as server:
        first = run_archiver(*crawl_args(server.listing_url, output), timeout=120)
        assert first.returncode == 0, first.stderr[-3000:]
        again = run_archiver(*crawl_args(server.listing_url, output), timeout=120)
        assert again.returncode == 0, again.stderr[-3000:]
        full = run_archiver(*crawl_args(server.listing_url, output, "--full"), timeout=120)
        assert full.returncode == 0, full.stderr[-3000:]
    archive = ArchivePaths(output)
    total = len(list(read_jsonl(archive.posts_jsonl)))
    assert total == truth
    first_id, again_id, full_id = archive.run_ids()
    for run_id, done in ((first_id, first), (again_id, again), (full_id, full)):
        record = run_record(output, run_id)
        posts = record["posts"]
        run = archive.run(run_id)
        assert posts["seen"] == len(list(read_jsonl(run.items_jsonl)))
        assert posts["archive_total"] == total
        assert read_json(run.changes_json)["posts"] == posts
        assert record["changes"]["new"] == posts["new"]
        block = done.stderr[done.stderr.index(f"Run {run_id}: complete") :]
        assert f"posts seen:       {posts['seen']}" in block
        assert f"archive total:    {total} posts" in block
        assert "posts archived" not in done.stderr
    assert (
        run_record(output, first_id)["posts"]["new"] + run_record(output, first_id)["posts"]["gone"]
        == total
    )
    last = again.stderr.strip().splitlines()[-1]
    assert f"0 new, {total} already archived" in last, last
    full_posts = run_record(output, full_id)["posts"]
    assert (
        full_posts["seen"] >= total - 1
        and f"{full_posts['seen']} posts seen" in (full.stderr.strip().splitlines()[-1])
    )
    verify = run_archiver("verify", str(output))
    assert verify.returncode == 0, verify.stdout
    items = sum(run_record(output, r)["posts"]["seen"] for r in archive.run_ids())
    assert f"{items} items, {total} catalogue entries: all pointers resolved" in verify.stdout
    state_log = [line for line in again.stderr.splitlines() if "The archive holds" in line]
    assert state_log and f"holds {total} posts" in state_log[0], state_log


def test_verify_reads_on_after_a_corrupt_byte(tmp_path: Path) -> None:
    output = tmp_path / "out"
    site = ReplicaSite(ReplicaOptions(posts=12, seed=10))
    with ReplicaServer(site) as server:
        done = run_archiver(*crawl_args(server.listing_url, output), timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]
    run = ArchivePaths(output).run(only_run_id(output))
    items = list(read_jsonl(run.items_jsonl))
    victim = sorted(items, key=lambda i: i["warc"]["offset"])[len(items) // 2]
    warc = run.warc_dir / victim["warc"]["filename"]
    data = bytearray(warc.read_bytes())
    offset = victim["warc"]["offset"]
    data[offset + victim["warc"]["length"] // 2] ^= 0xFF  # one byte, inside one record
    warc.write_bytes(bytes(data))
    verify = run_archiver("verify", str(output), "--json")
    assert verify.returncode == 4
    assert verify.stderr == "", verify.stderr  # no bare zlib errors
    report = json.loads(verify.stdout)
    corrupt = [d for d in report["defects"] if d["kind"] == "warc_record_corrupt"]
    assert len(corrupt) == 1, report["defects"]
    assert f"corrupt record at offset {offset} in {warc.name}" in corrupt[0]["detail"]
    unresolved = [d for d in report["defects"] if d["kind"] == "pointer_unresolved"]
    assert {d["where"].split(": ", 1)[1] for d in unresolved} == {victim["url"]}
    assert report["pointers_resolved"] == len(items) - 1  # the records after it are read


def test_a_warc_lost_under_the_crawl_fails_the_run(tmp_path: Path) -> None:
    """What the old verify --repair did to a live crawl (renamed its .open WARC): the crawl
    must not then say "run complete"."""
    output = tmp_path / "out"
    log_file = tmp_path / "crawl.log"
    site = ReplicaSite(ReplicaOptions(posts=20, seed=11, latency_ms=60))
    with ReplicaServer(site) as server:
        process = _slow_crawl(server, output, log_file)
        for open_warc in output.glob("runs/*/warc/*.open"):
            open_warc.rename(open_warc.with_name(open_warc.name.removesuffix(".open")))
        code = process.wait(timeout=120)
    assert code == 4, tail(log_file)
    record = run_record(output, only_run_id(output))
    assert record["status"] == "failed"
    assert any("WARC write error" in p for p in record["problems"]), record["problems"]
    assert "run complete" not in log_file.read_text()
