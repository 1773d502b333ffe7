"""WritePipeline: append items to the run's ``items.jsonl.partial``; at the end, ``items.jsonl``.

Settings read: ``ARCHIVER_OUTPUT_DIR``, ``ARCHIVER_RUN_ID``, ``ARCHIVER_WORKER_ID`` (a distributed
crawl's worker writes ``items-<worker>.jsonl.partial``). Each item is flushed as it comes, so
a crash loses nothing scraped. ``items.jsonl`` is written when the run ends, by the one run
lifecycle (:func:`archiver.archive.lifecycle.finish_run`), the same way after a normal end, a
resume or a crash.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scrapy.crawler import Crawler

from archiver.archive.layout import ArchivePaths
from archiver.files import JsonLinesAppender, disk_full_message
from archiver.pipelines.itemdict import item_dict
from archiver.signals import disk_full


class WritePipeline:
    """Append items to the run's items.jsonl.partial, one flushed line per item."""

    def __init__(
        self, archive: ArchivePaths, run_id: str, crawler: Crawler, worker: str = ""
    ) -> None:
        self.archive = archive
        self.run = archive.run(run_id)
        # A distributed crawl's worker appends to its own file (the run's end settles them all).
        self.path = self.run.worker_items_partial(worker) if worker else self.run.items_partial
        self.crawler = crawler
        self.appender: JsonLinesAppender | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WritePipeline:
        settings = crawler.settings
        archive = ArchivePaths(Path(settings.get("ARCHIVER_OUTPUT_DIR")))
        return cls(
            archive, settings.get("ARCHIVER_RUN_ID"), crawler, settings.get("ARCHIVER_WORKER_ID")
        )

    def open_spider(self) -> None:
        if self.run.items_jsonl.exists() and not self.run.items_partial.exists():
            # A resumed run that had already written items.jsonl: go on appending to it.
            self.run.items_jsonl.replace(self.run.items_partial)
        self.appender = JsonLinesAppender(self.path)

    def process_item(self, item: Any) -> Any:
        assert self.appender is not None
        try:
            self.appender.append(item_dict(item))
        except OSError as error:
            full = disk_full_message(error, self.appender.path)
            if full is None:
                raise
            # Not stored: the run fails (disk_full) and --resume captures the post again.
            self.crawler.signals.send_catch_log(disk_full, message=full)
            self.crawler.stats.inc_value("archiver/items/not_stored")
            return item
        self.crawler.stats.inc_value("archiver/items/written")
        return item

    def close_spider(self) -> None:
        if self.appender is None:
            return
        try:
            self.appender.close()
        except OSError as error:
            full = disk_full_message(error, self.appender.path)
            if full is None:
                raise
            self.crawler.signals.send_catch_log(disk_full, message=full)
