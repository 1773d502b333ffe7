"""RunLogExtension: ``run.json``, the record of what ran, written at start and completed at end.

At start it records the run as ``"status": "running"`` so that a crash leaves a run.json that
says so. When the engine has stopped (WARC files closed) it adds what only the crawl knows (end
time, finish reason, failed pages, counts) and hands the run to the one run lifecycle,
:func:`archiver.archive.lifecycle.finish_run`: items settled, state, changes.json, posts.jsonl,
feed.atom, CDXJ (``ARCHIVER_PACKAGE_ENABLED``; the WACZ too with ``ARCHIVER_WACZ_EACH_RUN``),
hashes, run.json completed.

A run whose items a pipeline failed on (``item_error``: a full disk, a broken state database)
or whose items.jsonl could not be written is ``failed`` (``--resume`` continues it), and so
is one whose start URL listed no post (``no_teasers``); one stopped by Ctrl-C or SIGTERM
(Scrapy's ``shutdown``) is ``interrupted`` (``--resume`` continues it); a page
whose callback raised (``spider_error``) is listed in the failures like a page that failed.

In a distributed crawl (``ARCHIVER_REDIS_URL``) each worker leaves its report (counts,
failures) in Redis when it stops; the last one merges them and finishes the run, once
(:mod:`archiver.archive.workers`).

Settings read: ``ARCHIVER_OUTPUT_DIR``, ``ARCHIVER_RUN_ID``, ``ARCHIVER_SOURCE``,
``ARCHIVER_ARGUMENTS`` (the command line, set by the CLI), ``ARCHIVER_MODE``,
``ARCHIVER_REMOVAL_MAX_MISSING_FRACTION``, ``ARCHIVER_FEED_TITLE``, ``ARCHIVER_FEED_LIMIT``,
``ARCHIVER_STATE_ENABLED``, ``ARCHIVER_PACKAGE_ENABLED``, ``ARCHIVER_WACZ_EACH_RUN``,
``ARCHIVER_BROWSE_ENABLED``,
``ARCHIVER_SEARCH_INDEX_ENABLED``, ``ARCHIVER_REPLAY_URL``, ``ARCHIVER_REDIS_URL``,
``ARCHIVER_WORKER_ID``.

After the run is finished it rebuilds the archive's browsing pages (``index.html``, ``posts/``)
and brings the search index in ``state.sqlite`` up to date (archiver.browse); a failure there
is logged, never held against the run (the pages can be rebuilt with ``archiver index``).
"""

from __future__ import annotations

import logging
import socket
import sqlite3
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy import Spider
from scrapy import signals as scrapy_signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from twisted.python.failure import Failure

from archiver.archive.layout import ArchivePaths, RunPaths
from archiver.archive.lifecycle import (
    STATUS_COMPLETE,
    STATUS_FAILED,
    STATUS_INTERRUPTED,
    STATUS_LIMITED,
    STATUS_PARTIAL,
    STATUS_RUNNING,
    FinishOptions,
    finish_run,
    seal_options,
)
from archiver.archive.session import close_crawl_state, crawl_state
from archiver.archive.workers import RunWorkers, merge_reports
from archiver.browse import build_browse, sync_search_index
from archiver.extensions.provenance import (
    redacted_arguments,
    settings_in_effect,
    settings_origins,
    software_versions,
)
from archiver.files import atomic_write_json, disk_full_message, read_json
from archiver.signals import disk_full, items_finalising, page_failed
from archiver.state import ArchiveState, StateError, parse_mode

logger = logging.getLogger(__name__)

RUN_FORMAT = "archiver-run/1"
_COUNTED_STATS = (
    "downloader/request_count",
    "downloader/response_count",
    "item_scraped_count",
    "item_dropped_count",
    "retry/count",
    "log_count/ERROR",
    "log_count/WARNING",
)


class RunLogExtension:
    """Writes and completes run.json for one crawl."""

    def __init__(
        self,
        crawler: Crawler,
        archive: ArchivePaths,
        run: RunPaths,
        *,
        options: FinishOptions,
    ) -> None:
        self.crawler = crawler
        self.archive = archive
        self.run = run
        self.options = options
        self.record: dict[str, Any] = {}
        self.failures: dict[str, dict[str, Any]] = {}
        # Items a pipeline failed on (not dropped: broken, e.g. by a full disk), by URL.
        self.item_errors: dict[str, str] = {}
        self.finish_reason: str | None = None
        self.disk_full_message: str | None = None
        # A distributed crawl (ARCHIVER_REDIS_URL): this process is one worker of the run.
        self.workers: RunWorkers | None = None
        self.worker_id = ""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RunLogExtension:
        settings = crawler.settings
        archive = ArchivePaths(Path(settings.get("ARCHIVER_OUTPUT_DIR")))
        run = archive.run(settings.get("ARCHIVER_RUN_ID"))
        options = FinishOptions(
            mode=parse_mode(settings.get("ARCHIVER_MODE")),
            max_missing_fraction=settings.getfloat("ARCHIVER_REMOVAL_MAX_MISSING_FRACTION"),
            feed_title=settings.get("ARCHIVER_FEED_TITLE")
            or f"New posts of {settings.get('ARCHIVER_SOURCE')} (archiver)",
            feed_limit=settings.getint("ARCHIVER_FEED_LIMIT"),
            state_enabled=settings.getbool("ARCHIVER_STATE_ENABLED", True),
            package=settings.getbool("ARCHIVER_PACKAGE_ENABLED", True),
            wacz=settings.getbool("ARCHIVER_WACZ_EACH_RUN"),
            seal=seal_options(
                {
                    "ARCHIVER_SIGNING_KEY": settings.get("ARCHIVER_SIGNING_KEY"),
                    "ARCHIVER_TSA_URL": settings.get("ARCHIVER_TSA_URL"),
                }
            ),
        )
        ext = cls(crawler, archive, run, options=options)
        if settings.get("ARCHIVER_REDIS_URL"):
            ext.workers = RunWorkers.connect(settings.get("ARCHIVER_REDIS_URL"), archive.root)
            ext.worker_id = settings.get("ARCHIVER_WORKER_ID")
        crawler.signals.connect(ext.spider_opened, signal=scrapy_signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=scrapy_signals.spider_closed)
        crawler.signals.connect(ext.engine_stopped, signal=scrapy_signals.engine_stopped)
        crawler.signals.connect(ext.page_failed, signal=page_failed)
        crawler.signals.connect(ext.disk_full, signal=disk_full)
        crawler.signals.connect(ext.item_error, signal=scrapy_signals.item_error)
        crawler.signals.connect(ext.spider_error, signal=scrapy_signals.spider_error)
        return ext

    def spider_opened(self, spider: Spider) -> None:
        settings = self.crawler.settings
        self.run.directory.mkdir(parents=True, exist_ok=True)
        if self.workers is not None and self.run.run_json.exists():
            # Another worker of this distributed run has recorded its start.
            self.record = read_json(self.run.run_json)
            return
        if settings.getbool("ARCHIVER_RESUME") and self.run.run_json.exists():
            # Same run, continued: keep its start and say when it was taken up again.
            self.record = read_json(self.run.run_json)
            self.record["status"] = STATUS_RUNNING
            self.record["finished_at"] = None
            self.record["resumed_at"] = [*self.record.get("resumed_at", []), _now()]
            self.record["arguments_resumed"] = redacted_arguments(
                settings.getlist("ARCHIVER_ARGUMENTS"),
                settings.getlist("ARCHIVER_WARC_REDACT_HEADERS"),
            )
            atomic_write_json(self.run.run_json, self.record)
            return
        self.record = {
            "format": RUN_FORMAT,
            "run_id": self.run.run_id,
            "status": STATUS_RUNNING,
            "started_at": _now(),
            "finished_at": None,
            "source": settings.get("ARCHIVER_SOURCE"),
            "start_urls": list(getattr(spider, "listing_urls", [])),
            "arguments": redacted_arguments(
                settings.getlist("ARCHIVER_ARGUMENTS"),
                settings.getlist("ARCHIVER_WARC_REDACT_HEADERS"),
            ),
            "settings": settings_in_effect(self.crawler.settings),
            "settings_origin": settings_origins(self.crawler.settings),
            "software": software_versions(),
            "host": socket.gethostname(),
        }
        atomic_write_json(self.run.run_json, self.record)

    def page_failed(self, url: str, kind: str, error: str, status: int | None) -> None:
        self.failures[url] = {"url": url, "kind": kind, "error": error, "status": status}

    def disk_full(self, message: str) -> None:
        """A write failed for want of room: say it once, stop the crawl, fail the run."""
        if self.disk_full_message is not None:
            return
        self.disk_full_message = message
        logger.error("%s: stopping the crawl (archiver crawl --resume continues it)", message)
        if self.crawler.stats is not None:
            self.crawler.stats.set_value("archiver/disk_full", message)
        if self.crawler.engine is not None and self.crawler.spider is not None:
            self.crawler.engine.close_spider(self.crawler.spider, "disk_full")

    def item_error(self, item: Any, failure: Failure) -> None:
        self.item_errors[str(ItemAdapter(item).get("url"))] = _error_text(failure)

    def spider_error(self, failure: Failure, response: Response) -> None:
        """A callback that raised: the page came but what it held may be lost."""
        self.page_failed(response.url, "processing", _error_text(failure), response.status)

    def spider_closed(self, spider: Spider, reason: str) -> None:
        self.finish_reason = reason

    def engine_stopped(self) -> None:
        if not self.record:
            return  # the spider never opened: nothing ran
        limit = (
            self.crawler.stats.get_value("archiver/limit_reached") if self.crawler.stats else None
        )
        counts = self._counts()
        if self.workers is not None:
            merged = self._merge_workers(limit, counts)
            if merged is None:
                close_crawl_state(self.crawler)  # another worker finishes the run
                return
            limit, counts = merged
        self.record["limit_reached"] = limit
        status = self._status(counts.get("archiver/listing_pages", 0))
        warc_errors = (
            self.crawler.stats.get_value("archiver/warc/errors", 0) if self.crawler.stats else 0
        )
        if warc_errors:
            # Evidence could not be written (or closed): the run must not say complete.
            self.record.setdefault("problems", []).append(
                f"{warc_errors} WARC write error(s): some exchanges are not in the WARC files "
                "(see the log)"
            )
            status = STATUS_FAILED
        if self.item_errors:
            # A captured post that never reached items.jsonl: the run is not done (--resume).
            self.record.setdefault("problems", []).append(
                f"{len(self.item_errors)} items could not be stored: "
                + "; ".join(sorted(set(self.item_errors.values())))
            )
            status = STATUS_FAILED
        if self.disk_full_message is not None:
            self.record["failure"] = "disk_full"
            self.record.setdefault("problems", []).insert(0, f"disk_full: {self.disk_full_message}")
            status = STATUS_FAILED
        self.record.update(
            finished_at=_now(),
            finish_reason=self.finish_reason,
            failures=sorted(self.failures.values(), key=lambda f: f["url"]),
        )
        try:
            finish_run(
                self.archive,
                self.run,
                self.record,
                status=status,
                options=self.options,
                counts=self._counts(),
                adjust=self._settle_items,
                state=self._state(),
            )
        except OSError as error:
            # Even run.json could not be written (a full disk): it still says "running", so the
            # next crawl (or --resume) finishes the run; one line says why, not a traceback.
            full = disk_full_message(error, getattr(error, "filename", None) or self.run.directory)
            self.disk_full(full or f"finishing the run failed: {error}")
            logger.error("Run %s could not be finished: %s", self.run.run_id, full or error)
            return
        finally:
            close_crawl_state(self.crawler)
        if self.disk_full_message is None:
            self._rebuild_browsing()

    def _rebuild_browsing(self) -> None:
        settings = self.crawler.settings
        try:
            if settings.getbool("ARCHIVER_BROWSE_ENABLED", True):
                build_browse(
                    self.archive.root,
                    replay=settings.get("ARCHIVER_REPLAY_URL"),
                    incremental=True,
                )
            if self.options.state_enabled and settings.getbool(
                "ARCHIVER_SEARCH_INDEX_ENABLED", True
            ):
                sync_search_index(self.archive.root)
        except Exception:  # the run is recorded already; `archiver index` rebuilds these
            logger.exception("Rebuilding the browsing pages / search index failed")

    def _merge_workers(
        self, limit: str | None, counts: dict[str, Any]
    ) -> tuple[str | None, dict[str, Any]] | None:
        """Leave this worker's report; None unless it is the last worker, which gets the whole
        run's failures, item errors, finish reason and counts (summed) to finish it with."""
        assert self.workers is not None
        report = {
            "worker": self.worker_id,
            "counts": counts,
            "failures": list(self.failures.values()),
            "item_errors": self.item_errors,
            "finish_reason": self.finish_reason,
            "limit_reached": limit,
        }
        reports = self.workers.leave(self.run.run_id, self.worker_id, report)
        if not reports:
            return None
        merged = merge_reports(reports)
        self.record = read_json(self.run.run_json)  # as the workers recorded its start
        self.record["workers"] = merged["workers"]
        self.failures = {f["url"]: f for f in merged["failures"]}
        self.item_errors = merged["item_errors"]
        self.finish_reason = merged["finish_reason"]
        merged_counts = dict(merged["counts"])
        merged_counts["failed_pages"] = len(self.failures)
        return merged["limit_reached"], dict(sorted(merged_counts.items()))

    def _state(self) -> ArchiveState | None:
        try:
            return crawl_state(self.crawler)
        except (StateError, sqlite3.Error, OSError) as error:
            self.record.setdefault("problems", []).append(f"state unusable: {error}")
            return None

    def _settle_items(self, items: list[dict[str, Any]]) -> None:
        """Let components that learn from the whole run (the source's date order) adjust it."""
        self.crawler.signals.send_catch_log(items_finalising, items=items)

    def _status(self, listing_pages: int) -> str:
        if self.finish_reason == "shutdown":
            # Ctrl-C (SIGINT) or SIGTERM: Scrapy stopped the crawl cleanly; --resume goes on.
            self.record.setdefault("problems", []).append(
                "interrupted (Ctrl-C or SIGTERM); archiver crawl --resume continues it"
            )
            return STATUS_INTERRUPTED
        if self.finish_reason != "finished":
            return STATUS_FAILED
        if not listing_pages:
            # Not one listing page came: nothing was archived, the run did not happen.
            self.record.setdefault("problems", []).append("no listing page could be fetched")
            return STATUS_FAILED
        no_teasers = [f for f in self.failures.values() if f["kind"] == "no_teasers"]
        if no_teasers:
            # The start URL is not a listing (or the site changed): a cron job must notice.
            self.record.setdefault("problems", []).extend(
                f"no_teasers: {f['url']}: {f['error']}" for f in no_teasers
            )
            return STATUS_FAILED
        if self.failures:
            return STATUS_PARTIAL
        return STATUS_LIMITED if self.record.get("limit_reached") else STATUS_COMPLETE

    def _counts(self) -> dict[str, Any]:
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        counts: dict[str, Any] = {name: stats.get(name, 0) for name in _COUNTED_STATS}
        counts.update({k: v for k, v in stats.items() if k.startswith("archiver/")})
        counts.update(
            {k: v for k, v in stats.items() if k.startswith("downloader/response_status_count/")}
        )
        counts["failed_pages"] = len(self.failures)
        return dict(sorted(counts.items()))


def _error_text(failure: Failure) -> str:
    return f"{failure.type.__name__ if failure.type else 'error'}: {failure.getErrorMessage()}"


def _now() -> str:
    return datetime.now(UTC).replace(microsecond=0).isoformat()
