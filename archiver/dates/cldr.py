"""The fast path: date texts read with CLDR's vocabulary, one compiled layout per text shape.

A text is folded (``vocabulary.fold``) and its *shape* (digits replaced by ``0``) is looked up;
a new shape is tokenised (``tokens.py``) and its structure found (``fields.py``) for every
choice of word meanings. Exactly one structure: a ``Layout`` that later texts of the shape are
read with (slices and ``int``). Several: the text is ambiguous. None, but the text is a
complete date once its unknown words are left out: null with ``unparsed`` (and
``weekday_unrecognised`` where the unknown word stands as a weekday): a word we cannot read is
never skipped in silence. No date at all: ``None``, and the older routes (relative dates,
dateparser) get the text.

Numeric order: a numeric date whose whole text has the shape of one of the language's own CLDR
formats (``format_date``/``format_datetime``, short to full) takes that format's order
(``locale_order``: Czech ``1. 9. 2018`` is day first). Any other shape (a site's own pattern,
``EEE, MM/dd/yyyy - HH:mm``) is left to the weekday, the source's order or ``ambiguous``.
Reads no settings.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from babel.dates import format_date, format_datetime

from archiver.dates.fields import ZONE_NONE, Failure, Structure, analyse
from archiver.dates.numeric import DIGITS_TO_ZERO, conventional_order, date_candidates, widen_year
from archiver.dates.result import ParsedText, Reading
from archiver.dates.tokens import Scanner, Token
from archiver.dates.vocabulary import Vocabulary, all_languages, fold, vocabulary_for
from archiver.dates.zonenames import ZoneSpec, resolve, zone_vocabulary

logger = logging.getLogger(__name__)

_MAX_CHOICES = 512
_CACHE_LIMIT = 20_000
_REFERENCE = datetime(2033, 11, 25, 15, 47, 53, tzinfo=UTC)
_WIDTHS = ("short", "medium", "long", "full")
_SIGNATURE_OF = {"weekday": "W", "month": "M", "ampm": "A", "zone": "Z", "gmt": "Z", "era": "E"}


@dataclass(frozen=True)
class Refusal:
    """A shape the fast path does not read: None (not a date) or a null with flags."""

    flags: tuple[str, ...] | None

    def read(self, folded: str, reader: CldrReader) -> ParsedText | None:
        return None if self.flags is None else ParsedText(flags=self.flags)


@dataclass(frozen=True)
class Layout:
    """Where the numbers of one shape are, and what its fixed words say."""

    spans: dict[str, tuple[int, int]]
    triple: tuple[tuple[int, int], ...] | None
    separator: str
    month: int | None
    month_span: tuple[int, int] | None
    weekdays: frozenset[int] | None
    weekday_spans: tuple[tuple[int, int], ...]
    ampm: str | None
    era: str | None
    offset: tuple[object, ...]
    offset_spans: tuple[tuple[int, int] | None, ...]
    signature: str
    locale_order: str | None

    def read(self, folded: str, reader: CldrReader) -> ParsedText:
        weekdays = self.weekdays
        for start, end in self.weekday_spans:  # "thứ 4": the number names the day
            days = reader.lookup(folded[start:end], "weekday")
            if days is None:
                return ParsedText(flags=("unparsed", "weekday_unrecognised"))
            assert isinstance(days, frozenset)
            weekdays = days if weekdays is None else weekdays & days
        month = self.month
        if self.month_span is not None:
            found = reader.lookup(folded[self.month_span[0] : self.month_span[1]], "month")
            if found is None:
                return ParsedText(flags=("unparsed",))
            month = int(str(found))
        values = {role: int(folded[a:b]) for role, (a, b) in self.spans.items()}
        flags: list[str] = []
        hour, minute, second = (
            values.get("hour", 0),
            values.get("minute", 0),
            values.get("second", 0),
        )
        if self.ampm is not None:
            if not 1 <= hour <= 12:
                return ParsedText(weekdays=weekdays, flags=("unparsed",))
            hour = hour % 12 + (12 if self.ampm == "pm" else 0)
        candidates: list[tuple[str | None, int, int, int]] = []
        possible: frozenset[str] = frozenset()
        conventional = None
        if self.triple is not None:
            first, second_part, third = (folded[a:b] for a, b in self.triple)
            found_candidates, triple_flags = date_candidates(
                first, second_part, third, reader.century_base
            )
            candidates.extend(found_candidates)
            flags.extend(triple_flags)
            possible = frozenset(order for order, *_ in found_candidates)
            conventional = conventional_order(self.separator, third)
        else:
            year = values["year"]
            year_span = self.spans["year"]
            if year_span[1] - year_span[0] <= 2:
                year = widen_year(year, reader.century_base)
                flags.append("two_digit_year")
            candidates.append((None, year, month or values.get("month", 0), values["day"]))
        readings = []
        for order, year, month_number, day in candidates:
            if self.era == "be":
                year -= 543
            elif year > reader.century_base + 200:
                # "30 ก.ย. 2563": a Buddhist year printed without its label is no Gregorian one.
                return ParsedText(weekdays=weekdays, flags=(*flags, "year_implausible"))
            try:
                wall = datetime(year, month_number, day, hour, minute, second)
            except ValueError:
                continue
            local, zone_flags, zone_candidates = self._zoned(wall, folded)
            if local is None:
                if zone_flags:
                    return ParsedText(
                        weekdays=weekdays, flags=(*flags, *zone_flags), candidates=zone_candidates
                    )
                continue
            readings.append(Reading(local=local, order=order, has_time="hour" in values))
        if not readings:
            flags.append("unparsed")
        return ParsedText(
            readings=tuple(readings),
            weekdays=weekdays,
            possible_orders=possible,
            conventional_order=conventional,
            flags=tuple(flags),
            locale_order=self.locale_order,
            signature=self.signature,
        )

    def _zoned(
        self, wall: datetime, folded: str
    ) -> tuple[datetime | None, tuple[str, ...], tuple[datetime, ...]]:
        kind = self.offset[0]
        if kind == "none":
            return wall, (), ()
        if kind == "utc":
            return wall.replace(tzinfo=UTC), (), ()
        if kind == "fixed":
            hours_span, minutes_span = self.offset_spans
            assert hours_span is not None
            digits = folded[hours_span[0] : hours_span[1]]
            hours, minutes = (
                (int(digits[:-2]), int(digits[-2:]))
                if len(digits) == 4
                else (
                    int(digits),
                    0,
                )
            )
            if minutes_span is not None:
                minutes = int(folded[minutes_span[0] : minutes_span[1]])
            if hours > 14 or minutes > 59:
                return None, ("unparsed",), ()
            offset = timedelta(hours=hours, minutes=minutes)
            sign = -1 if self.offset[1] == "-" else 1
            return wall.replace(tzinfo=timezone(sign * offset)), (), ()
        spec = self.offset[1]
        assert isinstance(spec, frozenset)
        instants, flag = resolve(wall, spec)
        if flag is None:
            return instants[0], (), ()
        return None, (flag,), tuple(instants)


class CldrReader:
    """Reads the texts of one source with its languages' CLDR data (all languages if none)."""

    def __init__(
        self,
        languages: Sequence[str],
        century_base: int,
        verifier: Callable[[str], datetime | None] | None = None,
    ) -> None:
        self.languages = tuple(languages) or all_languages()
        self.verifier = verifier
        self.century_base = century_base
        self.vocabulary = Vocabulary()
        self.vocabulary.merge(vocabulary_for(self.languages))
        self.scanner = Scanner(self.vocabulary)
        self._zones_loaded = False
        self._layouts: dict[str, Layout | Refusal] = {}
        self._locale_orders: dict[str, str | None] | None = None

    def read(self, text: str) -> ParsedText | None:
        """The readings of ``text``; None when it holds no date this reader knows."""
        folded = fold(text)
        shape = folded.translate(DIGITS_TO_ZERO)
        layout = self._layouts.get(shape)
        if layout is None:
            layout = self.compile(folded, text)
            if len(self._layouts) >= _CACHE_LIMIT:
                self._layouts.clear()
            self._layouts[shape] = layout
        return layout.read(folded, self)

    def lookup(self, key: str, kind: str) -> object | None:
        values = {v for k, v in self.vocabulary.entries.get(key, ()) if k == kind}
        if kind == "weekday" and values:
            return frozenset().union(*values)  # type: ignore[arg-type]
        return values.pop() if len(values) == 1 else None

    def compile(self, folded: str, raw: str | None = None) -> Layout | Refusal:
        tokens = self.scanner.scan(folded)
        if any(t.kind == "unknown" for t in tokens) and not self._zones_loaded:
            self._load_zone_names()
            tokens = self.scanner.scan(folded)
        structures, reasons = self._structures(tokens)
        if len(structures) == 1:
            structure = structures[0]
            return self._layout(tokens, structure)
        if len(structures) > 1:
            return Refusal(("ambiguous",))
        return self._refusal(tokens, reasons, folded, raw)

    def _structures(self, tokens: list[Token]) -> tuple[list[Structure], set[str]]:
        words = [i for i, t in enumerate(tokens) if t.kind == "word" and t.options]
        option_lists = [tokens[i].options for i in words]
        total = 1
        for options in option_lists:
            total *= len(options)
        if total > _MAX_CHOICES:
            return [], {"too_many_readings"}
        found: dict[tuple[object, ...], Structure] = {}
        reasons: set[str] = set()
        time_dot = self.vocabulary.time_dot
        zone_first = self.vocabulary.zone_before_time
        for combination in itertools.product(*option_lists):
            choice = dict(zip(words, combination, strict=True))
            try:
                structure = analyse(tokens, choice, time_dot, zone_first)
            except Failure as failure:
                reasons.add(failure.reason)
                continue
            structure.signature = _signature(tokens, choice, structure)
            found.setdefault(structure.key(), structure)
        return list(found.values()), reasons

    def _refusal(
        self, tokens: list[Token], reasons: set[str], folded: str, raw: str | None
    ) -> Layout | Refusal:
        if "weekday_unrecognised" in reasons:
            return Refusal(("unparsed", "weekday_unrecognised"))
        unknown = [i for i, t in enumerate(tokens) if t.kind == "unknown" or not t.options]
        unknown = [i for i in unknown if tokens[i].kind in ("unknown", "word")]
        if not unknown:
            return Refusal(None)
        # Would the text be a date without its unknown words? Then they are not skipped.
        stripped = [t for i, t in enumerate(tokens) if i not in unknown]
        structures, _ = self._structures(stripped)
        if not structures:
            return Refusal(None)
        if any(_weekday_position(tokens, i) for i in unknown):
            return Refusal(("unparsed", "weekday_unrecognised"))
        if len(structures) == 1 and raw is not None and self.verifier is not None:
            # Words we do not know between the parts ("at", "um ... Uhr"): accepted for this
            # shape only when dateparser, reading the whole text, reads exactly our date.
            layout = self._layout(stripped, structures[0])
            parsed = layout.read(folded, self)
            locals_ = {reading.local for reading in parsed.readings}
            if len(locals_) == 1:
                local = locals_.pop()
                if local.tzinfo is None and self.verifier(raw) == local:
                    return layout
        return Refusal(("unparsed",))

    def _load_zone_names(self) -> None:
        self._zones_loaded = True
        self.vocabulary.merge(zone_vocabulary(self.languages))
        self.scanner.refresh()
        self._layouts.clear()

    def _layout(self, tokens: list[Token], s: Structure) -> Layout:
        def span(i: int) -> tuple[int, int]:
            return tokens[i].start, tokens[i].end

        static_days: frozenset[int] | None = None
        dynamic_days = []
        for i in s.weekday_tokens:
            if tokens[i].dynamic:
                dynamic_days.append(span(i))
            else:
                days = next(v for k, v in tokens[i].options if k == "weekday")
                assert isinstance(days, frozenset)
                static_days = days if static_days is None else static_days & days
        if s.weekday_tokens and not dynamic_days and static_days is None:
            static_days = frozenset()
        month_dynamic = s.month_token is not None and tokens[s.month_token].dynamic
        offset_spans: tuple[tuple[int, int] | None, ...] = ()
        if s.offset[0] == "fixed":
            hours, minutes = s.offset[2], s.offset[3]
            assert isinstance(hours, int)
            offset_spans = (span(hours), span(minutes) if isinstance(minutes, int) else None)
        locale_order = None
        if s.triple is not None:
            locale_order = self.locale_orders().get(s.signature)
        return Layout(
            spans={role: span(i) for role, i in s.roles.items()},
            triple=tuple(span(i) for i in s.triple) if s.triple else None,
            separator=s.separator,
            month=None if month_dynamic else s.month,
            month_span=span(s.month_token) if month_dynamic and s.month_token else None,
            weekdays=static_days,
            weekday_spans=tuple(dynamic_days),
            ampm=s.ampm,
            era=s.era,
            offset=s.offset,
            offset_spans=offset_spans,
            signature=s.signature,
            locale_order=locale_order,
        )

    def locale_orders(self) -> dict[str, str | None]:
        """Signature of each CLDR format of the languages -> its numeric order (None: the
        languages disagree)."""
        if self._locale_orders is None:
            orders: dict[str, str | None] = {}
            for code in self.languages:
                for signature, order in _language_formats(self, code):
                    orders[signature] = order if orders.get(signature, order) == order else None
            self._locale_orders = orders
        return self._locale_orders


def _language_formats(reader: CldrReader, code: str) -> list[tuple[str, str]]:
    """(signature, order) of each numeric CLDR format of one language, from babel's own
    rendering of a reference date (25 November 2033, 15:47:53)."""
    found = []
    locale = code.replace("-", "_")
    for width in _WIDTHS:
        for render in (format_date, format_datetime):
            try:
                text = render(_REFERENCE, width, locale=locale)
            except Exception:  # noqa: BLE001 - babel raises several types for odd locales
                continue
            tokens = reader.scanner.scan(fold(text))
            structures, _ = reader._structures(tokens)
            if len(structures) != 1 or structures[0].triple is None:
                continue
            values = [int(tokens[i].text) for i in structures[0].triple]
            letters = {25: "D", 11: "M", 33: "Y", 2033: "Y"}
            order = "".join(letters.get(v, "?") for v in values)
            if order in ("MDY", "DMY", "YMD"):
                found.append((structures[0].signature, order))
    return found


def _signature(tokens: list[Token], choice: dict[int, tuple[str, object]], s: Structure) -> str:
    parts = []
    for i, token in enumerate(tokens):
        if token.kind == "num":
            parts.append("Y" if len(token.text) == 4 else "N")
        elif i in choice:
            kind = choice[i][0]
            parts.append(_SIGNATURE_OF.get(kind, token.text))
        else:
            parts.append(token.text)
    return "".join(parts)


def _weekday_position(tokens: list[Token], index: int) -> bool:
    before = [t for t in tokens[:index] if t.kind not in ("space", "punct")]
    after = [t for t in tokens[index + 1 :] if t.kind != "space" and t.text != "."]
    return not before or (bool(after) and after[0].text in (",", "，", "،"))


__all__ = ["ZONE_NONE", "CldrReader", "Layout", "Refusal", "ZoneSpec"]
