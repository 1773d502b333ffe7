"""URLs as a page states them: resolved against the page's base, without fragments."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urldefrag, urljoin

from lxml.html import HtmlElement


def base_url(root: HtmlElement, url: str) -> str:
    """The URL relative links resolve against: ``<base href>`` if the page has one."""
    bases = root.xpath("//base/@href")
    return urljoin(url, bases[0]) if bases else url


def absolute(base: str, href: str) -> str:
    """``href`` made absolute against ``base``, fragment dropped (it names no other resource)."""
    return urldefrag(urljoin(base, href.strip()))[0]


def unique(values: Iterable[str]) -> list[str]:
    """Non-empty values in first-seen order, each once."""
    return list(dict.fromkeys(value for value in values if value))
