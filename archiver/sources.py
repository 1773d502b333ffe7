"""Source profiles: what the archiver must know about one site, kept in one place.

A profile names the start URLs, the hosts the site has had, the site's timezone, the languages
its dates are printed in, the numeric date order when the site is known to use one, and any
selector that differs from Drupal 7's. Profiles are read from a sources file (TOML, one
``[sources.NAME]`` table each): ``ARCHIVER_SOURCES_FILE`` / ``--sources FILE``, by default the
one bundled with archiver (``archiver/sources.toml``, which documents the fields). The spider
and the date pipeline read the profile; nothing else about a source is hard-coded elsewhere.

A sources file that is wrong raises :class:`SourcesError`, whose message is one line naming
the file, the source and the field.
"""

from __future__ import annotations

import tomllib
import zoneinfo
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from cssselect import HTMLTranslator, SelectorError

DATE_ORDERS = ("MDY", "DMY", "YMD")
# The selector keys a profile may give (archiver.pages.selectors.Selectors: where each applies).
SELECTOR_NAMES = (
    "teaser",
    "teaser_link",
    "next_page",
    "post",
    "title",
    "post_body",
    "submitted",
    "date",
    "author",
)
_FIELDS = ("start_urls", "hosts", "timezone", "languages", "date_order", "selectors")


@dataclass(frozen=True)
class SourceProfile:
    """Everything site-specific the crawl and the date normaliser need."""

    name: str
    start_urls: tuple[str, ...]
    timezone: str
    """IANA zone the site prints local times in (Drupal's site default timezone)."""
    languages: tuple[str, ...] = ()
    """dateparser language codes the site's dates may be printed in; empty = detect."""
    date_order: str | None = None
    """``MDY``, ``DMY`` or ``YMD`` when known; None = infer from the dates themselves."""
    hosts: tuple[str, ...] = ()
    """Every host the site has had (recorded; a post's identity ignores the host anyway)."""
    selectors: dict[str, str] = field(default_factory=dict)
    """CSS selectors (``SELECTOR_NAMES``) where the site's markup differs from Drupal 7's;
    extraction uses them in place of its default rules (archiver.pages.selectors)."""


class SourcesError(ValueError):
    """A sources file that cannot be used; the message is one line (file, source, field)."""


def bundled_sources_file() -> Path:
    """The sources file shipped with archiver (package data)."""
    return Path(str(resources.files("archiver").joinpath("sources.toml")))


def sources_file(setting: str | Path | None) -> Path:
    """``ARCHIVER_SOURCES_FILE``'s value as a path (empty: the bundled file)."""
    return Path(setting) if setting else bundled_sources_file()


_CACHE: dict[tuple[str, int, int], dict[str, SourceProfile]] = {}


def load_sources(path: str | Path | None = None) -> dict[str, SourceProfile]:
    """The profiles of the sources file ``path`` (None or empty: the bundled one), by name."""
    file = sources_file(path)
    try:
        stat = file.stat()
        key = (str(file.resolve()), stat.st_mtime_ns, stat.st_size)
        if key in _CACHE:
            return _CACHE[key]
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except OSError as error:
        raise SourcesError(f"sources file {file}: cannot be read: {error.strerror}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise SourcesError(f"sources file {file}: not valid TOML: {error}") from None
    profiles = _profiles(file, data)
    _CACHE[key] = profiles
    return profiles


def get_profile(name: str, path: str | Path | None = None) -> SourceProfile:
    """Return the profile called ``name``; a clear error names the known ones."""
    profiles = load_sources(path)
    try:
        return profiles[name]
    except KeyError:
        known = ", ".join(sorted(profiles))
        raise SourcesError(
            f"unknown source {name!r} in {sources_file(path)} (known: {known})"
        ) from None


def _profiles(file: Path, data: dict[str, Any]) -> dict[str, SourceProfile]:
    unknown = sorted(set(data) - {"sources"})
    if unknown:
        raise SourcesError(f"sources file {file}: unknown table {unknown[0]!r} (expected sources)")
    tables = data.get("sources")
    if not isinstance(tables, dict) or not tables:
        raise SourcesError(f"sources file {file}: no [sources.NAME] table")
    return {name: _profile(file, name, table) for name, table in tables.items()}


def _profile(file: Path, name: str, table: Any) -> SourceProfile:
    def fail(field_name: str, problem: str) -> SourcesError:
        return SourcesError(f"sources file {file}: source {name!r}: field {field_name}: {problem}")

    if not name.replace("-", "").replace("_", "").isalnum():
        raise fail("name", "letters, digits, - and _ only (it names a directory)")
    if not isinstance(table, dict):
        raise fail("(table)", "expected a table [sources.NAME]")
    for key in table:
        if key not in _FIELDS:
            raise fail(key, f"unknown field (known: {', '.join(_FIELDS)})")
    for required in ("start_urls", "timezone"):
        if required not in table:
            raise fail(required, "missing")
    start_urls = _strings(table["start_urls"], lambda p: fail("start_urls", p))
    for url in start_urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise fail("start_urls", f"not an http(s) URL: {url!r}")
    timezone = table["timezone"]
    if not isinstance(timezone, str):
        raise fail("timezone", "expected a string such as 'Europe/Istanbul'")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        raise fail("timezone", f"unknown IANA zone {timezone!r}") from None
    date_order = table.get("date_order")
    if date_order is not None and date_order not in DATE_ORDERS:
        raise fail("date_order", f"expected one of {', '.join(DATE_ORDERS)}, got {date_order!r}")
    selectors = table.get("selectors", {})
    if not isinstance(selectors, dict):
        raise fail("selectors", "expected a table of CSS selectors")
    for key, value in selectors.items():
        if key not in SELECTOR_NAMES or not isinstance(value, str) or not value.strip():
            raise fail(f"selectors.{key}", f"expected one of {', '.join(SELECTOR_NAMES)} = 'CSS'")
        try:
            HTMLTranslator().css_to_xpath(value)
        except SelectorError as error:
            raise fail(f"selectors.{key}", f"not valid CSS {value!r}: {error}") from None
    return SourceProfile(
        name=name,
        start_urls=start_urls,
        timezone=timezone,
        languages=_strings(table.get("languages", []), lambda p: fail("languages", p)),
        date_order=date_order,
        hosts=tuple(
            h.lower() for h in _strings(table.get("hosts", []), lambda p: fail("hosts", p))
        ),
        selectors=dict(selectors),
    )


def _strings(value: Any, fail: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise fail("expected a list of non-empty strings")
    return tuple(value)


# The bundled profiles (what `archiver schedule --source` offers).
PROFILES: dict[str, SourceProfile] = load_sources()
