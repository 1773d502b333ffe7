"""NewsSpider: walk a news listing's pager, follow every teaser to its post page, fetch the
post's same-host page requisites, and emit one ``PostItem`` per listed post.

Settings read (defaults in archiver/settings.py):
- ``ARCHIVER_SOURCE``: source profile (start URLs, timezone, languages).
- ``ARCHIVER_START_URLS``: listing URLs to start from (overrides the profile's); ``-a
  start_url=URL`` works too.
- ``ARCHIVER_ALLOWED_HOSTS``: hosts besides the start URLs' that may be fetched.
- ``ARCHIVER_MAX_LISTING_PAGES``: a guard against endless pagers (0 = none).
- ``ARCHIVER_REQUISITES_ENABLED``: fetch images, stylesheets and scripts of post pages.
- ``ARCHIVER_MODE``: ``incremental`` (stop paging once ``ARCHIVER_INCREMENTAL_KNOWN_PAGES``
  pages in a row list only known posts; fetch only new posts) or ``full`` (walk everything,
  re-fetch known posts conditionally, then fetch known posts no listing showed, to prove
  removals).
- ``ARCHIVER_CONDITIONAL_REQUESTS``: send If-None-Match / If-Modified-Since in full mode.

Nothing listed is lost: a post whose page is gone (404/410), failed for good, is not HTML,
or is blocked by robots.txt still gives an item from its teaser, flagged.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archiver.items import PostItem
from archiver.layout import ArchivePaths, new_run_id
from archiver.output import read_jsonl
from archiver.pages import Teaser, parse_listing_page, parse_post_page
from archiver.postitems import item_from_post, item_from_teaser
from archiver.signals import listing_page_seen, page_failed, post_fetched, post_not_modified
from archiver.sources import get_profile
from archiver.state import ArchiveState
from archiver.state_pipeline import crawl_mode

logger = logging.getLogger(__name__)

GONE_STATUSES = frozenset({404, 410})


class NewsSpider(scrapy.Spider):
    """Crawl a Drupal-style news listing and its posts."""

    name = "news"

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # Every component reads the run id from settings, so it is fixed before they start.
        if not settings.get("ARCHIVER_RUN_ID"):
            settings.set("ARCHIVER_RUN_ID", new_run_id(), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        settings = crawler.settings
        profile = get_profile(settings.get("ARCHIVER_SOURCE"))
        from_argument = [kwargs["start_url"]] if kwargs.get("start_url") else []
        start_urls = settings.getlist("ARCHIVER_START_URLS") or from_argument
        spider.listing_urls = list(start_urls or profile.start_urls)
        if not spider.listing_urls:
            raise ValueError(f"source {profile.name!r} has no start URLs: give --start-url")
        spider.source_name = profile.name
        spider.run_id = settings.get("ARCHIVER_RUN_ID")
        extra_hosts = settings.getlist("ARCHIVER_ALLOWED_HOSTS")
        spider.allowed_netlocs = {urlsplit(u).netloc.lower() for u in spider.listing_urls}
        spider.allowed_netlocs.update(host.lower() for host in extra_hosts)
        # Scrapy's OffsiteMiddleware reads hostnames (no ports) from allowed_domains.
        spider.allowed_domains = sorted(
            {urlsplit(u).hostname or "" for u in spider.listing_urls} | set(extra_hosts)
        )
        spider.max_listing_pages = settings.getint("ARCHIVER_MAX_LISTING_PAGES")
        spider.fetch_requisites = settings.getbool("ARCHIVER_REQUISITES_ENABLED", True)
        spider.seen_posts = set()
        spider.listing_pages_seen = 0
        spider.mode = crawl_mode(crawler)
        spider.known_pages_to_stop = max(1, settings.getint("ARCHIVER_INCREMENTAL_KNOWN_PAGES"))
        spider.known_pages_in_a_row = 0
        spider.conditional = settings.getbool("ARCHIVER_CONDITIONAL_REQUESTS", True)
        spider.state_path = ArchivePaths(Path(settings.get("ARCHIVER_OUTPUT_DIR"))).state_db
        spider.state = None
        spider.known_urls = set()
        spider.known_node_ids = set()
        spider.missing_checked = False
        spider.captured_before = set()
        crawler.signals.connect(spider.on_idle, signal=scrapy_signals.spider_idle)
        crawler.signals.connect(spider.on_closed, signal=scrapy_signals.spider_closed)
        return spider

    listing_urls: list[str]
    source_name: str
    run_id: str
    allowed_netlocs: set[str]
    max_listing_pages: int
    fetch_requisites: bool
    seen_posts: set[str]
    listing_pages_seen: int
    mode: str
    known_pages_to_stop: int
    known_pages_in_a_row: int
    conditional: bool
    state_path: Path
    state: ArchiveState | None
    known_urls: set[str]
    known_node_ids: set[str]
    missing_checked: bool
    captured_before: set[str]

    async def start(self) -> AsyncIterator[scrapy.Request]:
        if self.state_path.exists():
            # What earlier runs captured: incremental runs skip it, full runs re-check it.
            self.state = ArchiveState.open(self.state_path)
            # Known = captured by an earlier run; this run's own captures (before an
            # interruption) are in captured_before instead.
            self.known_urls = self.state.known_urls(self.source_name, before_run=self.run_id)
            self.known_node_ids = self.state.known_node_ids(
                self.source_name, before_run=self.run_id
            )
            logger.info("The archive knows %d posts of %s", len(self.known_urls), self.source_name)
        if self.crawler.settings.getbool("ARCHIVER_RESUME"):
            self._skip_posts_captured_before_the_interruption()
        for url in self.listing_urls:
            yield self._listing_request(url)

    def _skip_posts_captured_before_the_interruption(self) -> None:
        run = ArchivePaths(self.state_path.parent).run(self.run_id)
        captured = 0
        for path in (run.items_partial, run.items_jsonl):
            for record in read_jsonl(path):
                if record.get("body_text") is None:
                    continue  # a teaser-only item: its page is worth another try
                captured += 1
                if record.get("node_id"):
                    self.captured_before.add(f"node:{record['node_id']}")
                for url in (record.get("url"), record.get("listed_url")):
                    if url:
                        self.captured_before.add(url)
        logger.info("Resuming run %s: %d posts were captured before", self.run_id, captured)

    def _is_known(self, teaser: Teaser) -> bool:
        if teaser.node_id and teaser.node_id in self.known_node_ids:
            return True
        return teaser.url in self.known_urls

    def _listing_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(
            url, callback=self.parse_listing, errback=self.listing_failed, priority=10
        )

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request | PostItem]:
        """Queue every teaser not seen yet; follow the pager while pages add something new."""
        self.listing_pages_seen += 1
        self.crawler.stats.inc_value("archiver/listing_pages")
        if not isinstance(response, TextResponse):
            self._fail(response.url, "listing", "listing page is not text", response.status)
            return
        page = parse_listing_page(response.text, response.url)
        for problem in page.problems:
            logger.warning("Listing %s: %s", response.url, problem)
            self.crawler.stats.inc_value(f"archiver/listing/{problem}")
        self.crawler.signals.send_catch_log(listing_page_seen, urls=[t.url for t in page.teasers])
        new_teasers = [t for t in page.teasers if self._post_key(t) not in self.seen_posts]
        for teaser in new_teasers:
            self.seen_posts.add(self._post_key(teaser))
            if self._post_key(teaser) in self.captured_before or teaser.url in self.captured_before:
                self.crawler.stats.inc_value("archiver/listing/captured_before_resume")
                continue
            if self.mode == "incremental" and self._is_known(teaser):
                self.crawler.stats.inc_value("archiver/listing/known_posts_skipped")
                continue
            yield self._post_request(teaser, response)
        duplicates = len(page.teasers) - len(new_teasers)
        if duplicates:
            self.crawler.stats.inc_value("archiver/listing/teasers_seen_before", duplicates)
        if page.teasers and all(self._is_known(t) for t in page.teasers):
            self.known_pages_in_a_row += 1
        else:
            self.known_pages_in_a_row = 0
        if not page.next_url:
            return
        if not new_teasers:
            logger.info("Listing %s adds no new post: not following its pager", response.url)
            return
        if self.mode == "incremental" and self.known_pages_in_a_row >= self.known_pages_to_stop:
            logger.info(
                "Listing %s lists only known posts: incremental run stops paging", response.url
            )
            return
        if self.max_listing_pages and self.listing_pages_seen >= self.max_listing_pages:
            logger.warning("Stopping at ARCHIVER_MAX_LISTING_PAGES=%d", self.max_listing_pages)
            return
        yield self._listing_request(page.next_url)

    def _post_key(self, teaser: Teaser) -> str:
        return f"node:{teaser.node_id}" if teaser.node_id else teaser.url

    def _post_request(self, teaser: Teaser, listing: Response | None) -> scrapy.Request:
        headers: dict[str, str] = {}
        meta: dict[str, Any] = {}
        if self.mode == "full" and self.conditional and self.state and self._is_known(teaser):
            etag, last_modified = self.state.validators(teaser.url)
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            if headers:
                meta["handle_httpstatus_list"] = [304]
        return scrapy.Request(
            teaser.url,
            callback=self.parse_post,
            errback=self.post_failed,
            headers=headers,
            meta=meta,
            cb_kwargs={
                "teaser": teaser,
                "listing_url": listing.url if listing is not None else None,
                "listing_warc": listing.meta.get("archiver_warc") if listing is not None else None,
            },
        )

    def on_idle(self) -> None:
        """In a full run, once the listings are walked, fetch the known posts no listing
        showed: a 404/410 proves a removal in this very run; a page still there is kept."""
        if self.mode != "full" or self.missing_checked or self.state is None:
            return
        self.missing_checked = True
        missing = self.state.missing_from_run(self.run_id, self.source_name)
        if not missing:
            return
        logger.info("%d known posts were in no listing: fetching them", len(missing))
        for url in missing:
            known = self.state.post(self.source_name, url)
            teaser = Teaser(
                url=url,
                node_id=known.node_id if known else None,
                title=known.title if known else None,
                submitted=None,
                date_raw=None,
                author=None,
                machine_date=None,
                teaser=None,
                position=-1,
            )
            self.seen_posts.add(self._post_key(teaser))
            request = self._post_request(teaser, None)
            request.meta.pop("handle_httpstatus_list", None)
            request.headers.pop(b"If-None-Match", None)
            request.headers.pop(b"If-Modified-Since", None)
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def on_closed(self) -> None:
        if self.state is not None:
            self.state.close()
            self.state = None

    def parse_post(
        self,
        response: Response,
        teaser: Teaser,
        listing_url: str | None,
        listing_warc: dict[str, Any] | None,
    ) -> Iterator[scrapy.Request | PostItem]:
        """One item from the post page (or its teaser when the page is not HTML)."""
        warc = response.meta.get("archiver_warc")
        if response.status == 304:
            self.crawler.signals.send_catch_log(post_not_modified, url=teaser.url)
            return
        self._send_validators(response, teaser)
        if not isinstance(response, TextResponse):
            logger.warning("Post %s is not HTML (%s)", response.url, _content_type(response))
            yield self._teaser_item(
                teaser, listing_url, ["article_not_html"], response.status, warc
            )
            return
        post = parse_post_page(response.text, response.url)
        yield item_from_post(
            teaser,
            post,
            source=self.source_name,
            listing_url=listing_url,
            final_url=response.url,
            status=response.status,
            warc=warc,
            run_id=self.run_id,
        )
        if self.fetch_requisites:
            for url in post.requisites:
                if urlsplit(url).netloc.lower() in self.allowed_netlocs:
                    yield scrapy.Request(
                        url,
                        callback=self.parse_requisite,
                        errback=self.requisite_failed,
                        priority=-10,
                        meta={"archiver_requisite": True},
                    )

    def _send_validators(self, response: Response, teaser: Teaser) -> None:
        etag = response.headers.get("ETag")
        last_modified = response.headers.get("Last-Modified")
        if not (etag or last_modified):
            return
        values = {
            "etag": etag.decode("latin-1") if etag else None,
            "last_modified": last_modified.decode("latin-1") if last_modified else None,
        }
        for url in {teaser.url, response.url}:
            self.crawler.signals.send_catch_log(post_fetched, url=url, **values)

    def parse_requisite(self, response: Response) -> None:
        """Requisites are archived by the WARC capture; nothing to extract."""
        self.crawler.stats.inc_value("archiver/requisites")

    def post_failed(self, failure: Failure) -> Iterator[PostItem]:
        """The post page could not be had: an item from the teaser, flagged with why."""
        request = failure.request  # type: ignore[attr-defined]
        kwargs = request.cb_kwargs
        teaser: Teaser = kwargs["teaser"]
        status: int | None = None
        warc = kwargs.get("listing_warc")
        if failure.check(HttpError):
            response = failure.value.response
            status = response.status
            warc = response.meta.get("archiver_warc") or warc
            flag = "article_missing" if status in GONE_STATUSES else "article_fetch_failed"
        elif failure.check(IgnoreRequest):
            flag = "article_not_fetched"
        else:
            flag = "article_fetch_failed"
        error = _describe(failure)
        if flag == "article_fetch_failed":
            self._fail(request.url, "post", error, status)
        logger.warning("Post %s: %s (%s)", request.url, flag, error)
        yield self._teaser_item(teaser, kwargs["listing_url"], [flag], status, warc)

    def _teaser_item(
        self,
        teaser: Teaser,
        listing_url: str | None,
        flags: list[str],
        status: int | None,
        warc: dict[str, Any] | None,
    ) -> PostItem:
        return item_from_teaser(
            teaser,
            source=self.source_name,
            listing_url=listing_url,
            flags=flags,
            status=status,
            warc=warc,
            run_id=self.run_id,
        )

    def listing_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        status = failure.value.response.status if failure.check(HttpError) else None
        self._fail(request.url, "listing", _describe(failure), status)

    def requisite_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest):
            # robots.txt or the host policy said no: a choice we made, not a failure.
            logger.info("Requisite %s not fetched: %s", request.url, failure.getErrorMessage())
            self.crawler.stats.inc_value("archiver/requisites/not_fetched")
            return
        status = failure.value.response.status if failure.check(HttpError) else None
        self._fail(request.url, "requisite", _describe(failure), status)

    def _fail(self, url: str, kind: str, error: str, status: int | None) -> None:
        logger.error("Failed for good: %s %s: %s", kind, url, error)
        self.crawler.stats.inc_value(f"archiver/failed/{kind}")
        self.crawler.signals.send_catch_log(
            page_failed, url=url, kind=kind, error=error, status=status
        )


def _describe(failure: Failure) -> str:
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}" if failure.type else "error"


def _content_type(response: Response) -> str:
    return (response.headers.get("Content-Type") or b"").decode("latin-1") or "no Content-Type"
