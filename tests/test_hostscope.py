"""Scope is the origin: scheme, host and port as the source lists them (issue 13).

Scrapy's OffsiteMiddleware checks host names only; these requests pass it, so only
HostPolicyMiddleware stands between the crawl and another service on the same host.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from scrapy import Request
from scrapy.downloadermiddlewares.offsite import OffsiteMiddleware
from scrapy.exceptions import IgnoreRequest
from scrapy.utils.test import get_crawler

from archiver import settings as project_settings
from archiver.downloadermiddlewares.hostscope import HostPolicyMiddleware
from archiver.pages.urls import allowed_origins, origin
from archiver.spiders.news import NewsSpider

START = "http://127.0.0.1:8000/topic/news"


def _middlewares(
    extra_hosts: list[str], tmp_path: Path
) -> tuple[HostPolicyMiddleware, OffsiteMiddleware]:
    defaults = {k: v for k, v in vars(project_settings).items() if k.isupper()}
    crawler = get_crawler(
        NewsSpider,
        {
            **defaults,
            "ARCHIVER_START_URLS": [START],
            "ARCHIVER_ALLOWED_HOSTS": extra_hosts,
            "ARCHIVER_OUTPUT_DIR": str(tmp_path),
            "ARCHIVER_RUN_ID": "20261123T000000Z",
            "ARCHIVER_LOCK_HELD": True,
        },
    )
    crawler.spider = NewsSpider.from_crawler(crawler)
    offsite = OffsiteMiddleware.from_crawler(crawler)
    offsite.spider_opened(crawler.spider)
    return HostPolicyMiddleware.from_crawler(crawler), offsite


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1:8001/content/x",  # same host, another port
        "https://127.0.0.1:8000/content/x",  # same host and port, another scheme
        "https://127.0.0.1/content/x",
        "ftp://127.0.0.1:8000/x",
        "http://127.0.0.1/content/x",  # default port is another port here
    ],
)
def test_another_port_or_scheme_of_the_same_host_is_out_of_scope(url: str, tmp_path: Path) -> None:
    policy, offsite = _middlewares([], tmp_path)
    request = Request(url)
    offsite.process_request(request)  # Scrapy's host-name check lets it through
    with pytest.raises(IgnoreRequest):
        policy.process_request(request)


def test_the_sources_own_origin_and_listed_hosts_are_in_scope(tmp_path: Path) -> None:
    policy, _ = _middlewares(["cdn.example", "https://img.example:8443"], tmp_path)
    for url in (
        "http://127.0.0.1:8000/content/x",
        "http://cdn.example/a.png",
        "https://cdn.example/a.png",
        "https://img.example:8443/a.png",
    ):
        policy.process_request(Request(url))
    for url in ("http://img.example:8443/a.png", "https://cdn.example:8443/a.png"):
        with pytest.raises(IgnoreRequest):
            policy.process_request(Request(url))


def test_origins() -> None:
    assert origin("HTTP://Example.ORG/x") == ("http", "example.org", 80)
    assert origin("https://example.org:8443/") == ("https", "example.org", 8443)
    assert allowed_origins(["https://a.example/"], ["b.example:81"]) == {
        ("https", "a.example", 443),
        ("http", "b.example", 81),
        ("https", "b.example", 81),
    }
