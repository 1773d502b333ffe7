"""WarcCaptureMiddleware: every HTTP exchange of a crawl, as sent and as received, into WARC.

Glue only: it turns Scrapy requests and responses into plain values and hands them to
:class:`archiver.warc.WarcWriter`. Register it in ``DOWNLOADER_MIDDLEWARES`` at **950**, after
every built-in downloader middleware. Scrapy calls ``process_request`` in ascending order and
``process_response`` in descending order, so at 950 it sees the request with its final
headers (DefaultHeaders 400, UserAgent 500, HttpCompression's Accept-Encoding 590, Cookies
700) and the response exactly as downloaded, before HttpCache (900), DownloaderStats (850),
Cookies (700), Redirect (600), HttpCompression (590, which would decode gzip) and Retry (550)
see it: redirects, 404s, 5xx answers that are retried, and gzip payloads are all recorded.
Responses served from Scrapy's HTTP cache (flag ``cached``) are not recorded again.

The pointer to the response record goes into ``request.meta["archiver_warc"]`` (the spider
reads ``response.meta["archiver_warc"]``). Meta travels along retries and redirects, so each
new attempt drops the previous attempt's pointer and the pointer is always the final
response's; a request that ends without a response carries none.

Fidelity limits (Scrapy's Twisted downloader hides the raw bytes): header blocks are rebuilt
from the parsed headers. Twisted removes framing headers (``Transfer-Encoding``,
``Connection``, ``Keep-Alive``) and de-chunks the body, and Scrapy restores ``Content-Length``
when the server sent one; the record therefore holds the de-chunked payload without a
``Transfer-Encoding: chunked`` header, which keeps it valid for ``warcio check`` and pywb (what
browser-based capture tools do too). The server's reason phrase is not kept by Scrapy; the
standard phrase of the status code is written. ``Host`` is written as the client sends it.

Settings read (defaults in archiver/settings.py):
- ``ARCHIVER_WARC_ENABLED`` (True): off raises NotConfigured.
- ``ARCHIVER_WARC_PREFIX`` ("archiver"): first part of WARC file names.
- ``ARCHIVER_WARC_MAX_SIZE`` (1_000_000_000): roll to a new file past this many bytes.
- ``ARCHIVER_WARC_OPERATOR`` (""): who runs the crawl, for the warcinfo record.
- ``ARCHIVER_OUTPUT_DIR``, ``ARCHIVER_RUN_ID``, ``ARCHIVER_SOURCE``: where files go and the
  ``isPartOf`` of the warcinfo record; ``ROBOTSTXT_OBEY`` for its robots policy.

Stats: ``archiver/warc/records``, ``archiver/warc/bytes``, ``archiver/warc/files``.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from pathlib import Path

from scrapy import Request
from scrapy import signals as scrapy_signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.statscollectors import StatsCollector

from archiver import __version__
from archiver.layout import ArchivePaths
from archiver.warc import DEFAULT_MAX_SIZE, WarcWriter
from archiver.warc_records import CapturedRequest, CapturedResponse, Header, WarcInfo

logger = logging.getLogger(__name__)

POINTER_META_KEY = "archiver_warc"
_SENT_AT_META_KEY = "_archiver_warc_sent_at"


def _header_pairs(headers: Headers) -> list[Header]:
    """Every header line, repeated ones (Set-Cookie, Link) included, as latin-1 text."""
    pairs: list[Header] = []
    for name in headers:
        for value in headers.getlist(name):
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


def captured_request(request: Request) -> CapturedRequest:
    return CapturedRequest(
        method=request.method,
        url=request.url.split("#", 1)[0],
        headers=_header_pairs(request.headers),
        body=request.body or b"",
    )


def captured_response(response: Response) -> CapturedResponse:
    ip_address = getattr(response, "ip_address", None)
    return CapturedResponse(
        status=response.status,
        headers=_header_pairs(response.headers),
        body=response.body,
        protocol=getattr(response, "protocol", None) or "HTTP/1.1",
        ip_address=str(ip_address) if ip_address is not None else None,
    )


class WarcCaptureMiddleware:
    """Records each downloaded exchange as a request and a response record."""

    def __init__(self, writer: WarcWriter, stats: StatsCollector | None = None) -> None:
        self.writer = writer
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_WARC_ENABLED", True):
            raise NotConfigured("WARC capture is off (ARCHIVER_WARC_ENABLED)")
        run_id = settings.get("ARCHIVER_RUN_ID") or ""
        source = settings.get("ARCHIVER_SOURCE") or ""
        run = ArchivePaths(Path(settings.get("ARCHIVER_OUTPUT_DIR") or "output")).run(run_id)
        info = WarcInfo(
            software=f"archiver/{__version__} (Scrapy, warcio)",
            operator=settings.get("ARCHIVER_WARC_OPERATOR") or "",
            robots="obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            is_part_of=f"{source}/{run_id}" if source else run_id,
            description=f"Crawl of source {source!r}, run {run_id}: every HTTP exchange.",
        )
        writer = WarcWriter(
            run.warc_dir,
            info,
            prefix=settings.get("ARCHIVER_WARC_PREFIX") or "archiver",
            max_size=settings.getint("ARCHIVER_WARC_MAX_SIZE", DEFAULT_MAX_SIZE),
        )
        info.hostname = writer.host
        middleware = cls(writer, crawler.stats)
        crawler.signals.connect(middleware.spider_closed, signal=scrapy_signals.spider_closed)
        return middleware

    def process_request(self, request: Request) -> None:
        # A retry or redirect copies meta: forget the pointer of the earlier attempt.
        request.meta.pop(POINTER_META_KEY, None)
        request.meta[_SENT_AT_META_KEY] = datetime.now(UTC).timestamp()

    def process_response(self, request: Request, response: Response) -> Response:
        if "cached" in response.flags:
            return response
        sent_at = request.meta.pop(_SENT_AT_META_KEY, None)
        date = datetime.fromtimestamp(sent_at, UTC) if sent_at is not None else None
        before = (self.writer.records_written, self.writer.bytes_written)
        try:
            pointer = self.writer.write_exchange(
                captured_request(request), captured_response(response), date=date
            )
        except OSError:
            # Losing evidence must be loud; the crawl goes on so the items are not lost too.
            logger.exception("Could not write WARC records for %s", response.url)
            self._inc("archiver/warc/errors")
            return response
        request.meta[POINTER_META_KEY] = pointer
        self._inc("archiver/warc/records", self.writer.records_written - before[0])
        self._inc("archiver/warc/bytes", self.writer.bytes_written - before[1])
        if self.stats is not None:
            self.stats.set_value("archiver/warc/files", self.writer.files_opened)
        return response

    def spider_closed(self) -> None:
        files = self.writer.close()
        logger.info("WARC capture: %d files closed", len(files))

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)
