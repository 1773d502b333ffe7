"""The writer describes each record as it writes it (issue 15): the manifest's record list is
taken from those notes, hashed on the way to the file, instead of reading the WARCs again;
the notes must say exactly what reading the file says, and are ignored when they do not tile
the file (a crash, a repaired file)."""

from __future__ import annotations

import json
from pathlib import Path

from archiver.archive.package import write_cdxj, written_cdxj
from archiver.evidence.records import record_entries, written_record_entries
from archiver.warc.records import (
    PROFILE_SERVER_NOT_MODIFIED,
    CapturedRequest,
    CapturedResponse,
    WarcInfo,
    payload_digest,
)
from archiver.warc.writer import WarcWriter, records_sidecar

IDENTITY = {
    "format": "archiver-server-identity/1",
    "url": "https://news.example/content/a",
    "certificate_sha256": "ab" * 32,
    "tls_version": "TLSv1.3",
    "cipher": "TLS_AES_128_GCM_SHA256",
    "ip_address": "192.0.2.1",
}


def _write(directory: Path, records_dir: Path) -> Path:
    writer = WarcWriter(directory, WarcInfo(software="test"), records_dir=records_dir)
    first = None
    for number in range(5):
        url = f"https://news.example/content/{number}"
        request = CapturedRequest("GET", url, [("Host", "news.example")])
        response = CapturedResponse(
            200, [("Content-Type", "text/html")], f"<p>{number}é</p>".encode()
        )
        pointer = writer.write_exchange(request, response)
        first = first or pointer
        if number == 0:
            writer.write_metadata(
                url,
                json.dumps(IDENTITY).encode(),
                content_type="application/json",
                concurrent_to=pointer["record_id"],
            )
    assert first is not None
    again = CapturedResponse(200, [("Content-Type", "text/html")], "<p>0é</p>".encode())
    assert first["payload_digest"] == payload_digest(again.body)
    writer.write_revisit(
        CapturedRequest("GET", "https://news.example/content/0"), again, refers_to=first
    )
    (path,) = writer.close()
    return path


def test_the_writers_notes_say_what_reading_the_file_says(tmp_path: Path) -> None:
    warc = _write(tmp_path / "warc", tmp_path / "indexes")
    assert records_sidecar(tmp_path / "indexes", warc.name).is_file()
    noted_certificates: dict = {}
    read_certificates: dict = {}
    noted = written_record_entries(warc, "warc/x", tmp_path / "indexes", noted_certificates)
    read = record_entries(warc, "warc/x", read_certificates)
    assert (
        len(read) == 14
    )  # warcinfo, 5 exchanges (2 each), a metadata record, a revisit and its request
    assert noted == read
    assert noted_certificates == read_certificates
    assert read_certificates["news.example"]["certificate_sha256"] == "ab" * 32


def test_notes_that_do_not_tile_the_file_are_not_used(tmp_path: Path) -> None:
    warc = _write(tmp_path / "warc", tmp_path / "indexes")
    sidecar = records_sidecar(tmp_path / "indexes", warc.name)
    lines = sidecar.read_text(encoding="utf-8").splitlines(keepends=True)
    read = record_entries(warc, "warc/x")
    # The last record's note lost (a crash before the buffer reached the disk): read instead.
    sidecar.write_text("".join(lines[:-1]), encoding="utf-8")
    assert written_record_entries(warc, "warc/x", tmp_path / "indexes") == read
    # A note with a wrong hash cannot be caught without reading, but a wrong offset is.
    entry = json.loads(lines[3])
    entry["offset"] += 1
    sidecar.write_text("".join([*lines[:3], json.dumps(entry) + "\n", *lines[4:]]))
    assert written_record_entries(warc, "warc/x", tmp_path / "indexes") == read
    sidecar.unlink()
    assert written_record_entries(warc, "warc/x", tmp_path / "indexes") == read


def test_the_writers_cdxj_lines_are_cdxj_indexers(tmp_path: Path) -> None:
    """The run's CDXJ index is made from the lines the writer wrote with each record (offsets
    known then) instead of indexing the WARCs again: the same bytes cdxj-indexer writes."""
    writer = WarcWriter(tmp_path / "warc", WarcInfo(software="test"), records_dir=tmp_path / "ix")
    answers = [
        (200, [("Content-Type", "text/html; charset=utf-8")], "<p>é</p>".encode()),
        (200, [("Content-Type", "image/png")], b"\x89PNG" + bytes(range(256))),
        (200, [], b"no content type"),
        (200, [("Content-Type", "")], b"an empty content type"),
        (404, [("Content-Type", "text/plain")], b"gone"),
        (301, [("Location", "https://news.example/b")], b""),
    ]
    pointers = []
    for number, (status, headers, body) in enumerate(answers):
        url = f"https://news.example/{number}?q=ü&a=1"
        pointers.append(
            writer.write_exchange(
                CapturedRequest("GET", url), CapturedResponse(status, headers, body)
            )
        )
    writer.write_metadata(
        "https://news.example/0",
        json.dumps(IDENTITY).encode(),
        content_type="application/json",
        concurrent_to=pointers[0]["record_id"],
    )
    again = CapturedResponse(
        200, [("Content-Type", "text/html; charset=utf-8")], "<p>é</p>".encode()
    )
    writer.write_revisit(
        CapturedRequest("GET", pointers[0]["target_uri"]), again, refers_to=pointers[0]
    )
    writer.write_revisit(
        CapturedRequest("GET", pointers[1]["target_uri"], [("If-None-Match", '"x"')]),
        CapturedResponse(304, [("ETag", '"x"')]),
        refers_to=pointers[1],
        profile=PROFILE_SERVER_NOT_MODIFIED,
    )
    files = writer.close()
    noted = written_cdxj(files, tmp_path / "noted.cdxj", tmp_path / "ix")
    assert noted is not None
    indexed = write_cdxj(files, tmp_path / "indexed.cdxj")
    assert noted.read_text(encoding="utf-8") == indexed.read_text(encoding="utf-8")
    assert len(noted.read_text(encoding="utf-8").splitlines()) == 8
    # Without the writer's notes for a file: nothing is written, the caller indexes.
    records_sidecar(tmp_path / "ix", files[0].name).unlink()
    assert written_cdxj(files, tmp_path / "none.cdxj", tmp_path / "ix") is None
