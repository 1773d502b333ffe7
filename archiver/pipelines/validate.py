"""ValidatePipeline: flag items that lack what a researcher needs; drop only same-run duplicates.

Settings read: ``ARCHIVER_REQUIRED_FIELDS`` (a missing one is flagged ``missing_<field>``).
Duplicates (the same post twice in one run, by :func:`archiver.items.post_key`) are dropped and
counted in ``archiver/items/duplicates``.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.statscollectors import StatsCollector

from archiver.items import record_key


class ValidatePipeline:
    """Flag items that lack what a researcher needs; drop only same-run duplicates."""

    def __init__(self, required_fields: list[str], stats: StatsCollector) -> None:
        self.required_fields = required_fields
        self.stats = stats
        self.seen: set[str] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        required = crawler.settings.getlist("ARCHIVER_REQUIRED_FIELDS")
        return cls(required, crawler.stats)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        key = record_key(adapter)
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
