"""The writer serialises an exchange's records itself (issue 15): the bytes must be those
warcio's own writer makes of the same values, header order, digests and lengths included.

The reference below is how the writer built these records with warcio before: warcio's
``RecordBuilder.create_warc_record`` with the same header dictionaries, HTTP header blocks
kept as latin-1 bytes, and ``WARCWriter.write_record`` uncompressed.
"""

from __future__ import annotations

import base64
import uuid
import zlib
from collections.abc import Callable
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.utils import Digester
from warcio.warcwriter import WARCWriter

import archiver.warc.writer as writer_module
from archiver.warc.records import (
    PROFILE_IDENTICAL_PAYLOAD,
    PROFILE_SERVER_NOT_MODIFIED,
    WARC_VERSION,
    CapturedRequest,
    CapturedResponse,
    Header,
    WarcInfo,
    base32_of_sha1,
    host_header,
    payload_digest,
    reason_phrase,
    request_target,
)
from archiver.warc.serialise import (
    SerialisedRecord,
    from_warcio,
    new_record_id,
    record_id_from_bytes,
    request_record,
    response_record,
    revisit_record,
)
from archiver.warc.writer import WarcWriter

DATE = "2026-11-23T20:30:00.123456Z"
RECORD_ID = "<urn:uuid:0f2b7c1e-8a55-4d3c-9b1e-6f8a2c3d4e5f>"
OTHER_ID = "<urn:uuid:9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d>"


# --- warcio's way (the reference) ------------------------------------------------------------


class _ExactHeaders(StatusAndHeaders):
    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        self.headers_buff = self.to_str(header_filter).encode("latin-1") + b"\r\n"


def _warcio_request_block(request: CapturedRequest) -> _ExactHeaders:
    headers = list(request.headers)
    if request.body and not any(k.lower() == "content-length" for k, _ in headers):
        headers.insert(0, ("Content-Length", str(len(request.body))))
    if not any(k.lower() == "host" for k, _ in headers):
        headers.append(("Host", host_header(request.url)))
    statusline = f"{request.method} {request_target(request.url)} {request.protocol}"
    return _ExactHeaders(statusline, headers, is_http_request=True)


def _warcio_response_block(response: CapturedResponse) -> _ExactHeaders:
    reason = reason_phrase(response.status) if response.reason is None else response.reason
    return _ExactHeaders(
        f"{response.status} {reason}", list(response.headers), protocol=response.protocol
    )


def _with_protocols(record: ArcWarcRecord, response: CapturedResponse) -> ArcWarcRecord:
    for protocol in response.protocols:
        record.rec_headers.add_header("WARC-Protocol", protocol)
    return record


def _builder() -> WARCWriter:
    return WARCWriter(None, gzip=False, warc_version=WARC_VERSION)


def warcio_request(request: CapturedRequest, record_id: str, concurrent_to: str) -> ArcWarcRecord:
    return _builder().create_warc_record(
        request.url,
        "request",
        payload=BytesIO(request.body),
        length=len(request.body),
        warc_headers_dict={
            "WARC-Record-ID": record_id,
            "WARC-Date": DATE,
            "WARC-Concurrent-To": concurrent_to,
        },
        http_headers=_warcio_request_block(request),
    )


def warcio_response(
    response: CapturedResponse, url: str, record_id: str, concurrent_to: str
) -> ArcWarcRecord:
    headers = {"WARC-Record-ID": record_id, "WARC-Date": DATE}
    if response.ip_address:
        headers["WARC-IP-Address"] = response.ip_address
    headers["WARC-Concurrent-To"] = concurrent_to
    record = _builder().create_warc_record(
        url,
        "response",
        payload=BytesIO(response.body),
        length=len(response.body),
        warc_headers_dict=headers,
        http_headers=_warcio_response_block(response),
    )
    return _with_protocols(record, response)


def warcio_revisit(
    response: CapturedResponse, url: str, refers_to: dict[str, str], profile: str
) -> ArcWarcRecord:
    headers = {"WARC-Record-ID": RECORD_ID, "WARC-Date": DATE}
    if response.ip_address:
        headers["WARC-IP-Address"] = response.ip_address
    headers.update({"WARC-Concurrent-To": OTHER_ID, "WARC-Profile": profile})
    if refers_to.get("record_id"):
        headers["WARC-Refers-To"] = refers_to["record_id"]
    headers.update(
        {
            "WARC-Refers-To-Target-URI": refers_to["target_uri"],
            "WARC-Refers-To-Date": refers_to["date"],
            "WARC-Payload-Digest": refers_to["payload_digest"],
        }
    )
    record = _builder().create_warc_record(
        url, "revisit", warc_headers_dict=headers, http_headers=_warcio_response_block(response)
    )
    return _with_protocols(record, response)


def _as_warcio_wrote_it(record: ArcWarcRecord) -> SerialisedRecord:
    return from_warcio(record, _builder())


# --- the cases -------------------------------------------------------------------------------

LATIN = "attachment; filename=caf\xe9.txt"  # the byte 0xE9 as the server sent it
REQUESTS = [
    CapturedRequest("GET", "http://a.test/", [("User-Agent", "ua"), ("Accept", "*/*")]),
    CapturedRequest("GET", "http://a.test:8080/p/q?x=1&y=%20", []),
    CapturedRequest("GET", "https://a.test:443/x", [("Host", "a.test")]),
    CapturedRequest("GET", "https://a.test/x", [("host", "lower.case")]),
    CapturedRequest("POST", "http://a.test/form", [("Content-Type", "text/plain")], b"a=1&b=2"),
    CapturedRequest("POST", "http://a.test/form", [("content-length", "3")], b"abc"),
    CapturedRequest("PUT", "http://a.test/empty", [("Content-Length", "0")], b""),
    CapturedRequest("GET", "http://a.test/caf\xe9?q=\xfc", [("Cookie", LATIN), ("X-Empty", "")]),
    CapturedRequest("GET", "http://a.test/h1", [], b"", "HTTP/1.0"),
    CapturedRequest("GET", "http://user:pw@a.test:81", [("Referer", "http://b.test/?a=b:c")]),
]
RESPONSES = [
    CapturedResponse(200, [("Content-Type", "text/html")], b"<html>" + b"x" * 5000),
    CapturedResponse(200, [], b""),
    CapturedResponse(304, [("ETag", '"v1"')]),
    CapturedResponse(404, [("content-type", "text/plain; charset=utf-8")], b"gone\r\n\r\n"),
    CapturedResponse(599, [("X-Odd", "a: b")], b"?"),  # no standard reason phrase
    CapturedResponse(200, [("Content-Type", "text/html")], b"x", reason="Fine Thanks"),
    CapturedResponse(204, [], b"", reason=""),
    CapturedResponse(
        200,
        [("Set-Cookie", "a=1"), ("Set-Cookie", "b=2"), ("Content-Disposition", LATIN)],
        bytes(range(256)),
        protocol="HTTP/1.0",
        ip_address="127.0.0.1",
        protocols=("http/1.1", "tls/1.3"),
    ),
    CapturedResponse(301, [("Location", "https://a.test/\xe9")], b"", ip_address="::1"),
    CapturedResponse(200, [("Content-Type", "")], b"\x00\x01", protocols=("h2",)),
]


def test_request_records_are_warcios_bytes() -> None:
    for request in REQUESTS:
        ours = request_record(request, date=DATE, record_id=RECORD_ID, concurrent_to=OTHER_ID)
        assert ours == _as_warcio_wrote_it(warcio_request(request, RECORD_ID, OTHER_ID)), request


def test_response_records_are_warcios_bytes() -> None:
    for url in ("http://a.test/p?q=1", "https://a.test/caf\xe9", "http://a.test/%E9"):
        for response in RESPONSES:
            ours = response_record(
                response, url=url, date=DATE, record_id=RECORD_ID, concurrent_to=OTHER_ID
            )
            reference = warcio_response(response, url, RECORD_ID, OTHER_ID)
            assert ours == _as_warcio_wrote_it(reference), (url, response)


def test_a_payload_digest_handed_in_is_the_one_written() -> None:
    response = RESPONSES[0]
    known = _as_warcio_wrote_it(warcio_response(response, "http://a.test/", RECORD_ID, OTHER_ID))
    ours = response_record(
        response,
        url="http://a.test/",
        date=DATE,
        record_id=RECORD_ID,
        concurrent_to=OTHER_ID,
        payload_digest=known.payload_digest,
    )
    assert ours == known


def test_revisit_records_are_warcios_bytes() -> None:
    original = {
        "record_id": "<urn:uuid:11111111-2222-4333-8444-555555555555>",
        "target_uri": "http://a.test/p",
        "date": "2026-01-01T00:00:00Z",
        "payload_digest": "sha1:AAAABBBBCCCCDDDDEEEEFFFFGGGGHHHH",
    }
    for profile in (PROFILE_IDENTICAL_PAYLOAD, PROFILE_SERVER_NOT_MODIFIED):
        for refers in (original, {**original, "record_id": ""}):
            for response in RESPONSES:
                ours = revisit_record(
                    response,
                    url="http://a.test/p",
                    date=DATE,
                    record_id=RECORD_ID,
                    concurrent_to=OTHER_ID,
                    profile=profile,
                    payload_digest=refers["payload_digest"],
                    refers_to_record_id=refers["record_id"] or None,
                    refers_to_uri=refers["target_uri"],
                    refers_to_date=refers["date"],
                )
                reference = warcio_revisit(response, "http://a.test/p", refers, profile)
                assert ours == _as_warcio_wrote_it(reference), (profile, response)


_LATIN1 = st.characters(max_codepoint=255)
_HEADERS = st.lists(
    st.tuples(st.text(_LATIN1, min_size=1, max_size=12), st.text(_LATIN1, max_size=30)),
    max_size=6,
)
_URLS = st.builds(
    lambda scheme, host, path: f"{scheme}://{host}/{path}",
    st.sampled_from(["http", "https"]),
    st.sampled_from(["a.test", "a.test:8080", "127.0.0.1:443", "b.test:80"]),
    st.text(st.characters(exclude_categories=("Cs",), exclude_characters="#"), max_size=20),
)


@settings(max_examples=300, deadline=None)
@given(
    url=_URLS,
    method=st.sampled_from(["GET", "POST", "HEAD"]),
    request_headers=_HEADERS,
    request_body=st.binary(max_size=40),
    status=st.integers(min_value=100, max_value=999),
    reason=st.none() | st.text(_LATIN1, max_size=10),
    response_headers=_HEADERS,
    body=st.binary(max_size=300),
    ip_address=st.none() | st.sampled_from(["127.0.0.1", "2001:db8::1", ""]),
    protocols=st.lists(st.sampled_from(["http/1.1", "tls/1.3", "h2"]), max_size=2),
)
def test_any_exchange_is_warcios_bytes(
    url: str,
    method: str,
    request_headers: list[Header],
    request_body: bytes,
    status: int,
    reason: str | None,
    response_headers: list[Header],
    body: bytes,
    ip_address: str | None,
    protocols: list[str],
) -> None:
    request = CapturedRequest(method, url, request_headers, request_body)
    response = CapturedResponse(
        status, response_headers, body, reason=reason, ip_address=ip_address,
        protocols=tuple(protocols),
    )  # fmt: skip
    # A URL outside latin-1 cannot go into a request line: both fail alike.
    assert _outcome(
        lambda: request_record(request, date=DATE, record_id=OTHER_ID, concurrent_to=RECORD_ID)
    ) == _outcome(lambda: _as_warcio_wrote_it(warcio_request(request, OTHER_ID, RECORD_ID)))
    answer = response_record(
        response, url=url, date=DATE, record_id=RECORD_ID, concurrent_to=OTHER_ID
    )
    assert answer == _as_warcio_wrote_it(warcio_response(response, url, RECORD_ID, OTHER_ID))
    refers = {"record_id": "", "target_uri": url, "date": DATE, "payload_digest": "sha1:X"}
    revisit = revisit_record(
        response, url=url, date=DATE, record_id=RECORD_ID, concurrent_to=OTHER_ID,
        profile=PROFILE_IDENTICAL_PAYLOAD, payload_digest="sha1:X", refers_to_record_id=None,
        refers_to_uri=url, refers_to_date=DATE,
    )  # fmt: skip
    reference = warcio_revisit(response, url, refers, PROFILE_IDENTICAL_PAYLOAD)
    assert revisit == _as_warcio_wrote_it(reference)


def _outcome(make: Callable[[], SerialisedRecord]) -> SerialisedRecord | type[BaseException]:
    try:
        return make()
    except Exception as error:  # compared by type: the same failure
        return type(error)


@settings(max_examples=500, deadline=None)
@given(st.binary(min_size=16, max_size=16))
def test_record_ids_are_uuid4s_as_warcio_writes_them(random: bytes) -> None:
    expected = f"<urn:uuid:{uuid.UUID(bytes=random, version=4)}>"
    assert record_id_from_bytes(random) == expected


def test_new_record_ids_are_fresh_version_4_uuids() -> None:
    ids = {new_record_id() for _ in range(1000)}
    assert len(ids) == 1000
    for record_id in ids:
        assert record_id.startswith("<urn:uuid:") and record_id.endswith(">")
        parsed = uuid.UUID(record_id[len("<urn:uuid:") : -1])
        assert parsed.version == 4 and parsed.variant == uuid.RFC_4122
        assert RecordBuilder._make_warc_id().__len__() == len(record_id)


@settings(max_examples=500, deadline=None)
@given(st.binary(min_size=20, max_size=20) | st.binary(max_size=40))
def test_digests_are_base32_as_warcio_writes_them(digest: bytes) -> None:
    assert base32_of_sha1(digest) == base64.b32encode(digest).decode("ascii")
    assert payload_digest(digest) == str(_warcio_digest(digest))


def _warcio_digest(data: bytes) -> Digester:
    digester = Digester("sha1")
    digester.update(data)
    return digester


def test_the_writers_files_hold_warcios_records(tmp_path: Path, monkeypatch: Any) -> None:
    """Through the writer (ids, date, pairing, gzip members): each member of the file is
    warcio's serialisation of the record the warcio-based writer built."""
    ids = iter([RECORD_ID, OTHER_ID, "<urn:uuid:a>", "<urn:uuid:b>"])
    monkeypatch.setattr(writer_module, "new_record_id", lambda: next(ids))
    moment = datetime(2026, 11, 23, 20, 30, 0, 123456, tzinfo=UTC)
    request, response = REQUESTS[0], RESPONSES[7]
    with WarcWriter(tmp_path, WarcInfo(software="t"), host="box", clock=lambda: moment) as writer:
        first = writer.write_exchange(request, response)
        writer.write_revisit(
            request, RESPONSES[2], refers_to=first, profile=PROFILE_SERVER_NOT_MODIFIED
        )
    data = next(tmp_path.glob("*.warc.gz")).read_bytes()
    members = []
    while data:
        inflate = zlib.decompressobj(31)
        members.append(inflate.decompress(data))
        data = inflate.unused_data
    refers = {**first, "record_id": first["record_id"]}
    expected = [
        warcio_response(response, request.url, RECORD_ID, OTHER_ID),
        warcio_request(request, OTHER_ID, RECORD_ID),
        warcio_revisit_as(RESPONSES[2], request.url, refers, "<urn:uuid:a>", "<urn:uuid:b>"),
        warcio_request(request, "<urn:uuid:b>", "<urn:uuid:a>"),
    ]
    assert members[1:] == [_as_warcio_wrote_it(record).data for record in expected]
    assert first["payload_digest"] == expected[0].rec_headers.get_header("WARC-Payload-Digest")


def warcio_revisit_as(
    response: CapturedResponse, url: str, refers_to: dict[str, Any], record_id: str, other: str
) -> ArcWarcRecord:
    record = warcio_revisit(response, url, refers_to, PROFILE_SERVER_NOT_MODIFIED)
    record.rec_headers.replace_header("WARC-Record-ID", record_id)
    record.rec_headers.replace_header("WARC-Concurrent-To", other)
    return record
