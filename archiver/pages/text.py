"""Text clean-up shared by the extractors: whitespace and body paragraphs.

Text is kept exactly as published apart from whitespace: names in several spellings, odd
punctuation and mixed scripts are evidence and are never "corrected".
"""

from __future__ import annotations

import re
from collections.abc import Iterator

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

_WHITESPACE = re.compile(r"\s+")
# Characters lxml refuses in a str (NUL, C0 controls, lone surrogates, non-characters).
_REFUSED_BY_LXML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*\?>")


# libxml2 stops at a text node over 10 MB without huge_tree, and the rest of the page is lost
# (a 10 MB title would make a page with a node, a title and a body look like it has none).
# The page's size is bounded by DOWNLOAD_MAXSIZE; fields are capped after extraction.
_PARSER = lxml.html.HTMLParser(huge_tree=True)


def remove_control_chars(text: str) -> tuple[str, bool]:
    """``text`` without NUL, C0 control characters (tab, newline and carriage return are
    kept), lone surrogates and non-characters; and whether any were removed."""
    cleaned = _REFUSED_BY_LXML.sub("", text)
    return cleaned, len(cleaned) != len(text)


def parse_document(html: str) -> HtmlElement | None:
    """The page's element tree, or None when there is no document in it (e.g. only ``<!``).

    lxml refuses a str holding NUL or control characters, or starting with an XML encoding
    declaration; those are dropped and the rest parsed, so one stray byte does not lose a page
    (callers that flag it remove them first: :func:`remove_control_chars`).
    """
    try:
        return lxml.html.document_fromstring(html, parser=_PARSER)
    except etree.ParserError:
        return None
    except ValueError:
        cleaned = _XML_DECLARATION.sub("", _REFUSED_BY_LXML.sub("", html))
    try:
        return lxml.html.document_fromstring(cleaned, parser=_PARSER)
    except (etree.ParserError, ValueError):
        return None


# Elements whose text starts a new paragraph of the plain-text body.
BLOCK_TAGS = frozenset(
    "p div li ul ol blockquote h1 h2 h3 h4 h5 h6 pre table tr figure figcaption section "
    "article header footer address dl dt dd hr".split()
)
# Elements that are never text a reader sees.
INVISIBLE_TAGS = frozenset("script style noscript template iframe object embed".split())


def normalise_space(text: str | None) -> str:
    """Collapse runs of whitespace (including non-breaking spaces) to one space; strip ends."""
    if not text:
        return ""
    return _WHITESPACE.sub(" ", text.replace("\xa0", " ")).strip()


def element_text(element: HtmlElement | None) -> str:
    """Visible text of ``element``, whitespace-normalised ('' for None)."""
    if element is None:
        return ""
    return normalise_space(" ".join(_visible_strings(element)))


def _visible_strings(element: HtmlElement) -> Iterator[str]:
    for node in element.iter():
        if not isinstance(node.tag, str):  # comments, processing instructions
            if node is not element and node.tail:
                yield node.tail
            continue
        if node.tag in INVISIBLE_TAGS:
            if node is not element and node.tail:
                yield node.tail
            continue
        if _inside_invisible(node, element):
            continue
        if node.text:
            yield node.text
        if node is not element and node.tail:
            yield node.tail


def _inside_invisible(node: HtmlElement, root: HtmlElement) -> bool:
    parent = node.getparent()
    while parent is not None and parent is not root:
        if parent.tag in INVISIBLE_TAGS:
            return True
        parent = parent.getparent()
    return False


def paragraphs(element: HtmlElement | None) -> list[str]:
    """The readable paragraphs of a body element, each whitespace-normalised, empties dropped.

    Block elements (``p``, ``div``, ``li``, headings ...) and ``<br>`` start a new paragraph;
    inline text between them (bodies pasted without ``<p>``) forms paragraphs of its own.
    """
    if element is None:
        return []
    pieces: list[str] = []
    current: list[str] = []

    def flush() -> None:
        text = normalise_space("".join(current))
        if text:
            pieces.append(text)
        current.clear()

    def walk(node: HtmlElement) -> None:
        for child in node:
            tag = child.tag if isinstance(child.tag, str) else None
            if tag is None or tag in INVISIBLE_TAGS:
                current.append(" " if tag is not None else "")
            elif tag == "br":
                flush()
            elif tag in BLOCK_TAGS:
                flush()
                if child.text:
                    current.append(child.text)
                walk(child)
                flush()
            else:
                if child.text:
                    current.append(child.text)
                walk(child)
            if child.tail:
                current.append(child.tail)

    if element.text:
        current.append(element.text)
    walk(element)
    flush()
    return pieces


def body_text(element: HtmlElement | None) -> str:
    """Plain text of a body: paragraphs separated by one blank line."""
    return "\n\n".join(paragraphs(element))


def inner_html(element: HtmlElement | None) -> str:
    """The HTML inside ``element`` (its children and text, not its own tag)."""
    if element is None:
        return ""
    parts = [element.text or ""]
    for child in element:
        parts.append(etree.tostring(child, encoding="unicode", method="html", with_tail=True))
    return "".join(parts).strip()
