"""Source selectors (issue 16): a source profile's ``[sources.NAME.selectors]`` are what
extraction reads a site with. The fixture site (tests/fixtures/custom-theme/) is not Drupal 7:
read with the default rules it gives no teaser and the wrong title; read with its profile's
selectors, every field; and a crawl with ``--source`` uses the profile's selectors."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from helpers import LOOPBACK_ARGS, last_run, run_archiver

from archiver.files import read_jsonl
from archiver.pages import parse_listing_page, parse_post_page
from archiver.pages.selectors import DRUPAL7, Selectors, selector_names
from archiver.sources import SELECTOR_NAMES, load_sources

SITE = Path(__file__).parent / "fixtures" / "custom-theme"
BASE = "http://127.0.0.1:8080"


def profile_selectors() -> Selectors:
    return Selectors.from_css(load_sources(SITE / "sources.toml")["ornek"].selectors)


def page(name: str) -> str:
    return (SITE / name).read_text(encoding="utf-8")


def test_the_sources_file_and_the_extractors_know_the_same_selector_keys() -> None:
    assert SELECTOR_NAMES == selector_names()
    assert set(load_sources(SITE / "sources.toml")["ornek"].selectors) == set(SELECTOR_NAMES)


def test_a_listing_in_another_theme_is_read_only_with_the_profile_selectors() -> None:
    assert parse_listing_page(page("haberler.html"), f"{BASE}/haberler").teasers == []
    listing = parse_listing_page(page("haberler.html"), f"{BASE}/haberler", profile_selectors())
    assert listing.next_url == f"{BASE}/haberler?sayfa=2"
    assert [(t.url, t.title, t.author, t.date_raw, t.machine_date, t.teaser)
            for t in listing.teasers] == [
        (f"{BASE}/haber/ilk-haber", "İlk haberin başlığı", "Ayşe Yılmaz", "4 Mart 2021 10:15",
         "2021-03-04T10:15:00+03:00", "İlk haberin özeti."),
        (f"{BASE}/haber/ikinci-haber", "İkinci haber", "Mehmet Demir", "2 Mart 2021 08:00",
         "2021-03-02T08:00:00+03:00", "İkinci haberin özeti."),
    ]  # fmt: skip
    assert listing.problems == []
    last = parse_listing_page(page("haberler-2.html"), f"{BASE}/haberler?sayfa=2",
                              profile_selectors())  # fmt: skip
    assert [t.title for t in last.teasers] == ["Üçüncü haber"] and last.next_url is None


def test_a_post_in_another_theme_is_read_only_with_the_profile_selectors() -> None:
    url = f"{BASE}/haber/ilk-haber"
    default = parse_post_page(page("haber-ilk-haber.html"), url, DRUPAL7)
    assert default.title == "Örnek Haber"  # the site's name: Drupal's rules miss the post
    assert default.body_text is None and default.date_raw is None
    assert "no_node" in default.problems and "no_body" in default.problems
    post = parse_post_page(page("haber-ilk-haber.html"), url, profile_selectors())
    assert post.title == "İlk haberin başlığı"
    assert post.author == "Ayşe Yılmaz"
    assert post.date_raw == "4 Mart 2021 10:15"
    assert post.machine_date == "2021-03-04T10:15:00+03:00"
    assert post.submitted == "Ayşe Yılmaz · 4 Mart 2021 10:15"
    assert post.body_text == "İlk haberin birinci paragrafı.\n\nİkinci paragraf, 2021 yılında."
    assert post.problems == []


def test_a_profile_selector_that_is_not_css_is_refused(tmp_path: Path) -> None:
    from archiver.sources import SourcesError

    path = tmp_path / "sources.toml"
    path.write_text(
        '[sources.a]\nstart_urls = []\ntimezone = "UTC"\n[sources.a.selectors]\ntitle = "h2["\n'
    )
    with pytest.raises(SourcesError, match=r"source 'a': field selectors.title: not valid CSS"):
        load_sources(path)


class _Site(BaseHTTPRequestHandler):
    """The fixture site: /haberler, /haberler?sayfa=2, /haber/<slug>."""

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        parts = urlsplit(self.path)
        name = {"/haberler": "haberler.html"}.get(parts.path)
        if parts.path == "/haberler" and parts.query == "sayfa=2":
            name = "haberler-2.html"
        elif parts.path.startswith("/haber/"):
            name = f"haber-{parts.path.removeprefix('/haber/')}.html"
        file = SITE / name if name else None
        if file is None or not file.is_file() or "/" in (name or "/"):
            self.send_error(404)
            return
        body = file.read_bytes()
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        pass


@contextmanager
def fixture_site() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Site)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def test_a_crawl_with_the_source_reads_its_pages_with_its_selectors(tmp_path: Path) -> None:
    sources = tmp_path / "sources.toml"
    with fixture_site() as base:
        sources.write_text(
            page("sources.toml").replace("http://127.0.0.1:9", base)
            + '\n[sources.plain]\nstart_urls = ["'
            + base
            + '/haberler"]\n'
            'timezone = "Europe/Istanbul"\n',
            encoding="utf-8",
        )
        crawled, plain = (
            run_archiver(
                "crawl",
                "--sources",
                str(sources),
                "--source",
                name,
                "--output",
                str(tmp_path / name),
                *LOOPBACK_ARGS,
                timeout=180,
            )  # fmt: skip
            for name in ("ornek", "plain")
        )
    assert crawled.returncode == 0, crawled.stderr[-3000:]
    items = sorted(read_jsonl(last_run(tmp_path / "ornek").items_jsonl), key=lambda i: i["url"])
    assert [(urlsplit(i["url"]).path, i["title"], i["author"], i["published_raw"])
            for i in items] == [
        ("/haber/ikinci-haber", "İkinci haber", "Mehmet Demir", "2 Mart 2021 08:00"),
        ("/haber/ilk-haber", "İlk haberin başlığı", "Ayşe Yılmaz", "4 Mart 2021 10:15"),
        ("/haber/ucuncu-haber", "Üçüncü haber", "Ayşe Yılmaz", "27 Şubat 2021 17:45"),
    ]  # fmt: skip
    assert items[1]["body_text"].startswith("İlk haberin birinci paragrafı.")
    assert items[1]["published"].startswith("2021-03-04T10:15")
    assert all(not any(f.startswith("page_") for f in i["flags"]) for i in items), items
    # The same site through a profile without selectors: Drupal's rules find no teaser.
    assert plain.returncode != 0
    assert "lists no post" in plain.stderr + plain.stdout
