"""The replica site over real HTTP: listings and pager, posts, 404/301, gzip, conditional
requests, robots.txt, images, truth against what is served, determinism."""

from __future__ import annotations

import gzip
import http.client
import re
import urllib.robotparser
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import lxml.html
import pytest

from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.replica.dates import ENGLISH_WEEKDAYS, TURKISH_WEEKDAYS_LONG, TURKISH_WEEKDAYS_SHORT

SEED_LISTING = [
    (
        "My Gratitude to the 38 Countries Which Made Joint Statement and Defended Justice for "
        "Uyghurs During the UN Meeting",
        "Per, 10/08/2020 - 17:31",
    ),
    (
        "We are grateful for France in the Most Difficult Time of Our History: An Open Letter to "
        "the French President, Emmanuel Macron",
        "Sa, 09/29/2020 - 16:04",
    ),
    (
        "Rabiya Qadeer: I Call on The International Community to Ask The Chinese Government "
        "Whereabouts of Muradil Hassan",
        "Çar, 09/09/2020 - 13:36",
    ),
    (
        "Rabia Qadeer: I am deeply concerned about China's quarantine and medical measures against "
        "the Uyghurs",
        "Sa, 08/25/2020 - 16:41",
    ),
    (
        "Rabia Qadeer: The Production Engineering Army was a threat not only to the Uyghurs but "
        "also to the world",
        "Sa, 08/04/2020 - 08:44",
    ),
    (
        "I urge Chinese authorities to stop genocide on the anniversary of July 5",
        "Ct, 07/04/2020 - 03:05",
    ),
]


# -- helpers (also imported by test_replica_faults.py) --------------------------------------


@dataclass
class Fetched:
    status: int
    headers: http.client.HTTPMessage
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def tree(self) -> lxml.html.HtmlElement:
        return lxml.html.document_fromstring(self.text)


def fetch(
    base_url: str, path: str, headers: dict[str, str] | None = None, method: str = "GET"
) -> Fetched:
    """One request (no redirect followed); raises on a dropped connection."""
    parts = urlsplit(base_url)
    assert parts.hostname is not None
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    try:
        connection.request(method, path, headers=headers or {})
        response = connection.getresponse()
        return Fetched(response.status, response.headers, response.read())
    finally:
        connection.close()


def has_class(class_name: str) -> str:
    return f"contains(concat(' ', normalize-space(@class), ' '), ' {class_name} ')"


def teaser_links(tree: lxml.html.HtmlElement) -> list[str]:
    return [str(h) for h in tree.xpath(f"//div[{has_class('node-teaser')}]/h2/a/@href")]


def next_link(tree: lxml.html.HtmlElement) -> str | None:
    links = tree.xpath(f"//ul[{has_class('pager')}]/li[{has_class('pager-next')}]/a/@href")
    return str(links[0]) if links else None


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def site() -> ReplicaSite:
    return ReplicaSite(ReplicaOptions(posts=60, seed=1))


@pytest.fixture(scope="module")
def server(site: ReplicaSite) -> Iterator[ReplicaServer]:
    with ReplicaServer(site, host="127.0.0.1", port=0) as running:
        yield running


# -- content -------------------------------------------------------------------------------


def test_truth_starts_with_the_six_posts_of_the_real_listing(site: ReplicaSite) -> None:
    truth = site.truth()
    assert [(e["title"], e["published_raw"]) for e in truth[:6]] == SEED_LISTING
    assert {e["author"] for e in truth[:6]} == {"Kanat"}
    assert truth[0]["published_exact"] == "2020-10-08T17:31:05-04:00"
    assert truth[5]["teaser"].endswith("could ease the situation and appease the")
    assert truth[5]["body_text"].startswith(truth[5]["teaser"])
    assert truth[3]["teaser"].startswith("In East Turkestan, China")  # leading space normalised


def test_generated_posts_have_the_variety_the_archiver_must_survive(site: ReplicaSite) -> None:
    truth = site.truth()
    assert len(truth) == 60
    published = [datetime.fromisoformat(e["published_exact"]) for e in truth]
    assert published == sorted(published, reverse=True)
    assert min(published).year == 2015
    assert {e["author"] for e in truth} == {"Kanat", "Uyghur1"}
    days = [int(re.search(r"\d\d/(\d\d)/\d{4}", e["published_raw"]).group(1)) for e in truth]
    assert sum(day <= 12 for day in days) > 20  # readable day-first too: ambiguous
    offsets = {e["published"][-6:] for e in truth}
    assert offsets == {"-04:00", "-05:00"}
    titles = [e["title"] for e in truth]
    assert len(set(titles)) < len(titles)  # identical titles exist ...
    assert any(e["url"].endswith("-0") for e in truth)  # ... and get Drupal's "-0" alias
    assert 0.4 < sum(e["has_rdfa"] for e in truth) / len(truth) < 0.9
    assert any(e["php_notice"] for e in truth)
    assert any(len(e["images"]) > 1 for e in truth)
    assert any("?itok=" in i for e in truth for i in e["images"])
    assert any("\n\n" in e["body_text"] for e in truth)
    assert any(any(ord(c) > 0x600 for c in e["body_text"]) for e in truth)  # Uyghur script
    assert [e["status"] for e in truth].count("deleted") == 1
    assert [e["status"] for e in truth].count("moved") == 1


def test_printed_weekday_matches_the_date_in_english_or_turkish(site: ReplicaSite) -> None:
    forms_seen = set()
    for entry in site.truth():
        weekday = entry["published_raw"].split(",", 1)[0]
        day = datetime.fromisoformat(entry["published_exact"]).weekday()
        if entry["weekday_language"] == "en":
            assert weekday == ENGLISH_WEEKDAYS[day]
        else:
            assert weekday in (TURKISH_WEEKDAYS_SHORT[day], TURKISH_WEEKDAYS_LONG[day], "Pa")
            assert day == 6 or weekday != "Pa"
        forms_seen.add(len(weekday))
        year = int(entry["published_exact"][:4])
        assert entry["weekday_language"] == (
            "en" if year < 2019 else "tr" if year > 2019 else entry["weekday_language"]
        )
    assert forms_seen == {2, 3}


def test_same_seed_gives_the_same_site_and_another_seed_does_not() -> None:
    first = ReplicaSite(ReplicaOptions(posts=40, seed=7))
    second = ReplicaSite(ReplicaOptions(posts=40, seed=7))
    other = ReplicaSite(ReplicaOptions(posts=40, seed=8))
    assert first.truth() == second.truth()
    assert first.truth() != other.truth()
    with ReplicaServer(first) as a, ReplicaServer(second) as b:
        page_a = fetch(a.base_url, "/topic/news?page=2").text.replace(a.base_url, "BASE")
        page_b = fetch(b.base_url, "/topic/news?page=2").text.replace(b.base_url, "BASE")
    assert page_a == page_b


# -- listings ------------------------------------------------------------------------------


def test_listing_page_zero_has_drupal_teasers_and_pager(
    server: ReplicaServer, site: ReplicaSite
) -> None:
    page = fetch(server.base_url, "/topic/news")
    assert page.status == 200
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    tree = page.tree()
    truth = site.truth()
    assert teaser_links(tree) == [e["listed_url"] for e in truth[:10]]
    node = tree.xpath(f"//div[{has_class('node-teaser')}]")[0]
    assert node.get("id") == f"node-{truth[0]['node_id']}"
    assert node.get("about") == truth[0]["url"]
    submitted = node.xpath(f".//div[{has_class('submitted')}]")[0].text_content()
    assert " ".join(submitted.split()) == "Per, 10/08/2020 - 17:31 -- Kanat"
    rdfa = node.xpath(".//span[@property='dc:date dc:created']/@content")
    assert rdfa == ["2020-10-08T17:31:05-04:00"]
    pager = tree.xpath(f"//ul[{has_class('pager')}]/li")
    assert pager[0].get("class") == "pager-current first" and pager[0].text == "1"
    assert next_link(tree) == "/topic/news?page=1"
    assert tree.xpath(f"//li[{has_class('pager-last')}]/a/@href") == ["/topic/news?page=5"]
    # The page frame of a real Drupal site: menus, sidebar, search form, feed, off-site links.
    assert tree.xpath("//form[@id='search-block-form']")
    assert tree.xpath("//div[@id='block-node-recent']//a")
    assert tree.xpath("//a[@href='/user/login']")
    assert tree.xpath("//a[contains(@href, 'twitter.com')]")
    assert tree.xpath("//a[@class='feed-icon']/@href") == ["/taxonomy/term/1/feed"]
    assert any("style.css?" in s for s in tree.xpath("//style/text()"))


def test_following_the_pager_lists_every_post_once_in_order(
    server: ReplicaServer, site: ReplicaSite
) -> None:
    path: str | None = "/topic/news"
    seen: list[str] = []
    pages = 0
    while path:
        tree = fetch(server.base_url, path).tree()
        seen += teaser_links(tree)
        path = next_link(tree)
        pages += 1
    assert pages == 6
    assert seen == [e["listed_url"] for e in site.truth()]


def test_page_past_the_last_is_empty_by_default_or_the_last_again(server: ReplicaServer) -> None:
    past = fetch(server.base_url, "/topic/news?page=9")
    assert past.status == 200
    assert teaser_links(past.tree()) == [] and next_link(past.tree()) is None
    core = ReplicaSite(ReplicaOptions(posts=25, past_last_page="last"))
    with ReplicaServer(core) as other:
        last = teaser_links(fetch(other.base_url, "/topic/news?page=2").tree())
        again = fetch(other.base_url, "/topic/news?page=7")
    assert again.status == 200 and teaser_links(again.tree()) == last and len(last) == 5


def test_other_listings_and_feeds(server: ReplicaServer, site: ReplicaSite) -> None:
    subset = teaser_links(fetch(server.base_url, "/topic/east-turkestan-uyghurs").tree())
    wanted = [
        e["listed_url"] for e in site.truth() if {"East Turkestan", "Uyghur"} & set(e["tags"])
    ][:10]
    assert subset == wanted
    assert teaser_links(fetch(server.base_url, "/news").tree())[:3] == subset[:0] + [
        e["listed_url"] for e in site.truth()[:3]
    ]
    feed = fetch(server.base_url, "/taxonomy/term/1/feed")
    assert feed.headers["Content-Type"].startswith("application/rss+xml")
    items = ET.fromstring(feed.body).findall("./channel/item")
    assert [i.findtext("title") for i in items] == [e["title"] for e in site.truth()[:10]]
    assert len(ET.fromstring(fetch(server.base_url, "/rss.xml").body).findall(".//item")) == 10


# -- posts ---------------------------------------------------------------------------------


def test_post_page_carries_title_date_body_images_and_tags(
    server: ReplicaServer, site: ReplicaSite
) -> None:
    entry = next(e for e in site.truth() if e["status"] == "live" and len(e["images"]) > 1)
    page = fetch(server.base_url, entry["url"])
    assert page.status == 200
    tree = page.tree()
    assert tree.xpath("//h1[@id='page-title']/text()") == [entry["title"]]
    node = tree.xpath(f"//div[@id='node-{entry['node_id']}']")[0]
    assert "node-teaser" not in node.get("class")
    submitted = " ".join(node.xpath(f".//div[{has_class('submitted')}]")[0].text_content().split())
    assert submitted == f"{entry['published_raw']} -- {entry['author']}"
    body = node.xpath(f".//div[{has_class('field-name-body')}]//div[{has_class('field-item')}]")[0]
    paragraphs = [" ".join(p.text_content().split()) for p in body.xpath("./p")]
    assert "\n\n".join(p for p in paragraphs if p) == entry["body_text"]
    images = node.xpath(f".//div[{has_class('field-name-field-image')}]//img/@src")
    assert images == [server.base_url + src for src in entry["images"]]
    tags = node.xpath(f".//div[{has_class('field-name-field-tags')}]//a/text()")
    assert tags == entry["tags"]
    link = page.headers["Link"]
    assert f'/node/{entry["node_id"]}>; rel="shortlink"' in link and 'rel="canonical"' in link


def test_php_notice_precedes_some_posts_only(server: ReplicaServer, site: ReplicaSite) -> None:
    noisy = next(e for e in site.truth() if e["php_notice"] and e["status"] == "live")
    quiet = next(e for e in site.truth() if not e["php_notice"] and e["status"] == "live")
    notice = (
        fetch(server.base_url, noisy["url"])
        .tree()
        .xpath(f"//div[{has_class('messages')} and {has_class('error')}]")
    )
    assert notice and "The each() function is deprecated" in notice[0].text_content()
    assert not fetch(server.base_url, quiet["url"]).tree().xpath(f"//div[{has_class('messages')}]")


def test_deleted_post_is_404_and_old_alias_301s(server: ReplicaServer, site: ReplicaSite) -> None:
    deleted = next(e for e in site.truth() if e["status"] == "deleted")
    gone = fetch(server.base_url, deleted["url"])
    assert gone.status == 404 and "Page not found" in gone.text
    moved = next(e for e in site.truth() if e["status"] == "moved")
    assert moved["listed_url"] != moved["url"]
    redirect = fetch(server.base_url, moved["listed_url"])
    assert redirect.status == 301
    assert redirect.headers["Location"] == server.base_url + moved["url"]
    assert fetch(server.base_url, moved["url"]).status == 200
    assert fetch(server.base_url, "/content/no-such-post").status == 404
    assert fetch(server.base_url, "/no/such/path").status == 404


def test_truth_matches_every_listing_teaser(server: ReplicaServer, site: ReplicaSite) -> None:
    by_url = {e["listed_url"]: e for e in site.truth()}
    for number in range(6):
        tree = fetch(server.base_url, f"/topic/news?page={number}").tree()
        for node in tree.xpath(f"//div[{has_class('node-teaser')}]"):
            entry = by_url[node.xpath("./h2/a/@href")[0]]
            assert node.xpath("./h2/a/text()") == [entry["title"]]
            submitted = node.xpath(f".//div[{has_class('submitted')}]")[0].text_content()
            assert " ".join(submitted.split()) == f"{entry['published_raw']} -- {entry['author']}"
            content = node.xpath(".//span[@property='dc:date dc:created']/@content")
            assert content == ([entry["published"]] if entry["has_rdfa"] else [])
            summary = node.xpath(f".//div[{has_class('field-name-body')}]//p")
            text = "\n\n".join(" ".join(p.text_content().split()) for p in summary)
            assert text == entry["teaser"]


# -- wire behaviour ------------------------------------------------------------------------


def test_gzip_only_when_asked(server: ReplicaServer) -> None:
    plain = fetch(server.base_url, "/topic/news")
    zipped = fetch(server.base_url, "/topic/news", {"Accept-Encoding": "gzip, deflate"})
    assert "Content-Encoding" not in plain.headers
    assert zipped.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in zipped.headers["Vary"]
    assert gzip.decompress(zipped.body) == plain.body
    refused = fetch(server.base_url, "/topic/news", {"Accept-Encoding": "gzip;q=0"})
    assert "Content-Encoding" not in refused.headers
    image = fetch(server.base_url, "/misc/feed.png", {"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in image.headers


def test_conditional_requests_answer_304(server: ReplicaServer, site: ReplicaSite) -> None:
    path = next(e["url"] for e in site.truth() if e["status"] == "live")
    first = fetch(server.base_url, path)
    etag, modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag and modified
    again = fetch(server.base_url, path, {"If-None-Match": etag})
    assert again.status == 304 and again.body == b"" and again.headers["ETag"] == etag
    assert fetch(server.base_url, path, {"If-Modified-Since": modified}).status == 304
    assert fetch(server.base_url, path, {"If-None-Match": '"other"'}).status == 200
    zipped = fetch(server.base_url, path, {"Accept-Encoding": "gzip"})
    assert zipped.headers["ETag"] != etag  # a strong validator per representation
    assert (
        fetch(
            server.base_url,
            path,
            {"If-None-Match": zipped.headers["ETag"], "Accept-Encoding": "gzip"},
        ).status
        == 304
    )
    robots = fetch(server.base_url, "/robots.txt")
    assert (
        fetch(server.base_url, "/robots.txt", {"If-None-Match": robots.headers["ETag"]}).status
        == 304
    )


def test_robots_txt_is_drupals(server: ReplicaServer) -> None:
    robots = fetch(server.base_url, "/robots.txt")
    assert robots.status == 200 and robots.headers["Content-Type"].startswith("text/plain")
    assert "Crawl-delay: 10" in robots.text and "Disallow: /?q=user/logout/" in robots.text
    parser = urllib.robotparser.RobotFileParser()
    parser.parse(robots.text.splitlines())
    assert parser.can_fetch("archiver", server.base_url + "/topic/news?page=2")
    assert parser.can_fetch("archiver", server.base_url + "/content/anything")
    for disallowed in ("/search/node", "/admin/content", "/user/password/", "/node/add/article"):
        assert not parser.can_fetch("archiver", server.base_url + disallowed)
    assert fetch(server.base_url, "/search/node").status == 200  # answered, if anyone asks


def test_images_are_real_png_and_jpeg_bytes(server: ReplicaServer, site: ReplicaSite) -> None:
    kinds = set()
    for entry in site.truth()[:20]:
        for src in entry["images"]:
            image = fetch(server.base_url, src)
            assert image.status == 200
            if image.body.startswith(b"\x89PNG\r\n\x1a\n"):
                assert image.headers["Content-Type"] == "image/png"
                assert image.body[12:16] == b"IHDR" and image.body.endswith(b"IEND\xaeB`\x82")
                kinds.add("png")
            else:
                assert image.headers["Content-Type"] == "image/jpeg"
                assert image.body[:3] == b"\xff\xd8\xff" and image.body.endswith(b"\xff\xd9")
                assert b"\xff\xc0" in image.body and b"\xff\xda" in image.body
                kinds.add("jpeg")
    assert kinds == {"png", "jpeg"}
    assert fetch(server.base_url, "/sites/default/files/field/image/missing.jpg").status == 404


def test_png_decodes_to_its_pixels() -> None:
    import struct
    import zlib

    from archiver.replica.images import png_bytes

    data = png_bytes("x", 4, 3)
    width, height = struct.unpack(">II", data[16:24])
    start = data.index(b"IDAT") + 4
    length = struct.unpack(">I", data[start - 8 : start - 4])[0]
    raw = zlib.decompress(data[start : start + length])
    assert (width, height) == (4, 3) and len(raw) == height * (1 + width * 3)


def test_request_log_records_requests_with_attempts(server: ReplicaServer) -> None:
    server.clear_log()
    fetch(server.base_url, "/topic/news?page=1", {"User-Agent": "archiver-test"})
    fetch(server.base_url, "/topic/news?page=1", {"User-Agent": "archiver-test"}, method="HEAD")
    log = [e for e in server.request_log if e.path == "/topic/news?page=1"]
    assert [(e.method, e.status) for e in log] == [("GET", 200), ("HEAD", 200)]
    assert log[1].attempt == log[0].attempt + 1
    assert log[0].headers["User-Agent"] == "archiver-test"


def test_drupal_headers_and_cookie(server: ReplicaServer) -> None:
    page = fetch(server.base_url, "/topic/news")
    assert page.headers["X-Generator"].startswith("Drupal 7")
    assert page.headers["Set-Cookie"].startswith("SESS")
    assert fetch(server.base_url, "/user/login").tree().xpath("//form[@id='user-login']")


# -- mutations -----------------------------------------------------------------------------


def test_mutations_change_what_is_served() -> None:
    site = ReplicaSite(ReplicaOptions(posts=30, seed=3))
    with ReplicaServer(site) as server:
        before = site.truth()
        old_post = before[8]
        old_page = fetch(server.base_url, old_post["url"])
        added = site.add_post(title="Rabiye Kadir: A New Statement", body="First.\n\nSecond.")
        edited = site.edit_post(old_post["node_id"], body="Edited body text.")
        removed = site.delete_post(before[9]["node_id"])
        truth = site.truth()
        assert truth[0]["url"] == added["url"] == "/content/rabiye-kadir-new-statement"
        assert truth[0]["body_text"] == "First.\n\nSecond."
        assert removed["url"] not in {e["url"] for e in truth}
        listing = teaser_links(fetch(server.base_url, "/topic/news").tree())
        assert listing[0] == added["url"] and removed["url"] not in listing
        assert fetch(server.base_url, removed["url"]).status == 404
        page = fetch(server.base_url, old_post["url"], {"If-None-Match": old_page.headers["ETag"]})
        assert page.status == 200 and "Edited body text." in page.text
        assert edited["body_text"] == "Edited body text." and edited["revision"] == 2
        assert datetime.fromisoformat(added["published"]) > datetime.fromisoformat(
            before[0]["published"]
        )
        # Unchanged posts still answer 304 to their old validators (revision-based ETags).
        unchanged = before[3]
        etag = fetch(server.base_url, unchanged["url"]).headers["ETag"]
        site.add_post(title="Another one")
        assert fetch(server.base_url, unchanged["url"], {"If-None-Match": etag}).status == 304
    replayed = ReplicaSite(ReplicaOptions(posts=30, seed=3))
    replayed.replay(site.operations())
    assert replayed.truth() == site.truth()


def test_dates_cross_dst_changes_but_never_fall_in_an_ambiguous_hour(site: ReplicaSite) -> None:
    from archiver.replica.dates import is_unambiguous_local

    dst_days = {"2016-03-13", "2017-11-05", "2018-03-11", "2019-11-03", "2015-11-01"}
    truth = site.truth()
    assert len(dst_days & {e["published_exact"][:10] for e in truth}) >= 4
    assert all(is_unambiguous_local(datetime.fromisoformat(e["published_exact"])) for e in truth)


def test_drupal_system_paths_and_unclean_urls(server: ReplicaServer, site: ReplicaSite) -> None:
    entry = next(e for e in site.truth() if e["status"] == "live")
    by_node = fetch(server.base_url, f"/node/{entry['node_id']}")
    assert by_node.status == 200 and entry["title"] in by_node.text
    unclean = fetch(server.base_url, "/?q=topic/news&page=1")
    assert teaser_links(unclean.tree()) == [e["listed_url"] for e in site.truth()[10:20]]
    head = fetch(server.base_url, "/topic/news", method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.headers["Content-Length"]) > 0
