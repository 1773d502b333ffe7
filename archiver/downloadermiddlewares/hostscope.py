"""HostPolicyMiddleware: fetch only from the source's own host:port pairs.

Scrapy's OffsiteMiddleware compares host names only, so a redirect to another port of the
same host (another service) would pass; and a spider without ``allowed_netlocs`` would fetch
anywhere. This downloader middleware, placed right after OffsiteMiddleware (55), refuses any
request whose ``host:port`` is not one of the spider's ``allowed_netlocs`` (the start URLs'
and ``ARCHIVER_ALLOWED_HOSTS``), redirects included, and counts it in
``archiver/host_policy/refused``. It reads no settings of its own.
"""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import IgnoreRequest

logger = logging.getLogger(__name__)

DEFAULT_PORTS = {"http": 80, "https": 443}


def netloc_key(url: str) -> str:
    """``host:port`` of a URL, lower-case, with the scheme's default port made explicit."""
    parts = urlsplit(url)
    port = parts.port or DEFAULT_PORTS.get(parts.scheme, 0)
    return f"{(parts.hostname or '').lower()}:{port}"


class HostPolicyMiddleware:
    """Refuse requests to any host:port but the source's."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> HostPolicyMiddleware:
        return cls(crawler)

    def process_request(self, request: Request) -> None:
        spider = self.crawler.spider
        allowed = getattr(spider, "allowed_netlocs", None)
        if allowed is None:
            return
        allowed_keys = {netloc_key(f"{urlsplit(request.url).scheme}://{n}") for n in allowed}
        if netloc_key(request.url) not in allowed_keys:
            self.crawler.stats.inc_value("archiver/host_policy/refused")
            logger.warning("Not fetching %s: not one of the source's hosts", request.url)
            raise IgnoreRequest(f"{request.url} is not on the source's hosts")
