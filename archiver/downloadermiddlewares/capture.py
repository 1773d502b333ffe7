"""WarcCaptureMiddleware: every HTTP exchange of a crawl, as sent and as received, into WARC.

Glue only: it turns Scrapy requests and responses into plain values and hands them to
:class:`archiver.warc.writer.WarcWriter`. Register it in ``DOWNLOADER_MIDDLEWARES`` at **950**,
after
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

Revisits (issue 5): every response record's payload is remembered in the archive state
(``state.remember_payload``, via :class:`archiver.warc.revisits.CaptureMemory`). A 200 answer
whose payload digest was archived before for the same URI (by an earlier run or earlier in
this run) is written as a ``revisit`` record, profile identical-payload-digest, headers kept
and payload left out, with ``WARC-Refers-To``, ``WARC-Refers-To-Target-URI`` and
``WARC-Refers-To-Date`` naming the first record. A 304 answer to a conditional request
(``If-None-Match`` / ``If-Modified-Since`` sent) is a ``revisit`` with the server-not-modified
profile referring to the last archived payload of that URI; when none is known it is kept as
a plain response record. The pointer of a revisit carries ``"refers_to"``: the pointer of the
record with the payload, ``run_id`` included (it may be in an earlier run's WARC).

Crash safety (issue 6): when a run resumes (``ARCHIVER_RESUME``), the ``.open`` files its
killed process left in the run's warc dir are repaired first
(:func:`archiver.warc.repair.repair_open_warc`: cut after the last whole record, renamed).

Redaction (issue 6): headers named in ``ARCHIVER_WARC_REDACT_HEADERS`` keep their name but
their value becomes ``[redacted]`` in request and response records (a credential never
reaches the WARC; the record stays valid and shows the header was sent), and the warcinfo
record lists them (``redactedHeaders``).

Who served the bytes (issue 14): every response and revisit record carries ``WARC-Protocol``
headers (IIPC proposal: ``http/1.1``, and ``tls/1.3`` for HTTPS when the version is known), and
the first HTTPS response from each host in a run is followed by a ``metadata`` record
(``WARC-Concurrent-To`` it) with the server's certificate, IP address, TLS version and cipher
(:mod:`archiver.downloadermiddlewares.tlsinfo`; version and cipher need Scrapy's
``DOWNLOADER_CLIENT_TLS_VERBOSE_LOGGING``, which is off by default: see settings.py).

Settings read (defaults in archiver/settings.py):
- ``ARCHIVER_WARC_ENABLED`` (True): off raises NotConfigured.
- ``ARCHIVER_WARC_PREFIX`` ("archiver"): first part of WARC file names (``<prefix>_<worker>``
  with ``ARCHIVER_WORKER_ID``, a distributed crawl's worker).
- ``ARCHIVER_WARC_MAX_SIZE`` (1_000_000_000): roll to a new file past this many bytes.
- ``ARCHIVER_WARC_OPERATOR`` (""): who runs the crawl, for the warcinfo record.
- ``ARCHIVER_WARC_DEDUP`` (True): identical payloads become revisit records (off: every
  answer is stored whole; a 304 is still a server-not-modified revisit).
- ``ARCHIVER_WARC_REDACT_HEADERS`` ([]): header names whose values are never written.
- ``ARCHIVER_RESUME`` (False): repair the run's ``.open`` WARC files before writing.
- ``ARCHIVER_STATE_ENABLED`` (True): remember payloads in ``OUTPUT/state.sqlite``.
- ``ARCHIVER_OUTPUT_DIR``, ``ARCHIVER_RUN_ID``, ``ARCHIVER_SOURCE``: where files go, the
  ``isPartOf`` of the warcinfo record and the source whose posts' captures a 304 refers to;
  ``ROBOTSTXT_OBEY`` for the warcinfo's robots policy.

Stats: ``archiver/warc/records``, ``archiver/warc/bytes``, ``archiver/warc/files``,
``archiver/warc/revisits/identical``, ``archiver/warc/revisits/not_modified``,
``archiver/warc/repaired``, ``archiver/warc/errors``.
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from scrapy import Request
from scrapy import signals as scrapy_signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Headers, Response
from scrapy.settings import BaseSettings
from scrapy.signalmanager import SignalManager
from scrapy.statscollectors import StatsCollector

from archiver import __version__
from archiver.archive.layout import ArchivePaths
from archiver.archive.session import crawl_state
from archiver.downloadermiddlewares.tlsinfo import (
    METADATA_CONTENT_TYPE,
    TlsSessions,
    identity_payload,
    server_identity,
    tls_protocol_token,
)
from archiver.files import disk_full_message
from archiver.signals import disk_full
from archiver.warc.records import (
    PROFILE_IDENTICAL_PAYLOAD,
    PROFILE_SERVER_NOT_MODIFIED,
    CapturedRequest,
    CapturedResponse,
    Header,
    WarcInfo,
    payload_digest,
    redact_headers,
)
from archiver.warc.repair import repair_open_warcs
from archiver.warc.revisits import CaptureMemory
from archiver.warc.writer import DEFAULT_MAX_SIZE, WarcPointer, WarcWriter

logger = logging.getLogger(__name__)

POINTER_META_KEY = "archiver_warc"
_SENT_AT_META_KEY = "_archiver_warc_sent_at"
_CONDITIONAL_HEADERS = (b"If-None-Match", b"If-Modified-Since")


def _header_pairs(headers: Headers) -> list[Header]:
    """Every header line, repeated ones (Set-Cookie, Link) included, as latin-1 text."""
    pairs: list[Header] = []
    for name in headers:
        for value in headers.getlist(name):
            pairs.append((name.decode("latin-1"), value.decode("latin-1")))
    return pairs


def captured_request(request: Request, redact: Collection[str] = ()) -> CapturedRequest:
    return CapturedRequest(
        method=request.method,
        url=request.url.split("#", 1)[0],
        headers=redact_headers(_header_pairs(request.headers), redact),
        body=request.body or b"",
    )


def captured_response(
    response: Response, redact: Collection[str] = (), tls_version: str | None = None
) -> CapturedResponse:
    ip_address = getattr(response, "ip_address", None)
    protocol = getattr(response, "protocol", None) or "HTTP/1.1"
    protocols = [protocol.lower()]
    if response.url.startswith("https:") and tls_version:
        protocols.append(tls_protocol_token(tls_version))
    return CapturedResponse(
        status=response.status,
        headers=redact_headers(_header_pairs(response.headers), redact),
        body=response.body,
        protocol=protocol,
        ip_address=str(ip_address) if ip_address is not None else None,
        protocols=tuple(protocols),
    )


def is_conditional(request: Request) -> bool:
    return any(request.headers.get(name) for name in _CONDITIONAL_HEADERS)


class WarcCaptureMiddleware:
    """Records each downloaded exchange as a request and a response (or revisit) record."""

    def __init__(
        self,
        writer: WarcWriter,
        stats: StatsCollector | None = None,
        *,
        memory: CaptureMemory | None = None,
        dedup: bool = True,
        redact: Collection[str] = (),
    ) -> None:
        self.writer = writer
        self.stats = stats
        self.memory = memory or CaptureMemory("")
        self.dedup = dedup
        self.redact = tuple(redact)
        self.tls = TlsSessions()
        self._identified_hosts: set[str] = set()
        self._files_counted = 0  # archiver/warc/files as last set (set when it changes)
        self.signals: SignalManager | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WarcCaptureMiddleware:
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_WARC_ENABLED", True):
            raise NotConfigured("WARC capture is off (ARCHIVER_WARC_ENABLED)")
        run_id = settings.get("ARCHIVER_RUN_ID") or ""
        source = settings.get("ARCHIVER_SOURCE") or ""
        archive = ArchivePaths(Path(settings.get("ARCHIVER_OUTPUT_DIR") or "output"))
        run = archive.run(run_id)
        redact = [name.strip() for name in settings.getlist("ARCHIVER_WARC_REDACT_HEADERS")]
        redact = [name for name in redact if name]
        info = WarcInfo(
            software=f"archiver/{__version__} (Scrapy, warcio)",
            operator=settings.get("ARCHIVER_WARC_OPERATOR") or "",
            robots="obey" if settings.getbool("ROBOTSTXT_OBEY") else "ignore",
            is_part_of=f"{source}/{run_id}" if source else run_id,
            description=f"Crawl of source {source!r}, run {run_id}: every HTTP exchange.",
        )
        if redact:
            info.extra["redactedHeaders"] = ", ".join(redact)
            info.description += (
                f" Values of these headers are replaced by [redacted]: {', '.join(redact)}."
            )
        if settings.getbool("ARCHIVER_RESUME"):
            repaired = repair_open_warcs(
                run.warc_dir, root=archive.root, quarantine=archive.quarantine_dir
            )
            for result in repaired:
                logger.warning("Resuming run %s: repaired WARC %s", run_id, result.describe())
            if repaired and crawler.stats is not None:
                crawler.stats.inc_value("archiver/warc/repaired", len(repaired))
        writer = WarcWriter(
            run.warc_dir,
            info,
            prefix=_prefix(settings),
            max_size=settings.getint("ARCHIVER_WARC_MAX_SIZE", DEFAULT_MAX_SIZE),
            # Each record described as written: the manifest needs no second read of the WARCs.
            records_dir=run.indexes_dir,
        )
        info.hostname = writer.host
        memory = CaptureMemory(
            run_id,
            state=lambda: crawl_state(crawler),
            source=source,
            on_write_error=lambda error: _report_disk_full(crawler, error, archive.state_db),
        )
        middleware = cls(
            writer,
            crawler.stats,
            memory=memory,
            dedup=settings.getbool("ARCHIVER_WARC_DEDUP", True),
            redact=redact,
        )
        crawler.signals.connect(middleware.spider_closed, signal=scrapy_signals.spider_closed)
        middleware.tls.start()
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
            pointer = self._write(request, response, date)
        except OSError as error:
            self._inc("archiver/warc/errors")
            full = disk_full_message(error, self.writer.current_file or self.writer.directory)
            if full is not None:  # one line, and the run log stops the crawl
                if self.signals is not None:
                    self.signals.send_catch_log(disk_full, message=full)
                return response
            # Losing evidence must be loud; the crawl goes on so the items are not lost too.
            logger.exception("Could not write WARC records for %s", response.url)
            return response
        request.meta[POINTER_META_KEY] = pointer
        self._inc("archiver/warc/records", self.writer.records_written - before[0])
        self._inc("archiver/warc/bytes", self.writer.bytes_written - before[1])
        if self.stats is not None and self.writer.files_opened != self._files_counted:
            self._files_counted = self.writer.files_opened
            self.stats.set_value("archiver/warc/files", self._files_counted)
        return response

    def _write(self, request: Request, response: Response, date: datetime | None) -> WarcPointer:
        """Write the exchange as a response, or as a revisit when the payload is known."""
        sent = captured_request(request, self.redact)
        address = urlsplit(response.url)
        session = self.tls.session(address.hostname or "")
        received = captured_response(response, self.redact, session[0] if session else None)
        original = digest = None
        if response.status == 304 and is_conditional(request):
            original = self.memory.last_capture(sent.url)
            profile, stat = PROFILE_SERVER_NOT_MODIFIED, "not_modified"
        elif response.status == 200 and self.dedup:
            digest = payload_digest(received.body)  # the record's too, if it is written whole
            original = self.memory.original(sent.url, digest)
            profile, stat = PROFILE_IDENTICAL_PAYLOAD, "identical"
        if original is None:
            pointer = self.writer.write_exchange(sent, received, date=date, payload_digest=digest)
        else:
            pointer = self.writer.write_revisit(
                sent, received, refers_to=original, profile=profile, date=date
            )
            self._inc(f"archiver/warc/revisits/{stat}")
        # Remembered only once both records are written (a crash between them leaves a lone
        # record that repair cuts: nothing may refer to it).
        self.memory.remember(pointer, status=response.status)
        if response.url.startswith("https:") and address.netloc not in self._identified_hosts:
            self._identified_hosts.add(address.netloc)
            self.writer.write_metadata(
                response.url,
                identity_payload(server_identity(response, session)),
                content_type=METADATA_CONTENT_TYPE,
                concurrent_to=str(pointer["record_id"]),
                date=date,
            )
        return pointer

    def spider_closed(self) -> None:
        self.tls.stop()
        try:
            files = self.writer.close()
        except OSError:
            # E.g. the open WARC was renamed or removed under the crawl: evidence is at stake,
            # and the run log fails the run for it (archiver/warc/errors).
            logger.exception("Could not close the WARC file being written")
            self._inc("archiver/warc/errors")
            files = []
        self.memory.close()
        logger.info("WARC capture: %d files closed", len(files))

    def _inc(self, key: str, count: int = 1) -> None:
        if self.stats is not None:
            self.stats.inc_value(key, count)


def _report_disk_full(crawler: Crawler, error: BaseException, path: Path) -> bool:
    """Send ``disk_full`` when ``error`` means the disk is full; whether it did."""
    full = disk_full_message(error, path)
    if full is not None:
        crawler.signals.send_catch_log(disk_full, message=full)
    return full is not None


def _prefix(settings: BaseSettings) -> str:
    """``ARCHIVER_WARC_PREFIX``, with the worker id of a distributed crawl (one writer per
    process, so each worker's WARC files have their own names): ``archiver_w2-...``."""
    prefix = settings.get("ARCHIVER_WARC_PREFIX") or "archiver"
    worker = settings.get("ARCHIVER_WORKER_ID")
    return f"{prefix}_{worker}" if worker else prefix
