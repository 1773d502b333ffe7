"""Accept-Encoding only for codings this process can decode.

Scrapy's HttpCompressionMiddleware advertises ``br`` whenever a module named ``brotli`` imports,
but a module of that name without the API Scrapy calls (``Decompressor.process``; brotlipy,
pulled in by older pywb, installs one) makes every ``br`` answer fail. This middleware checks
once, when the crawler starts, that ``br`` really decodes a sample, and sets the
Accept-Encoding header before Scrapy's middleware (which only sets it when absent); without
working brotli, ``br`` is not offered, so a server falls back to gzip or identity.
"""

from __future__ import annotations

import logging

from scrapy import Request
from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

# b"archiver br check" compressed with Brotli.
BROTLI_SAMPLE = bytes.fromhex("0b0880617263686976657220627220636865636b03")
BROTLI_SAMPLE_TEXT = b"archiver br check"
CODINGS = ("gzip", "deflate", "br", "zstd")


def brotli_decodes() -> bool:
    """Whether the ``brotli`` Scrapy imports decodes ``br`` the way Scrapy calls it."""
    try:
        import brotli  # the module Scrapy imports, whichever package installed it
    except ImportError:
        try:
            import brotlicffi as brotli  # Scrapy's fallback
        except ImportError:
            return False
    try:
        decoded = brotli.Decompressor().process(BROTLI_SAMPLE)
    except Exception:  # any failure (missing API, wrong output type) means br cannot be used
        return False
    return bool(decoded == BROTLI_SAMPLE_TEXT)


class AcceptEncodingMiddleware:
    """Set Accept-Encoding to the codings that decode here (``br`` only when it works)."""

    def __init__(self, codings: list[str]) -> None:
        self.value = ", ".join(codings).encode("ascii")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> AcceptEncodingMiddleware:
        codings = list(CODINGS)
        if not brotli_decodes():
            codings.remove("br")
            logger.warning(
                "brotli cannot decode here (the installed 'brotli' module lacks "
                "Decompressor.process, e.g. brotlipy): not offering br in Accept-Encoding"
            )
        crawler.stats.set_value("archiver/accept_encoding", ", ".join(codings))
        return cls(codings)

    def process_request(self, request: Request) -> None:
        request.headers.setdefault("Accept-Encoding", self.value)
