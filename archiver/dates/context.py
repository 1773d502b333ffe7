"""``DateContext``: what the normaliser must know about a source, as plain data.

The item pipeline builds it from the source profile (``archiver/sources.py``) and makes one
``SourceDateNormaliser`` per source from it. Reads no settings.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from archiver.dates.normaliser import SourceDateNormaliser


class _ProfileLike(Protocol):
    timezone: str
    languages: tuple[str, ...]
    date_order: str | None


@dataclass(frozen=True)
class DateContext:
    """A source's timezone (IANA), dateparser language codes and numeric order if known."""

    timezone: str
    languages: tuple[str, ...] = ()
    order: str | None = None

    @classmethod
    def from_profile(cls, profile: _ProfileLike) -> DateContext:
        return cls(profile.timezone, tuple(profile.languages), profile.date_order)

    def normaliser(self) -> SourceDateNormaliser:
        """A fresh normaliser for this source (raises DateArgumentError for bad values)."""
        return SourceDateNormaliser(self.timezone, self.languages, self.order)
