"""Huge or odd fields are flags, not false alarms (issue 13): extraction is pure, so these run
on pages built in the test."""

from __future__ import annotations

from archiver.pages import parse_post_page
from archiver.pages.post import MAX_BODY_TEXT_CHARS, MAX_TITLE_CHARS

URL = "http://127.0.0.1:8000/content/x"


def page(title: str, body: str = "<p>The body.</p>", author: str = "Kanat") -> str:
    return (
        '<html><body><div id="node-7" class="node node-article">'
        f'<h1 class="title" id="page-title">{title}</h1>'
        f'<div class="meta submitted">Thu, 09/12/2019 - 17:14 -- <span class="username">'
        f"{author}</span></div>"
        '<div class="field field-name-body"><div class="field-items"><div class="field-item">'
        f"{body}</div></div></div></div></body></html>"
    )


def test_a_10_mb_title_is_cut_and_flagged_not_a_page_without_node_title_or_body() -> None:
    post = parse_post_page(page("T" * 10_500_000), URL)
    assert post.problems == []
    assert post.node_id == "7"
    assert post.title == "T" * MAX_TITLE_CHARS
    assert post.body_text == "The body."
    assert post.flags == ["field_truncated"]


def test_a_huge_body_is_cut_and_flagged() -> None:
    post = parse_post_page(page("Title", "<p>" + "word " * 600_000 + "</p>"), URL)
    assert post.problems == [] and post.title == "Title"
    assert post.body_text is not None and len(post.body_text) == MAX_BODY_TEXT_CHARS
    assert post.flags == ["field_truncated"]


def test_control_characters_are_removed_and_flagged() -> None:
    post = parse_post_page(page("Ti\x00tle\x07", "<p>Bo\x01dy\x1f text.</p>", "Ka\x0bnat"), URL)
    assert post.title == "Title"
    assert post.body_text == "Body text."
    assert post.author == "Kanat"
    assert post.flags == ["control_chars_removed"]
    assert post.problems == []


def test_an_ordinary_page_has_no_such_flag() -> None:
    post = parse_post_page(page("Title\twith tab"), URL)
    assert post.flags == [] and post.problems == []
