"""NewsSpider's requisite requests: a post's stylesheets (including Drupal 7's ``<style>
@import`` blocks), and the ``@import`` / ``url()`` references of fetched stylesheets, on the
source's hosts only, to a bounded depth (no network: responses built in the test)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import scrapy
from scrapy.http import Request, Response, TextResponse
from test_spider import BASE, make_spider

from archiver.pages import Teaser
from archiver.spiders.news import NewsSpider

CSS = b"""@import url("nested/typography.css?v=1") screen;
@import "https://fonts.example.net/css?family=Noto";
body { background: url(../images/body-bg.png); }
@font-face { src: url("../fonts/naskh.woff2") format("woff2"); }
.x { background: url(data:image/png;base64,AAAA); }
"""
POST_HTML = f"""<html><head>
<style type="text/css" media="all">
@import url("{BASE}/modules/system/system.base.css?qh5b2k");
@import url("{BASE}/themes/bartik/css/style.css?qh5b2k");
</style>
<style type="text/css" media="print">@import url("https://cdn.example.net/print.css");</style>
</head><body><div id="node-7" class="node"><h1 id="page-title">T</h1>
<div class="field-name-body"><div class="field-item"><p>Body</p></div></div>
<img src="/sites/default/files/a.png"
  srcset="/sites/default/files/a.png 1x, /sites/default/files/a2.png 2x" />
</div></body></html>"""


def css_response(url: str, depth: int, content_type: bytes = b"text/css") -> Response:
    request = Request(url, meta={"archiver_requisite": True, "archiver_css_depth": depth})
    return TextResponse(
        url, body=CSS, headers={"Content-Type": content_type}, encoding="utf-8", request=request
    )


def requests_from(spider: NewsSpider, response: Response) -> list[scrapy.Request]:
    return list(spider.parse_requisite(response) or [])


async def collect(outputs: AsyncIterator[Any]) -> list[Any]:
    return [output async for output in outputs]


def test_stylesheet_references_become_requisites(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    requests = requests_from(spider, css_response(f"{BASE}/themes/bartik/css/style.css?x", 0))
    assert [r.url for r in requests] == [
        f"{BASE}/themes/bartik/css/nested/typography.css?v=1",
        f"{BASE}/themes/bartik/images/body-bg.png",
        f"{BASE}/themes/bartik/fonts/naskh.woff2",
    ]  # off-site font CSS and data: URI left out
    assert all(r.meta["archiver_css_depth"] == 1 for r in requests)
    assert all(r.callback == spider.parse_requisite and not r.dont_filter for r in requests)
    stats = spider.crawler.stats
    assert stats is not None
    assert stats.get_value("archiver/requisites") == 1
    assert stats.get_value("archiver/requisites/css_refs") == 4


def test_a_css_path_is_read_as_css_whatever_its_type(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    response = css_response(f"{BASE}/themes/t/style.css", 0, content_type=b"text/plain")
    assert len(requests_from(spider, response)) == 3


def test_other_requisites_are_not_read(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)
    response = css_response(f"{BASE}/misc/drupal.js", 0, content_type=b"application/javascript")
    assert requests_from(spider, response) == []


def test_stylesheet_depth_is_bounded(tmp_path: Path) -> None:
    spider = make_spider(tmp_path)  # ARCHIVER_REQUISITES_CSS_DEPTH = 3
    assert len(requests_from(spider, css_response(f"{BASE}/a.css", 2))) == 3
    assert requests_from(spider, css_response(f"{BASE}/b.css", 3)) == []
    assert spider.crawler.stats is not None
    assert spider.crawler.stats.get_value("archiver/requisites/css_too_deep") == 1
    off = make_spider(tmp_path, ARCHIVER_REQUISITES_CSS_DEPTH=0)
    assert requests_from(off, css_response(f"{BASE}/c.css", 0)) == []


def test_post_style_imports_and_srcset_are_requested(tmp_path: Path) -> None:
    spider = make_spider(tmp_path, ARCHIVER_PARSE_WORKERS=0)  # no reactor here
    url = f"{BASE}/content/t"
    teaser = Teaser(url, "7", "T", None, None, None, None, None, 0)
    response = TextResponse(
        url, body=POST_HTML.encode(), headers={"Content-Type": b"text/html; charset=utf-8"},
        encoding="utf-8", request=Request(url),
    )  # fmt: skip
    outputs = asyncio.run(collect(spider.parse_post(response, teaser, None, None)))
    requests = [r for r in outputs if isinstance(r, scrapy.Request)]
    assert [r.url for r in requests] == [
        f"{BASE}/modules/system/system.base.css?qh5b2k",
        f"{BASE}/themes/bartik/css/style.css?qh5b2k",
        f"{BASE}/sites/default/files/a.png",
        f"{BASE}/sites/default/files/a2.png",
    ]
    assert all(r.meta["archiver_css_depth"] == 0 for r in requests)
