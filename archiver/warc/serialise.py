"""The WARC records of an exchange as bytes: request, response and revisit, written directly.

warcio builds a record through generic machinery: header lists searched and replaced by
name one at a time, digests read back through streams, a header block encoded, re-encoded and
buffered. On a crawl's many small records that cost as much as compressing them. The functions
here write the very bytes warcio's ``WARCWriter`` (uncompressed, WARC/1.1) writes for the
records the writer makes of a :class:`~archiver.warc.records.CapturedRequest` and
:class:`~archiver.warc.records.CapturedResponse`: the same header lines in the same order
(``WARC-Record-ID``, ``WARC-Date``, ``WARC-IP-Address``, ``WARC-Concurrent-To``, the revisit's
fields, ``WARC-Type``, ``WARC-Target-URI``, ``WARC-Payload-Digest``, ``WARC-Protocol``...,
``WARC-Block-Digest``, ``Content-Type``, ``Content-Length``), the same digests, the HTTP header
block byte for byte (latin-1 text back to the bytes it came from). ``tests/test_warc_serialise.py``
compares them with warcio's own output, odd headers, empty bodies and non-ASCII included.

The warcinfo and metadata records (one per file, one per HTTPS host) are still built by warcio
and carried in the same :class:`SerialisedRecord` (:func:`from_warcio`), so the writer notes
every record the same way. Pure: no files, no Scrapy.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from io import BytesIO

from warcio.recordloader import ArcWarcRecord
from warcio.warcwriter import WARCWriter

from archiver.warc.records import (
    REQUEST,
    RESPONSE,
    REVISIT,
    WARC_VERSION,
    CapturedRequest,
    CapturedResponse,
    Header,
    base32_of_sha1,
    host_header,
    reason_phrase,
    request_target,
)
from archiver.warc.records import payload_digest as warc_digest  # the name is a parameter's

# warcio's Content-Type of each record type (RecordBuilder.WARC_RECORDS).
_HTTP_REQUEST_TYPE = "application/http; msgtype=request"
_HTTP_RESPONSE_TYPE = "application/http; msgtype=response"
_WARC_HEAD = WARC_VERSION + "\r\n"


@dataclass(slots=True)
class SerialisedRecord:
    """One WARC record, uncompressed, with what the writer notes about it."""

    rec_type: str
    data: bytes
    """The record as warcio's writer serialises it: header block, block, two CRLFs."""
    record_id: str
    date: str
    target_uri: str | None
    payload_digest: str | None
    concurrent_to: tuple[str, ...]
    content_type: str | None
    """The record's own ``Content-Type`` (of its block)."""
    http_status: str | None = None
    """The status code of an HTTP response block (response, revisit)."""
    http_content_type: str | None = None
    """The first ``Content-Type`` of the HTTP response block, as sent (None when absent)."""


def new_record_id() -> str:
    """A fresh ``WARC-Record-ID``: ``<urn:uuid:...>`` of a random (version 4) UUID, as
    warcio's ``uuid.uuid4()`` makes it, without building a ``uuid.UUID``."""
    return record_id_from_bytes(os.urandom(16))


def record_id_from_bytes(random: bytes) -> str:
    """``<urn:uuid:...>`` of the version 4 UUID ``uuid.UUID(bytes=random, version=4)``."""
    number = int.from_bytes(random, "big")
    number = (number & ~(0xC000 << 48)) | (0x8000 << 48)  # RFC 4122 variant
    number = (number & ~(0xF000 << 64)) | (4 << 76)  # version 4
    text = f"{number:032x}"
    return f"<urn:uuid:{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}>"


def _first_line(protocol: str, statusline: str) -> str:
    """warcio's ``StatusAndHeaders.to_str`` of the first line (no line without either)."""
    line = protocol
    if line and statusline:
        line += " "
    line += statusline
    return line + "\r\n" if line else ""


def _header_block(first_line: str, headers: Iterable[Header]) -> bytes:
    """An HTTP header block, latin-1 text back to its bytes, ending with the empty line."""
    text = first_line + "".join([f"{name}: {value}\r\n" for name, value in headers])
    return text.encode("latin-1") + b"\r\n"


def request_block(request: CapturedRequest) -> bytes:
    """The request line and headers as an HTTP/1.1 client puts them on the wire (a
    ``Content-Length`` first when a body has none, ``Host`` last when none was sent)."""
    headers = list(request.headers)
    names = {name.lower() for name, _ in headers}
    if request.body and "content-length" not in names:
        headers.insert(0, ("Content-Length", str(len(request.body))))
    if "host" not in names:
        headers.append(("Host", host_header(request.url)))
    line = f"{request.method} {request_target(request.url)} {request.protocol}"
    method, rest = line.split(" ", 1)  # as warcio splits an HTTP request's first line
    return _header_block(_first_line(method, rest), headers)


def response_block(response: CapturedResponse) -> bytes:
    """The status line (the standard reason phrase unless one is given; the space stays
    when it is empty, RFC 9112) and the headers as received."""
    reason = reason_phrase(response.status) if response.reason is None else response.reason
    statusline = f"{response.status} {reason}"
    return _header_block(_first_line(response.protocol, statusline), response.headers)


def _content_type(headers: Iterable[Header]) -> str | None:
    for name, value in headers:
        if name.lower() == "content-type":
            return value
    return None


def _record(warc_headers: list[Header], block: bytes, payload: bytes, content_type: str) -> bytes:
    """Header block + HTTP block + payload + two CRLFs; the block digest, the record's
    content type and length added last, as warcio's writer adds them."""
    block_digest = hashlib.sha1(block)
    block_digest.update(payload)  # the block is the HTTP headers and the payload
    warc_headers.append(("WARC-Block-Digest", "sha1:" + base32_of_sha1(block_digest.digest())))
    warc_headers.append(("Content-Type", content_type))
    warc_headers.append(("Content-Length", str(len(block) + len(payload))))
    head = _WARC_HEAD + "".join([f"{name}: {value}\r\n" for name, value in warc_headers])
    return b"".join((head.encode("utf-8"), b"\r\n", block, payload, b"\r\n\r\n"))


def request_record(
    request: CapturedRequest, *, date: str, record_id: str, concurrent_to: str
) -> SerialisedRecord:
    """The ``request`` record of an exchange (``WARC-Concurrent-To`` its response)."""
    block = request_block(request)
    digest = warc_digest(request.body)
    headers: list[Header] = [
        ("WARC-Record-ID", record_id),
        ("WARC-Date", date),
        ("WARC-Concurrent-To", concurrent_to),
        ("WARC-Type", REQUEST),
    ]
    if request.url:
        headers.append(("WARC-Target-URI", request.url))
    headers.append(("WARC-Payload-Digest", digest))
    data = _record(headers, block, request.body, _HTTP_REQUEST_TYPE)
    return SerialisedRecord(
        REQUEST,
        data,
        record_id,
        date,
        target_uri=request.url or None,
        payload_digest=digest,
        concurrent_to=(concurrent_to,),
        content_type=_HTTP_REQUEST_TYPE,
    )


def response_record(
    response: CapturedResponse,
    *,
    url: str,
    date: str,
    record_id: str,
    concurrent_to: str,
    payload_digest: str | None = None,
) -> SerialisedRecord:
    """The ``response`` record of an exchange; ``payload_digest`` when the caller has it."""
    block = response_block(response)
    digest = payload_digest or warc_digest(response.body)
    headers: list[Header] = [("WARC-Record-ID", record_id), ("WARC-Date", date)]
    if response.ip_address:
        headers.append(("WARC-IP-Address", response.ip_address))
    headers += [("WARC-Concurrent-To", concurrent_to), ("WARC-Type", RESPONSE)]
    if url:
        headers.append(("WARC-Target-URI", url))
    headers.append(("WARC-Payload-Digest", digest))
    headers += [("WARC-Protocol", protocol) for protocol in response.protocols]
    data = _record(headers, block, response.body, _HTTP_RESPONSE_TYPE)
    return _answer_record(RESPONSE, data, response, record_id, date, url, digest, concurrent_to)


def revisit_record(
    response: CapturedResponse,
    *,
    url: str,
    date: str,
    record_id: str,
    concurrent_to: str,
    profile: str,
    payload_digest: str,
    refers_to_record_id: str | None,
    refers_to_uri: str,
    refers_to_date: str,
) -> SerialisedRecord:
    """A ``revisit`` record: status line and headers only, pointing at the record with the
    payload (``WARC-Refers-To`` left out when the original's id is not known: replay tools
    find the original by target URI and date, or digest, then)."""
    block = response_block(response)
    headers: list[Header] = [("WARC-Record-ID", record_id), ("WARC-Date", date)]
    if response.ip_address:
        headers.append(("WARC-IP-Address", response.ip_address))
    headers += [("WARC-Concurrent-To", concurrent_to), ("WARC-Profile", profile)]
    if refers_to_record_id:
        headers.append(("WARC-Refers-To", refers_to_record_id))
    headers += [
        ("WARC-Refers-To-Target-URI", refers_to_uri),
        ("WARC-Refers-To-Date", refers_to_date),
        ("WARC-Payload-Digest", payload_digest),
        ("WARC-Type", REVISIT),
    ]
    if url:
        headers.append(("WARC-Target-URI", url))
    headers += [("WARC-Protocol", protocol) for protocol in response.protocols]
    data = _record(headers, block, b"", _HTTP_RESPONSE_TYPE)
    return _answer_record(
        REVISIT, data, response, record_id, date, url, payload_digest, concurrent_to
    )


def _answer_record(
    kind: str,
    data: bytes,
    response: CapturedResponse,
    record_id: str,
    date: str,
    url: str,
    payload_digest: str,
    concurrent_to: str,
) -> SerialisedRecord:
    """A response's or a revisit's record with what the writer's notes say of it."""
    return SerialisedRecord(
        kind,
        data,
        record_id,
        date,
        target_uri=url or None,
        payload_digest=payload_digest,
        concurrent_to=(concurrent_to,),
        content_type=_HTTP_RESPONSE_TYPE,
        http_status=str(response.status),
        http_content_type=_content_type(response.headers),
    )


def from_warcio(record: ArcWarcRecord, writer: WARCWriter) -> SerialisedRecord:
    """A record built by warcio (warcinfo, metadata), serialised by ``writer`` (uncompressed)."""
    out = BytesIO()
    writer.out = out
    writer.write_record(record)
    headers = record.rec_headers
    status = content_type = None
    if record.http_headers and record.rec_type in (RESPONSE, REVISIT):
        status = record.http_headers.get_statuscode()
        content_type = record.http_headers.get_header("Content-Type")
    return SerialisedRecord(
        record.rec_type,
        out.getvalue(),
        headers.get_header("WARC-Record-ID"),
        headers.get_header("WARC-Date"),
        headers.get_header("WARC-Target-URI"),
        headers.get_header("WARC-Payload-Digest"),
        tuple(value for name, value in headers.headers if name == "WARC-Concurrent-To"),
        headers.get_header("Content-Type"),
        status,
        content_type,
    )
