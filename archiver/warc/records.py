"""WARC records built from plain values: what an HTTP exchange looked like on the wire.

Pure warcio, no Scrapy: the capture middleware turns Scrapy objects into ``CapturedRequest``
and ``CapturedResponse`` and :mod:`archiver.warc.writer` writes them. Keeping the record building
here lets tests build records from literals and keeps the file handling (naming, rolling,
``.open`` renames) apart from what goes into a record.

Header blocks are kept byte for byte: names and values are carried as latin-1 text (a
lossless mapping of bytes) and serialised back to the same bytes, instead of warcio's default
of percent-encoding non-ASCII values.
"""

from __future__ import annotations

import base64
import hashlib
import http
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from io import BytesIO
from typing import Any
from urllib.parse import urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord
from warcio.statusandheaders import StatusAndHeaders
from warcio.timeutils import datetime_to_iso_date

# WARC record types (WARC 1.1, section 6), named once for the writer, repair, verify and packaging.
WARCINFO = "warcinfo"
REQUEST = "request"
RESPONSE = "response"
REVISIT = "revisit"
METADATA = "metadata"
ANSWER_TYPES = (RESPONSE, REVISIT)
"""Records that hold a server's answer, or stand for it (a revisit refers to the payload)."""


WARC_VERSION = "WARC/1.1"
# Revisit profiles of WARC 1.1 (identical payload: dedup; server-not-modified: a 304).
PROFILE_IDENTICAL_PAYLOAD = "http://netpreserve.org/warc/1.1/revisit/identical-payload-digest"
PROFILE_SERVER_NOT_MODIFIED = "http://netpreserve.org/warc/1.1/revisit/server-not-modified"
_DEFAULT_PORTS = {"http": 80, "https": 443}
# What a redacted header's value becomes: the header stays, so a reader sees it was sent.
REDACTED = "[redacted]"

Header = tuple[str, str]


@dataclass(frozen=True)
class CapturedRequest:
    """An HTTP request as sent. Header names and values are latin-1 decoded bytes."""

    method: str
    url: str
    headers: Sequence[Header] = ()
    body: bytes = b""
    protocol: str = "HTTP/1.1"


@dataclass(frozen=True)
class CapturedResponse:
    """An HTTP response as received: the payload before any content decoding."""

    status: int
    headers: Sequence[Header] = ()
    body: bytes = b""
    protocol: str = "HTTP/1.1"
    reason: str | None = None
    """The reason phrase; None = the standard phrase of ``status`` (the server's is not kept)."""
    ip_address: str | None = None
    protocols: tuple[str, ...] = ()
    """``WARC-Protocol`` values (IIPC proposal), e.g. ``("http/1.1", "tls/1.3")``."""


@dataclass
class WarcInfo:
    """What the warcinfo record at the head of every WARC file says about the crawl."""

    software: str
    operator: str = ""
    hostname: str = ""
    robots: str = "obey"
    is_part_of: str = ""
    description: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    def fields(self) -> dict[str, str]:
        values = {
            "software": self.software,
            "format": "WARC File Format 1.1",
            "conformsTo": "https://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/",
            "hostname": self.hostname,
            "operator": self.operator,
            "robots": self.robots,
            "isPartOf": self.is_part_of,
            "description": self.description,
        }
        values.update(self.extra)
        return {name: value for name, value in values.items() if value}


class _ExactHeaders(StatusAndHeaders):
    """Status line and headers serialised back to the bytes they came from (latin-1)."""

    def compute_headers_buffer(self, header_filter: Any = None) -> None:
        self.headers_buff = self.to_str(header_filter).encode("latin-1") + b"\r\n"


def warc_date(moment: datetime) -> str:
    """WARC 1.1 date with microseconds, UTC (``2026-11-23T20:30:00.123456Z``)."""
    utc = moment.astimezone(UTC).replace(tzinfo=None)
    return str(datetime_to_iso_date(utc, use_micros=True))


def request_target(url: str) -> str:
    """The request-target of the request line (origin form): path and query, no fragment."""
    parts = urlsplit(url)
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    return target


def host_header(url: str) -> str:
    """The Host header an HTTP client sends for ``url`` (the port only when not the default)."""
    parts = urlsplit(url)
    host = parts.netloc.rpartition("@")[2]
    if parts.port is not None:
        host = host.rsplit(":", 1)[0]
        if _DEFAULT_PORTS.get(parts.scheme) != parts.port:
            host = f"{host}:{parts.port}"
    return host


def reason_phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def _has_header(headers: Iterable[Header], name: str) -> bool:
    lowered = name.lower()
    return any(key.lower() == lowered for key, _ in headers)


def request_header_block(request: CapturedRequest) -> _ExactHeaders:
    """The request line and headers as an HTTP/1.1 client puts them on the wire."""
    headers = list(request.headers)
    if request.body and not _has_header(headers, "Content-Length"):
        headers.insert(0, ("Content-Length", str(len(request.body))))
    if not _has_header(headers, "Host"):
        headers.append(("Host", host_header(request.url)))
    statusline = f"{request.method} {request_target(request.url)} {request.protocol}"
    return _ExactHeaders(statusline, headers, is_http_request=True)


def response_header_block(response: CapturedResponse) -> _ExactHeaders:
    reason = reason_phrase(response.status) if response.reason is None else response.reason
    statusline = (
        f"{response.status} {reason}"  # the space stays when the phrase is empty (RFC 9112)
    )
    return _ExactHeaders(statusline, list(response.headers), protocol=response.protocol)


def payload_digest(body: bytes) -> str:
    """The ``WARC-Payload-Digest`` warcio writes for ``body`` (SHA-1, base32), known before
    writing so that a payload seen before can be written as a revisit instead."""
    return "sha1:" + base64.b32encode(hashlib.sha1(body).digest()).decode("ascii")


def redact_headers(headers: Iterable[Header], names: Collection[str]) -> list[Header]:
    """``headers`` with the value of every header named in ``names`` (any case) replaced by
    ``[redacted]``: the record still says the header was sent, but not what it held."""
    lowered = {name.lower() for name in names}
    return [(key, REDACTED if key.lower() in lowered else value) for key, value in headers]


def new_record_id() -> str:
    return str(RecordBuilder._make_warc_id())


def build_warcinfo(builder: RecordBuilder, filename: str, info: WarcInfo) -> ArcWarcRecord:
    return builder.create_warcinfo_record(filename, info.fields())


def build_request(
    builder: RecordBuilder,
    request: CapturedRequest,
    *,
    date: str,
    record_id: str,
    concurrent_to: str,
) -> ArcWarcRecord:
    return builder.create_warc_record(
        request.url,
        REQUEST,
        payload=BytesIO(request.body),
        length=len(request.body),
        warc_headers_dict=_linked_headers(record_id, date, concurrent_to),
        http_headers=request_header_block(request),
    )


def build_response(
    builder: RecordBuilder,
    response: CapturedResponse,
    *,
    url: str,
    date: str,
    record_id: str,
    concurrent_to: str,
) -> ArcWarcRecord:
    warc_headers = {"WARC-Record-ID": record_id, "WARC-Date": date}
    if response.ip_address:
        warc_headers["WARC-IP-Address"] = response.ip_address
    warc_headers["WARC-Concurrent-To"] = concurrent_to
    record = builder.create_warc_record(
        url,
        RESPONSE,
        payload=BytesIO(response.body),
        length=len(response.body),
        warc_headers_dict=warc_headers,
        http_headers=response_header_block(response),
    )
    return _with_protocols(record, response)


def _linked_headers(record_id: str, date: str, concurrent_to: str) -> dict[str, str]:
    """The headers of a record written beside another (its request, its metadata)."""
    return {"WARC-Record-ID": record_id, "WARC-Date": date, "WARC-Concurrent-To": concurrent_to}


def _with_protocols(record: ArcWarcRecord, response: CapturedResponse) -> ArcWarcRecord:
    """One ``WARC-Protocol`` header line per protocol (the field repeats)."""
    for protocol in response.protocols:
        record.rec_headers.add_header("WARC-Protocol", protocol)
    return record


def build_metadata(
    builder: RecordBuilder,
    *,
    url: str,
    payload: bytes,
    content_type: str,
    date: str,
    record_id: str,
    concurrent_to: str,
) -> ArcWarcRecord:
    """A ``metadata`` record about the record ``concurrent_to`` (e.g. who served it)."""
    return builder.create_warc_record(
        url,
        METADATA,
        payload=BytesIO(payload),
        length=len(payload),
        warc_content_type=content_type,
        warc_headers_dict=_linked_headers(record_id, date, concurrent_to),
    )


def build_revisit(
    builder: RecordBuilder,
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
) -> ArcWarcRecord:
    """A revisit record: status line and headers only, pointing at the record with the payload.

    ``refers_to_record_id`` (``WARC-Refers-To``) is left out when the original's id is not
    known; replay tools find the original by target URI and date (or digest) then.
    """
    warc_headers = {"WARC-Record-ID": record_id, "WARC-Date": date}
    if response.ip_address:
        warc_headers["WARC-IP-Address"] = response.ip_address
    warc_headers.update({"WARC-Concurrent-To": concurrent_to, "WARC-Profile": profile})
    if refers_to_record_id:
        warc_headers["WARC-Refers-To"] = refers_to_record_id
    warc_headers.update(
        {
            "WARC-Refers-To-Target-URI": refers_to_uri,
            "WARC-Refers-To-Date": refers_to_date,
            "WARC-Payload-Digest": payload_digest,
        }
    )
    record = builder.create_warc_record(
        url,
        REVISIT,
        warc_headers_dict=warc_headers,
        http_headers=response_header_block(response),
    )
    return _with_protocols(record, response)
