"""A hostile environment: an output directory that cannot be created, a disk that fills up.

Tests run as root in CI, where chmod does not stop a write: the unwritable output is a path
under a regular file (ENOTDIR for everyone), and the full disk is RLIMIT_FSIZE set in the
crawl process (with SIGXFSZ ignored, a write past the limit fails with EFBIG as on a full
disk). Each must end with a clear error and exit code 4 (or 3), leave no half-written
posts.jsonl or state, and leave the previous run's archive byte for byte as it was.
"""

from __future__ import annotations

import os
import resource
import signal
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from helpers import LOOPBACK_ARGS, running_in_ci

from archiver.archive.layout import ArchivePaths
from archiver.files import read_json, read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite

from .crawling import (
    assert_each_post_once,
    crawl_args,
    hash_tree,
    items_of,
    run_archiver,
    start_archiver,
    tail,
    warc_problems,
)


def test_an_output_directory_that_cannot_be_created_fails_clearly(tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-directory"
    blocker.write_text("a regular file where the archive's parent should be\n")
    site = ReplicaSite(ReplicaOptions(posts=5, seed=2))
    with ReplicaServer(site) as server:
        result = run_archiver(*crawl_args(server.listing_url, blocker / "archive"), timeout=60)
        requests = len(server.request_log)
    assert result.returncode == 4, result.stderr[-3000:]
    last_line = result.stderr.strip().splitlines()[-1]
    assert last_line.startswith("archiver: could not run: cannot use the output directory")
    assert "Traceback" not in result.stderr
    assert requests == 0, "the crawl fetched pages it could not store"
    assert blocker.read_text().startswith("a regular file")


def _file_size_limit(limit: int) -> Callable[[], None]:
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # EFBIG instead of death, as ENOSPC
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))

    return apply


def test_a_full_disk_fails_the_run_and_keeps_the_previous_archive(tmp_path: Path) -> None:
    output = tmp_path / "archive"
    archive = ArchivePaths(output)
    site = ReplicaSite(ReplicaOptions(posts=20, seed=9))
    with ReplicaServer(site) as server:
        first = run_archiver(*crawl_args(server.listing_url, output), timeout=120)
        assert first.returncode == 0, first.stderr[-3000:]
        [first_run] = archive.run_ids()
        umask = os.umask(0)
        os.umask(umask)
        # Atomic writes go through a private temporary file; the result is as readable as
        # any file the crawl creates (researchers, backups and web servers read the archive).
        assert archive.posts_jsonl.stat().st_mode & 0o777 == 0o666 & ~umask
        before = hash_tree(archive.run(first_run).directory)
        catalogue_before = archive.posts_jsonl.read_bytes()
        for number in range(3):
            site.add_post(title=f"Statement after the first run, number {number}")
        # Files past 64 kB cannot grow: the state's write-ahead log or a WARC hits it first.
        log_file = tmp_path / "second.log"
        process = start_archiver(
            *crawl_args(server.listing_url, output, "-s", "ARCHIVER_RUN_ID=20300101T000000Z"),
            log_file=log_file,
            preexec_fn=_file_size_limit(64 * 1024),
        )
        returncode = process.wait(timeout=120)
    log = tail(log_file, 20000)
    assert returncode in (3, 4), log
    # The end says the run failed and why (SQLite says "disk I/O error", files "File too large").
    last_line = log.strip().splitlines()[-1]
    assert last_line.startswith("archiver: run FAILED ("), last_line
    assert "disk I/O error" in last_line or "File too large" in last_line

    assert hash_tree(archive.run(first_run).directory) == before, "the earlier run changed"
    catalogue_after = archive.posts_jsonl.read_bytes()
    assert catalogue_after.endswith(b"\n")
    records = list(read_jsonl(archive.posts_jsonl))  # every line whole JSON
    assert len(records) >= 20
    assert catalogue_after == catalogue_before or len(records) == 23
    assert not [p for p in output.rglob("*.tmp")], "a temporary file was left behind"
    with sqlite3.connect(archive.state_db) as db:
        assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)

    second = archive.run("20300101T000000Z")
    record = read_json(second.run_json)
    assert record["status"] != "complete", record


@contextmanager
def small_filesystem(path: Path, size: str) -> Iterator[Path]:
    """A tmpfs of ``size`` mounted at ``path`` (root only: skipped elsewhere, failed under CI,
    where .ci/run runs as root)."""
    path.mkdir(parents=True, exist_ok=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if mounted.returncode != 0:
        message = f"cannot mount a small tmpfs (needs root): {mounted.stderr.strip()}"
        if running_in_ci():
            pytest.fail(message)
        pytest.skip(message)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def test_a_full_disk_is_one_clear_line_and_resume_completes_the_run(tmp_path: Path) -> None:
    """Crawling into a 2 MiB filesystem: the crawl stops at the first write that finds no
    room, says so in one line, closes its WARC after the last whole record and marks the run
    failed (disk_full); --resume once there is room completes it with every post once."""
    site = ReplicaSite(ReplicaOptions(posts=40, seed=9))
    truth = {t["url"]: t for t in site.truth()}
    with small_filesystem(tmp_path / "small", "2m") as small, ReplicaServer(site) as server:
        output = small / "archive"
        args = crawl_args(server.listing_url, output, "-s", "ARCHIVER_RUN_ID=20300101T000000Z")
        full = run_archiver(*args, timeout=180)
        log = full.stderr
        assert full.returncode == 4, log[-3000:]
        assert "Traceback" not in log, log[-5000:]
        last_line = log.strip().splitlines()[-1]
        assert last_line.startswith("archiver: run FAILED (disk_full: no space left on "), last_line
        assert f"on {small} while writing {small}" in last_line, last_line
        errors = [line for line in log.splitlines() if " ERROR: " in line]
        assert 1 <= len(errors) <= 3, errors  # the cause, and what could not be finished
        run = ArchivePaths(output).run("20300101T000000Z")
        if run.run_json.exists() and read_json(run.run_json).get("status") != "running":
            record = read_json(run.run_json)
            assert record["status"] == "failed" and record["failure"] == "disk_full"
        assert warc_problems(run.warc_dir) == []  # closed after its last whole record
        assert not list(run.warc_dir.glob("*.open"))
        # Room again: the same filesystem, grown.
        subprocess.run(["mount", "-o", "remount,size=256m", str(small)], check=True)
        resumed = run_archiver(
            "crawl", "--resume", "20300101T000000Z", "--output", str(output), *LOOPBACK_ARGS,
            timeout=180,
        )  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr[-3000:]
        assert_each_post_once(items_of(output, "20300101T000000Z"), truth)
        assert read_json(run.run_json)["status"] == "complete"
