"""Progress while crawling (archiver/extensions/progress.py) and how much ``archiver crawl``
says: a live line on a terminal (run under a pseudo-terminal), nothing but plain log lines when
stderr is not a terminal (cron), ``--quiet`` and ``--verbose``."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import select
import struct
import subprocess
import sys
import termios
from collections.abc import Iterator
from pathlib import Path

import pytest
from helpers import REPO_ROOT, archiver_env, run_archiver

from archiver.extensions.progress import progress_text, progress_wanted
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite

FAST = (
    "-s",
    "DOWNLOAD_DELAY=0",
    "-s",
    "AUTOTHROTTLE_ENABLED=0",
    "-s",
    "ARCHIVER_PACKAGE_ENABLED=0",
)
CONTROL = ("\r", "\x1b")


@pytest.fixture(scope="module")
def listing_url() -> Iterator[str]:
    with ReplicaServer(ReplicaSite(ReplicaOptions(posts=8, seed=11))) as server:
        yield server.listing_url


def _crawl_args(listing_url: str, output: Path, *extra: str) -> list[str]:
    return ["crawl", "--start-url", listing_url, "--output", str(output), *FAST, *extra]


def _crawl_in_terminal(args: list[str]) -> tuple[int, str]:
    """Run ``archiver ARGS`` with stderr (and stdout) on a pseudo-terminal; its exit code and
    everything it wrote there."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 30, 120, 0, 0))
    env = dict(archiver_env(), TERM="xterm-256color", COLUMNS="120")
    env.pop("NO_COLOR", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "archiver", *args],
        cwd=REPO_ROOT, env=env, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
    )  # fmt: skip
    os.close(slave)
    chunks = []
    while True:
        ready, _, _ = select.select([master], [], [], 120)
        if not ready:
            process.kill()
            break
        try:
            data = os.read(master, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    return process.wait(timeout=60), b"".join(chunks).decode("utf-8", "replace")


def test_a_terminal_shows_live_progress(listing_url: str, tmp_path: Path) -> None:
    code, output = _crawl_in_terminal(_crawl_args(listing_url, tmp_path / "out"))
    assert code == 0, output[-2000:]
    [run_dir] = (tmp_path / "out" / "runs").iterdir()
    new = len(json.loads((run_dir / "changes.json").read_text())["new"])  # a 404 post is gone
    assert "pages/s" in output and "posts 8" in output and f"new {new} " in output
    assert any(char in output for char in CONTROL)  # drawn in place
    assert " INFO: " not in output  # the progress line replaces Scrapy's INFO log
    assert "archiver: run complete: 8 posts" in output


def test_verbose_shows_scrapys_info_log_on_a_terminal(listing_url: str, tmp_path: Path) -> None:
    code, output = _crawl_in_terminal(_crawl_args(listing_url, tmp_path / "out", "--verbose"))
    assert code == 0, output[-2000:]
    assert "[scrapy.core.engine] INFO: Spider opened" in output


def test_without_a_terminal_stderr_is_plain_log_lines(listing_url: str, tmp_path: Path) -> None:
    completed = run_archiver(*_crawl_args(listing_url, tmp_path / "out"), timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    assert not any(char in completed.stderr for char in CONTROL)
    assert "pages/s" not in completed.stderr
    assert "INFO: Spider opened" in completed.stderr  # cron logs as before


def test_quiet_prints_only_the_summary_line(listing_url: str, tmp_path: Path) -> None:
    args = _crawl_args(listing_url, tmp_path / "out", "--quiet", "-s", "ARCHIVER_BROWSE_ENABLED=0")
    completed = run_archiver(*args, timeout=120)
    assert completed.returncode == 0, completed.stderr[-2000:]
    lines = completed.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("archiver: run complete: 8 posts seen, "), lines
    assert not (tmp_path / "out" / "index.html").exists()  # ARCHIVER_BROWSE_ENABLED=0
    code, output = _crawl_in_terminal(_crawl_args(listing_url, tmp_path / "tty", "--quiet"))
    assert code == 0
    assert output.strip().startswith("archiver: run complete:") and "pages/s" not in output


def test_quiet_and_verbose_exclude_each_other(tmp_path: Path) -> None:
    completed = run_archiver("crawl", "--quiet", "--verbose", "--output", str(tmp_path))
    assert completed.returncode == 2
    assert "not allowed with argument" in completed.stderr


def test_progress_setting_values() -> None:
    class Terminal:
        def isatty(self) -> bool:
            return True

    class Pipe:
        def isatty(self) -> bool:
            return False

    assert progress_wanted("auto", Terminal()) and not progress_wanted("auto", Pipe())  # type: ignore[arg-type]
    assert progress_wanted("on", Pipe()) and not progress_wanted("off", Terminal())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="ARCHIVER_PROGRESS"):
        progress_wanted("sometimes", Pipe())  # type: ignore[arg-type]


def test_progress_line_reads_the_crawl_stats() -> None:
    stats = {
        "downloader/response_count": 120,
        "item_scraped_count": 30,
        "archiver/posts/new": 4,
        "log_count/ERROR": 1,
        "archiver/failed/post": 2,
    }
    line = progress_text(stats, 3725.0).plain
    assert line == ("archiver pages 120  posts 30  new 4  errors 3  0.0 pages/s  1:02:05")
