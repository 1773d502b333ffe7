"""The "submitted" line of a Drupal node: date text as printed, author, machine date.

Drupal 7 prints ``Per, 10/08/2020 - 17:31 -- <span class="username">Kanat</span>`` (Bartik-like
themes) or ``Submitted by Kanat on Thu, 09/12/2019 - 17:14`` (core default). With the RDF module
the date sits in ``<span property="dc:date dc:created" content="...">``; the visible text is
kept as printed either way, since the date normaliser cross-checks the two. A source whose
markup differs gives its own ``submitted``, ``date`` and ``author`` selectors
(archiver.pages.selectors).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lxml.html import HtmlElement

from archiver.pages.selectors import DRUPAL7, Selectors
from archiver.pages.text import element_text, normalise_space

SUBMITTED_XPATH = (
    ".//*[contains(concat(' ', normalize-space(@class), ' '), ' submitted ')]"
    " | .//*[contains(concat(' ', normalize-space(@class), ' '), ' post-meta ')]"
    " | .//*[contains(concat(' ', normalize-space(@class), ' '), ' entry-meta ')]"
)
# Tried in this order: Drupal's username span first (RDF's sioc:has_creator may sit on a span
# that wraps the whole line, date included).
AUTHOR_XPATHS = (
    ".//*[contains(concat(' ', normalize-space(@class), ' '), ' username ')]",
    ".//a[@rel='author']",
    ".//*[contains(concat(' ', normalize-space(@class), ' '), ' author ')]",
)
MACHINE_DATE_XPATH = (
    ".//*[@property and @content and (contains(@property, 'dc:date')"
    " or contains(@property, 'dc:created') or contains(@property, 'datePublished'))]/@content"
    " | .//time/@datetime"
)

# "Submitted by NAME on DATE" in English; other languages keep the plain "DATE -- NAME" form.
_SUBMITTED_BY = re.compile(r"^\s*submitted\s+by\s+(?P<author>.+?)\s+on\s+(?P<date>.+?)\s*$", re.I)
# Separators themes print between the date and the author.
_SEPARATORS = re.compile(r"\s*(?:--|—|–|\||\bby\b)\s*$", re.I)
_LEADING_SEPARATOR = re.compile(r"^\s*(?:--|—|–|\|)\s*")


@dataclass(frozen=True)
class Submitted:
    """What a node's submitted line says."""

    text: str | None
    """The whole line, whitespace-normalised."""
    date_raw: str | None
    """The date part as printed (``Per, 10/08/2020 - 17:31``)."""
    author: str | None
    machine_date: str | None
    """A machine-readable date found in the line or node (RDFa ``content``), as found."""


def parse_submitted(node: HtmlElement, selectors: Selectors = DRUPAL7) -> Submitted:
    """Read the submitted line of ``node`` (a teaser or a full node element), with the
    source's ``selectors`` (default: Drupal 7's)."""
    lines = node.xpath(selectors.submitted or SUBMITTED_XPATH)
    line = lines[0] if lines else None
    dates = node.xpath(selectors.date) if selectors.date else []
    printed = dates[0] if dates else None
    machine = _first(
        [printed.get("datetime") or printed.get("content") or ""] if printed is not None else []
    ) or _first(node.xpath(MACHINE_DATE_XPATH))
    text = (element_text(line) or None) if line is not None else None
    author = _author(node, line, selectors)
    if printed is not None:
        date_raw = element_text(printed) or None
    elif line is not None:
        date_raw = _date_part(line, text, author)
    else:
        date_raw = None
    return Submitted(text=text, date_raw=date_raw, author=author or None, machine_date=machine)


def _author(node: HtmlElement, line: HtmlElement | None, selectors: Selectors) -> str | None:
    """The source's ``author`` selector inside the node; by default Drupal's rules inside the
    submitted line."""
    if selectors.author:
        found = node.xpath(selectors.author)
        return element_text(found[0]) if found else None
    if line is None:
        return None
    return next((element_text(found[0]) for x in AUTHOR_XPATHS if (found := line.xpath(x))), None)


def _date_part(line: HtmlElement, text: str | None, author: str | None) -> str | None:
    """The date text of a submitted line: the line (or its RDFa date span) minus the author.

    Drupal 7's RDF module wraps the whole "date -- author" in the date span, so the author and
    the separator are taken off either way.
    """
    dated = line.xpath(".//*[@property and contains(@property, 'dc:date')] | .//time")
    candidate = (element_text(dated[0]) if dated else "") or text
    if not candidate:
        return None
    match = _SUBMITTED_BY.match(candidate)
    if match:
        return match.group("date")
    remainder = candidate
    if author and remainder.endswith(author):
        remainder = remainder[: -len(author)]
    elif author and remainder.startswith(author):
        remainder = remainder[len(author) :]
    remainder = _SEPARATORS.sub("", normalise_space(remainder))
    remainder = _LEADING_SEPARATOR.sub("", remainder)
    return remainder or None


def _first(values: list[str]) -> str | None:
    for value in values:
        value = normalise_space(value)
        if value:
            return value
    return None
