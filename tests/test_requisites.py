"""Page requisites on saved pages and stylesheets (tests/fixtures/requisites/README.md):
a real Drupal 7 post and Bartik's style.css, and hand-written pages with every other form."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from archiver.pages import parse_post_page
from archiver.pages.requisites import css_references, page_requisites, srcset_urls

FIXTURES = Path(__file__).parent / "fixtures" / "requisites"


def _load(name: str, suffix: str) -> tuple[str, str, object]:
    text = (FIXTURES / f"{name}.{suffix}").read_text(encoding="utf-8")
    url = (FIXTURES / f"{name}.url").read_text(encoding="utf-8").strip()
    expected = json.loads((FIXTURES / f"{name}.expected.json").read_text(encoding="utf-8"))
    return text, url, expected


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.html")))
def test_page_fixture(name: str) -> None:
    html, url, expected = _load(name, "html")
    assert page_requisites(html, url) == expected


@pytest.mark.parametrize("name", sorted(p.stem for p in FIXTURES.glob("*.css")))
def test_css_fixture(name: str) -> None:
    css, url, expected = _load(name, "css")
    assert dataclasses.asdict(css_references(css, url)) == expected


def test_real_drupal7_post_loads_its_css_through_style_imports() -> None:
    html, url, _ = _load("drupal7-post", "html")
    found = page_requisites(html, url)
    stylesheets = [u for u in found if ".css?" in u]
    # Stock Drupal 7 (aggregation off) names 13 stylesheets, none with <link>: all @import.
    assert len(stylesheets) == 13
    assert "<link" not in html.split("<style", 1)[1].split("</style>", 1)[0]
    assert any(u.endswith("/themes/bartik/css/print.css?tph3ig") for u in stylesheets)
    assert f"{url.split('/content/')[0]}/misc/favicon.ico" in found
    # IE-only stylesheets sit in conditional comments: no browser but old IE loads them.
    assert not any("/ie.css" in u or "/ie6.css" in u for u in found)


def test_real_bartik_images_resolve_against_the_stylesheet() -> None:
    css, url, _ = _load("bartik-style", "css")
    urls = css_references(css, url).urls
    assert urls and all("/themes/bartik/images/" in u for u in urls)


def test_post_page_requisites_are_the_page_requisites() -> None:
    html, url, expected = _load("forms", "html")
    assert parse_post_page(html, url).requisites == expected


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        ('@import url("a.css");', ["a.css"]),
        ("@import url('a.css') screen;", ["a.css"]),
        ("@import url(a.css) print, screen;", ["a.css"]),
        ('@import "a.css";', ["a.css"]),
        ("@import 'a.css' screen and (min-width: 40em);", ["a.css"]),
        ('@IMPORT "a.css";', ["a.css"]),
        ('/* @import "no.css"; */ @import "a.css";', ["a.css"]),
        ('@import url("data:text/css,body{}");', []),
        ('p { color: red } @import "late.css";', ["late.css"]),
    ],
)
def test_import_forms(css: str, expected: list[str]) -> None:
    base = "https://www.example.org/themes/t/css/x.css"
    assert css_references(css, base).imports == [
        f"https://www.example.org/themes/t/css/{name}" for name in expected
    ]


@pytest.mark.parametrize(
    ("css", "expected"),
    [
        ("a { background: url(i.png) }", ["i.png"]),
        ('a { background: url("i.png") }', ["i.png"]),
        ("a { background: url( 'i.png' ) }", ["i.png"]),
        ("a { background: URL(i.png) }", ["i.png"]),
        ('@font-face { src: url("f.woff2") format("woff2"), url(f.woff) }', ["f.woff2", "f.woff"]),
        ("@media print { a { background: url(p.png) } }", ["p.png"]),
        ('a { background: image-set("a.png" 1x, "b.png" 2x) }', ["a.png", "b.png"]),
        ("a { background: url(data:image/png;base64,AAAA) }", []),
        ("a { filter: url(#f) }", []),
        ('a::after { content: "url(no.png)" }', []),
        ("/* a { background: url(no.png) } */", []),
    ],
)
def test_url_forms(css: str, expected: list[str]) -> None:
    base = "https://www.example.org/themes/t/css/x.css?v=1"
    assert css_references(css, base).urls == [
        f"https://www.example.org/themes/t/css/{name}" for name in expected
    ]


def test_css_urls_resolve_against_the_css_file_not_the_page() -> None:
    refs = css_references("a { background: url(../images/bg.png) }", "http://h/themes/t/css/s.css")
    assert refs.urls == ["http://h/themes/t/images/bg.png"]


@pytest.mark.parametrize(
    ("srcset", "expected"),
    [
        ("a.png", ["a.png"]),
        ("a.png 1x, b.png 2x", ["a.png", "b.png"]),
        ("a.png 480w,b.png 800w", ["a.png", "b.png"]),
        ("a,b.png 1x, c.png 2x", ["a,b.png", "c.png"]),
        ("a.png, b.png 2x", ["a.png", "b.png"]),
        ("  a.png   1x ,  ", ["a.png"]),
        ("", []),
    ],
)
def test_srcset_candidates(srcset: str, expected: list[str]) -> None:
    assert srcset_urls(srcset) == expected


@pytest.mark.parametrize("html", ["", "   ", "<html></html>", "not html", "<img src=>"])
def test_degenerate_pages_give_no_requisites(html: str) -> None:
    assert page_requisites(html, "http://127.0.0.1/content/x") == []


def test_references_naming_a_host_resolve_as_urljoin_does() -> None:
    # _resolved caches what references naming a host resolve to, by the base's scheme only:
    # the results must be urljoin's for any base, scheme-relative and odd references included.
    from urllib.parse import urldefrag, urljoin

    from archiver.pages.requisites import _resolved

    references = [
        "http://example.org/a.css",
        "https://example.org/a/../b.png?x=1#frag",
        "//cdn.example.org/c.js",
        "HTTP://Example.org/d.png",
        "http:///no-host.png",
        "http://",
        "ftp://example.org/e.png",
        "/f.png",
        "g.png",
        "../h.png",
        "?q=1",
        "http://example.org",
    ]
    for base in ("http://site.test/x/y.html", "https://site.test/", "https://other.test/a/b/c"):
        expected = [urldefrag(urljoin(base, r))[0] for r in references]
        assert list(_resolved(base, references)) == expected, base
