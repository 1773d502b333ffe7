"""CrawlLogMiddleware: one JSON line per fetch attempt, the failures included.

A WARC holds what a server answered; a page that could not be had (connection refused, DNS
failure, timeout, a dropped connection, a robots.txt refusal) leaves no record there. For a
researcher, "this page was unreachable on that date" is evidence too. So every attempt of every
request goes into ``runs/<run-id>/crawl-log.jsonl``, flushed per line::

    {"time": "2026-12-03T14:41:09+00:00", "method": "GET", "url": "https://.../content/x",
     "status": 200, "error": null, "bytes": 14233, "duration_ms": 41,
     "warc_record_id": "<urn:uuid:...>", "attempt": 1}

``status`` is null and ``error`` names the failure when no answer came; ``warc_record_id`` is the
response (or revisit) record that holds the answer. The file is part of the run, so its hash is
in run.json with the others. Heritrix keeps a crawl.log for the same reason.

Registered at **940**, just outside the WARC capture (950): its ``process_response`` runs after
the capture has written the record (the pointer is on the request's meta), and it sees every
attempt, retries and redirects included, before Retry (550) and Redirect (600) act.

Settings read: ``ARCHIVER_CRAWL_LOG_ENABLED`` (True), ``ARCHIVER_OUTPUT_DIR``,
``ARCHIVER_RUN_ID``.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from scrapy import Request, signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response
from scrapy.signalmanager import SignalManager

from archiver.archive.layout import ArchivePaths
from archiver.downloadermiddlewares.capture import POINTER_META_KEY
from archiver.files import JsonLinesAppender, disk_full_message
from archiver.signals import disk_full

__all__ = ["CrawlLogMiddleware"]

logger = logging.getLogger(__name__)

_STARTED_META_KEY = "archiver_crawllog_started"


class CrawlLogMiddleware:
    """Append one line per fetch attempt to the run's crawl log."""

    def __init__(self, path: Path, signals: SignalManager | None = None) -> None:
        self.path = path
        self.signals = signals
        self.appender: JsonLinesAppender | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlLogMiddleware:
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_CRAWL_LOG_ENABLED", True):
            raise NotConfigured
        archive = ArchivePaths(Path(settings.get("ARCHIVER_OUTPUT_DIR")))
        run = archive.run(settings.get("ARCHIVER_RUN_ID"))
        worker = settings.get("ARCHIVER_WORKER_ID")
        # A distributed crawl's workers each keep their own log (one appender per file).
        middleware = cls(run.worker_crawl_log(worker) if worker else run.crawl_log, crawler.signals)
        crawler.signals.connect(middleware.spider_closed, signal=signals.spider_closed)
        return middleware

    def process_request(self, request: Request) -> None:
        request.meta[_STARTED_META_KEY] = time.monotonic()

    def process_response(self, request: Request, response: Response) -> Response:
        if "cached" not in response.flags:
            pointer = request.meta.get(POINTER_META_KEY) or {}
            self._write(
                request,
                status=response.status,
                size=len(response.body),
                record_id=pointer.get("record_id"),
            )
        return response

    def process_exception(self, request: Request, exception: BaseException) -> None:
        self._write(request, error=f"{type(exception).__name__}: {exception}".strip(": "))

    def spider_closed(self) -> None:
        if self.appender is not None:
            appender, self.appender = self.appender, None
            try:
                appender.close()
            except OSError as failure:
                self._write_failed(failure)

    def _write(
        self,
        request: Request,
        *,
        status: int | None = None,
        error: str | None = None,
        size: int = 0,
        record_id: str | None = None,
    ) -> None:
        started = request.meta.pop(_STARTED_META_KEY, None)
        line: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "method": request.method,
            "url": request.url,
            "status": status,
            "error": error,
            "bytes": size,
            "duration_ms": None if started is None else round(1000 * (time.monotonic() - started)),
            "warc_record_id": record_id,
            "attempt": int(request.meta.get("retry_times", 0)) + 1,
        }
        try:
            if self.appender is None:
                self.appender = JsonLinesAppender(self.path)
            self.appender.append(line)
        except OSError as failure:  # the crawl log must not stop the crawl; say so loudly
            self._write_failed(failure)

    def _write_failed(self, failure: OSError) -> None:
        full = disk_full_message(failure, self.path)
        if full is not None and self.signals is not None:
            self.signals.send_catch_log(disk_full, message=full)
        else:
            logger.error("Could not write the crawl log %s: %s", self.path, failure)
