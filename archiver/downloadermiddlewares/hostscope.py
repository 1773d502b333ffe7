"""HostPolicyMiddleware: fetch only from the source's own origins (scheme, host, port).

Scrapy's OffsiteMiddleware compares host names only, so a redirect to another port of the
same host (another service), or to another scheme, would pass; and a spider without
``allowed_origins`` would fetch anywhere. This downloader middleware, placed right after
OffsiteMiddleware (55), refuses any request whose origin is not one of the spider's
``allowed_origins`` (the start URLs' and ``ARCHIVER_ALLOWED_HOSTS``, see
:func:`archiver.pages.urls.allowed_origins`), redirects included, and counts it in
``archiver/host_policy/refused``. It reads no settings of its own.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

from archiver.pages.urls import origin

logger = logging.getLogger(__name__)


class HostPolicyMiddleware:
    """Refuse requests to any host:port but the source's."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostPolicyMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        allowed = getattr(spider, "allowed_origins", None)
        if allowed is None:
            return
        if origin(request.url) not in allowed:
            self.crawler.stats.inc_value("archiver/host_policy/refused")
            logger.warning("Not fetching %s: not one of the source's hosts", request.url)
            raise IgnoreRequest(f"{request.url} is not on the source's hosts")
