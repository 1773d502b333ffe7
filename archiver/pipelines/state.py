"""StatePipeline: tell the archive's state (archiver.state.store) what this run saw.

Each item is recorded as a capture (new / changed / unchanged / removed), and the item gets a
``change`` field saying which. Listing sightings, HTTP validators and 304 answers arrive as
signals from the spider (archiver.signals). The run is begun here; it is finished by the run
log once the run's status is known (archiver.archive.lifecycle).

Settings read: ``ARCHIVER_OUTPUT_DIR``, ``ARCHIVER_RUN_ID``, ``ARCHIVER_MODE``,
``ARCHIVER_STATE_ENABLED`` (default True).
"""

from __future__ import annotations

import contextlib
import logging
import sqlite3
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from archiver import signals
from archiver.archive.layout import ArchivePaths
from archiver.archive.session import crawl_state
from archiver.files import disk_full_message
from archiver.pipelines.itemdict import item_dict
from archiver.state import ArchiveState, parse_mode

logger = logging.getLogger(__name__)


class StatePipeline:
    """Record captures, sightings and validators in OUTPUT/state.sqlite."""

    def __init__(self, crawler: Crawler, run_id: str, mode: str) -> None:
        self.crawler = crawler
        self.run_id = run_id
        self.mode = mode
        self.source = str(crawler.settings.get("ARCHIVER_SOURCE"))
        self.state: ArchiveState | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatePipeline:
        settings = crawler.settings
        if not settings.getbool("ARCHIVER_STATE_ENABLED", True):
            raise NotConfigured
        pipeline = cls(
            crawler,
            settings.get("ARCHIVER_RUN_ID"),
            parse_mode(settings.get("ARCHIVER_MODE")),
        )
        crawler.signals.connect(pipeline.listing_page_seen, signal=signals.listing_page_seen)
        crawler.signals.connect(pipeline.post_fetched, signal=signals.post_fetched)
        crawler.signals.connect(pipeline.post_not_modified, signal=signals.post_not_modified)
        return pipeline

    def open_spider(self) -> None:
        self.state = crawl_state(self.crawler)
        if self.state is not None:
            self.state.begin_run(self.run_id, self.mode)

    def close_spider(self) -> None:
        self.state = None  # the crawl's connection: the run log closes it after the run ends

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        if self.state is None:
            return item
        with self._disk_full_reported():
            change = self.state.record_capture(self.run_id, item_dict(item))
            adapter["change"] = change.kind
            self.crawler.stats.inc_value(f"archiver/posts/{change.kind}")
        return item

    def listing_page_seen(self, urls: Iterable[str]) -> None:
        if self.state is not None:
            with self._disk_full_reported():
                self.state.record_listing_page(self.run_id, self.source, list(urls))

    def post_fetched(self, url: str, etag: str | None, last_modified: str | None) -> None:
        if self.state is not None and (etag or last_modified):
            with self._disk_full_reported():
                self.state.set_validators(url, etag, last_modified)

    def post_not_modified(self, url: str) -> None:
        self.crawler.stats.inc_value("archiver/posts/not_modified")
        if self.state is not None:
            with self._disk_full_reported():
                self.state.record_seen_in_listing(self.run_id, self.source, url)

    @contextlib.contextmanager
    def _disk_full_reported(self) -> Iterator[None]:
        """A state write that finds the disk full is reported (the run log stops the crawl
        and fails the run, --resume redoes it) instead of raising; anything else raises."""
        try:
            yield
        except sqlite3.OperationalError as error:
            state_db = ArchivePaths(Path(self.crawler.settings["ARCHIVER_OUTPUT_DIR"])).state_db
            full = disk_full_message(error, state_db)
            if full is None:
                raise
            self.crawler.signals.send_catch_log(signals.disk_full, message=full)
