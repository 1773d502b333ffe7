"""warcio reads ``Content-Encoding: br`` payloads with either ``brotli`` module.

warcio's ``br`` decompressor is written for brotlipy's API (``Decompressor().decompress`` and a
settable ``unused_data``); the Brotli package (the one Scrapy needs) has
``Decompressor().process`` and a read-only object, so indexing, verifying or replaying a WARC
holding a ``br`` response would fail. :func:`install_warcio_brotli` registers a decompressor
that speaks warcio's API over whichever module is installed. It changes only warcio's table of
decompressors, and only when the installed module is not the one warcio was written for.
"""

from __future__ import annotations

from typing import Any

from warcio.bufferedreaders import BufferedReader


class _BrotliForWarcio:
    """``decompress`` / ``unused_data`` over the Brotli package's ``Decompressor.process``."""

    def __init__(self, module: Any) -> None:
        self._decompressor = module.Decompressor()
        self.unused_data: bytes | None = None

    def decompress(self, data: bytes) -> bytes:
        result: bytes = self._decompressor.process(data)
        return result


def install_warcio_brotli() -> bool:
    """Make warcio decode ``br`` with the Brotli package; True when it was needed."""
    try:
        import brotli
    except ImportError:
        return False
    if hasattr(brotli.Decompressor, "decompress"):
        return False  # brotlipy: warcio's own decompressor works
    if not hasattr(brotli.Decompressor, "process"):
        return False
    BufferedReader.DECOMPRESSORS["br"] = lambda: _BrotliForWarcio(brotli)
    return True
