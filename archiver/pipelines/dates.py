"""DatesPipeline: ``published_raw`` (+ the machine-readable date) -> ``published`` and flags.

Settings read (defaults in archiver/settings.py): ``ARCHIVER_SOURCE``, ``ARCHIVER_TIMEZONE``,
``ARCHIVER_DATE_LANGUAGES``, ``ARCHIVER_DATE_ORDER``: the source's date conventions (empty =
the source profile's). A date that cannot be decided is null with flags, counted in
``archiver/dates/unparsed``; the item is never dropped.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.statscollectors import StatsCollector

from archiver.dates import SourceDateNormaliser
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
        profile = get_profile(
            settings.get("ARCHIVER_SOURCE"), settings.get("ARCHIVER_SOURCES_FILE")
        )
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
        adapter["published_candidates"] = list(result.candidates)
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


def _parse_iso(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None
