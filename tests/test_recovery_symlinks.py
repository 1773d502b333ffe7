"""Recovery and repair never follow a symlink out of the archive (issue 13)."""

from __future__ import annotations

import hashlib
import json
import logging
from pathlib import Path

import pytest

from archiver.archive.layout import ArchivePaths
from archiver.archive.lifecycle import close_interrupted_runs
from archiver.verify import verify_archive
from archiver.warc.repair import repair_open_warcs

RUN_ID = "20260101T000000Z"
GARBAGE = b"\x1f\x8b\x08\x00garbage"


def _tree(directory: Path) -> dict[str, str]:
    return {
        str(p.relative_to(directory)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(directory.rglob("*"))
        if p.is_file()
    }


def _interrupted_run(directory: Path) -> None:
    (directory / "warc").mkdir(parents=True)
    (directory / "warc" / "archiver-20260101000000000-00000-h.warc.gz.open").write_bytes(GARBAGE)
    (directory / "run.json").write_text(
        json.dumps({"status": "running", "run_id": directory.name, "settings": {}})
    )
    (directory / "items.jsonl.partial").write_text("")


def test_a_run_directory_that_is_a_symlink_out_of_the_archive_is_left_alone(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    outside = tmp_path / "elsewhere" / RUN_ID
    _interrupted_run(outside)
    before = _tree(outside.parent)
    archive = ArchivePaths(tmp_path / "archive")
    archive.runs_dir.mkdir(parents=True)
    (archive.runs_dir / RUN_ID).symlink_to(outside, target_is_directory=True)
    with caplog.at_level(logging.ERROR):
        assert close_interrupted_runs(archive) == []
    assert _tree(outside.parent) == before
    assert "leads out of the archive" in caplog.text
    report = verify_archive(archive.root, repair=True)
    assert not report.ok
    assert [d.kind for d in report.defects if d.kind == "run_outside_archive"]
    assert _tree(outside.parent) == before


def test_an_open_warc_that_is_a_symlink_out_of_the_archive_is_not_repaired(
    tmp_path: Path,
) -> None:
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    target = outside / "victim.warc.gz.open"
    target.write_bytes(GARBAGE)
    archive = ArchivePaths(tmp_path / "archive")
    warc_dir = archive.run(RUN_ID).warc_dir
    warc_dir.mkdir(parents=True)
    (warc_dir / "archiver-20260101000000000-00000-h.warc.gz.open").symlink_to(target)
    results = repair_open_warcs(warc_dir, root=archive.root, quarantine=archive.quarantine_dir)
    assert results == []
    assert target.read_bytes() == GARBAGE
    assert not archive.quarantine_dir.exists()


def test_an_interrupted_run_without_a_whole_record_goes_to_quarantine(tmp_path: Path) -> None:
    archive = ArchivePaths(tmp_path / "archive")
    _interrupted_run(archive.run(RUN_ID).directory)
    assert close_interrupted_runs(archive) == [RUN_ID]
    quarantined = sorted(p.name for p in archive.quarantine_dir.iterdir())
    name = f"{RUN_ID}-archiver-20260101000000000-00000-h.warc.gz.open"
    assert quarantined == [name, name + ".note.txt"]
    assert (archive.quarantine_dir / name).read_bytes() == GARBAGE
