"""A listing page (``/topic/news?page=N``) -> its teasers and the next page's URL.

Drupal 7 teasers are ``div.node-teaser`` (``id="node-<nid>"``, ``about="/content/<slug>"``);
other themes and Views rows are read through the same fields where they differ. The pager is
followed, not counted: ``li.pager-next a`` (or ``rel="next"``) names the next page. A source
whose markup differs gives its own selectors (``teaser``, ``teaser_link``, ``next_page``,
``post_body``, ``submitted``, ``date``, ``author``: archiver.pages.selectors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urldefrag

from lxml.html import HtmlElement

from archiver.pages.selectors import DRUPAL7, Selectors
from archiver.pages.submitted import parse_submitted
from archiver.pages.text import body_text, element_text, parse_document
from archiver.pages.urls import absolute, base_url

TEASER_XPATH = "//*[contains(concat(' ', normalize-space(@class), ' '), ' node-teaser ')]"
# Views rows and WordPress-like archives, used only when a page has no Drupal teasers.
FALLBACK_TEASER_XPATH = (
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' views-row ')]"
    " | //article[.//h2//a[@href] or .//h3//a[@href]]"
)
TITLE_LINK_XPATH = ".//h2//a[@href] | .//h3//a[@href] | .//*[contains(@class, 'title')]//a[@href]"
SUMMARY_XPATH = (
    ".//*[contains(concat(' ', normalize-space(@class), ' '), ' field-name-body ')]"
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' field-item ')]"
    " | .//*[contains(concat(' ', normalize-space(@class), ' '), ' entry-summary ')]"
)
NEXT_XPATH = (
    "//ul[contains(concat(' ', normalize-space(@class), ' '), ' pager ')]"
    "//li[contains(concat(' ', normalize-space(@class), ' '), ' pager-next ')]//a/@href"
    " | //a[@rel='next']/@href | //link[@rel='next']/@href"
)
_NODE_ID = re.compile(r"^node-(\d+)$")


@dataclass(frozen=True)
class Teaser:
    """One post as a listing page shows it."""

    url: str
    """Absolute URL of the post page as linked (may be an old alias)."""
    node_id: str | None
    title: str | None
    submitted: str | None
    date_raw: str | None
    author: str | None
    machine_date: str | None
    teaser: str | None
    position: int
    """0-based place on the listing page."""


@dataclass(frozen=True)
class ListingPage:
    """What a listing page holds."""

    url: str
    teasers: list[Teaser] = field(default_factory=list)
    next_url: str | None = None
    problems: list[str] = field(default_factory=list)
    """What looked wrong (e.g. ``teaser_without_link``); the page is still used."""
    page_title: str | None = None
    """The page's ``<title>``: says what a page that lists nothing is instead."""
    links: int = 0
    """How many links (``a[@href]``) the page holds."""

    def describe(self) -> str:
        """What was found, for a page that lists no teaser (one line)."""
        title = repr(self.page_title) if self.page_title else "no title"
        return f"page title {title}, {self.links} links, {len(self.teasers)} teasers"


# What a listing page is expected to hold, said when one holds none of it.
EXPECTED_TEASERS = "Drupal teasers (div.node-teaser or article.node-teaser with a title link h2 a)"


def parse_listing_page(html: str, url: str, selectors: Selectors = DRUPAL7) -> ListingPage:
    """Extract the teasers and the next page link of a listing page at ``url``, with the
    source's ``selectors`` (default: Drupal 7's)."""
    if not html or not html.strip():
        return ListingPage(url=url, problems=["empty_page"])
    root = parse_document(html)
    if root is None:
        return ListingPage(url=url, problems=["empty_page"])
    base = base_url(root, url)
    if selectors.teaser:
        nodes = root.xpath(selectors.teaser)
    else:
        nodes = root.xpath(TEASER_XPATH) or root.xpath(FALLBACK_TEASER_XPATH)
    teasers: list[Teaser] = []
    problems: list[str] = []
    for position, node in enumerate(_outermost(nodes)):
        teaser = _parse_teaser(node, base, position, selectors)
        if teaser is None:
            problems.append("teaser_without_link")
        else:
            teasers.append(teaser)
    next_links = [
        href for found in root.xpath(selectors.next_page or NEXT_XPATH) if (href := _href(found))
    ]
    next_url = absolute(base, next_links[0]) if next_links else None
    if next_url == urldefrag(url)[0]:
        problems.append("pager_points_to_itself")
        next_url = None
    titles = root.xpath("//title")
    return ListingPage(
        url=url,
        teasers=teasers,
        next_url=next_url,
        problems=problems,
        page_title=" ".join(titles[0].text_content().split()) or None if titles else None,
        links=len(root.xpath("//a[@href]")),
    )


def _parse_teaser(
    node: HtmlElement, base: str, position: int, selectors: Selectors
) -> Teaser | None:
    links = node.xpath(selectors.teaser_link or TITLE_LINK_XPATH)
    href = (links[0].get("href") if links else None) if selectors.teaser_link else None
    href = href or node.get("about") or (links[0].get("href") if links else None)
    if not href:
        return None
    title = element_text(links[0]) if links else None
    submitted = parse_submitted(node, selectors)
    summary = node.xpath(selectors.post_body or SUMMARY_XPATH)
    return Teaser(
        url=absolute(base, href),
        node_id=node_id_of(node),
        title=title or None,
        submitted=submitted.text,
        date_raw=submitted.date_raw,
        author=submitted.author,
        machine_date=submitted.machine_date,
        teaser=body_text(summary[0]) if summary else None,
        position=position,
    )


def _href(found: HtmlElement | str) -> str | None:
    """A next-page match: an ``href`` (the default rule) or an element holding one."""
    return found if isinstance(found, str) else found.get("href")


def node_id_of(node: HtmlElement) -> str | None:
    """The Drupal node id of a node element (``id="node-123"``), if it has one."""
    match = _NODE_ID.match(node.get("id") or "")
    return match.group(1) if match else None


def _outermost(nodes: list[HtmlElement]) -> list[HtmlElement]:
    """Drop nodes nested in another matched node (a teaser inside a views row)."""
    chosen = set(nodes)
    result = []
    for node in nodes:
        parent = node.getparent()
        while parent is not None and parent not in chosen:
            parent = parent.getparent()
        if parent is None:
            result.append(node)
    return result
