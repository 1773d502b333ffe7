"""`archiver crawl` against a real, stock Drupal 7 (tests/drupal7: core installed on SQLite,
served by ``php -S`` on loopback): every post of ``/node`` (two pager pages, a sticky post)
is an item, and each post's stylesheets (all ``<style>@import``), the images Bartik's and
core's CSS name with ``url()``, and the field images are in the WARC.

Skipped with the reason when php or the Drupal tarball is missing; fails under CI."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import pytest
from drupal7 import DRUPAL_POSTS, DrupalServer, drupal7_site
from drupal7.site import NEW_YORK
from helpers import LOOPBACK_ARGS, run_archiver
from warcio.archiveiterator import ArchiveIterator

from archiver.archive.layout import ArchivePaths
from archiver.files import read_jsonl
from archiver.pages.requisites import css_references, page_requisites

BARTIK_CSS_IMAGES = (
    "/themes/bartik/images/comment-arrow.gif",
    "/themes/bartik/images/tabs-border.png",
    "/themes/bartik/images/add.png",
    "/themes/bartik/images/buttons.png",
    "/themes/bartik/images/search-button.png",
)


@dataclass
class DrupalCrawl:
    returncode: int
    stderr: str
    base_url: str
    items: list[dict[str, Any]]
    records: dict[str, tuple[int, bytes]]
    """Target URI -> (status, payload) of each WARC response record."""


@pytest.fixture(scope="module")
def drupal_crawl(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DrupalCrawl]:
    site, php = drupal7_site(tmp_path_factory)
    output = tmp_path_factory.mktemp("drupal7-crawl")
    with DrupalServer(site, php, output.parent / "drupal7-server.log") as server:
        result = run_archiver(
            "crawl", "--start-url", f"{server.base_url}/node", "--output", str(output),
            *LOOPBACK_ARGS, timeout=120,
        )  # fmt: skip
        archive = ArchivePaths(output)
        run = archive.run(archive.run_ids()[-1])
        records: dict[str, tuple[int, bytes]] = {}
        for warc in sorted(run.warc_dir.glob("*.warc.gz")):
            with warc.open("rb") as stream:
                for record in ArchiveIterator(stream):
                    if record.rec_type == "response":
                        uri = record.rec_headers.get_header("WARC-Target-URI")
                        status = int(record.http_headers.get_statuscode())
                        records[uri] = (status, record.content_stream().read())
        yield DrupalCrawl(
            returncode=result.returncode,
            stderr=result.stderr,
            base_url=server.base_url,
            items=list(read_jsonl(run.items_jsonl)),
            records=records,
        )


def test_every_post_of_the_real_drupal_is_an_item(drupal_crawl: DrupalCrawl) -> None:
    assert drupal_crawl.returncode == 0, drupal_crawl.stderr[-3000:]
    by_path = {urlsplit(item["url"]).path: item for item in drupal_crawl.items}
    assert sorted(by_path) == sorted(f"/content/{post['slug']}" for post in DRUPAL_POSTS)
    for post in DRUPAL_POSTS:
        item = by_path[f"/content/{post['slug']}"]
        assert item["title"] == post["title"]
        assert item["author"] == "Kanat"
        assert item["body_text"].split("\n")[0].startswith("The International Uyghur")


def test_post_stylesheets_and_css_images_are_archived(drupal_crawl: DrupalCrawl) -> None:
    records = drupal_crawl.records
    post = next(u for u in records if u.endswith("/content/harness-post-5"))
    html = records[post][1].decode("utf-8")
    requisites = page_requisites(html, post)
    stylesheets = [u for u in requisites if urlsplit(u).path.endswith(".css")]
    assert len(stylesheets) == 13  # stock Bartik with aggregation off, all @import
    for url in requisites:
        if "/misc/favicon.ico" in url:
            continue  # Drupal's own robots.txt disallows /misc/ but for CSS, JS and images
        assert records.get(url, (0, b""))[0] == 200, url
    css_images = {
        url
        for sheet in stylesheets
        if sheet in records
        for url in css_references(records[sheet][1].decode("utf-8"), sheet).urls
    }
    for path in BARTIK_CSS_IMAGES:
        assert drupal_crawl.base_url + path in css_images
    for url in css_images:
        assert records.get(url, (0, b""))[0] == 200, url
    field_images = [u for u in requisites if "/styles/large/public/field/image/" in u]
    assert field_images and all(records[u][0] == 200 for u in field_images)


def test_dates_tags_and_node_ids_are_drupals_own(drupal_crawl: DrupalCrawl) -> None:
    by_path = {urlsplit(item["url"]).path: item for item in drupal_crawl.items}
    for post in DRUPAL_POSTS:
        item = by_path[f"/content/{post['slug']}"]
        created = datetime.fromtimestamp(int(str(post["created"])), NEW_YORK)
        assert item["published"] == created.isoformat()
        assert item["published_raw"] == created.strftime("%a, %m/%d/%Y - %H:%M")
        assert item["tags"] == post["tags"]
        assert bool(item["images"]) == bool(post["image"])
        assert isinstance(item["node_id"], int) and item["node_id"] > 0
