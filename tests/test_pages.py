"""Extraction on saved pages: each fixture is <name>.html + <name>.url + <name>.expected.json."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from archiver.pages import parse_listing_page, parse_post_page

FIXTURES = Path(__file__).parent / "fixtures" / "pages"


def _load(name: str) -> tuple[str, str, dict]:
    html = (FIXTURES / f"{name}.html").read_text(encoding="utf-8")
    url = (FIXTURES / f"{name}.url").read_text(encoding="utf-8").strip()
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))
    return html, url, expected


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("listing-*.html")))
def test_listing_fixture(name: str) -> None:
    html, url, expected = _load(name)
    page = parse_listing_page(html, url)
    assert page.next_url == expected["next_url"]
    assert page.problems == expected["problems"]
    assert [dataclasses.asdict(t) for t in page.teasers] == expected["teasers"]


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("post-*.html")))
def test_post_fixture(name: str) -> None:
    html, url, expected = _load(name)
    post = dataclasses.asdict(parse_post_page(html, url))
    post.pop("body_html")
    assert post == expected


def test_body_html_is_the_body_field_only() -> None:
    html, url, _ = _load("post-notice-rdfa")
    post = parse_post_page(html, url)
    assert post.body_html is not None
    assert post.body_html.startswith("<p>I would like to extend")
    assert "Deprecated function" not in post.body_html
    assert "Deprecated function" not in (post.body_text or "")
    assert "Recent posts" not in (post.body_text or "")


def test_last_listing_page_has_no_next() -> None:
    html, url, _ = _load("listing-bartik")
    last = html.replace(
        '<li class="pager-next"><a title="Go to next page" '
        'href="/topic/news?page=3">next ›</a></li>',
        "",
    )
    assert parse_listing_page(last, url).next_url is None


def test_pager_pointing_to_itself_is_not_followed() -> None:
    html, _, _ = _load("listing-bartik")
    page = parse_listing_page(html, "https://www.example.org/topic/news?page=3")
    assert page.next_url is None
    assert "pager_points_to_itself" in page.problems


@pytest.mark.parametrize("html", ["", "   ", "<html></html>", "not html at all", "<div><p>x"])
def test_degenerate_listing_gives_no_teasers_and_no_crash(html: str) -> None:
    page = parse_listing_page(html, "http://127.0.0.1/topic/news")
    assert page.teasers == []
    assert page.next_url is None


@pytest.mark.parametrize("html", ["", "<html></html>", "<p>text only</p>"])
def test_degenerate_post_is_flagged(html: str) -> None:
    post = parse_post_page(html, "http://127.0.0.1/content/x")
    assert post.problems  # empty_page, or no_node / no_title / no_body
    assert post.title is None or post.title == "text only"
