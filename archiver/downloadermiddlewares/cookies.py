"""OfflineCookiesMiddleware: Scrapy's cookie handling without phoning out to third parties.

Scrapy's CookiesMiddleware asks tldextract whether a cookie's Domain is a public suffix. On
first use tldextract downloads the Public Suffix List from publicsuffix.org (then GitHub): a
researcher's archiver would announce itself to hosts it was never asked to contact. This
middleware uses a TLDExtract of its own that reads only the snapshot bundled with tldextract
(``suffix_list_urls=()``, no cache directory), and otherwise behaves exactly like Scrapy's.

How, without patching Scrapy: Scrapy has no setting for its suffix splitter, so this subclass
overrides the one method that consults it (``_process_cookies``, where a public-suffix cookie
domain is narrowed to the request's host). Nothing of Scrapy's is changed at import. Because
that method is not public API, ``from_crawler`` checks that Scrapy still routes cookies through
it and refuses to start otherwise (a crawl that could leak is worse than one that stops), and
tests/test_offline_cookies.py fails if a Scrapy upgrade bypasses the override.

Registered in place of ``scrapy.downloadermiddlewares.cookies.CookiesMiddleware`` (same
order, 700) by archiver/settings.py; reads the same settings (COOKIES_ENABLED, COOKIES_DEBUG).
"""

from __future__ import annotations

import inspect
from collections.abc import Iterable
from http.cookiejar import Cookie
from typing import Any

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from scrapy.http.cookies import CookieJar
from scrapy.utils.httpobj import urlparse_cached
from tldextract import TLDExtract

OFFLINE_SUFFIX_SPLITTER = TLDExtract(
    cache_dir=None,
    suffix_list_urls=(),
    fallback_to_snapshot=True,
    include_psl_private_domains=True,
)


def is_public_suffix(domain: str) -> bool:
    """True when ``domain`` is a public suffix (``co.uk``), from the bundled list only."""
    return not OFFLINE_SUFFIX_SPLITTER(domain).domain


class ScrapyCookiesChanged(RuntimeError):
    """Scrapy no longer handles cookies the way this middleware overrides."""


class OfflineCookiesMiddleware(CookiesMiddleware):
    """CookiesMiddleware whose public-suffix checks never use the network."""

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> Any:
        check_scrapy_cookie_hook()
        return super().from_crawler(crawler)

    def _process_cookies(
        self, cookies: Iterable[Cookie], *, jar: CookieJar, request: Request
    ) -> None:
        # Scrapy's logic, with the offline suffix check: a cookie for a public suffix is kept
        # only when it is the request's own host (then narrowed to that host).
        hostname = urlparse_cached(request).hostname
        if hostname is None:
            return
        request_domain = hostname.lower()
        for cookie in cookies:
            cookie_domain = cookie.domain.removeprefix(".")
            if cookie_domain and is_public_suffix(cookie_domain):
                if cookie_domain != request_domain:
                    continue
                cookie.domain = request_domain
            jar.set_cookie_if_ok(cookie, request)


def check_scrapy_cookie_hook() -> None:
    """Refuse to run when Scrapy's CookiesMiddleware no longer calls ``_process_cookies``
    (the override above would be bypassed and tldextract would go online)."""
    hook = getattr(CookiesMiddleware, "_process_cookies", None)
    sources = "".join(
        inspect.getsource(getattr(CookiesMiddleware, name))
        for name in ("process_request", "process_response")
    )
    if hook is None or "_process_cookies(" not in sources:
        raise ScrapyCookiesChanged(
            "this Scrapy's CookiesMiddleware no longer uses _process_cookies: the offline "
            "public-suffix check would be bypassed; update archiver's cookies middleware"
        )
