"""Numeric dates (``10/08/2020 - 17:31``, ``08.10.2020 17:31``, ``2020/10/08``): every reading.

Digits mean the same in every language, so numeric dates are read here rather than by
dateparser, which silently picks one order. A *layout* is compiled once per shape of text (the
text with every digit replaced by ``0``): the positions of the date and time numbers, the
separator, the printed weekday and am/pm. Reading a text of a known shape is then a few slices
and ``int()`` calls, and returns *all* calendar-valid readings (MDY, DMY, YMD); the normaliser
chooses between them with the weekday and the source's order. Reads no settings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from archiver.dates.result import ParsedText, Reading
from archiver.dates.weekdays import WeekdayFinder

DIGITS_TO_ZERO = str.maketrans("123456789", "000000000")
NUMERIC_DATE = _DATE = re.compile(
    r"(?<![\d:])(\d{1,4})([./-])(\d{1,2})\2(\d{2}|\d{4})(?![\d:]|[./-]\d)"
)
_TIME = re.compile(
    r"(?<![\d.])(\d{1,2})[:.h](\d{2})(?:[:.](\d{2}))?(?:\s*([AaPp])\.?\s?[Mm]\b\.?)?(?![\d])"
)
# Punctuation sites put between a weekday, a date and a time ("Thu, 10/08/2020 - 17:31").
_FILLER = re.compile(r"[\s,;:|/()\[\]·•.\-–—@،，]*")
_WORD = re.compile(r"[^\W\d_]+")


@dataclass(frozen=True)
class NumericLayout:
    """Where the numbers of one shape sit, and what the shape's words say."""

    first: slice
    second: slice
    third: slice
    separator: str
    hour: slice | None
    minute: slice | None
    seconds: slice | None
    meridiem: str | None  # "a", "p" or None
    weekdays: frozenset[int] | None
    extra_words: tuple[str, ...]  # words that are neither weekday nor am/pm: to be verified


def compile_layout(raw: str, finder: WeekdayFinder) -> NumericLayout | None:
    """The layout of ``raw`` when it is a numeric date (with time and weekday), else None."""
    date = _DATE.search(raw)
    if date is None:
        return None
    blanked = raw[: date.start()] + " " * (date.end() - date.start()) + raw[date.end() :]
    time = _TIME.search(blanked)
    rest = blanked
    if time is not None:
        rest = blanked[: time.start()] + " " * (time.end() - time.start()) + blanked[time.end() :]
    if any(ch.isdigit() for ch in rest):
        return None  # more numbers than a date and a time: not ours to guess
    weekdays, weekday_words = finder.find(rest)
    extra = tuple(w for w in _WORD.findall(rest) if w not in weekday_words)
    if not extra and _FILLER.sub("", _WORD.sub("", rest)):
        return None  # odd symbols between the parts: let dateparser judge
    return NumericLayout(
        first=slice(*date.span(1)),
        second=slice(*date.span(3)),
        third=slice(*date.span(4)),
        separator=date.group(2),
        hour=slice(*time.span(1)) if time else None,
        minute=slice(*time.span(2)) if time else None,
        seconds=slice(*time.span(3)) if time and time.group(3) else None,
        meridiem=time.group(4).lower() if time and time.group(4) else None,
        weekdays=weekdays,
        extra_words=extra,
    )


def read_numeric(raw: str, layout: NumericLayout, century_base: int) -> ParsedText:
    """All calendar-valid readings of ``raw`` (which has ``layout``'s shape)."""
    first, second, third = raw[layout.first], raw[layout.second], raw[layout.third]
    hour = minute = seconds = 0
    has_time = layout.hour is not None and layout.minute is not None
    if layout.hour is not None and layout.minute is not None:
        hour, minute = int(raw[layout.hour]), int(raw[layout.minute])
        seconds = int(raw[layout.seconds]) if layout.seconds is not None else 0
        if layout.meridiem is not None:
            if not 1 <= hour <= 12:
                return ParsedText(weekdays=layout.weekdays, flags=("unparsed",))
            hour = hour % 12 + (12 if layout.meridiem == "p" else 0)
    candidates, flags = date_candidates(first, second, third, century_base)
    if not candidates:
        return ParsedText(weekdays=layout.weekdays, flags=("unparsed",))
    possible = frozenset(order for order, *_ in candidates)
    readings = []
    for order, year, month, day in candidates:
        try:
            local = datetime(year, month, day, hour, minute, seconds)
        except ValueError:
            continue
        readings.append(Reading(local=local, order=order, has_time=has_time))
    if not readings:
        flags += ("unparsed",)
    conventional = conventional_order(layout.separator, third)
    return ParsedText(
        readings=tuple(readings),
        weekdays=layout.weekdays,
        possible_orders=possible,
        conventional_order=conventional,
        flags=flags,
    )


def conventional_order(separator: str, third: str) -> str | None:
    """Dotted day.month.year is the only dotted order in use (de, ru, tr, ...); slashes and
    hyphens are used both ways, so they imply nothing."""
    return "DMY" if separator == "." and len(third) == 4 else None


def date_candidates(
    first: str, second: str, third: str, century_base: int
) -> tuple[list[tuple[str, int, int, int]], tuple[str, ...]]:
    """``(order, year, month, day)`` for every order the notation allows (not yet validated)."""
    a, b, c = int(first), int(second), int(third)
    if len(first) == 4:
        return [("YMD", a, b, c)], ()  # year first: nobody writes year-day-month
    if len(first) == 3 or len(second) > 2 or len(third) == 3 or len(third) > 4:
        return [], ()
    if len(third) == 4:
        return [("MDY", c, a, b), ("DMY", c, b, a)], ()
    return [
        ("MDY", widen_year(c, century_base), a, b),
        ("DMY", widen_year(c, century_base), b, a),
        ("YMD", widen_year(a, century_base), b, c),
    ], ("two_digit_year",)


def widen_year(two_digits: int, century_base: int) -> int:
    """``20`` -> 2020: the year ending in these digits within 50 years of ``century_base``
    (the year the text is read); the weekday, when printed, checks the century."""
    year = century_base - century_base % 100 + two_digits
    if year > century_base + 50:
        return year - 100
    if year <= century_base - 50:
        return year + 100
    return year
