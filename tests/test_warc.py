"""WarcWriter round trips: records written, read back with warcio, checked for ids, pairing,
digests, pointers, naming, rolling and the ``.open`` suffix."""

from __future__ import annotations

import gzip
import io
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from warcio.archiveiterator import ArchiveIterator

from archiver.warc.records import (
    PROFILE_SERVER_NOT_MODIFIED,
    CapturedRequest,
    CapturedResponse,
    WarcInfo,
    host_header,
    request_target,
)
from archiver.warc.writer import WarcWriter, warc_file_name

INFO = WarcInfo(software="archiver/test", operator="tester", is_part_of="src/run1", hostname="box")
HTML = b"<html><body>" + b"text " * 100 + b"</body></html>"


def _exchange(n: int = 0, *, gzipped: bool = False) -> tuple[CapturedRequest, CapturedResponse]:
    request = CapturedRequest(
        "GET", f"http://example.test:8080/page?id={n}&x=y", [("User-Agent", "ua")]
    )
    headers = [("Content-Type", "text/html"), ("Set-Cookie", "a=1"), ("Set-Cookie", "b=2")]
    body = HTML
    if gzipped:
        body = gzip.compress(HTML)
        headers.append(("Content-Encoding", "gzip"))
    return request, CapturedResponse(200, headers, body, ip_address="127.0.0.1")


def _records(path: Path) -> list[Any]:
    out = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests=True):
            record.payload = record.content_stream().read()
            out.append(record)
    return out


def _member(directory: Path, pointer: dict[str, Any]) -> Any:
    data = (directory / pointer["filename"]).read_bytes()
    member = data[pointer["offset"] : pointer["offset"] + pointer["length"]]
    records = []
    for record in ArchiveIterator(io.BytesIO(member)):
        record.raw = record.raw_stream.read()  # before the iterator moves past it
        records.append(record)
    (only,) = records
    return only


def test_file_name_follows_iipc_convention() -> None:
    moment = datetime(2026, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)
    assert warc_file_name("archiver", moment, 7, "crawl/host 1") == (
        "archiver-20260102030405678-00007-crawl_host_1.warc.gz"
    )


def test_request_line_and_host_as_a_client_sends_them() -> None:
    assert request_target("http://a.test/p/q?x=1&y=%20#frag") == "/p/q?x=1&y=%20"
    assert request_target("http://a.test") == "/"
    assert host_header("http://a.test:80/x") == "a.test"
    assert host_header("https://a.test:8443/x") == "a.test:8443"


def test_exchange_round_trip_pairs_and_digests(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, INFO, host="box")
    request, response = _exchange()
    pointer = writer.write_exchange(request, response)
    assert writer.current_file is not None and writer.current_file.name.endswith(".warc.gz.open")
    (path,) = writer.close()
    assert path.name == pointer["filename"] and not list(tmp_path.glob("*.open"))

    warcinfo, resp, req = _records(path)
    assert warcinfo.rec_type == "warcinfo"
    info_text = warcinfo.payload.decode()
    for expected in ("operator: tester", "isPartOf: src/run1", "software: archiver/test"):
        assert expected in info_text
    assert (resp.rec_type, req.rec_type) == ("response", "request")
    resp_id = resp.rec_headers.get_header("WARC-Record-ID")
    req_id = req.rec_headers.get_header("WARC-Record-ID")
    assert req.rec_headers.get_header("WARC-Concurrent-To") == resp_id
    assert resp.rec_headers.get_header("WARC-Concurrent-To") == req_id
    assert resp.rec_headers.get_header("WARC-IP-Address") == "127.0.0.1"
    assert all(r.digest_checker.passed is not False for r in (warcinfo, resp, req))
    assert req.http_headers.statusline == "/page?id=0&x=y HTTP/1.1"
    assert req.http_headers.get_header("Host") == "example.test:8080"
    assert [v for k, v in resp.http_headers.headers if k == "Set-Cookie"] == ["a=1", "b=2"]
    assert resp.payload == HTML

    pointed = _member(tmp_path, pointer)
    assert pointed.rec_headers.get_header("WARC-Record-ID") == pointer["record_id"] == resp_id
    assert pointer["target_uri"] == request.url
    assert pointer["payload_digest"] == resp.rec_headers.get_header("WARC-Payload-Digest")
    assert pointer["date"] == resp.rec_headers.get_header("WARC-Date")


def test_gzip_payload_stays_gzip(tmp_path: Path) -> None:
    with WarcWriter(tmp_path, INFO, host="box") as writer:
        pointer = writer.write_exchange(*_exchange(gzipped=True))
    record = _member(tmp_path, pointer)
    assert record.http_headers.get_header("Content-Encoding") == "gzip"
    assert gzip.decompress(record.raw) == HTML


def test_header_bytes_kept_exactly(tmp_path: Path) -> None:
    latin = "attachment; filename=caf\xe9.txt"  # the byte 0xE9 as the server sent it
    request = CapturedRequest("GET", "http://a.test/f")
    response = CapturedResponse(200, [("Content-Disposition", latin)], b"x")
    with WarcWriter(tmp_path, INFO, host="box") as writer:
        writer.write_exchange(request, response)
    raw = gzip.decompress(next(tmp_path.glob("*.warc.gz")).read_bytes())
    assert b"Content-Disposition: attachment; filename=caf\xe9.txt\r\n" in raw


def test_rolls_at_max_size_and_never_splits_a_pair(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, INFO, host="box", max_size=1500)
    pointers = [writer.write_exchange(*_exchange(n)) for n in range(5)]
    files = writer.close()
    assert len(files) >= 3 and writer.files_opened == len(files)
    assert len({p["filename"] for p in pointers}) == len(files)
    serials = [int(re.search(r"-(\d{5})-box", f.name).group(1)) for f in files]  # type: ignore[union-attr]
    assert serials == list(range(len(files)))
    for path in files:
        records = _records(path)
        assert records[0].rec_type == "warcinfo"
        ids = {r.rec_headers.get_header("WARC-Record-ID") for r in records}
        for record in records[1:]:
            assert record.rec_headers.get_header("WARC-Concurrent-To") in ids


def test_revisit_refers_to_the_original(tmp_path: Path) -> None:
    with WarcWriter(tmp_path, INFO, host="box") as writer:
        request, response = _exchange()
        original = writer.write_exchange(request, response)
        not_modified = CapturedResponse(304, [("ETag", '"v1"')], b"")
        revisit = writer.write_revisit(
            request, not_modified, refers_to=original, profile=PROFILE_SERVER_NOT_MODIFIED
        )
    record = _member(tmp_path, revisit)
    headers = record.rec_headers
    assert record.rec_type == "revisit"
    assert headers.get_header("WARC-Profile") == PROFILE_SERVER_NOT_MODIFIED
    assert headers.get_header("WARC-Refers-To") == original["record_id"]
    assert headers.get_header("WARC-Refers-To-Target-URI") == original["target_uri"]
    assert headers.get_header("WARC-Refers-To-Date") == original["date"]
    assert revisit["payload_digest"] == original["payload_digest"]
    assert record.http_headers.get_statuscode() == "304"
    (path,) = tmp_path.glob("*.warc.gz")
    assert all(r.digest_checker.passed is not False for r in _records(path))


def test_open_file_is_never_taken_for_finished(tmp_path: Path) -> None:
    writer = WarcWriter(tmp_path, INFO, host="box")
    writer.write_exchange(*_exchange())
    assert [p.name.endswith(".open") for p in tmp_path.iterdir()] == [True]
    writer.close()
    writer.close()  # idempotent
    assert [p.name.endswith(".warc.gz") for p in tmp_path.iterdir()] == [True]


def _warcio_gzip(chunks: list[bytes]) -> bytes:
    """What warcio's gzip writer makes of a record written in ``chunks``."""
    from warcio.warcwriter import GzippingWrapper

    out = io.BytesIO()
    wrapper = GzippingWrapper(out)
    for chunk in chunks:
        wrapper.write(chunk)
    wrapper.flush()
    return out.getvalue()


def test_gzip_member_is_byte_for_byte_warcios() -> None:
    # The writer compresses each record in one call with a window fitted to its size: the
    # bytes must be those warcio's streaming gzip writer (a 32 KiB window) wrote, at every size
    # around the window boundaries, text and incompressible data alike.
    import os as os_module

    from archiver.warc.writer import gzip_member

    text = b"GET /content/a-post HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/html\r\n" * 2000
    noise = os_module.urandom(70_000)
    sizes = [0, 1, 200, 249, 250, 251, 262, 511, 512, 763, 1500, 1800, 1900, 2000, 2047, 3900]
    sizes += [4095, 8000, 16_000, 16_384, 32_000, 32_768]
    sizes += [33_000, 65_536, 100_000]
    for source in (text, noise, text[:30_000] + noise, b""):
        for size in sizes:
            data = (source * (size // max(1, len(source)) + 1))[:size]
            if not source and size >= 200:  # a match as far back as the record allows
                data = noise[:100] + noise[100 : size - 100] + noise[:100]
            chunks = [data[i : i + 16_384] for i in range(0, len(data), 16_384)] or [b""]
            assert gzip_member(data) == _warcio_gzip(chunks), size
            assert gzip.decompress(gzip_member(data)) == data
