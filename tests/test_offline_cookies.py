"""Cookies with a Domain attribute must not make the crawler download the Public Suffix List."""

from __future__ import annotations

import socket

import pytest
from scrapy.downloadermiddlewares import cookies as scrapy_cookies
from scrapy.http import Request, Response
from scrapy.utils.test import get_crawler

from archiver.downloadermiddlewares.cookies import OfflineCookiesMiddleware
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
    crawler = get_crawler(NewsSpider, {"ARCHIVER_START_URLS": ["https://www.example.org/news"]})
    middleware = OfflineCookiesMiddleware.from_crawler(crawler)
    request = Request("https://www.example.org/news")
    response = Response(
        request.url,
        headers={"Set-Cookie": "SESSabc=1; Domain=.example.org; Path=/"},
        request=request,
    )
    middleware.process_response(request, response)
    follow_up = Request("https://www.example.org/content/x")
    middleware.process_request(follow_up)
    assert follow_up.headers.get("Cookie") == b"SESSabc=1"
    assert attempts == []
    assert scrapy_cookies._split_domain.suffix_list_urls == ()
    # A public suffix is still refused as a cookie domain, from the bundled snapshot.
    assert scrapy_cookies._is_public_domain("co.uk")
