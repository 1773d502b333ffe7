"""Raw text -> ``ParsedText``: every reading the text allows, with no source context applied.

The route is chosen once per *shape* (the text with digits replaced by ``0``) and remembered:

* ``cldr``: month and weekday names, units, zone names and numeric orders from CLDR (babel), a
  compiled layout per shape, no dateparser call (``cldr.py``): every text that is a complete
  date in the source's languages is read here, or refused with a flag;
* ``standard``: ISO 8601 / RFC 822, read by the standard library;
* ``numeric``: a numeric date (+ time, weekday), read from fixed positions (``numeric.py``);
* ``numeric_checked``: a numeric date with other words ("um 17:31 Uhr", "下午"): our readings,
  each confirmed (and its time taken) from dateparser told to use that reading's order;
* ``monthname``: a plain month-name date read from dateparser's locale data, no dateparser
  call (``monthnames.py``: a source's first date costs no dateparser start-up);
* ``textual``: month names etc., dateparser once, then a compiled layout (``textual.py``);
* ``dateparser``: dateparser on every text of the shape (results cached per text); when the
  text holds a numeric date we could not lay out, dateparser is asked once per order, so that
  it cannot silently pick one;
* ``relative`` / ``year_missing``: resolved later against the fetch time.

Reads no settings.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime

from archiver.dates.cldr import CldrReader
from archiver.dates.monthnames import MonthNameReader
from archiver.dates.numeric import (
    DIGITS_TO_ZERO,
    NUMERIC_DATE,
    NumericLayout,
    compile_layout,
    conventional_order,
    date_candidates,
    read_numeric,
)
from archiver.dates.result import ParsedText, Reading
from archiver.dates.standard import read_standard
from archiver.dates.textual import DateparserReader, TextualLayout, shows_time
from archiver.dates.weekdays import WeekdayFinder

logger = logging.getLogger(__name__)

UNPARSED = ParsedText(flags=("unparsed",))
_CACHE_LIMIT = 50_000
# No date is longer; dateparser's cost grows faster than the text, so longer texts never reach it.
DATEPARSER_MAX_CHARS = 100


class TextParser:
    """Parses the texts of one source, remembering a route per shape."""

    def __init__(self, languages: Sequence[str], century_base: int | None = None) -> None:
        self._languages = tuple(languages)
        self._finder_instance: WeekdayFinder | None = None
        self.dateparser = DateparserReader(languages)
        self._century_base = century_base or datetime.now().year
        self._routes: dict[str, tuple[str, object]] = {}
        self._month_reader: MonthNameReader | None = None
        self._per_text: dict[str, ParsedText] = {}
        self.cldr = CldrReader(self._languages, self._century_base, self.dateparser.absolute)

    @property
    def finder(self) -> WeekdayFinder:
        # Built on first use: all 205 languages cost ~100 ms, a source's few ~1 ms.
        if self._finder_instance is None:
            self._finder_instance = WeekdayFinder(self._languages)
        return self._finder_instance

    @property
    def month_reader(self) -> MonthNameReader:
        if self._month_reader is None:
            self._month_reader = MonthNameReader(self._languages, self.finder)
        return self._month_reader

    def parse(self, text: str) -> ParsedText:
        shape = text.translate(DIGITS_TO_ZERO)
        route = self._routes.get(shape)
        if route is None:
            if read_standard(text) is not None:
                route = ("standard", None)
            elif self.cldr.read(text) is not None:
                route = ("cldr", None)
            elif len(text) > DATEPARSER_MAX_CHARS:
                route = ("unparsed", None)
            else:
                route = self._choose_route(text)
            self._routes[shape] = route
            logger.debug("new date shape %r: route %s", shape, route[0])
        kind, data = route
        if kind == "cldr":
            parsed = self.cldr.read(text)
            if parsed is not None:
                return parsed
            kind, data = self._choose_route(text)
        if kind == "numeric":
            assert isinstance(data, NumericLayout)
            return read_numeric(text, data, self._century_base)
        if kind == "standard":
            return read_standard(text) or UNPARSED
        if kind == "textual":
            assert isinstance(data, TextualLayout)
            return self._read_textual(text, data)
        if kind == "monthname":
            return self.month_reader.read(text) or self._read_dateparser(text)
        if kind == "unparsed":
            return UNPARSED
        if kind in ("relative", "year_missing"):
            return ParsedText(needs_fetch_time=kind, weekdays=None)
        return self._cached(text, kind, data)

    def _choose_route(self, text: str) -> tuple[str, object]:
        if read_standard(text) is not None:
            return ("standard", None)
        layout = compile_layout(text, self.finder)
        if layout is not None:
            if not layout.extra_words:
                return ("numeric", layout)
            if self._extra_words_are_noise(text, layout):
                return ("numeric", layout)
            return ("numeric_checked", None)
        if self.month_reader.read(text) is not None:
            return ("monthname", None)
        if self.dateparser.is_relative(text):
            return ("relative", None)
        if NUMERIC_DATE.search(text):
            return ("numeric_checked", None)
        value = self.dateparser.absolute(text)
        if value is None:
            return ("dateparser", None)
        if value.tzinfo is None:
            textual = TextualLayout.derive(text, value)
            if textual is not None:
                textual.weekdays = self.finder.find(text)[0]
                return ("textual", textual)
        return ("dateparser", None)

    def _extra_words_are_noise(self, text: str, layout: NumericLayout) -> bool:
        """True when dateparser, told each reading's order, reads exactly our readings."""
        parsed = read_numeric(text, layout, self._century_base)
        if not parsed.readings:
            return False
        for reading in parsed.readings:
            if self.dateparser.absolute(text, reading.order) != reading.local:
                return False
        return True

    def _cached(self, text: str, kind: str, data: object) -> ParsedText:
        parsed = self._per_text.get(text)
        if parsed is None:
            if kind == "numeric_checked":
                parsed = self._read_numeric_checked(text)
            else:
                parsed = self._read_dateparser(text)
            if len(self._per_text) >= _CACHE_LIMIT:
                self._per_text.clear()
            self._per_text[text] = parsed
        return parsed

    def _read_numeric_checked(self, text: str) -> ParsedText:
        """Our readings of the numeric date, each confirmed by dateparser told that order."""
        match = NUMERIC_DATE.search(text)
        if match is None:
            return UNPARSED
        first, second, third = match.group(1, 3, 4)
        candidates, flags = date_candidates(first, second, third, self._century_base)
        weekdays, _ = self.finder.find(text)
        confirmed = []
        for order, year, month, day in candidates:
            value = self.dateparser.absolute(text, order)
            if value is not None and (value.year, value.month, value.day) == (year, month, day):
                confirmed.append(
                    Reading(local=value, order=order, has_time=shows_time(text, value))
                )
        if not confirmed:
            return ParsedText(weekdays=weekdays, flags=("unparsed",))
        return ParsedText(
            readings=tuple(confirmed),
            weekdays=weekdays,
            possible_orders=frozenset(order for order, *_ in candidates),
            conventional_order=conventional_order(match.group(2), match.group(4)),
            flags=flags,
        )

    def _read_dateparser(self, text: str) -> ParsedText:
        if self.dateparser.is_relative(text):
            return ParsedText(needs_fetch_time="relative")
        if NUMERIC_DATE.search(text):
            return self._read_numeric_checked(text)
        weekdays, _ = self.finder.find(text)
        value = self.dateparser.absolute(text)
        if value is None:
            if self.dateparser.year_less(text, datetime.now()) is not None:
                return ParsedText(needs_fetch_time="year_missing")
            return UNPARSED
        reading = Reading(local=value, has_time=shows_time(text, value))
        return ParsedText(readings=(reading,), weekdays=weekdays)

    def _read_textual(self, text: str, layout: TextualLayout) -> ParsedText:
        value = layout.read(text)
        if value is None:
            value = self.dateparser.absolute(text)
            if value is None:
                return UNPARSED
            if value.tzinfo is None:
                layout.prune(text, value)
        reading = Reading(local=value, has_time=layout.has_time)
        return ParsedText(readings=(reading,), weekdays=layout.weekdays)
