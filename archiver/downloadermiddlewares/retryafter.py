"""RetryAfterMiddleware: Scrapy's RetryMiddleware that waits as long as the server asks.

A 503 or 429 with ``Retry-After`` (seconds or an HTTP date) is retried only after that delay,
so an overloaded site gets the pause it asked for instead of an immediate second request. The
wait holds back only that request; the rest of the crawl goes on.

Settings read: Scrapy's RETRY_* settings, plus ``ARCHIVER_RETRY_AFTER_MAX`` (seconds, default
120): the longest wait honoured; a longer Retry-After is capped and logged.
Registered in place of Scrapy's RetryMiddleware (same order, 550) by archiver/settings.py.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response
from scrapy.utils.defer import deferred_to_future
from twisted.internet import reactor
from twisted.internet.task import deferLater

logger = logging.getLogger(__name__)

RETRY_AFTER_STATUSES = frozenset({429, 503})


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Seconds to wait from a Retry-After header value; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - (now or datetime.now(UTC))).total_seconds())


class RetryAfterMiddleware(RetryMiddleware):
    """Retry as Scrapy does, after the delay a Retry-After header asks for."""

    max_wait: float = 120.0

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RetryAfterMiddleware:
        middleware = super().from_crawler(crawler)
        middleware.max_wait = crawler.settings.getfloat("ARCHIVER_RETRY_AFTER_MAX", 120.0)
        return middleware

    async def process_response(  # type: ignore[override]
        self, request: Request, response: Response
    ) -> Request | Response:
        if (
            response.status in RETRY_AFTER_STATUSES
            and response.status in self.retry_http_codes
            and not request.meta.get("dont_retry", False)
        ):
            header = response.headers.get("Retry-After")
            delay = retry_after_seconds(header.decode("latin-1") if header else None)
            if delay:
                if delay > self.max_wait:
                    logger.warning(
                        "%s asks to wait %.0f s; waiting ARCHIVER_RETRY_AFTER_MAX=%.0f s",
                        request.url,
                        delay,
                        self.max_wait,
                    )
                    delay = self.max_wait
                self.crawler.stats.inc_value("archiver/retry_after/waits")
                self.crawler.stats.inc_value("archiver/retry_after/seconds", round(delay))
                await deferred_to_future(deferLater(reactor, delay, lambda: None))
        return super().process_response(request, response)
