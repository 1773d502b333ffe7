"""A post page (``/content/<slug>``) -> title, submitted line, body, images, tags, requisites.

Site noise is left out: the PHP notice block (``div.messages``), menus and sidebars sit outside
the node's body field and are never read into the body. The body HTML is the body field's
content as lxml serialises it. A source whose markup differs gives its own selectors
(``post``, ``title``, ``post_body``, ``submitted``, ``date``, ``author``:
archiver.pages.selectors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml.html import HtmlElement

from archiver.pages.listing import node_id_of
from archiver.pages.requisites import requisites_in
from archiver.pages.selectors import DRUPAL7, Selectors
from archiver.pages.submitted import parse_submitted
from archiver.pages.text import (
    body_text,
    element_text,
    inner_html,
    parse_document,
    remove_control_chars,
)
from archiver.pages.urls import absolute, base_url, unique

_CLASS = "contains(concat(' ', normalize-space(@class), ' '), ' {} ')"
NODE_XPATH = (
    f"//*[{_CLASS.format('node')} and starts-with(@id, 'node-')"
    f" and not({_CLASS.format('node-teaser')})]"
)
FALLBACK_NODE_XPATH = "//article | //main | //*[@id='content'] | //body"
TITLE_XPATH = (
    "//h1[@id='page-title'] | //h1[" + _CLASS.format("title") + "]"
    " | //h1[" + _CLASS.format("entry-title") + "]"
)
BODY_XPATH = (
    ".//*[" + _CLASS.format("field-name-body") + "]//*[" + _CLASS.format("field-item") + "]"
    " | .//*[" + _CLASS.format("entry-content") + "]"
)
IMAGE_FIELD_XPATH = ".//*[" + _CLASS.format("field-name-field-image") + "]//img/@src"
TAG_XPATH = (
    ".//*[" + _CLASS.format("field-name-field-tags") + "]//a"
    " | .//*[" + _CLASS.format("field-type-taxonomy-term-reference") + "]//a"
)
_SHORTLINK_NODE = re.compile(r"/node/(\d+)(?:$|[/?#])")

# Longest field values an item keeps (characters), far above any real post: a longer value is
# cut there and the item flagged ``field_truncated`` (the WARC keeps the whole page).
MAX_TITLE_CHARS = 2_000
MAX_SHORT_FIELD_CHARS = 2_000
"""Author, the submitted line, the printed and machine dates, each tag."""
MAX_BODY_TEXT_CHARS = 2_000_000
MAX_BODY_HTML_CHARS = 8_000_000
MAX_LIST_ITEMS = 1_000
"""Images, tags and requisites of one post."""


@dataclass(frozen=True)
class PostPage:
    """What a post page says."""

    url: str
    node_id: str | None = None
    title: str | None = None
    submitted: str | None = None
    date_raw: str | None = None
    author: str | None = None
    machine_date: str | None = None
    body_text: str | None = None
    body_html: str | None = None
    images: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    canonical_url: str | None = None
    requisites: list[str] = field(default_factory=list)
    """Absolute URLs of what the page loads to display (stylesheets, ``<style>`` @imports,
    icons, scripts, images, srcset candidates; archiver.pages.requisites), in page order."""
    problems: list[str] = field(default_factory=list)
    """What looked wrong (``no_title``, ``no_body``, ``no_node``); the page is still used."""
    flags: list[str] = field(default_factory=list)
    """What extraction changed: ``field_truncated`` (a value over its MAX_* cut),
    ``control_chars_removed`` (NUL and other control characters dropped from the page)."""


def parse_post_page(html: str, url: str, selectors: Selectors = DRUPAL7) -> PostPage:
    """Extract a post's fields from its page at ``url``, with the source's ``selectors``
    (default: Drupal 7's)."""
    if not html or not html.strip():
        return PostPage(url=url, problems=["empty_page"])
    html, removed = remove_control_chars(html)
    flags = ["control_chars_removed"] if removed else []
    root = parse_document(html)
    if root is None:
        return PostPage(url=url, problems=["empty_page"])
    base = base_url(root, url)
    problems: list[str] = []
    nodes = root.xpath(selectors.post or NODE_XPATH)
    if not nodes:
        problems.append("no_node")
        nodes = root.xpath(FALLBACK_NODE_XPATH) or [root]
    node = nodes[0]
    if selectors.title:
        titles = root.xpath(selectors.title)
    else:
        titles = root.xpath(TITLE_XPATH) or node.xpath(".//h1 | .//h2")
    title = element_text(titles[0]) if titles else ""
    if not title:
        problems.append("no_title")
    submitted = parse_submitted(node, selectors)
    bodies = node.xpath(selectors.post_body or BODY_XPATH)
    body = bodies[0] if bodies else None
    text = body_text(body)
    if not text:
        problems.append("no_body")
    images = unique(absolute(base, src) for src in node.xpath(IMAGE_FIELD_XPATH))
    if body is not None:
        images = unique([*images, *(absolute(base, s) for s in body.xpath(".//img/@src"))])
    tags = unique(element_text(a) for a in node.xpath(TAG_XPATH))
    canonical = _first_link(root, base, "canonical")
    cut = _Caps()
    return PostPage(
        url=url,
        node_id=node_id_of(node) or _node_id_from_shortlink(root, base),
        title=cut.text(title, MAX_TITLE_CHARS) or None,
        submitted=cut.text(submitted.text, MAX_SHORT_FIELD_CHARS),
        date_raw=cut.text(submitted.date_raw, MAX_SHORT_FIELD_CHARS),
        author=cut.text(submitted.author, MAX_SHORT_FIELD_CHARS),
        machine_date=cut.text(submitted.machine_date, MAX_SHORT_FIELD_CHARS),
        body_text=cut.text(text, MAX_BODY_TEXT_CHARS) or None,
        body_html=cut.text(inner_html(body), MAX_BODY_HTML_CHARS) or None,
        images=cut.items(images),
        tags=cut.items([cut.text(t, MAX_SHORT_FIELD_CHARS) or "" for t in tags if t]),
        canonical_url=canonical,
        requisites=cut.items(requisites_in(root, base)),
        problems=problems,
        flags=[*flags, *(["field_truncated"] if cut.truncated else [])],
    )


class _Caps:
    """Cuts values to their caps and remembers whether it cut anything."""

    def __init__(self) -> None:
        self.truncated = False

    def text(self, value: str | None, limit: int) -> str | None:
        if value is not None and len(value) > limit:
            self.truncated = True
            return value[:limit]
        return value

    def items(self, values: list[str]) -> list[str]:
        if len(values) > MAX_LIST_ITEMS:
            self.truncated = True
            return values[:MAX_LIST_ITEMS]
        return values


def _node_id_from_shortlink(root: HtmlElement, base: str) -> str | None:
    shortlink = _first_link(root, base, "shortlink")
    match = _SHORTLINK_NODE.search(shortlink or "")
    return match.group(1) if match else None


def _first_link(root: HtmlElement, base: str, rel: str) -> str | None:
    hrefs = root.xpath(f"//link[contains(concat(' ', @rel, ' '), ' {rel} ')]/@href")
    return absolute(base, hrefs[0]) if hrefs else None
