"""NewsSpider's crawl decisions, on listing pages built in the test (no network)."""

from __future__ import annotations

from pathlib import Path

import scrapy
from scrapy.http import HtmlResponse, Request
from scrapy.utils.test import get_crawler

from archiver import settings as project_settings
from archiver.archive.session import close_crawl_state, crawl_state
from archiver.spiders.news import NewsSpider
from archiver.state import ArchiveState

BASE = "http://127.0.0.1:8000"


def listing_html(slugs: list[str], next_page: str | None) -> str:
    teasers = "".join(
        f'<div id="node-{1000 + sum(map(ord, slug))}" class="node node-teaser" '
        f'about="/content/{slug}">'
        f'<h2><a href="/content/{slug}">Title {slug}</a></h2>'
        f'<div class="meta submitted">Thu, 09/12/2019 - 17:14 -- '
        f'<span class="username">Kanat</span></div></div>'
        for slug in slugs
    )
    pager = (
        f'<ul class="pager"><li class="pager-next"><a href="{next_page}">next ›</a></li></ul>'
        if next_page
        else ""
    )
    return f"<html><body>{teasers}{pager}</body></html>"


def make_spider(tmp_path: Path, **settings: object) -> NewsSpider:
    defaults = {k: v for k, v in vars(project_settings).items() if k.isupper()}
    crawler = get_crawler(
        NewsSpider,
        {
            **defaults,
            "ARCHIVER_START_URLS": [f"{BASE}/topic/news"],
            "ARCHIVER_OUTPUT_DIR": str(tmp_path),
            "ARCHIVER_RUN_ID": "20261123T000000Z",
            "ARCHIVER_LOCK_HELD": True,  # no crawl runs here: no archive lock
            **settings,
        },
    )
    spider = NewsSpider.from_crawler(crawler)
    crawler.spider = spider
    return spider


def respond(url: str, html: str) -> HtmlResponse:
    return HtmlResponse(url, body=html.encode(), encoding="utf-8", request=Request(url))


def requests_of(spider: NewsSpider, url: str, html: str) -> list[scrapy.Request]:
    return [r for r in spider.parse_listing(respond(url, html)) if isinstance(r, scrapy.Request)]


def test_a_post_listed_on_two_pages_is_requested_once(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    first = requests_of(
        spider, f"{BASE}/topic/news", listing_html(["a", "b"], "/topic/news?page=1")
    )
    second = requests_of(spider, f"{BASE}/topic/news?page=1", listing_html(["b", "c"], None))
    posts = [r.url for r in first + second if "/content/" in r.url]
    assert posts == [f"{BASE}/content/a", f"{BASE}/content/b", f"{BASE}/content/c"]
    assert [r.url for r in first if "/topic/" in r.url] == [f"{BASE}/topic/news?page=1"]


def test_a_page_that_adds_nothing_new_stops_the_pager(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    requests_of(spider, f"{BASE}/topic/news", listing_html(["a", "b"], "/topic/news?page=1"))
    looped = requests_of(
        spider, f"{BASE}/topic/news?page=1", listing_html(["a", "b"], "/topic/news?page=2")
    )
    assert looped == []  # same posts again (a loop or an endless pager): stop


def test_max_listing_pages_guard(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, ARCHIVER_MAX_LISTING_PAGES=1)
    requests = requests_of(spider, f"{BASE}/topic/news", listing_html(["a"], "/topic/news?page=1"))
    assert [r.url for r in requests] == [f"{BASE}/content/a"]


def test_incremental_run_skips_known_posts_and_stops_paging(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    spider.memory.known_urls = {f"{BASE}/content/a", f"{BASE}/content/b"}
    requests = requests_of(
        spider, f"{BASE}/topic/news", listing_html(["a", "b"], "/topic/news?page=1")
    )
    assert requests == []


def test_full_run_fetches_known_posts_and_keeps_paging(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, ARCHIVER_MODE="full")
    spider.memory.known_urls = {f"{BASE}/content/a", f"{BASE}/content/b"}
    requests = requests_of(
        spider, f"{BASE}/topic/news", listing_html(["a", "b"], "/topic/news?page=1")
    )
    assert [r.url for r in requests] == [
        f"{BASE}/content/a",
        f"{BASE}/content/b",
        f"{BASE}/topic/news?page=1",
    ]


def test_requisites_stay_on_the_source_host(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    urls = [f"{BASE}/sites/a.png", "https://twitter.com/x.js", "http://127.0.0.1:9999/b.css"]
    assert [r.url for r in spider._requisite_requests(urls)] == [f"{BASE}/sites/a.png"]


def test_memory_ignores_the_state_when_state_is_off(tmp_path: Path) -> None:
    with ArchiveState.open(tmp_path / "state.sqlite") as state:
        state.begin_run("20261122T000000Z", "incremental")
        state.record_capture(
            "20261122T000000Z",
            {"source": "iuhrdf", "url": f"{BASE}/content/a", "body_text": "x",
             "content_sha256": "0" * 64, "crawled_at": "2026-11-22T00:00:00+00:00"},
        )  # fmt: skip
    spider = make_spider(tmp_path)
    spider.memory.load(crawl_state(spider.crawler), resume=False)
    assert f"{BASE}/content/a" in spider.memory.known_urls
    close_crawl_state(spider.crawler)
    off = make_spider(tmp_path, ARCHIVER_STATE_ENABLED=False)
    off.memory.load(crawl_state(off.crawler), resume=False)
    assert off.memory.known_urls == set()


def test_after_an_unfinished_run_incremental_keeps_paging(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    spider.memory.known_urls = {f"{BASE}/content/a", f"{BASE}/content/b"}
    spider.memory.previous_run_complete = False  # it crashed: posts behind may be unseen
    requests = requests_of(
        spider, f"{BASE}/topic/news", listing_html(["a", "b"], "/topic/news?page=1")
    )
    assert [r.url for r in requests] == [f"{BASE}/topic/news?page=1"]


def offsite_listing_html(page: int) -> str:
    teasers = "".join(
        f'<div id="node-{page * 10 + i}" class="node node-teaser">'
        f'<h2><a href="http://elsewhere.example/content/p{page}-{i}">Spam {i}</a></h2></div>'
        for i in range(3)
    )
    pager = f'<ul class="pager"><li class="pager-next"><a href="/topic/news?page={page + 1}">'
    return f"<html><body>{teasers}{pager}next ›</a></li></ul></body></html>"


def test_listing_pages_that_add_no_capturable_post_trip_their_limit(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, ARCHIVER_MAX_EMPTY_LISTING_PAGES=3)
    followed = []
    for page in range(10):
        url = f"{BASE}/topic/news?page={page}"
        requests = requests_of(spider, url, offsite_listing_html(page))
        followed += [r.url for r in requests if "/topic/news" in r.url]
        if not any("/topic/news" in r.url for r in requests):
            break
    assert followed == [f"{BASE}/topic/news?page={n}" for n in (1, 2)]
    assert spider.limit_reached == "ARCHIVER_MAX_EMPTY_LISTING_PAGES"
    assert spider.crawler.stats.get_value("archiver/limit_reached") == spider.limit_reached
