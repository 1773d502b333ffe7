"""Hypothesis: mangled listing and post HTML, and junk dates, never make an extractor raise.

The saved pages of tests/fixtures/pages are cut, have tags deleted, random bytes or nested junk
spliced in, or huge attributes added; ``parse_listing_page`` and ``parse_post_page`` must
return data or problems, and ``SourceDateNormaliser.normalise`` a result (a value or flags).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from functools import cache

from helpers import REPO_ROOT
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from archiver.dates import SourceDateNormaliser
from archiver.pages import parse_listing_page, parse_post_page

PAGES = REPO_ROOT / "tests" / "fixtures" / "pages"
PAGE_URL = "https://www.iuhrdf.org/topic/news"
FUZZ = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@cache
def saved_page(prefix: str) -> str:
    [path] = sorted(PAGES.glob(f"{prefix}*.html"))[:1]
    return path.read_text(encoding="utf-8")


_TAG = re.compile(r"<[^>]{0,200}>")
JUNK = st.one_of(
    st.text(max_size=200),
    st.binary(max_size=200).map(lambda b: b.decode("latin-1")),
    st.integers(1, 60).map(lambda n: "<div><span><p><a href='?page=" * n),
    st.integers(1, 40).map(lambda n: "</div></ul></li>" * n),
    st.integers(1, 300_000).map(lambda n: f'<a href="{"x" * n}" class="pager-next">'),
    st.just('<span property="dc:date dc:created" content="not-a-date">Xyz, 99/99/9999</span>'),
    st.just('<div class="node node-teaser" id="node-"><h2><a>'),
    st.just("\x00\ufffd\ud7ff<!--"),
)


@st.composite
def mangled(draw: st.DrawFn, page: str) -> str:
    """``page`` after a few random edits."""
    for _ in range(draw(st.integers(1, 4))):
        edit = draw(st.sampled_from(["truncate", "delete_tags", "splice", "replace"]))
        if not page:
            page = draw(JUNK)
            continue
        at = draw(st.integers(0, len(page)))
        if edit == "truncate":
            page = page[:at]
        elif edit == "delete_tags":
            tags = list(_TAG.finditer(page))
            if tags:
                chosen = set(draw(st.lists(st.sampled_from(range(len(tags))), max_size=40)))
                page = (
                    "".join(
                        page[(tags[i - 1].end() if i else 0) : tag.start()]
                        + ("" if i in chosen else tag.group())
                        for i, tag in enumerate(tags)
                    )
                    + page[tags[-1].end() :]
                )
        elif edit == "splice":
            page = page[:at] + draw(JUNK) + page[at:]
        else:
            end = draw(st.integers(at, min(len(page), at + 2000)))
            page = page[:at] + draw(JUNK) + page[end:]
    return page


@FUZZ
@given(st.data())
def test_listing_parser_never_raises(data: st.DataObject) -> None:
    html = data.draw(mangled(saved_page("listing")))
    page = parse_listing_page(html, PAGE_URL)
    assert isinstance(page.problems, list)
    for teaser in page.teasers:
        assert teaser.url.startswith("http")
    assert page.next_url is None or page.next_url.startswith("http")


@FUZZ
@given(st.data(), st.sampled_from(["post-core", "post-notice"]))
def test_post_parser_never_raises(data: st.DataObject, which: str) -> None:
    html = data.draw(mangled(saved_page(which)))
    post = parse_post_page(html, "https://www.iuhrdf.org/content/a-post")
    assert isinstance(post.problems, list)
    assert post.problems or post.body_text is not None or post.title is not None


NORMALISER = SourceDateNormaliser("America/New_York", languages=["tr", "en"], order="MDY")
DATE_PIECES = st.sampled_from(
    ["Per", "Sa", "Thu", "Çar", "13", "45", "/", "-", ":", "2020", "99", " ", "önce", "gün", "\x00"]
)


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(st.none(), st.text(max_size=60), st.lists(DATE_PIECES, max_size=12).map("".join)),
    st.one_of(st.none(), st.text(max_size=40), st.just("2020-13-45T99:99:99-04:00")),
)
def test_date_normaliser_never_raises(raw: str | None, machine: str | None) -> None:
    result = NORMALISER.normalise(raw, fetched_at=datetime(2026, 1, 1, tzinfo=UTC), machine=machine)
    assert result.value is not None or result.flags, (raw, machine)
    iso = result.isoformat()
    assert iso is None or datetime.fromisoformat(iso).tzinfo is not None
