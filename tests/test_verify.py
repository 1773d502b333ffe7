"""``archiver verify`` on a real demo crawl: clean when nothing is wrong, and each defect named
when something is (a crash-truncated WARC, a wrong pointer, a changed file, a bad WACZ made
by ``archiver package``)."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from helpers import last_run, run_archiver
from warcio.warcwriter import WARCWriter

from archiver.archive.hashes import hash_run_files
from archiver.archive.layout import ArchivePaths
from archiver.archive.lock import ArchiveLock
from archiver.archive.package import package_sealed_run
from archiver.verify import verify_archive
from archiver.verify.warc import RecordEntry, check_run_records, scan_warc


def _kinds(archive: Path) -> set[str]:
    return {defect.kind for defect in verify_archive(archive).defects}


def test_clean_archive_verifies(demo_archive: Path) -> None:
    report = verify_archive(demo_archive)
    assert report.ok, report.summary()
    assert report.items >= 8 and report.pointers_resolved == report.items
    assert report.warc_files >= 1 and report.files_hashed >= 3
    completed = run_archiver("verify", str(demo_archive))
    assert completed.returncode == 0, completed.stdout
    assert "OK: every check holds" in completed.stdout
    assert verify_archive(last_run(demo_archive).directory).ok  # one run dir works too


def test_crash_truncated_open_warc_is_reported_not_raised(archive: Path) -> None:
    run = last_run(archive)
    (warc,) = sorted(run.warc_dir.glob("*.warc.gz"))
    data = warc.read_bytes()
    warc.unlink()
    (run.warc_dir / (warc.name + ".open")).write_bytes(data[: len(data) * 2 // 3])
    record = json.loads(run.run_json.read_text())
    record["status"] = "running"
    run.run_json.write_text(json.dumps(record))

    completed = run_archiver("verify", str(archive))
    assert completed.returncode != 0
    for name in ("warc_left_open", "warc_truncated_or_corrupt", "run_incomplete"):
        assert name in completed.stdout
    assert "Traceback" not in completed.stderr


def test_truncated_finished_warc_fails_hash_and_gzip_checks(archive: Path) -> None:
    (warc,) = sorted(last_run(archive).warc_dir.glob("*.warc.gz"))
    warc.write_bytes(warc.read_bytes()[:-40])
    kinds = _kinds(archive)
    assert {"warc_truncated_or_corrupt", "run_file_hash_mismatch"} <= kinds


def test_wrong_pointer_is_named(archive: Path) -> None:
    run = last_run(archive)
    items = [json.loads(line) for line in run.items_jsonl.read_text().splitlines()]
    items[0]["warc"]["payload_digest"] = "sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
    items[1]["warc"]["offset"] += 1
    del items[2]["warc"]
    run.items_jsonl.write_text("".join(json.dumps(i) + "\n" for i in items))
    report = verify_archive(run.directory)
    by_kind = {d.kind: d for d in report.defects}
    assert {"pointer_mismatch", "pointer_unresolved", "item_without_pointer"} <= set(by_kind)
    assert "digest" in by_kind["pointer_mismatch"].detail
    assert "run_file_hash_mismatch" in by_kind  # items.jsonl changed after run.json


def test_incomplete_wacz_is_reported(archive: Path) -> None:
    run = last_run(archive)
    package_sealed_run(run)
    assert verify_archive(archive).ok  # made on demand, after the seal: not a defect
    with zipfile.ZipFile(run.wacz) as original:
        members = {n: original.read(n) for n in original.namelist()}
    with zipfile.ZipFile(run.wacz, "w") as rebuilt:
        for name, data in members.items():
            if name != "pages/pages.jsonl":
                rebuilt.writestr(name, data)
    record = json.loads(run.run_json.read_text())
    record["files"] = hash_run_files(run)  # hashes agree: only the WACZ is wrong
    run.run_json.write_text(json.dumps(record))
    report = verify_archive(archive)
    assert [d.detail for d in report.defects if d.kind == "wacz_invalid"] == [
        "pages/pages.jsonl missing"
    ]


def test_hash_run_files_covers_every_file_but_run_json(demo_archive: Path) -> None:
    run = last_run(demo_archive)
    hashes = hash_run_files(run)
    assert "run.json" not in hashes
    assert {"items.jsonl", "indexes/index.cdxj"} <= set(hashes)
    assert "archive.wacz" not in hashes  # made on demand (archiver package), not every run
    assert any(name.startswith("warc/") for name in hashes)
    assert json.loads(run.run_json.read_text())["files"] == hashes


def _entry(kind: str, record_id: str, uri: str, *concurrent: str) -> RecordEntry:
    return RecordEntry("f.warc.gz", 0, 1, kind, record_id, uri, "d", None, tuple(concurrent))


def test_pairing_and_duplicate_ids() -> None:
    records = [
        _entry("response", "<r1>", "http://a/1", "<q1>"),
        _entry("request", "<q1>", "http://a/1"),
        _entry("request", "<q2>", "http://a/2", "<r2>"),
        _entry("response", "<r2>", "http://a/2"),  # paired from the request's side
        _entry("response", "<r3>", "http://a/3"),
        _entry("request", "<q4>", "http://a/4"),
        _entry("request", "<q1>", "http://a/1"),
    ]
    found = {
        (d.kind, d.detail.split()[0] if d.kind == "duplicate_record_id" else d.detail)
        for d in check_run_records(records)
    }
    assert found == {
        ("response_without_request", "http://a/3"),
        ("request_without_response", "http://a/4"),
        ("duplicate_record_id", "in"),
    }


def test_warcinfo_must_come_first(tmp_path: Path) -> None:
    buffer = io.BytesIO()
    writer = WARCWriter(buffer, gzip=True)
    writer.write_record(
        writer.create_warc_record("http://a/", "resource", payload=io.BytesIO(b"x"), length=1)
    )
    path = tmp_path / "no-info.warc.gz"
    path.write_bytes(buffer.getvalue())
    assert [d.kind for d in scan_warc(path).defects] == ["warcinfo_not_first"]


def test_a_warc_cut_anywhere_is_read_and_repaired_without_raising(
    demo_archive: Path, tmp_path: Path
) -> None:
    """A crash can cut a WARC at any byte; verify names it and repair closes it, never a crash.
    Cuts just inside a record's gzip member leave warcio a record whose headers stop short
    (no WARC-Target-URI): warcio then raises AttributeError, which must become a defect."""
    from archiver.warc.repair import gzip_member_ends, repair_open_warc

    (warc,) = sorted(last_run(demo_archive).warc_dir.glob("*.warc.gz"))
    data = warc.read_bytes()
    with warc.open("rb") as stream:
        ends, _ = gzip_member_ends(stream)
    starts = [0, *ends[:-1]]
    # Inside the first records' headers, byte by byte (warcio's AttributeError window is ~10
    # bytes wide, 150-330 bytes into a member), then across the whole file.
    cuts = sorted({start + step for start in starts[1:5] for step in range(150, 330, 2)})
    cuts += list(range(97, len(data), max(1, len(data) // 41)))
    for index, cut in enumerate(cuts):
        torn = tmp_path / f"cut{index}-{warc.name}.open"
        torn.write_bytes(data[:cut])
        scan = scan_warc(torn)
        assert scan.complete is False or len(scan.records) >= 1
        result = repair_open_warc(torn)
        if result.final_path is not None:
            repaired = scan_warc(result.final_path)
            assert repaired.complete and not repaired.defects, (cut, repaired.defects)


def test_a_run_being_finished_is_in_progress_not_broken(archive: Path) -> None:
    """A crawl finishing its run has merged its posts into posts.jsonl before its run.json says
    it has ended: verify then reports the run in progress, not its catalogue pointers."""
    run = last_run(archive)
    record = json.loads(run.run_json.read_text())
    record["status"] = "running"
    del record["evidence"]  # not sealed yet: the manifest comes after the catalogue
    run.run_json.write_text(json.dumps(record))
    (run.directory / "manifest.json").unlink()
    with ArchiveLock(ArchivePaths(archive).lock_file, run_id=run.run_id):
        report = verify_archive(archive)
    assert {d.kind for d in report.defects} == {"run_in_progress"}, report.summary()
