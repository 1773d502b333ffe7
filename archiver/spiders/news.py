"""NewsSpider: walk a news listing's pager, follow every teaser to its post page, fetch the
post's same-host page requisites, and emit one ``PostItem`` per listed post.

Settings read (defaults in archiver/settings.py):
- ``ARCHIVER_SOURCE``: source profile (start URLs, timezone, languages).
- ``ARCHIVER_START_URLS``: listing URLs to start from (overrides the profile's).

Spider arguments (``-a NAME=VALUE``, Scrapyd's ``schedule.json``) set settings: ``output``
(ARCHIVER_OUTPUT_DIR), ``source``, ``sources``, ``start_url`` and ``full`` (ARCHIVER_MODE=full);
``-s`` on the command line still wins.
- ``ARCHIVER_ALLOWED_HOSTS``: hosts besides the start URLs' that may be fetched.
- ``ARCHIVER_MAX_LISTING_PAGES``, ``ARCHIVER_MAX_POSTS_PER_RUN``,
  ``ARCHIVER_MAX_EMPTY_LISTING_PAGES``: guards against traps (0 = none), far above what a real
  site reaches. When one trips, the run stops paging (and queuing posts), finishes normally,
  and names the limit (stat ``archiver/limit_reached``; run.json ``limit_reached``).
- ``ARCHIVER_REQUISITES_ENABLED``: fetch images, stylesheets and scripts of post pages.
- ``ARCHIVER_REQUISITES_CSS_DEPTH``: how many levels of stylesheets' ``@import`` / ``url()``
  references are followed (1 = the page's own stylesheets' references only; 0 = none).
- ``ARCHIVER_MODE``: ``incremental`` (stop paging once ``ARCHIVER_INCREMENTAL_KNOWN_PAGES``
  pages in a row list only known posts; fetch only new posts) or ``full`` (walk everything,
  re-fetch known posts conditionally, then fetch known posts no listing showed, to prove
  removals).
- ``ARCHIVER_CONDITIONAL_REQUESTS``: send If-None-Match / If-Modified-Since in full mode.
- ``ARCHIVER_RESUME``: continue an interrupted run; posts it captured are not fetched again.

Nothing listed is lost: a post whose page is gone (404/410), failed for good, is not HTML,
or is blocked by robots.txt still gives an item from its teaser, flagged.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import scrapy
from scrapy import signals as scrapy_signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DontCloseSpider, IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.settings import BaseSettings
from twisted.python.failure import Failure

from archiver.archive.layout import ArchivePaths, new_run_id
from archiver.archive.session import crawl_state
from archiver.items import (
    FLAG_ARTICLE_FETCH_FAILED,
    FLAG_ARTICLE_NOT_HTML,
    FLAG_EXTRACTION_FAILED,
    PostItem,
)
from archiver.pages import EXPECTED_TEASERS, Teaser, parse_listing_page
from archiver.pages.charset import page_text
from archiver.pages.requisites import css_references
from archiver.pages.selectors import Selectors
from archiver.pages.urls import Origin, allowed_origins, origin
from archiver.signals import listing_page_seen, page_failed, post_fetched, post_not_modified
from archiver.sources import get_profile
from archiver.spiders.extraction import (
    UNGUARDED_SCRIPT,
    PostExtractor,
    parse_workers,
    starting_a_worker,
)
from archiver.spiders.memory import CrawlMemory
from archiver.spiders.outcomes import (
    classify_post_failure,
    content_type,
    describe_failure,
    failure_status,
    is_css,
    is_html,
)
from archiver.spiders.postitems import item_from_post, item_from_stored, item_from_teaser
from archiver.state import UNLISTED_FLAG, parse_mode

logger = logging.getLogger(__name__)


SPIDER_ARGUMENTS = {
    "output": "ARCHIVER_OUTPUT_DIR",
    "source": "ARCHIVER_SOURCE",
    "sources": "ARCHIVER_SOURCES_FILE",
    "start_url": "ARCHIVER_START_URLS",
    "full": "ARCHIVER_MODE",
}


def spider_argument_settings(arguments: dict[str, Any]) -> dict[str, Any]:
    """The settings that spider arguments (``-a NAME=VALUE``; Scrapyd's schedule.json) set:
    ``output``, ``source``, ``sources``, ``start_url`` (several: separated by spaces or commas)
    and ``full`` (``1``/``true``/``yes``: a full run)."""
    found: dict[str, Any] = {}
    for argument, name in SPIDER_ARGUMENTS.items():
        value = arguments.get(argument)
        if value in (None, ""):
            continue
        if argument == "start_url":
            found[name] = [u for u in str(value).replace(",", " ").split() if u]
        elif argument == "full":
            if str(value).strip().lower() in ("1", "true", "yes", "full"):
                found[name] = "full"
        else:
            found[name] = str(value)
    return found


class NewsSpider(scrapy.Spider):
    """Crawl a Drupal-style news listing and its posts."""

    name = "news"

    listing_urls: list[str]
    source_name: str
    selectors: Selectors
    extractor: PostExtractor
    run_id: str
    allowed_netlocs: set[str]
    allowed_origins: frozenset[Origin]
    max_listing_pages: int
    max_posts_per_run: int
    max_empty_listing_pages: int
    limit_reached: str | None
    _posts_queued: int
    _empty_pages_in_a_row: int
    fetch_requisites: bool
    requisites_css_depth: int
    mode: str
    conditional: bool
    known_pages_to_stop: int
    memory: CrawlMemory
    allowed_domains: list[str]
    _seen_posts: set[str]
    _requisites_requested: set[str]
    _pending_posts: dict[str, str]
    _listing_pages_seen: int
    _known_pages_in_a_row: int
    _missing_checked: bool
    _ends_reached: int
    _listing_failed: bool
    distributed: bool

    @classmethod
    def update_settings(cls, settings: BaseSettings) -> None:
        super().update_settings(settings)
        # Every component reads the run id from settings, so it is fixed before they start.
        if not settings.get("ARCHIVER_RUN_ID"):
            settings.set("ARCHIVER_RUN_ID", new_run_id(), priority="spider")

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> NewsSpider:
        if starting_a_worker():  # an unguarded script, imported again by a worker
            raise RuntimeError(UNGUARDED_SCRIPT)
        settings = crawler.settings
        # Spider arguments (`scrapy crawl news -a output=DIR`, Scrapyd's schedule.json) set the
        # archiver settings, before any component reads them (Scrapy freezes the settings and
        # builds the components after the spider). The command line (-s) still wins.
        for name, value in spider_argument_settings(kwargs).items():
            settings.set(name, value, priority="spider")
        spider: NewsSpider = super().from_crawler(crawler, *args, **kwargs)
        profile = get_profile(
            settings.get("ARCHIVER_SOURCE"), settings.get("ARCHIVER_SOURCES_FILE")
        )
        spider.listing_urls = list(settings.getlist("ARCHIVER_START_URLS") or profile.start_urls)
        if not spider.listing_urls:
            raise ValueError(f"source {profile.name!r} has no start URLs: give --start-url")
        spider.source_name = profile.name
        # The source's markup, where it differs from Drupal 7's (checked with the profile).
        spider.selectors = Selectors.from_css(profile.selectors)
        spider.extractor = PostExtractor(
            parse_workers(settings.get("ARCHIVER_PARSE_WORKERS")), spider.selectors
        )
        spider.run_id = settings.get("ARCHIVER_RUN_ID")
        extra_hosts = [host.lower() for host in settings.getlist("ARCHIVER_ALLOWED_HOSTS")]
        spider.allowed_netlocs = {urlsplit(u).netloc.lower() for u in spider.listing_urls}
        spider.allowed_netlocs.update(extra_hosts)
        # What HostPolicyMiddleware lets through: scheme, host and port, as the source lists.
        spider.allowed_origins = allowed_origins(spider.listing_urls, extra_hosts)
        # Scrapy's OffsiteMiddleware reads hostnames (no ports) from allowed_domains; the
        # host policy middleware checks host and port (archiver.downloadermiddlewares.hostscope).
        spider.allowed_domains = sorted({host for _, host, _ in spider.allowed_origins if host})
        spider.max_listing_pages = settings.getint("ARCHIVER_MAX_LISTING_PAGES")
        spider.max_posts_per_run = settings.getint("ARCHIVER_MAX_POSTS_PER_RUN")
        spider.max_empty_listing_pages = settings.getint("ARCHIVER_MAX_EMPTY_LISTING_PAGES")
        spider.limit_reached = None
        spider._posts_queued = 0
        spider._empty_pages_in_a_row = 0
        spider.fetch_requisites = settings.getbool("ARCHIVER_REQUISITES_ENABLED", True)
        spider.requisites_css_depth = settings.getint("ARCHIVER_REQUISITES_CSS_DEPTH", 3)
        spider.mode = parse_mode(settings.get("ARCHIVER_MODE"))
        spider.conditional = settings.getbool("ARCHIVER_CONDITIONAL_REQUESTS", True)
        spider.known_pages_to_stop = max(1, settings.getint("ARCHIVER_INCREMENTAL_KNOWN_PAGES"))
        archive = ArchivePaths(Path(settings.get("ARCHIVER_OUTPUT_DIR")))
        spider.memory = CrawlMemory(archive, spider.source_name, spider.run_id)
        spider._seen_posts = set()
        spider._requisites_requested = set()
        # Post requests sent and not yet answered (callback or errback), by post key.
        spider._pending_posts = {}
        spider._listing_pages_seen = 0
        spider._known_pages_in_a_row = 0
        spider._missing_checked = False
        # Listing chains (one per start URL) that ended at the end of the listing.
        spider._ends_reached = 0
        spider._listing_failed = False
        # A distributed crawl (--redis): another worker may answer a request this one queued.
        spider.distributed = bool(settings.get("ARCHIVER_REDIS_URL"))
        crawler.signals.connect(spider.on_idle, signal=scrapy_signals.spider_idle)
        crawler.signals.connect(spider.on_closed, signal=scrapy_signals.spider_closed)
        return spider

    async def start(self) -> AsyncIterator[scrapy.Request]:
        settings = self.crawler.settings
        self.memory.load(crawl_state(self.crawler), resume=settings.getbool("ARCHIVER_RESUME"))
        if self.mode == "full":
            self.memory.load_stored_captures()
        for url in self.listing_urls:
            yield self._listing_request(url)

    # -- listings ---------------------------------------------------------------------------

    def _listing_request(self, url: str) -> scrapy.Request:
        return scrapy.Request(
            url,
            callback=self.parse_listing,
            errback=self.listing_failed,
            priority=10,
            meta={"archiver_first_listing": url in self.listing_urls},
        )

    def parse_listing(self, response: Response) -> Iterator[scrapy.Request | PostItem]:
        """Queue every teaser not seen yet; follow the pager while pages add something new."""
        self._listing_pages_seen += 1
        self.crawler.stats.inc_value("archiver/listing_pages")
        if not isinstance(response, TextResponse):
            self._listing_failed = True
            self._fail(response.url, "listing", "listing page is not text", response.status)
            return
        text, _ = page_text(response.body, response.encoding, response.text)
        page = parse_listing_page(text, response.url, self.selectors)
        if not page.teasers and response.meta.get("archiver_first_listing"):
            # A start URL that lists nothing: a post page, or a redesigned site. Not success.
            self._listing_failed = True
            self._fail(
                response.url,
                "no_teasers",
                f"the start URL lists no post: expected {EXPECTED_TEASERS}; found "
                f"{page.describe()}",
                response.status,
            )
            return
        for problem in page.problems:
            logger.warning("Listing %s: %s", response.url, problem)
            self.crawler.stats.inc_value(f"archiver/listing/{problem}")
        self.crawler.signals.send_catch_log(listing_page_seen, urls=[t.url for t in page.teasers])
        new_teasers = [t for t in page.teasers if self.memory.key(t) not in self._seen_posts]
        capturable = [t for t in new_teasers if self._in_scope(t.url)]
        self._empty_pages_in_a_row = 0 if capturable else self._empty_pages_in_a_row + 1
        for teaser in new_teasers:
            if self.limit_reached == "ARCHIVER_MAX_POSTS_PER_RUN":
                break
            self._seen_posts.add(self.memory.key(teaser))
            if self.memory.was_captured_before(teaser):
                self.crawler.stats.inc_value("archiver/listing/captured_before_resume")
            elif self.mode == "incremental" and self.memory.is_known(teaser):
                self.crawler.stats.inc_value("archiver/listing/known_posts_skipped")
            elif self._under_limit(
                "ARCHIVER_MAX_POSTS_PER_RUN", self._posts_queued, self.max_posts_per_run
            ):
                self._posts_queued += 1
                yield self._post_request(teaser, response)
        if len(page.teasers) > len(new_teasers):
            self.crawler.stats.inc_value(
                "archiver/listing/teasers_seen_before", len(page.teasers) - len(new_teasers)
            )
        if page.teasers and all(self.memory.is_known(t) for t in page.teasers):
            self._known_pages_in_a_row += 1
        else:
            self._known_pages_in_a_row = 0
        if self._should_follow_pager(response.url, page.next_url, bool(new_teasers)):
            assert page.next_url is not None
            yield self._listing_request(page.next_url)
        elif self._listing_ended(page.next_url, bool(new_teasers)):
            self._ends_reached += 1

    def _listing_ended(self, next_url: str | None, added: bool) -> bool:
        """Whether a listing whose paging stops here was walked to its end: its last page,
        a pager that repeats itself, or known posts when the archive was walked before. Not
        when a limit stopped it."""
        if self.limit_reached:
            return False
        if not next_url or not added:
            return True
        return self.mode == "incremental" and self.memory.previous_run_complete

    @property
    def walked_to_end(self) -> bool:
        """Every start URL's listing was walked to its end (or to posts an archive that was
        walked to the end already holds): the next incremental run may stop at known posts."""
        return (
            self._ends_reached >= len(self.listing_urls)
            and not self._listing_failed
            and not self.limit_reached
        )

    def _in_scope(self, url: str) -> bool:
        return origin(url) in self.allowed_origins

    def _under_limit(self, name: str, count: int, limit: int) -> bool:
        """False (and the limit recorded, once) when ``count`` has reached ``limit`` (0 =
        none): the run stops paging and queuing posts, and says which limit tripped."""
        if not limit or count < limit:
            return True
        if not self.limit_reached:
            self.limit_reached = name
            self.crawler.stats.set_value("archiver/limit_reached", name)
            logger.warning("Limit reached: %s=%d; the run stops paging", name, limit)
        return False

    def _should_follow_pager(self, url: str, next_url: str | None, added: bool) -> bool:
        if not next_url or self.limit_reached:
            return False
        if not self._under_limit(
            "ARCHIVER_MAX_EMPTY_LISTING_PAGES",
            self._empty_pages_in_a_row,
            self.max_empty_listing_pages,
        ):
            return False
        if not added:
            logger.info("Listing %s adds no new post: not following its pager", url)
            return False
        if (
            self.mode == "incremental"
            and self.memory.previous_run_complete
            and self._known_pages_in_a_row >= self.known_pages_to_stop
        ):
            logger.info("Listing %s lists only known posts: incremental run stops paging", url)
            return False
        return self._under_limit(
            "ARCHIVER_MAX_LISTING_PAGES", self._listing_pages_seen, self.max_listing_pages
        )

    # -- posts ------------------------------------------------------------------------------

    def _post_request(self, teaser: Teaser, listing: Response | None) -> scrapy.Request:
        headers: dict[str, str] = {}
        meta: dict[str, Any] = {}
        if self.mode == "full" and self.conditional and self.memory.is_known(teaser):
            etag, last_modified = self.memory.validators(teaser.url)
            if etag:
                headers["If-None-Match"] = etag
            if last_modified:
                headers["If-Modified-Since"] = last_modified
            if headers:
                meta["handle_httpstatus_list"] = [304]
        if not self.distributed:
            self._pending_posts[self.memory.key(teaser)] = teaser.url
        return scrapy.Request(
            teaser.url,
            callback=self.parse_post,
            errback=self.post_failed,
            headers=headers,
            meta=meta,
            # The spider deduplicates posts itself. Scrapy's duplicate filter and its
            # scheduling-time offsite filter would drop a redirect loop's second hop or an
            # off-site redirect without calling the errback, and the listed post would vanish;
            # unfiltered, they end in the errback (max redirections, HostPolicyMiddleware).
            dont_filter=True,
            cb_kwargs={
                "teaser": teaser,
                "listing_url": listing.url if listing is not None else None,
                "listing_warc": listing.meta.get("archiver_warc") if listing is not None else None,
            },
        )

    async def parse_post(
        self,
        response: Response,
        teaser: Teaser,
        listing_url: str | None,
        listing_warc: dict[str, Any] | None,
    ) -> AsyncIterator[scrapy.Request | PostItem]:
        """One item from the post page (or its teaser when the page is not HTML, or broke the
        page reader: archiver.spiders.extraction). The page is read in a worker process while
        the crawl goes on."""
        self._pending_posts.pop(self.memory.key(teaser), None)
        warc = response.meta.get("archiver_warc")
        if response.status == 304:
            self.crawler.signals.send_catch_log(post_not_modified, url=teaser.url)
            stored = self.memory.stored_capture(teaser)
            if stored is None:
                logger.warning("Post %s: 304, but no stored capture to give", teaser.url)
                self.crawler.stats.inc_value("archiver/posts/not_modified_without_capture")
                return
            yield item_from_stored(
                stored,
                teaser,
                listing_url=listing_url,
                status=response.status,
                warc=warc,
                run_id=self.run_id,
            )
            return
        self._send_validators(response, teaser)
        if not is_html(response):
            logger.warning("Post %s is not HTML (%s)", response.url, content_type(response))
            self.crawler.stats.inc_value("archiver/posts/not_html")
            unlisted = [UNLISTED_FLAG] if listing_url is None else []
            yield self._teaser_item(
                teaser, listing_url, [FLAG_ARTICLE_NOT_HTML, *unlisted], response.status, warc
            )
            return
        assert isinstance(response, TextResponse)
        text, text_flags = page_text(response.body, response.encoding, response.text)
        if text_flags:
            logger.warning("Post %s: %s", response.url, ", ".join(text_flags))
        post = await self.extractor.parse(text, response.url)
        if post is None:
            self.crawler.stats.inc_value("archiver/posts/extraction_failed")
            unlisted = [UNLISTED_FLAG] if listing_url is None else []
            yield self._teaser_item(
                teaser, listing_url, [FLAG_EXTRACTION_FAILED, *unlisted], response.status, warc
            )
            return
        for problem in post.problems:
            logger.warning("Post %s: %s", response.url, problem)
            self.crawler.stats.inc_value(f"archiver/post/{problem}")
        item = item_from_post(
            teaser,
            post,
            source=self.source_name,
            listing_url=listing_url,
            final_url=response.url,
            status=response.status,
            warc=warc,
            run_id=self.run_id,
        )
        item.flags.extend(text_flags)
        if listing_url is None:
            item.flags.append(UNLISTED_FLAG)
        yield item
        if self.fetch_requisites:
            for request in self._requisite_requests(post.requisites):
                yield request

    def _requisite_requests(self, urls: list[str], css_depth: int = 0) -> Iterator[scrapy.Request]:
        """Requests for the requisites on the source's hosts. Scrapy's duplicate filter sends
        each URL once a run, however many posts (or stylesheets) name it. ``css_depth``: how
        many stylesheets deep the reference was found (0 = named by the page).

        A URL already asked for in this run is not asked for again: every post names the
        same twenty-odd stylesheets and scripts, and a request the duplicate filter drops
        still costs its trip through the spider middlewares and the scheduler (a tenth of
        the crawl's CPU). The filter still decides the rest (URLs that differ only in a
        way its fingerprint ignores)."""
        for url in urls:
            if url in self._requisites_requested:
                continue
            self._requisites_requested.add(url)
            if self._in_scope(url):
                yield scrapy.Request(
                    url,
                    callback=self.parse_requisite,
                    errback=self.requisite_failed,
                    priority=-10,
                    meta={"archiver_requisite": True, "archiver_css_depth": css_depth},
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

    def parse_requisite(self, response: Response) -> Iterator[scrapy.Request]:
        """Requisites are archived by the WARC capture. A stylesheet's ``@import`` and
        ``url()`` references (fonts, backgrounds, nested stylesheets) are requisites too."""
        self.crawler.stats.inc_value("archiver/requisites")
        if not is_css(response):
            return
        depth = response.meta.get("archiver_css_depth", 0) + 1
        if depth > self.requisites_css_depth:
            self.crawler.stats.inc_value("archiver/requisites/css_too_deep")
            return
        css = (
            response.text
            if isinstance(response, TextResponse)
            else response.body.decode("utf-8", "replace")
        )
        references = css_references(css, response.url).all
        self.crawler.stats.inc_value("archiver/requisites/css_refs", len(references))
        yield from self._requisite_requests(references, depth)

    def on_idle(self) -> None:
        """In a full run, once the listings are walked, fetch the known posts no listing
        showed: a 404/410 proves a removal in this very run; a page still there is kept."""
        for key, url in sorted(self._pending_posts.items()):
            # Nothing is in flight when the spider idles: this request was dropped unanswered.
            self._fail(url, "post", "request dropped without an answer", None)
            del self._pending_posts[key]
        if self.mode != "full" or self._missing_checked or self.distributed:
            # Distributed: each worker saw only its own listings; absences are left to the
            # state's listing sightings (no fetch of unlisted posts in this run).
            return
        self._missing_checked = True
        missing = [
            t for t in self.memory.missing_posts() if self.memory.key(t) not in self._seen_posts
        ]
        if not missing:
            return
        logger.info("%d known posts were in no listing: fetching them", len(missing))
        for known in missing:
            # Fetched where the source lives now (the start URL's scheme and host), not where it
            # lived when the post was captured: the identity is the post, not the address.
            teaser = dataclasses.replace(known, url=self._rebase(known.url))
            self._seen_posts.add(self.memory.key(teaser))
            request = self._post_request(teaser, None).replace(headers={}, meta={})
            self.crawler.engine.crawl(request)
        raise DontCloseSpider

    def _rebase(self, url: str) -> str:
        """``url`` at the first start URL's scheme and host when its own host is not allowed."""
        parts = urlsplit(url)
        if parts.netloc.lower() in self.allowed_netlocs:
            return url
        base = urlsplit(self.listing_urls[0])
        return urlunsplit((base.scheme, base.netloc, parts.path, parts.query, ""))

    def on_closed(self) -> None:
        self.crawler.stats.set_value("archiver/walked_to_end", int(self.walked_to_end))
        self.extractor.close()
        self.crawler.stats.set_value("archiver/parse/in_workers", self.extractor.pages_in_workers)
        self.crawler.stats.set_value("archiver/parse/workers_started", int(self.extractor.started))
        if self.extractor.worker_failures:
            self.crawler.stats.set_value(
                "archiver/parse/workers_lost", self.extractor.worker_failures
            )
        self.memory.close()

    # -- failures: nothing listed is lost ---------------------------------------------------

    def post_failed(self, failure: Failure) -> Iterator[PostItem]:
        """The post page could not be had: an item from the teaser, flagged with why."""
        request = failure.request  # type: ignore[attr-defined]
        kwargs = request.cb_kwargs
        teaser: Teaser = kwargs["teaser"]
        self._pending_posts.pop(self.memory.key(teaser), None)
        # listing_url is None for posts fetched because no listing showed them (full runs).
        outcome = classify_post_failure(failure, unlisted=kwargs["listing_url"] is None)
        if outcome.flag == FLAG_ARTICLE_FETCH_FAILED:
            self._fail(request.url, "post", outcome.description, outcome.status)
        logger.warning("Post %s: %s (%s)", request.url, outcome.flag, outcome.description)
        unlisted = [UNLISTED_FLAG] if kwargs["listing_url"] is None else []
        yield self._teaser_item(
            teaser,
            kwargs["listing_url"],
            [outcome.flag, *unlisted],
            outcome.status,
            outcome.warc or kwargs.get("listing_warc"),
        )

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
        self._listing_failed = True
        self._fail(request.url, "listing", describe_failure(failure), failure_status(failure))

    def requisite_failed(self, failure: Failure) -> None:
        request = failure.request  # type: ignore[attr-defined]
        if failure.check(IgnoreRequest):
            # robots.txt or the host policy said no: a choice we made, not a failure.
            logger.info("Requisite %s not fetched: %s", request.url, failure.getErrorMessage())
            self.crawler.stats.inc_value("archiver/requisites/not_fetched")
            return
        self._fail(request.url, "requisite", describe_failure(failure), failure_status(failure))

    def _fail(self, url: str, kind: str, error: str, status: int | None) -> None:
        logger.error("Failed for good: %s %s: %s", kind, url, error)
        self.crawler.stats.inc_value(f"archiver/failed/{kind}")
        self.crawler.signals.send_catch_log(
            page_failed, url=url, kind=kind, error=error, status=status
        )
