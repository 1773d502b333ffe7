"""Shared helpers of the fault suite: crawl subprocesses that can be killed, polling, checks.

Every crawl here is a real ``python -m archiver crawl`` process talking real HTTP to the
replica on loopback; nothing of the archiver is mocked. Waiting is done by polling files or the
replica's request log, never by sleeping a fixed time.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from helpers import LOOPBACK_ARGS, REPO_ROOT, archiver_env, run_archiver

from archiver.archive.layout import ArchivePaths
from archiver.files import read_json, read_jsonl

__all__ = [
    "LOOPBACK_ARGS",
    "crawl_args",
    "hash_tree",
    "path_of",
    "poll",
    "run_archiver",
    "start_archiver",
    "warc_problems",
]


def start_archiver(
    *args: str,
    log_file: Path,
    netguard_log: Path | None = None,
    preexec_fn: Callable[[], None] | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``python -m archiver ARGS`` without waiting (so a test can kill it).

    Its stdout and stderr go to ``log_file`` (a pipe nobody reads could fill and stall it).
    """
    with log_file.open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "archiver", *args],
            cwd=REPO_ROOT,
            env=archiver_env(netguard_log),
            stdout=log,
            stderr=subprocess.STDOUT,
            preexec_fn=preexec_fn,  # noqa: PLW1509 (only resource limits, set before exec)
        )


def crawl_args(listing_url: str, output: Path, *extra: str) -> list[str]:
    return ["crawl", "--start-url", listing_url, "--output", str(output), *LOOPBACK_ARGS, *extra]


def poll(condition: Callable[[], Any], *, timeout: float, what: str, interval: float = 0.01) -> Any:
    """Return ``condition()``'s first truthy value, checking every ``interval`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def count_lines(path: Path) -> int:
    try:
        return path.read_bytes().count(b"\n")
    except FileNotFoundError:
        return 0


def hash_tree(directory: Path) -> dict[str, str]:
    """SHA-256 of every file under ``directory``, by relative path."""
    return {
        str(path.relative_to(directory)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(directory.rglob("*"))
        if path.is_file()
    }


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def warc_problems(warc_dir: Path) -> list[str]:
    """Problems found reading every finished WARC of ``warc_dir`` record by record."""
    from warcio.archiveiterator import ArchiveIterator

    problems = []
    for warc in sorted(warc_dir.glob("*.warc.gz")):
        try:
            with warc.open("rb") as stream:
                records = 0
                for record in ArchiveIterator(stream, check_digests=True):
                    record.content_stream().read()
                    records += 1
            if records == 0:
                problems.append(f"{warc.name}: no records")
        except Exception as error:  # any failure to read is what this check reports
            problems.append(f"{warc.name}: {type(error).__name__}: {error}")
    return problems


def run_record(output: Path, run_id: str) -> dict[str, Any]:
    record: dict[str, Any] = read_json(ArchivePaths(output).run(run_id).run_json)
    return record


def items_of(output: Path, run_id: str) -> list[dict[str, Any]]:
    return list(read_jsonl(ArchivePaths(output).run(run_id).items_jsonl))


def only_run_id(output: Path) -> str:
    run_ids = ArchivePaths(output).run_ids()
    assert len(run_ids) == 1, run_ids
    return run_ids[0]


def tail(path: Path, chars: int = 4000) -> str:
    try:
        return path.read_text(errors="replace")[-chars:]
    except FileNotFoundError:
        return ""


def assert_no_duplicates(values: Sequence[str], what: str) -> None:
    duplicates = sorted(value for value, count in Counter(values).items() if count > 1)
    assert not duplicates, f"{what} twice: {duplicates}"


def assert_each_post_once(items: Sequence[dict[str, Any]], truth: Any) -> dict[str, dict[str, Any]]:
    """Every post of ``truth`` (paths) exactly once in ``items``; the items by path."""
    paths = [path_of(item["url"]) for item in items]
    assert_no_duplicates(paths, "items.jsonl holds a post")
    assert sorted(paths) == sorted(truth)
    return dict(zip(paths, items, strict=True))
