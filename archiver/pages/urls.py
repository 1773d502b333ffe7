"""URLs as a page states them: resolved against the page's base, without fragments."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urldefrag, urljoin, urlsplit

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


DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]
"""``(scheme, host, port)``: lower-case, the scheme's default port made explicit."""


def origin(url: str) -> Origin:
    """The origin of ``url``; ``("", "", 0)`` parts where it has none (or a bad port)."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port or DEFAULT_PORTS.get(scheme, 0)
    except ValueError:
        port = -1
    return scheme, (parts.hostname or "").lower(), port


def allowed_origins(start_urls: Iterable[str], extra_hosts: Iterable[str]) -> frozenset[Origin]:
    """What a crawl may fetch: the start URLs' origins (scheme, host and port as listed), and
    each extra host: as listed when it names a scheme (``https://cdn.example``), else over
    http and https, at its port or each scheme's default (``cdn.example``, ``host:8080``)."""
    origins = {origin(url) for url in start_urls}
    for host in extra_hosts:
        host = host.strip()
        if "://" in host:
            origins.add(origin(host))
        else:
            origins.update(origin(f"{scheme}://{host}") for scheme in DEFAULT_PORTS)
    return frozenset(origins)
