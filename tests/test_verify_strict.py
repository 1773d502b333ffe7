"""``archiver verify`` is strict: a corrupt items line, a plain .warc or .arc file, a WACZ whose
index disagrees with its WARCs: each named, exit non-zero (issue 13)."""

from __future__ import annotations

import gzip
import hashlib
import json
import zipfile
from pathlib import Path

import pytest
from helpers import last_run, run_archiver

from archiver.archive.hashes import hash_run_files
from archiver.archive.layout import RunPaths
from archiver.archive.package import package_sealed_run
from archiver.verify import verify_archive


def _rehash(run: RunPaths) -> None:
    """run.json's hashes made to agree, so only the defect under test remains."""
    record = json.loads(run.run_json.read_text())
    record["files"] = hash_run_files(run)
    run.run_json.write_text(json.dumps(record))


def _verify(archive: Path) -> tuple[int, str, dict[str, list[str]]]:
    completed = run_archiver("verify", str(archive))
    by_kind: dict[str, list[str]] = {}
    for defect in verify_archive(archive).defects:
        by_kind.setdefault(defect.kind, []).append(defect.where)
    return completed.returncode, completed.stdout, by_kind


def test_a_corrupt_items_line_is_named(archive: Path) -> None:
    run = last_run(archive)
    lines = run.items_jsonl.read_text().splitlines(keepends=True)
    lines.insert(1, '{"url": "http://x/", "title": \n')
    run.items_jsonl.write_text("".join(lines))
    _rehash(run)
    code, out, by_kind = _verify(archive)
    assert code != 0
    assert by_kind["items_line_corrupt"] == [f"{run.run_id}/items.jsonl:2"]
    assert "items_line_corrupt" in out


@pytest.mark.parametrize("name", ["extra.warc", "old.arc", "old.arc.gz", "notes.txt"])
def test_a_plain_warc_or_arc_file_is_named(archive: Path, name: str) -> None:
    run = last_run(archive)
    (run.warc_dir / name).write_bytes(b"WARC/1.0\r\n")
    _rehash(run)
    code, out, by_kind = _verify(archive)
    assert code != 0
    assert by_kind["warc_unexpected_file"] == [f"{run.run_id}/warc/{name}"]
    assert name in out


def _rewrite_index(run: RunPaths, edit: object) -> None:
    """Rewrite the WACZ's CDX index with ``edit(lines) -> lines``; datapackage hashes agree."""
    package_sealed_run(run)
    with zipfile.ZipFile(run.wacz) as original:
        members = {n: original.read(n) for n in original.namelist()}
    lines = gzip.decompress(members["indexes/index.cdx.gz"]).decode().splitlines()
    members["indexes/index.cdx.gz"] = gzip.compress(("\n".join(edit(lines)) + "\n").encode())  # type: ignore[operator]
    package = json.loads(members["datapackage.json"])
    for resource in package["resources"]:
        data = members[resource["path"]]
        resource["hash"] = "sha256:" + hashlib.sha256(data).hexdigest()
        resource["bytes"] = len(data)
    members["datapackage.json"] = json.dumps(package, indent=2).encode()
    digest = json.loads(members["datapackage-digest.json"])
    digest["hash"] = "sha256:" + hashlib.sha256(members["datapackage.json"]).hexdigest()
    members["datapackage-digest.json"] = json.dumps(digest).encode()
    with zipfile.ZipFile(run.wacz, "w") as rebuilt:
        for name, data in members.items():
            rebuilt.writestr(name, data)
    _rehash(run)


def _shift_first_offset(lines: list[str]) -> list[str]:
    key, stamp, entry = lines[0].split(" ", 2)
    fields = json.loads(entry)
    fields["offset"] = str(int(fields["offset"]) + 1)
    return [f"{key} {stamp} {json.dumps(fields)}", *lines[1:]]


@pytest.mark.parametrize(
    ("edit", "says"),
    [(_shift_first_offset, "names no record"), (lambda lines: lines[1:], "is not in the index")],
    ids=["entry-points-nowhere", "record-missing-from-index"],
)
def test_a_wacz_whose_index_disagrees_with_its_warcs_is_named(
    archive: Path, edit: object, says: str
) -> None:
    run = last_run(archive)
    _rewrite_index(run, edit)
    code, out, by_kind = _verify(archive)
    assert code != 0
    assert "wacz_index_mismatch" in by_kind, by_kind
    assert says in out


def test_the_clean_demo_archive_has_none_of_these(demo_archive: Path) -> None:
    report = verify_archive(demo_archive)
    assert report.ok, report.summary()
