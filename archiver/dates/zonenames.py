"""Time-zone names printed in dates ("Central European Summer Time", "PDT", "heure : Turquie")
and the instants a wall-clock time beside them can be.

The names are the ones babel itself prints for CLDR's ``z``/``zzzz``/``v``/``vvvv`` fields:
for every zone CLDR knows, its standard and daylight names (long and short, from a winter and a
summer date) and its generic names, in each language. A name maps to a *zone spec*: the set of
``(IANA zone, variant)`` it can stand for, variant ``standard``, ``daylight`` or ``generic``.

A wall time with a spec is resolved in every zone of the spec, keeping the instants whose
daylight-saving state fits the variant. One instant: the value. Several: ``ambiguous_zone``
(zones disagree) or ``ambiguous_local_time`` (the generic name of one zone during its
fall-back hour). None: ``zone_mismatch`` ("Summer Time" printed in winter). Built lazily (about
50 ms a language) the first time a text holds a word the date vocabulary does not know.
Reads no settings.
"""

from __future__ import annotations

import bisect
import functools
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Literal
from zoneinfo import ZoneInfo

from babel.core import get_global
from babel.dates import get_timezone_name

from archiver.dates.transitions import zone_transitions
from archiver.dates.vocabulary import Vocabulary, locale_for, name_key

logger = logging.getLogger(__name__)

ZoneSpec = frozenset[tuple[str, str]]
_SAMPLES = (datetime(2021, 1, 15, 12), datetime(2021, 7, 15, 12))
_EXTRA_ZONES = ("Etc/UTC", "Etc/GMT")
_WIDTHS: tuple[Literal["long", "short"], ...] = ("long", "short")


@functools.cache
def _zones() -> tuple[str, ...]:
    return tuple(sorted(set(get_global("zone_territories")) | set(_EXTRA_ZONES)))


@functools.cache
def language_zone_names(code: str) -> Vocabulary:
    """Zone names of one language as vocabulary entries ``("zone", ZoneSpec)``."""
    locale = locale_for(code)
    vocabulary = Vocabulary()
    if locale is None:
        return vocabulary
    found: dict[str, set[tuple[str, str]]] = {}
    for zone_name in _zones():
        try:
            zone = ZoneInfo(zone_name)
        except (KeyError, ValueError, OSError):
            continue
        for sample in _SAMPLES:
            aware = sample.replace(tzinfo=zone)
            variant = "daylight" if aware.dst() else "standard"
            for width in _WIDTHS:
                _note(found, get_timezone_name(aware, width, locale=locale), zone_name, variant)
        for width in _WIDTHS:
            name = get_timezone_name(zone, width, zone_variant="generic", locale=locale)
            _note(found, name, zone_name, "generic")
    for key, spec in found.items():
        vocabulary.entries.setdefault(key, set()).add(("zone", frozenset(spec)))
    return vocabulary


def _note(found: dict[str, set[tuple[str, str]]], name: str, zone: str, variant: str) -> None:
    if not name or any(ch.isdigit() for ch in name):
        return  # "+0300", "GMT+03:00": read as offsets, not names
    key = name_key(name)
    if key:
        found.setdefault(key, set()).add((zone, variant))


@functools.cache
def zone_names_for(languages: tuple[str, ...]) -> Vocabulary:
    merged = Vocabulary()
    for code in languages:
        merged.merge(language_zone_names(code))
    return merged


def zone_vocabulary(languages: Sequence[str]) -> Vocabulary:
    return zone_names_for(tuple(languages))


_RESOLVED: dict[tuple[ZoneSpec, datetime], tuple[frozenset[timedelta], bool]] = {}
_STEADY_DAYS: dict[tuple[ZoneSpec, tuple[int, int, int]], frozenset[timedelta] | None] = {}


@functools.cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)  # kept: ZoneInfo's own cache holds only a few zones strongly


def resolve(wall: datetime, spec: ZoneSpec) -> tuple[list[datetime], str | None]:
    """The instants ``wall`` can be in ``spec`` (aware, each with its offset, so the printed
    wall time and weekday stay as printed), and the flag when not exactly one."""
    steady = _steady_offsets(wall, spec)
    if steady is not None:
        offsets, within_one_zone = steady, False
    else:
        key = (spec, wall.replace(second=0, microsecond=0))
        cached = _RESOLVED.get(key)
        if cached is None:
            cached = _offsets(wall, spec)
            if len(_RESOLVED) > 50_000:
                _RESOLVED.clear()
            _RESOLVED[key] = cached
        offsets, within_one_zone = cached
    instants = sorted(
        (wall.replace(tzinfo=timezone(offset)) for offset in offsets),
        key=lambda instant: instant.astimezone(UTC),
    )
    if len(instants) == 1:
        return instants, None
    if not instants:
        return [], "zone_mismatch"
    return instants, "ambiguous_local_time" if within_one_zone else "ambiguous_zone"


def _steady_offsets(wall: datetime, spec: ZoneSpec) -> frozenset[timedelta] | None:
    """The spec's offsets on ``wall``'s day when no zone of it changes offset that day (the
    same offset at the day's first and last minute), else None (resolved exactly)."""
    timeline = _timeline(spec)
    if timeline is not None:
        offsets = timeline.steady(wall, spec)
        if offsets is not None:
            return offsets
    key = (spec, (wall.year, wall.month, wall.day))
    if key in _STEADY_DAYS:
        return _STEADY_DAYS[key]
    steady = _day_offsets(wall, spec)
    if len(_STEADY_DAYS) > 200_000:
        _STEADY_DAYS.clear()
    _STEADY_DAYS[key] = steady
    return steady


def _day_offsets(wall: datetime, spec: ZoneSpec) -> frozenset[timedelta] | None:
    """The exact per-zone check of :func:`_steady_offsets` for ``wall``'s day."""
    start = wall.replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + timedelta(hours=23, minutes=59)
    offsets: set[timedelta] = set()
    steady: frozenset[timedelta] | None = None
    for zone_name, variant in spec:
        zone = _zone(zone_name)
        first, last = start.replace(tzinfo=zone), end.replace(tzinfo=zone)
        if first.utcoffset() != last.utcoffset() or first.dst() != last.dst():
            break
        if first.utcoffset() != first.replace(fold=1).utcoffset():
            break
        dst = first.dst() or timedelta(0)
        if (variant == "standard" and dst) or (variant == "daylight" and not dst):
            continue
        offset = first.utcoffset()
        if offset is not None:
            offsets.add(offset)
    else:
        steady = frozenset(offsets)
    return steady


# A local day lies within this many seconds of the same date's midnight read as UTC, whatever
# a zone's offset (UTC-12 to UTC+14, and local mean times of up to about +-16 h before 1900).
_DAY_MARGIN = 17 * 3600
_EPOCH_DAYS = datetime(1970, 1, 1).toordinal()


@dataclass
class _Timeline:
    """Every transition of every zone of one spec, and the offsets of each stretch between
    two of them (computed the first time a date falls in it): between transitions no zone's
    offset or daylight state changes, so neither does the spec's answer."""

    instants: tuple[int, ...]
    horizon: float
    stretches: dict[int, frozenset[timedelta] | None] = field(default_factory=dict)

    def steady(self, wall: datetime, spec: ZoneSpec) -> frozenset[timedelta] | None:
        """The spec's offsets on ``wall``'s day, or None when a transition of one of its
        zones is near that day (or past the horizon): then the day is resolved exactly."""
        midnight = (wall.toordinal() - _EPOCH_DAYS) * 86400
        start, end = midnight - _DAY_MARGIN, midnight + 86400 + _DAY_MARGIN
        if end >= self.horizon:
            return None
        index = bisect.bisect_right(self.instants, start)
        if index < len(self.instants) and self.instants[index] <= end:
            return None
        if index not in self.stretches:
            self.stretches[index] = _day_offsets(wall, spec)
        return self.stretches[index]


_TIMELINES: dict[ZoneSpec, _Timeline | None] = {}


def _timeline(spec: ZoneSpec) -> _Timeline | None:
    if spec in _TIMELINES:
        return _TIMELINES[spec]
    instants: set[int] = set()
    horizon = float("inf")
    timeline: _Timeline | None = None
    for zone_name, _ in spec:
        found = zone_transitions(zone_name)
        if found is None:
            break
        instants.update(found.instants)
        horizon = min(horizon, found.horizon)
    else:
        timeline = _Timeline(tuple(sorted(instants)), horizon)
    if len(_TIMELINES) > 1_000:
        _TIMELINES.clear()
    _TIMELINES[spec] = timeline
    return timeline


def _offsets(wall: datetime, spec: ZoneSpec) -> tuple[frozenset[timedelta], bool]:
    offsets: set[timedelta] = set()
    per_zone: list[frozenset[timedelta]] = []
    for zone_name, variant in spec:
        zone = _zone(zone_name)
        found: set[timedelta] = set()
        for fold in (0, 1):
            aware = wall.replace(tzinfo=zone, fold=fold)
            if aware.astimezone(UTC).astimezone(zone).replace(tzinfo=None) != wall:
                continue  # in a gap: this wall time never happened in this zone
            dst = aware.dst() or timedelta(0)
            if variant == "standard" and dst:
                continue
            if variant == "daylight" and not dst:
                continue
            offset = aware.utcoffset()
            if offset is not None:
                found.add(offset)
        if found:
            per_zone.append(frozenset(found))
        offsets |= found
    within_one_zone = len(offsets) > 1 and all(zone_set == offsets for zone_set in per_zone)
    return frozenset(offsets), within_one_zone
