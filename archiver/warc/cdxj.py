"""The CDXJ line of a record, as cdxj-indexer writes it, made by the writer as it writes.

The writer knows each record's offset, length and fields when it writes it, so the run's index
needs no second read of the WARCs (:mod:`archiver.archive.package` sorts these lines). The
line's key is the URL's SURT; ``surt.surt`` parses and canonicalises the whole URL generically
(its host, for an IP address, even through the resolver) for every record. :func:`surt_key`
takes the plain URLs a crawl is made of apart itself: the host's part of the key is computed
by ``surt`` once per scheme and host, the path and query are canonicalised as ``surt`` does it
(lowercased, trailing slash dropped, session ids and argument order through ``surt``'s own
functions); any URL outside that plain form (percent escapes, dot segments, empty segments,
fragments, spaces, non-ASCII, user info) goes to ``surt.surt`` whole.
``tests/test_warc_cdxj.py`` holds the two to the same keys.
"""

from __future__ import annotations

import json
import re

import surt
from surt.IAURLCanonicalizer import alphaReorderQuery
from surt.URLRegexTransformer import stripQuerySessionID
from warcio.timeutils import iso_date_to_timestamp

from archiver.warc.serialise import SerialisedRecord

CDXJ_RECORD_TYPES = ("response", "revisit", "resource")
_MIME_END = re.compile(r"[;\s]")

# A plain URL: http(s), a host[:port] without user info or escapes, a path of non-empty
# segments of characters surt neither escapes nor unescapes (no "%", no "(": its session-id
# patterns need one), an optional non-empty query of the same characters and "?", no fragment.
_PLAIN_URL = re.compile(
    r"(https?)://([A-Za-z0-9.:_~!$&'*+,;=-]+)"
    r"((?:/[A-Za-z0-9._~!$&'*+,;=:@-]+)*/?)"
    r"(?:\?([A-Za-z0-9._~!$&'*+,;=:@/?-]+))?"
)
_DOT_SEGMENT = re.compile(r"/\.\.?(?:/|$)")
_WARC_DATE = re.compile(r"([1-9]\d{3})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:\.\d{1,6})?Z")

_host_keys: dict[tuple[str, str], str] = {}


def _host_key(scheme: str, netloc: str) -> str | None:
    """The SURT of ``scheme://netloc/`` without its path (``com,example)``), computed once per
    host; None when that SURT is not of that form (no host left, a port surt cannot read)."""
    key = _host_keys.get((scheme, netloc))
    if key is None:
        try:
            whole = str(surt.surt(f"{scheme}://{netloc}/"))
        except Exception:  # surt.surt(url) raises the same for the whole URL
            return None
        if not whole.endswith(")/") or whole.startswith(")"):
            return None
        key = whole[:-1]
        if len(_host_keys) < 1024:  # a crawl's hosts are few; a flood is not kept
            _host_keys[(scheme, netloc)] = key
    return key


def surt_key(url: str) -> str:
    """``surt.surt(url)``: the SURT key of ``url`` as cdxj-indexer computes it."""
    match = _PLAIN_URL.fullmatch(url)
    host = None
    if match is not None and not _DOT_SEGMENT.search(match.group(3)):
        host = _host_key(match.group(1), match.group(2))
    if match is None or host is None:
        return str(surt.surt(url))
    path, query = match.group(3).lower(), match.group(4)
    if len(path) > 1 and path.endswith("/"):
        path = path[:-1]
    key = host + (path or "/")
    if query:
        canonical = alphaReorderQuery(stripQuerySessionID(query.encode("ascii")).lower())
        if canonical:
            key += "?" + canonical.decode("ascii")
    return key


def cdx_timestamp(warc_date: str) -> str:
    """The 14-digit time of a ``WARC-Date`` the writer made (``iso_date_to_timestamp``),
    read from its digits."""
    match = _WARC_DATE.fullmatch(warc_date)
    if match is None:
        return str(iso_date_to_timestamp(warc_date))
    return "".join(match.groups())


def cdxj_line(record: SerialisedRecord, offset: int, length: int, filename: str) -> str:
    """The CDXJ line cdxj-indexer writes for ``record`` (a GET exchange: no POST key suffix),
    from the values the writer has in hand: SURT key, 14-digit time, url, mime, status,
    payload digest, length, offset, file name."""
    url = record.target_uri
    index: dict[str, str | None] = {"url": url}
    if record.rec_type == "revisit":
        mime: str | None = "warc/revisit"
    elif record.rec_type == "response":
        mime = record.http_content_type
    else:
        mime = record.content_type
    if mime and record.rec_type != "revisit":
        mime = _MIME_END.split(mime, 1)[0].strip()
    if mime is not None:
        index["mime"] = mime
    if record.rec_type in ("response", "revisit") and record.http_status is not None:
        index["status"] = record.http_status
    if record.payload_digest:
        index["digest"] = record.payload_digest
    index.update(length=str(length), offset=str(offset), filename=filename)
    try:
        key = surt_key(url) if url else "-"  # surt's key of no URL
    except Exception:  # what cdxj-indexer does with a URL surt cannot read
        key = str(url)
    return f"{key} {cdx_timestamp(record.date)} {json.dumps(index)}\n"
