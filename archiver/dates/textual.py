"""Dates written with words ("8 Ekim 2020", "Thursday, October 8, 2020 - 17:31", "3 hours ago"),
read by dateparser, restricted to the source's languages, and compiled per shape.

dateparser is slow (milliseconds a call), so a text of a new shape is parsed once and the result
is turned into a *layout*: which number of the text is the year, the day, the hour... (the
words, month names included, are fixed by the shape). Later texts of that shape are read from
their numbers alone. When two assignments fit the first sample (day 8 and hour 8), both are kept
and a text on which they disagree goes back to dateparser, which also prunes the wrong one.
Relative dates are never compiled: they depend on the fetch time. Reads no settings.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from dateparser.date import DateDataParser

logger = logging.getLogger(__name__)

_NUMBER = re.compile(r"\d+")
_TIME_HINT = re.compile(r"\d\s*[:h]\s*\d\d|\d\s*[ap]\.?m\b", re.IGNORECASE)
_FIELDS = ("year", "year2", "month", "day", "hour", "hour_pm", "hour_am", "minute", "second")
# Settings shared by every parser: our own order handling, no guessing of missing parts.
_ABSOLUTE = {
    "PARSERS": ["custom-formats", "absolute-time"],
    "REQUIRE_PARTS": ["day", "month", "year"],
}
_RELATIVE_PROBE_BASE = datetime(2000, 6, 15, 12, 0, 0)


def shows_time(raw: str, value: datetime) -> bool:
    """Whether a time of day was printed (a date alone comes back from dateparser at 00:00)."""
    return bool(_TIME_HINT.search(raw)) or value.time() != datetime.min.time()


def _field_matches(value: int, digits: int, sample: datetime) -> list[str]:
    """Which field of ``sample`` the printed number ``value`` can be."""
    found = []
    if digits == 4 and value == sample.year:
        found.append("year")
    if digits == 2 and value == sample.year % 100:
        found.append("year2")
    if value == sample.month:
        found.append("month")
    if value == sample.day:
        found.append("day")
    if value == sample.hour:
        found.append("hour")
    if 1 <= value < 12 and value + 12 == sample.hour:
        found.append("hour_pm")
    if value == 12 and sample.hour == 0:
        found.append("hour_am")
    if value == sample.minute and digits == 2:
        found.append("minute")
    if value == sample.second and digits == 2:
        found.append("second")
    return found


def _build(assignment: tuple[str, ...], numbers: list[int], sample: datetime) -> datetime:
    parts: dict[str, int] = {
        "year": sample.year, "month": sample.month, "day": sample.day,
        "hour": sample.hour, "minute": sample.minute, "second": sample.second,
    }  # fmt: skip
    for name, value in zip(assignment, numbers, strict=True):
        if name == "year2":
            parts["year"] = sample.year - sample.year % 100 + value
        elif name == "hour_pm":
            parts["hour"] = value % 12 + 12
        elif name == "hour_am":
            parts["hour"] = value % 12
        else:
            parts[name] = value
    return datetime(
        parts["year"], parts["month"], parts["day"], parts["hour"], parts["minute"], parts["second"]
    )


@dataclass
class TextualLayout:
    """Candidate number-to-field assignments of one shape, pruned as texts disagree."""

    sample: datetime
    assignments: list[tuple[str, ...]] = field(default_factory=list)
    has_time: bool = True
    weekdays: frozenset[int] | None = None

    @classmethod
    def derive(cls, raw: str, sample: datetime) -> TextualLayout | None:
        numbers = _NUMBER.findall(raw)
        options = [_field_matches(int(n), len(n), sample) for n in numbers]
        assignments = []
        for combo in itertools.product(*options):
            base_fields = [name.replace("year2", "year").split("_")[0] for name in combo]
            if len(set(base_fields)) != len(base_fields):
                continue
            if "year" in base_fields and "day" in base_fields:
                assignments.append(combo)
        if not assignments or len(assignments) > 16:
            return None
        return cls(sample=sample, assignments=assignments, has_time=shows_time(raw, sample))

    def read(self, raw: str) -> datetime | None:
        """The datetime all remaining assignments agree on, or None when they do not."""
        numbers = [int(n) for n in _NUMBER.findall(raw)]
        agreed: datetime | None = None
        for assignment in self.assignments:
            try:
                value = _build(assignment, numbers, self.sample)
            except ValueError:
                return None
            if agreed is not None and value != agreed:
                return None
            agreed = value
        return agreed

    def prune(self, raw: str, truth: datetime) -> None:
        numbers = [int(n) for n in _NUMBER.findall(raw)]
        kept = []
        for assignment in self.assignments:
            try:
                if _build(assignment, numbers, self.sample) == truth:
                    kept.append(assignment)
            except ValueError:
                continue
        self.assignments = kept


class DateparserReader:
    """dateparser restricted to a source's languages (all of them when none are given)."""

    def __init__(self, languages: Sequence[str]) -> None:
        self._languages = list(languages) or None
        self._absolute: dict[str | None, DateDataParser] = {}
        self._year_less: DateDataParser | None = None

    def _parser(self, order: str | None) -> DateDataParser:
        parser = self._absolute.get(order)
        if parser is None:
            settings: dict[str, Any] = dict(_ABSOLUTE)
            if order is not None:
                settings["DATE_ORDER"] = order
            parser = DateDataParser(languages=self._languages, settings=settings)
            self._absolute[order] = parser
        return parser

    def absolute(self, raw: str, order: str | None = None) -> datetime | None:
        """A complete (day, month and year) absolute date, naive or aware; None otherwise."""
        return self._parser(order).get_date_data(raw).date_obj

    def is_relative(self, raw: str) -> bool:
        return self.relative(raw, _RELATIVE_PROBE_BASE.replace(tzinfo=UTC)) is not None

    def relative(self, raw: str, fetched_at: datetime) -> datetime | None:
        """``raw`` ("3 hours ago", "yesterday 17:31") against an aware fetch time, or None.

        A pure offset ("3 hours ago") is counted on the UTC clock, so that it stays exact across
        a DST change; a wall-clock one ("today 17:31") on the local clock of ``fetched_at``.
        """
        local_base = fetched_at.replace(tzinfo=None)
        utc_base = fetched_at.astimezone(UTC).replace(tzinfo=None)
        on_local = self._relative_on(raw, local_base)
        if on_local is None:
            return None
        on_utc = self._relative_on(raw, utc_base)
        if on_utc is not None and on_utc - utc_base == on_local - local_base:
            return (utc_base + (on_utc - utc_base)).replace(tzinfo=UTC)
        return on_local.replace(tzinfo=None) if on_local.tzinfo is None else on_local

    def _relative_on(self, raw: str, base: datetime) -> datetime | None:
        settings = {"PARSERS": ["relative-time"], "RELATIVE_BASE": base}
        parser = DateDataParser(languages=self._languages, settings=settings)
        return parser.get_date_data(raw).date_obj

    def year_less(self, raw: str, fetched_at: datetime) -> datetime | None:
        """A day and month without a year: the latest such date not after ``fetched_at``."""
        settings = {
            "PARSERS": ["absolute-time"],
            "REQUIRE_PARTS": ["day", "month"],
            "PREFER_DATES_FROM": "past",
            "RELATIVE_BASE": fetched_at.replace(tzinfo=None),
        }
        parser = DateDataParser(languages=self._languages, settings=settings)
        return parser.get_date_data(raw).date_obj
