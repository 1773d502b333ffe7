"""Item pipelines, in order: dates (100) -> validate (200) -> write (900).

Settings read (defaults in archiver/settings.py):
- ``ARCHIVER_SOURCE``, ``ARCHIVER_TIMEZONE``, ``ARCHIVER_DATE_LANGUAGES``,
  ``ARCHIVER_DATE_ORDER``: the source's date conventions (empty = the profile's).
- ``ARCHIVER_OUTPUT_DIR``, ``ARCHIVER_RUN_ID``: where the write pipeline puts files.
- ``ARCHIVER_REQUIRED_FIELDS``: fields an item should have; missing ones are flagged.

Pipelines flag, they do not drop: the only items dropped are true duplicates (same post twice
in one run), and those are counted in ``archiver/items/duplicates``.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from archiver.catalogue import post_key
from archiver.dates import SourceDateNormaliser
from archiver.layout import ArchivePaths
from archiver.output import JsonLinesAppender, atomic_write_jsonl, read_jsonl
from archiver.signals import items_finalising
from archiver.sources import get_profile

logger = logging.getLogger(__name__)


class DatesPipeline:
    """Turn ``published_raw`` (+ the machine-readable date) into ``published`` and flags."""

    def __init__(self, normaliser: SourceDateNormaliser, stats: StatsCollector) -> None:
        self.normaliser = normaliser
        self.stats = stats

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DatesPipeline:
        settings = crawler.settings
        profile = get_profile(settings.get("ARCHIVER_SOURCE"))
        languages = settings.getlist("ARCHIVER_DATE_LANGUAGES") or list(profile.languages)
        normaliser = SourceDateNormaliser(
            settings.get("ARCHIVER_TIMEZONE") or profile.timezone,
            languages=languages,
            order=settings.get("ARCHIVER_DATE_ORDER") or profile.date_order,
        )
        pipeline = cls(normaliser, crawler.stats)
        crawler.signals.connect(pipeline.settle_ambiguous, signal=items_finalising)
        return pipeline

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        self._apply(adapter)
        return item

    def _apply(self, adapter: ItemAdapter) -> None:
        fetched_at = _parse_iso(adapter.get("crawled_at"))
        result = self.normaliser.normalise(
            adapter.get("published_raw"),
            fetched_at=fetched_at,
            machine=adapter.get("published_machine"),
        )
        adapter["published"] = result.isoformat()
        adapter["date_flags"] = list(result.flags)
        if result.value is None:
            self.stats.inc_value("archiver/dates/unparsed")
            logger.warning(
                "No sure date for %s: %r (%s)",
                adapter.get("url"),
                adapter.get("published_raw"),
                ", ".join(result.flags) or "no flags",
            )
        else:
            self.stats.inc_value("archiver/dates/parsed")

    def settle_ambiguous(self, items: list[dict[str, Any]]) -> None:
        """At the end of a run the source's date order may be known: settle what was ambiguous."""
        for record in items:
            if "ambiguous" not in (record.get("date_flags") or []):
                continue
            before = record.get("published")
            self._apply(ItemAdapter(record))
            if record.get("published") != before:
                self.stats.inc_value("archiver/dates/settled_at_end")


class ValidatePipeline:
    """Flag items that lack what a researcher needs; drop only same-run duplicates."""

    def __init__(self, required_fields: list[str], stats: StatsCollector) -> None:
        self.required_fields = required_fields
        self.stats = stats
        self.seen: set[tuple[str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        required = crawler.settings.getlist("ARCHIVER_REQUIRED_FIELDS")
        return cls(required, crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        key = post_key(adapter)
        if key in self.seen:
            self.stats.inc_value("archiver/items/duplicates")
            raise DropItem(f"duplicate post in this run: {adapter.get('url')}")
        self.seen.add(key)
        flags = list(adapter.get("flags") or [])
        for name in self.required_fields:
            if adapter.get(name) in (None, "", []):
                flag = f"missing_{name}"
                if flag not in flags:
                    flags.append(flag)
                self.stats.inc_value(f"archiver/items/{flag}")
        adapter["flags"] = flags
        if flags:
            self.stats.inc_value("archiver/items/flagged")
        return item


class WritePipeline:
    """Append items to the run's items.jsonl.partial; at the end, write items.jsonl.

    The catalogue, changes and feed follow once the run's status is known (archiver.finalise).
    """

    def __init__(self, archive: ArchivePaths, run_id: str, crawler: Crawler) -> None:
        self.archive = archive
        self.run = archive.run(run_id)
        self.crawler = crawler
        self.appender: JsonLinesAppender | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> WritePipeline:
        settings = crawler.settings
        archive = ArchivePaths(Path(settings.get("ARCHIVER_OUTPUT_DIR")))
        return cls(archive, settings.get("ARCHIVER_RUN_ID"), crawler)

    def open_spider(self) -> None:
        if self.run.items_jsonl.exists() and not self.run.items_partial.exists():
            # A resumed run that had already written items.jsonl: go on appending to it.
            self.run.items_jsonl.replace(self.run.items_partial)
        self.appender = JsonLinesAppender(self.run.items_partial)

    def process_item(self, item: Any) -> Any:
        assert self.appender is not None
        self.appender.append(ItemAdapter(item).asdict())
        self.crawler.stats.inc_value("archiver/items/written")
        return item

    def close_spider(self) -> None:
        if self.appender is None:
            return
        self.appender.close()
        items = latest_per_post(read_jsonl(self.run.items_partial))
        self.crawler.signals.send_catch_log(items_finalising, items=items)
        atomic_write_jsonl(self.run.items_jsonl, items)
        self.run.items_partial.unlink(missing_ok=True)
        logger.info("Wrote %d items to %s", len(items), self.run.items_jsonl)


def latest_per_post(records: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """One record per post, the last written (a resumed run may capture a post again)."""
    by_key: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        by_key.pop(post_key(record), None)  # keep the order of the latest write
        by_key[post_key(record)] = record
    return list(by_key.values())


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
