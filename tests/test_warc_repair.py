"""Repair of ``.open`` WARC files left by a crash: a writer killed with SIGKILL mid-write,
files cut at chosen points, the capture middleware repairing on resume, and ``archiver
verify`` reporting (and with ``--repair`` fixing) what a crash left."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from helpers import REPO_ROOT, run_archiver
from test_warc_revisits import probe_crawl, server  # noqa: F401 (server is a fixture)
from warcio.archiveiterator import ArchiveIterator

from archiver.archive.layout import ArchivePaths
from archiver.verify import verify_archive
from archiver.verify.warc import check_run_records, scan_warc
from archiver.warc.records import CapturedRequest, CapturedResponse, WarcInfo
from archiver.warc.repair import repair_open_warc
from archiver.warc.writer import WarcWriter

RUN_ID = "20260105T000000Z"


def _exchange(n: int, size: int = 2000) -> tuple[CapturedRequest, CapturedResponse]:
    body = os.urandom(size)  # incompressible: each record is about ``size`` bytes on disk
    return (
        CapturedRequest("GET", f"http://a.test/{n}"),
        CapturedResponse(200, [("Content-Type", "application/octet-stream")], body),
    )


def _open_file_with(directory: Path, exchanges: int) -> tuple[Path, list[dict[str, object]]]:
    """A ``.open`` WARC holding ``exchanges`` pairs, as a killed writer leaves it."""
    writer = WarcWriter(directory, WarcInfo(software="t"), host="h")
    pointers = [writer.write_exchange(*_exchange(n)) for n in range(exchanges)]
    assert writer.current_file is not None
    return writer.current_file, pointers


def _valid(path: Path) -> list[str]:
    scan = scan_warc(path)
    return [str(d) for d in scan.defects + check_run_records(scan.records)]


def test_torn_last_record_is_cut_and_the_file_closed(tmp_path: Path) -> None:
    path, pointers = _open_file_with(tmp_path, 3)
    data = path.read_bytes()
    size = len(data)
    path.write_bytes(data[: size - 50])  # the last request record is torn
    result = repair_open_warc(path)
    assert not path.exists() and result.final_path == path.with_name(path.name[: -len(".open")])
    assert result.torn_bytes > 0 and result.bytes_cut > result.torn_bytes
    # The third response lost its request: it goes too, nothing pointed at it yet.
    assert [d.split()[0] for d in result.dropped] == ["response"]
    assert result.records_kept == 1 + 2 * 2
    assert result.size_after == pointers[2]["offset"]
    assert _valid(result.final_path) == []


def test_a_file_cut_between_records_keeps_every_pair(tmp_path: Path) -> None:
    path, _ = _open_file_with(tmp_path, 2)
    size = path.stat().st_size
    result = repair_open_warc(path)
    assert (result.records_kept, result.bytes_cut, result.dropped) == (5, 0, [])
    assert result.final_path is not None and result.final_path.stat().st_size == size


def test_a_file_without_a_whole_record_is_quarantined_never_deleted(tmp_path: Path) -> None:
    warc_dir = tmp_path / "runs" / "20260101T000000Z" / "warc"
    warc_dir.mkdir(parents=True)
    path = warc_dir / "archiver-20260101000000000-00000-h.warc.gz.open"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    result = repair_open_warc(path, quarantine=tmp_path / "quarantine")
    assert result.final_path is None and not list(warc_dir.iterdir())
    assert result.quarantined == tmp_path / "quarantine" / f"20260101T000000Z-{path.name}"
    assert result.quarantined.read_bytes() == b"\x1f\x8b\x08\x00garbage"
    note = result.quarantined.with_name(result.quarantined.name + ".note.txt").read_text()
    assert "no whole WARC record" in note and str(path) in note
    assert "quarantined as" in result.describe()


def test_without_a_quarantine_a_file_without_a_whole_record_is_left(tmp_path: Path) -> None:
    path = tmp_path / "archiver-20260101000000000-00000-h.warc.gz.open"
    path.write_bytes(b"\x1f\x8b\x08\x00garbage")
    result = repair_open_warc(path)
    assert result.final_path is None and result.quarantined is None and path.exists()


WRITER_SCRIPT = r"""
import os, sys
from pathlib import Path
from archiver.warc.writer import WarcWriter
from archiver.warc.records import CapturedRequest, CapturedResponse, WarcInfo

writer = WarcWriter(Path(sys.argv[1]), WarcInfo(software="killed"), host="h")
n = 0
while True:
    body = os.urandom(256 * 1024)
    writer.write_exchange(CapturedRequest("GET", f"http://a.test/{n}"),
                          CapturedResponse(200, [("Content-Type", "image/png")], body))
    n += 1
    print(n, flush=True)
"""


def test_writer_killed_with_sigkill_is_repaired(tmp_path: Path) -> None:
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER_SCRIPT, str(tmp_path)],
        cwd=REPO_ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
    )
    assert child.stdout is not None
    for line in child.stdout:  # polled through its output: kill it once 20 pairs are written
        if int(line) >= 20:
            break
    child.send_signal(signal.SIGKILL)
    child.wait()
    (path,) = tmp_path.iterdir()
    assert path.name.endswith(".warc.gz.open")
    result = repair_open_warc(path)
    assert result.final_path is not None
    assert result.records_kept >= 1 + 2 * 20 and result.records_kept % 2 == 1  # pairs only
    assert _valid(result.final_path) == []
    with result.final_path.open("rb") as stream:
        types = [record.rec_type for record in ArchiveIterator(stream)]
    assert types[0] == "warcinfo" and types.count("response") == types.count("request")


def test_resumed_crawl_repairs_the_open_warc_of_its_killed_process(
    server: str,  # noqa: F811 (the fixture)
    tmp_path: Path,
) -> None:
    warc_dir = ArchivePaths(tmp_path).run(RUN_ID).warc_dir
    path, _ = _open_file_with(warc_dir, 2)
    path.write_bytes(path.read_bytes()[:-100])
    result = probe_crawl(
        server, tmp_path, [("/post", {})], ARCHIVER_RUN_ID=RUN_ID, ARCHIVER_RESUME=True
    )
    assert result["stats"]["archiver/warc/repaired"] == 1
    assert "repaired WARC" in result["log"]
    names = sorted(p.name for p in warc_dir.iterdir())
    assert path.name[: -len(".open")] in names and not any(n.endswith(".open") for n in names)
    for warc in warc_dir.iterdir():
        assert _valid(warc) == []


def test_verify_reports_open_files_with_the_fix_and_repairs_on_request(tmp_path: Path) -> None:
    run = ArchivePaths(tmp_path).run(RUN_ID)
    path, _ = _open_file_with(run.warc_dir, 2)
    path.write_bytes(path.read_bytes()[:-100])
    completed = run_archiver("verify", str(run.directory), "--json")
    report = json.loads(completed.stdout)
    (left_open,) = [d for d in report["defects"] if d["kind"] == "warc_left_open"]
    assert "archiver crawl --resume" in left_open["detail"]
    assert "archiver verify --repair" in left_open["detail"]

    completed = run_archiver("verify", "--repair", str(run.directory), "--json")
    repaired = json.loads(completed.stdout)
    kinds = {d["kind"] for d in repaired["defects"]}
    # A bare run dir (no run.json, never packaged); every WARC defect is gone.
    assert kinds == {"run_json_missing", "cdxj_missing", "wacz_missing"}
    assert any("repaired" in note for note in repaired["notes"])
    assert not list(run.warc_dir.glob("*.open"))
    assert verify_archive(run.directory).records == 3  # warcinfo and the one whole pair
