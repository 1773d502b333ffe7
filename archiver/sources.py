"""Source profiles: what the archiver must know about one site, kept in one place.

A profile names the start URLs, the site's timezone, the languages its dates are printed in,
and the numeric date order when the site is known to use one. The spider and the date
pipeline read it; nothing else about a source is hard-coded elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass


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


PROFILES: dict[str, SourceProfile] = {
    "iuhrdf": SourceProfile(
        name="iuhrdf",
        start_urls=("https://www.iuhrdf.org/topic/news",),
        timezone="America/New_York",
        languages=("en", "tr"),
        date_order="MDY",
    ),
    # A profile for any Drupal/WordPress-like site whose conventions are not known yet: the
    # order is inferred from the dates and the weekday, the zone defaults to UTC.
    "generic": SourceProfile(name="generic", start_urls=(), timezone="UTC"),
}


def get_profile(name: str) -> SourceProfile:
    """Return the profile called ``name``; a clear error names the known ones."""
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown source profile {name!r} (known: {known})") from None
