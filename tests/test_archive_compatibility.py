"""Archives written before a change stay readable after it: verify, then continue crawling."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import LOOPBACK_ARGS, run_archiver

from archiver.archive.layout import ArchivePaths
from archiver.files import read_jsonl
from archiver.items import record_key
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.verify import verify_archive

V1_ARCHIVE = Path(__file__).parent / "fixtures" / "archives" / "v1"


def test_an_archive_written_before_the_move_verifies(tmp_path: Path) -> None:
    copy = tmp_path / "archive"
    shutil.copytree(V1_ARCHIVE, copy)
    report = verify_archive(copy)
    assert report.ok, report.summary()
    assert report.items == 6 and report.pointers_resolved == 6
    assert report.catalogue_entries == 6 and report.catalogue_resolved == 6
    assert "6 items, 6 catalogue entries: all pointers resolved" in report.summary()


def test_a_new_crawl_continues_an_old_archive(tmp_path: Path) -> None:
    copy = tmp_path / "archive"
    shutil.copytree(V1_ARCHIVE, copy)
    site = ReplicaSite(ReplicaOptions(posts=6, fault_rate=0.2))  # the demo's site, then 2 more
    for number in range(2):
        site.add_post(title=f"Statement after the old run, number {number}")
    with ReplicaServer(site) as server:
        completed = run_archiver(
            "crawl", "--start-url", server.listing_url, "--output", str(copy), *LOOPBACK_ARGS,
            timeout=180,
        )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    archive = ArchivePaths(copy)
    assert len(archive.run_ids()) == 2
    report = verify_archive(copy)
    assert report.ok, report.summary()
    keys = [record_key(r) for r in read_jsonl(archive.posts_jsonl)]
    assert len(keys) == len(set(keys)) == 8  # the old six once each, and the two new ones
