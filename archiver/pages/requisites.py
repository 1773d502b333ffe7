"""Page requisites: what a browser loads to show a page as it looked.

- ``page_requisites(html, url)``: a page's stylesheets (``<link rel=stylesheet>`` and the
  ``@import`` rules of ``<style>`` blocks, which is how Drupal 7 loads CSS when aggregation is
  off), icons (``shortcut icon``, ``icon``, ``apple-touch-icon``), scripts, images (``src``,
  every ``srcset`` candidate of ``<img>`` and ``<picture><source>``, ``<input type=image>``,
  ``<video poster>``) and ``url()`` references in ``<style>`` blocks and ``style=""``
  attributes; absolute, in page order, each once.
- ``css_references(css, css_url)``: a stylesheet's ``@import`` rules (both ``@import url(x)``
  and ``@import "x"``, with or without media queries) and its ``url()`` / ``image-set()``
  references (backgrounds, fonts, cursors), resolved against the stylesheet's own URL.

CSS is read with tinycss2, a tokenizer that follows CSS Syntax Level 3: comments, escapes,
quoted and unquoted ``url()`` and strings containing ``)`` or ``;`` are handled as a browser
handles them, which regular expressions get wrong. ``data:`` URIs, fragment-only references
(``url(#filter)``) and non-HTTP schemes are left out: they name no resource to fetch.
Conditional comments (``<!--[if IE]>``) are comments to every browser but old IE: not read.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import tinycss2
from lxml.html import HtmlElement
from tinycss2.ast import AtRule, FunctionBlock, Node, QualifiedRule, StringToken, URLToken

from archiver.pages.text import parse_document
from archiver.pages.urls import absolute, base_url, unique

ICON_RELS = frozenset({"icon", "apple-touch-icon", "apple-touch-icon-precomposed", "mask-icon"})
"""``rel`` tokens of favicons (``rel="shortcut icon"`` carries ``icon``)."""
_FETCHABLE_SCHEMES = frozenset({"http", "https"})
_IMAGE_SET_FUNCTIONS = frozenset({"image-set", "-webkit-image-set"})


@dataclass(frozen=True)
class CssReferences:
    """What a stylesheet refers to, as absolute URLs in source order, each once."""

    imports: list[str] = field(default_factory=list)
    """Stylesheets named by ``@import`` (themselves CSS, to be read in turn)."""
    urls: list[str] = field(default_factory=list)
    """``url()`` and ``image-set()`` references: images, fonts, cursors."""

    @property
    def all(self) -> list[str]:
        return unique([*self.imports, *self.urls])


def page_requisites(html: str, url: str) -> list[str]:
    """Absolute URLs of everything the page at ``url`` loads to display, in page order."""
    root = parse_document(html) if html and html.strip() else None
    if root is None:
        return []
    return requisites_in(root, base_url(root, url))


def requisites_in(root: HtmlElement, base: str) -> list[str]:
    """``page_requisites`` on a parsed page (``base``: the URL relative links resolve to)."""
    found: list[str] = []
    for element in root.iter():
        tag = element.tag if isinstance(element.tag, str) else ""
        found.extend(_resolved(base, _element_references(element, tag.lower(), base)))
        style = element.get("style")
        if style:
            found.extend(_resolved(base, _css_tokens_urls(tinycss2.parse_blocks_contents(style))))
    return unique(u for u in found if _fetchable(u))


def css_references(css: str, css_url: str) -> CssReferences:
    """The ``@import`` and ``url()`` references of the stylesheet at ``css_url``."""
    return _resolved_references(_css_references_as_written(css), css_url)


def _resolved_references(
    written: tuple[tuple[str, ...], tuple[str, ...]], base: str
) -> CssReferences:
    imports, urls = written
    return CssReferences(
        imports=unique(u for u in _resolved(base, imports) if _fetchable(u)),
        urls=unique(u for u in _resolved(base, urls) if _fetchable(u)),
    )


@functools.lru_cache(maxsize=64)
def _style_block_references(css: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``_css_references_as_written`` of a ``<style>`` block, cached: every page of a site
    carries the same blocks (Drupal's ``@import`` lists), and tokenizing them again for each
    page was a tenth of reading a post page."""
    return _css_references_as_written(css)


def _css_references_as_written(css: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """The ``@import`` targets and ``url()`` references of ``css``, unresolved."""
    rules = tinycss2.parse_stylesheet(css, skip_comments=True, skip_whitespace=True)
    imports: list[str] = []
    urls: list[str] = []
    for rule in rules:
        if isinstance(rule, AtRule) and rule.lower_at_keyword == "import":
            target = _import_target(rule)
            if target is not None:
                imports.append(target)
            continue
        urls.extend(_css_tokens_urls([rule]))
    return tuple(imports), tuple(urls)


def _element_references(element: HtmlElement, tag: str, base: str) -> Iterator[str]:
    """References ``element`` makes, as written (``<style>``'s already resolved)."""
    if tag == "link":
        rels = set((element.get("rel") or "").lower().split())
        href = element.get("href")
        if href and ("stylesheet" in rels or rels & ICON_RELS):
            yield href
    elif tag == "style":
        yield from _resolved_references(_style_block_references(element.text_content()), base).all
    elif tag in ("script", "img", "input", "iframe", "embed", "video", "audio", "source"):
        if tag == "input" and (element.get("type") or "").lower() != "image":
            return
        if tag in ("iframe", "embed", "video", "audio"):
            # Embedded documents and media are content of their own, not requisites; the
            # poster frame is what the page shows before play.
            poster = element.get("poster")
            if tag == "video" and poster:
                yield poster
            return
        src = element.get("src")
        if src:
            yield src
        srcset = element.get("srcset")
        if srcset and tag in ("img", "source"):
            yield from srcset_urls(srcset)


def srcset_urls(srcset: str) -> list[str]:
    """The URLs of every candidate in a ``srcset`` (HTML's "parse a srcset attribute"):
    a URL runs to the next whitespace (trailing commas end the candidate), descriptors run
    to the next comma outside parentheses."""
    urls: list[str] = []
    position, length = 0, len(srcset)
    while position < length:
        while position < length and (srcset[position].isspace() or srcset[position] == ","):
            position += 1
        start = position
        while position < length and not srcset[position].isspace():
            position += 1
        candidate = srcset[start:position]
        if not candidate:
            break
        if candidate.endswith(","):
            urls.append(candidate.rstrip(","))
            continue
        urls.append(candidate)
        depth = 0
        while position < length:
            char = srcset[position]
            if char == "(":
                depth += 1
            elif char == ")" and depth:
                depth -= 1
            elif char == "," and not depth:
                break
            position += 1
    return [url for url in urls if url]


def _import_target(rule: AtRule) -> str | None:
    """The URL of ``@import url(x) media;`` or ``@import "x" media;``."""
    for token in rule.prelude:
        if token.type == "whitespace" or token.type == "comment":
            continue
        if isinstance(token, URLToken | StringToken):
            return str(token.value)
        if isinstance(token, FunctionBlock) and token.lower_name == "url":
            strings = [arg for arg in token.arguments if isinstance(arg, StringToken)]
            return str(strings[0].value) if strings else None
        return None
    return None


def _css_tokens_urls(nodes: Iterable[Node]) -> Iterator[str]:
    """Every ``url()`` / ``image-set()`` reference in ``nodes``, at any depth."""
    for node in nodes:
        if isinstance(node, URLToken):
            yield str(node.value)
        elif isinstance(node, FunctionBlock):
            if node.lower_name == "url":
                yield from (str(a.value) for a in node.arguments if isinstance(a, StringToken))
            elif node.lower_name in _IMAGE_SET_FUNCTIONS:
                # image-set("a.png" 1x, url(b.png) 2x): bare strings are URLs there.
                yield from (str(a.value) for a in node.arguments if isinstance(a, StringToken))
            yield from _css_tokens_urls(node.arguments)
        elif isinstance(node, QualifiedRule | AtRule):
            yield from _css_tokens_urls(node.prelude)
            yield from _css_tokens_urls(node.content or [])
        else:
            content = getattr(node, "content", None)
            if isinstance(content, list):  # (), [] and {} blocks
                yield from _css_tokens_urls(content)


def _resolved(base: str, references: Iterable[str]) -> Iterator[str]:
    base_scheme = urlsplit(base).scheme
    for reference in references:
        reference = reference.strip()
        if not reference or reference.startswith("#") or reference.lower().startswith("data:"):
            continue
        yield _with_host(base_scheme, reference) or absolute(base, reference)


@functools.lru_cache(maxsize=4096)
def _with_host(base_scheme: str, reference: str) -> str | None:
    """``absolute(base, reference)`` when ``reference`` names its host (``http://host/x``,
    ``//host/x``): then only the base's scheme counts (urljoin keeps the reference's host, path
    and query), so the result is cached across pages, which name the same requisites. None
    for a reference relative to the base's host."""
    if not urlsplit(reference).netloc:
        return None
    return absolute(f"{base_scheme}://base.invalid/", reference)


def _fetchable(url: str) -> bool:
    return urlsplit(url).scheme.lower() in _FETCHABLE_SCHEMES
