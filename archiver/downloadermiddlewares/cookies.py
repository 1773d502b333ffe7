"""OfflineCookiesMiddleware: Scrapy's cookie handling without phoning out to third parties.

Scrapy's CookiesMiddleware asks tldextract whether a cookie's Domain is a public suffix. On
first use tldextract downloads the Public Suffix List from publicsuffix.org (then GitHub): a
researcher's archiver would announce itself to hosts it was never asked to contact. This
middleware swaps in a TLDExtract that uses only the snapshot bundled with tldextract
(``suffix_list_urls=()``, no cache directory), and otherwise behaves exactly like Scrapy's.

Registered in place of ``scrapy.downloadermiddlewares.cookies.CookiesMiddleware`` (same
order, 700) by archiver/settings.py; reads the same settings (COOKIES_ENABLED, COOKIES_DEBUG).
"""

from __future__ import annotations

from scrapy.downloadermiddlewares import cookies as scrapy_cookies
from scrapy.downloadermiddlewares.cookies import CookiesMiddleware
from tldextract import TLDExtract

OFFLINE_SUFFIX_SPLITTER = TLDExtract(
    cache_dir=None,
    suffix_list_urls=(),
    fallback_to_snapshot=True,
    include_psl_private_domains=True,
)
# Scrapy keeps its splitter in a module global; there is no setting for it.
scrapy_cookies._split_domain = OFFLINE_SUFFIX_SPLITTER


class OfflineCookiesMiddleware(CookiesMiddleware):
    """CookiesMiddleware whose public-suffix checks never use the network."""
