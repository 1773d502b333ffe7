"""Cookies with a Domain attribute must not make the crawler download the Public Suffix List."""

from __future__ import annotations

import socket

import pytest
from scrapy.downloadermiddlewares import cookies as scrapy_cookies
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from archiver.downloadermiddlewares.cookies import (
    OFFLINE_SUFFIX_SPLITTER,
    OfflineCookiesMiddleware,
    check_scrapy_cookie_hook,
    is_public_suffix,
)
from archiver.spiders.news import NewsSpider


def test_domain_cookie_is_handled_without_network(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise OSError("network is not allowed in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path))
    # Scrapy's own splitter may go online (or hit a warm cache): it must not be consulted.
    monkeypatch.setattr(scrapy_cookies, "_split_domain", _scrapy_splitter_used)
    cookie = _cookie_sent_after(
        "https://www.example.org/news",
        "SESSabc=1; Domain=.example.org; Path=/",
        "https://www.example.org/content/x",
    )
    assert cookie == b"SESSabc=1"
    assert attempts == []


def test_public_suffix_cookie_domain_is_refused_offline(
    monkeypatch: pytest.MonkeyPatch, tmp_path: object
) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", _no_network)
    monkeypatch.setenv("TLDEXTRACT_CACHE", str(tmp_path))
    monkeypatch.setattr(scrapy_cookies, "_split_domain", _scrapy_splitter_used)
    cookie = _cookie_sent_after(
        "https://www.example.co.uk/news", "tracker=1; Domain=.co.uk; Path=/", "https://other.co.uk/"
    )
    assert cookie is None
    assert is_public_suffix("co.uk") and not is_public_suffix("example.co.uk")


def test_installed_scrapy_still_routes_cookies_through_the_override() -> None:
    check_scrapy_cookie_hook()  # raises ScrapyCookiesChanged when Scrapy changes


def _cookie_sent_after(page: str, set_cookie: str, next_url: str) -> bytes | None:
    """The Cookie header sent to ``next_url`` after ``page`` answered with ``set_cookie``."""
    crawler = get_crawler(NewsSpider, {"ARCHIVER_START_URLS": [page]})
    middleware = OfflineCookiesMiddleware.from_crawler(crawler)
    request = Request(page)
    middleware.process_response(
        request, Response(page, headers={"Set-Cookie": set_cookie}, request=request)
    )
    follow_up = Request(next_url)
    middleware.process_request(follow_up)
    cookie: bytes | None = follow_up.headers.get("Cookie")
    return cookie


def test_scrapy_is_not_patched_at_import() -> None:
    assert scrapy_cookies._split_domain is not OFFLINE_SUFFIX_SPLITTER


def _scrapy_splitter_used(domain: str) -> None:
    raise AssertionError(f"Scrapy's (online) suffix splitter was asked about {domain}")


def _no_network(*args: object, **kwargs: object) -> None:
    raise OSError("network is not allowed in this test")
