"""Accept-Encoding offers br only when the installed ``brotli`` decodes it (issue 13)."""

from __future__ import annotations

import sys
import types

import pytest
from scrapy import Request
from scrapy.utils.test import get_crawler

from archiver.downloadermiddlewares.encodings import (
    BROTLI_SAMPLE,
    BROTLI_SAMPLE_TEXT,
    AcceptEncodingMiddleware,
    brotli_decodes,
)


def _module(decompressor: type) -> types.ModuleType:
    module = types.ModuleType("brotli")
    module.Decompressor = decompressor  # type: ignore[attr-defined]
    return module


class _Brotlipy:  # brotlipy's API: decompress, no process
    def decompress(self, data: bytes) -> bytes:
        return BROTLI_SAMPLE_TEXT


class _Brotli:  # the Brotli package's API
    def process(self, data: bytes) -> bytes:
        return BROTLI_SAMPLE_TEXT if data == BROTLI_SAMPLE else b""


class _Wrong:  # process exists but decodes wrongly
    def process(self, data: bytes) -> bytes:
        raise ValueError("bad")


@pytest.mark.parametrize(
    ("decompressor", "works"), [(_Brotlipy, False), (_Brotli, True), (_Wrong, False)]
)
def test_br_is_offered_only_when_it_decodes(
    monkeypatch: pytest.MonkeyPatch, decompressor: type, works: bool
) -> None:
    monkeypatch.setitem(sys.modules, "brotli", _module(decompressor))
    assert brotli_decodes() is works
    middleware = AcceptEncodingMiddleware.from_crawler(get_crawler())
    request = Request("http://127.0.0.1/")
    middleware.process_request(request)
    offered = request.headers[b"Accept-Encoding"].decode().split(", ")
    assert ("br" in offered) is works
    assert "gzip" in offered


def test_an_accept_encoding_the_request_sets_is_kept() -> None:
    request = Request("http://127.0.0.1/", headers={"Accept-Encoding": "identity"})
    AcceptEncodingMiddleware(["gzip"]).process_request(request)
    assert request.headers[b"Accept-Encoding"] == b"identity"
