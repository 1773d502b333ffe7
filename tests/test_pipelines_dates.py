"""The dates pipeline puts the normaliser's answer on the item: value, flags, candidates."""

from __future__ import annotations

from itemadapter import ItemAdapter
from scrapy.utils.test import get_crawler

from archiver import settings as project_settings
from archiver.items import PostItem
from archiver.pipelines.dates import DatesPipeline
from archiver.spiders.news import NewsSpider


def _pipeline() -> DatesPipeline:
    defaults = {k: v for k, v in vars(project_settings).items() if k.isupper()}
    crawler = get_crawler(
        NewsSpider, {**defaults, "ARCHIVER_SOURCE": "iuhrdf", "ARCHIVER_LOCK_HELD": True}
    )
    return DatesPipeline.from_crawler(crawler)


def _item(raw: str, machine: str | None = None) -> PostItem:
    return PostItem(
        url="http://127.0.0.1:8000/content/x",
        source="iuhrdf",
        published_raw=raw,
        published_machine=machine,
        crawled_at="2026-11-30T00:00:00+00:00",
    )


def test_a_time_in_the_fall_back_hour_is_null_with_both_instants() -> None:
    # 1 November 2020, 01:30 happened twice in New York (EDT, then EST).
    item = ItemAdapter(_pipeline().process_item(_item("Sun, 11/01/2020 - 01:30")))
    assert item["published"] is None
    assert "ambiguous_local_time" in item["date_flags"]
    assert item["published_candidates"] == [
        "2020-11-01T01:30:00-04:00",
        "2020-11-01T01:30:00-05:00",
    ]


def test_the_machine_date_settles_the_fall_back_hour() -> None:
    item = ItemAdapter(
        _pipeline().process_item(
            _item("Sun, 11/01/2020 - 01:30", machine="2020-11-01T01:30:00-05:00")
        )
    )
    assert item["published"] == "2020-11-01T01:30:00-05:00"
    assert item["published_candidates"] == []


def test_a_weekday_that_contradicts_the_date_is_null() -> None:
    item = ItemAdapter(_pipeline().process_item(_item("Sat, 09/30/2020 - 16:04")))
    assert item["published"] is None
    assert "weekday_mismatch" in item["date_flags"]
