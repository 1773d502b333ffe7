"""WARC records built from plain values: what an HTTP exchange looked like on the wire.

No Scrapy: the capture middleware turns Scrapy objects into ``CapturedRequest`` and
``CapturedResponse`` and :mod:`archiver.warc.writer` writes them. Keeping what goes into a
record here lets tests build records from literals and keeps the file handling (naming,
rolling, ``.open`` renames) apart. The request, response and revisit records of an exchange
are serialised by :mod:`archiver.warc.serialise` (warcio's bytes, without its generic
machinery); the warcinfo and metadata records are built here with warcio.

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
from urllib.parse import urlsplit

from warcio.recordbuilder import RecordBuilder
from warcio.recordloader import ArcWarcRecord
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
    port = parts.port  # parsed anew at each reading
    if port is not None:
        host = host.rsplit(":", 1)[0]
        if _DEFAULT_PORTS.get(parts.scheme) != port:
            host = f"{host}:{port}"
    return host


def reason_phrase(status: int) -> str:
    try:
        return http.HTTPStatus(status).phrase
    except ValueError:
        return ""


def payload_digest(body: bytes) -> str:
    """The ``WARC-Payload-Digest`` warcio writes for ``body`` (SHA-1, base32), known before
    writing so that a payload seen before can be written as a revisit instead."""
    return "sha1:" + base32_of_sha1(hashlib.sha1(body).digest())


_BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
_BASE32_PAIRS = [first + second for first in _BASE32 for second in _BASE32]  # 10 bits each
_SHA1_SHIFTS = range(150, -1, -10)


def base32_of_sha1(digest: bytes) -> str:
    """``base64.b32encode(digest)`` of a 20-byte digest (160 bits: 32 characters, no
    padding), ten bits at a time (base64's is written in Python, four times slower)."""
    if len(digest) != 20:
        return base64.b32encode(digest).decode("ascii")
    number = int.from_bytes(digest, "big")
    return "".join([_BASE32_PAIRS[(number >> shift) & 1023] for shift in _SHA1_SHIFTS])


def redact_headers(headers: Iterable[Header], names: Collection[str]) -> list[Header]:
    """``headers`` with the value of every header named in ``names`` (any case) replaced by
    ``[redacted]``: the record still says the header was sent, but not what it held."""
    if not names:
        return list(headers)
    lowered = {name.lower() for name in names}
    return [(key, REDACTED if key.lower() in lowered else value) for key, value in headers]


def build_warcinfo(builder: RecordBuilder, filename: str, info: WarcInfo) -> ArcWarcRecord:
    return builder.create_warcinfo_record(filename, info.fields())


def _linked_headers(record_id: str, date: str, concurrent_to: str) -> dict[str, str]:
    """The headers of a record written beside another (its metadata)."""
    return {"WARC-Record-ID": record_id, "WARC-Date": date, "WARC-Concurrent-To": concurrent_to}


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
