"""``SourceDateNormaliser``: one source's raw date texts -> aware datetimes + flags.

One normaliser per source (one site's crawl, or one batch): it learns the source's numeric date
order from the dates that decide it (see ``order.py``) and remembers how each shape of text is
read (see ``parsing.py``). The weekday printed beside a date is a checksum: a reading that
contradicts it is never chosen, and when every reading does, the value is None. Reads no
settings: the item pipeline passes the source profile's timezone, languages and order.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from archiver.dates.order import VALID_ORDERS, OrderEvidence, choose_reading
from archiver.dates.parsing import TextParser
from archiver.dates.result import DateArgumentError, DateResult, ParsedText, Reading
from archiver.dates.standard import read_standard
from archiver.dates.vocabulary import known_to_babel
from archiver.dates.weekdays import unknown_languages
from archiver.dates.zones import load_zone, localise

logger = logging.getLogger(__name__)

MISSING = DateResult(None, ("missing",))
_MINUTE = timedelta(minutes=1)


class SourceDateNormaliser:
    """One per source (one site's crawl or one batch): learns the date order as it goes."""

    def __init__(self, timezone: str, languages: Sequence[str] = (), order: str | None = None):
        self.zone = load_zone(timezone)
        unknown = [code for code in unknown_languages(languages) if not known_to_babel([code])]
        if unknown:
            raise DateArgumentError(
                f"unknown language code(s) (neither CLDR nor dateparser): {', '.join(unknown)}"
            )
        if order is not None and order not in VALID_ORDERS:
            raise DateArgumentError(f"unknown date order {order!r} (use MDY, DMY or YMD)")
        self.timezone = timezone
        self.languages = tuple(languages)
        self.order = order
        self.evidences: dict[str | None, OrderEvidence] = {}
        self._parser = TextParser(self.languages)

    @property
    def learned_order(self) -> str | None:
        """The order the source's own dates have settled, or None (none yet, or conflicting)."""
        learned = {e.learned for e in self.evidences.values() if e.counts}
        if any(evidence.conflicting for evidence in self.evidences.values()) or len(learned) != 1:
            return None
        return learned.pop()

    def _evidence(self, parsed: ParsedText) -> OrderEvidence:
        """Orders are learned per shape of text (``W, N/N/Y - N:N``): one site template prints
        one order, but a source may print its CLDR short dates and a custom pattern side by
        side in different orders."""
        return self.evidences.setdefault(parsed.signature, OrderEvidence())

    def normalise(
        self, raw: str | None, *, fetched_at: datetime | None = None, machine: str | None = None
    ) -> DateResult:
        """One date, using what this source has taught so far (streaming use in a crawl)."""
        parsed = self._parse(raw)
        if machine is not None and machine.strip():
            return self._with_machine(raw, parsed, machine.strip(), fetched_at)
        if parsed is None:
            return MISSING
        self._learn(parsed)
        return self._resolve(raw or "", parsed, fetched_at)

    def normalise_all(
        self, raws: Sequence[str | None], *, fetched_at: datetime | None = None
    ) -> list[DateResult]:
        """A whole batch: first learns the order from every decisive date, then resolves all."""
        parsed_all = [self._parse(raw) for raw in raws]
        for parsed in parsed_all:
            if parsed is not None:
                self._learn(parsed)
        return [
            MISSING if parsed is None else self._resolve(raw or "", parsed, fetched_at)
            for raw, parsed in zip(raws, parsed_all, strict=True)
        ]

    def _parse(self, raw: str | None) -> ParsedText | None:
        if raw is None:
            return None
        text = " ".join(raw.split())
        return self._parser.parse(text) if text else None

    def _learn(self, parsed: ParsedText, machine_value: datetime | None = None) -> None:
        """Record the order when the text allowed several and exactly one fits."""
        if len(parsed.possible_orders) < 2:
            return
        fitting = _fitting(parsed)
        if machine_value is not None:
            fitting = [
                r
                for r in fitting
                if any(_agrees(c, r, machine_value) for c in _instants(self._localise(r)))
            ]
        orders = {reading.order for reading in fitting}
        if len(orders) == 1 and len({reading.local for reading in fitting}) == 1:
            order = orders.pop()
            if order is not None:
                self._evidence(parsed).record(order)

    def _localise(
        self, reading: Reading
    ) -> tuple[datetime | None, tuple[str, ...], tuple[datetime, ...]]:
        return localise(reading.local, self.zone)

    def _resolve(self, raw: str, parsed: ParsedText, fetched_at: datetime | None) -> DateResult:
        flags: list[str] = list(parsed.flags)
        if parsed.needs_fetch_time is not None:
            return self._resolve_against_fetch(raw, parsed.needs_fetch_time, fetched_at)
        if not parsed.readings:
            if parsed.candidates:
                iso = tuple(c.astimezone(self.zone).isoformat() for c in parsed.candidates)
                return DateResult(None, tuple(flags), iso)
            return DateResult(None, _with(flags, "unparsed"))
        readings = list(parsed.readings)
        if parsed.weekdays is not None:
            readings = _fitting(parsed)
            if not readings:
                return DateResult(None, _with(flags, "weekday_mismatch"))
            flags.append("weekday_checked")
            if len({r.local for r in readings}) < len({r.local for r in parsed.readings}):
                flags.append("weekday_decided")
        if len({reading.local for reading in readings}) == 1:
            chosen: Reading | None = readings[0]
        else:
            choice = choose_reading(
                readings,
                self._evidence(parsed),
                self.order,
                parsed.conventional_order,
                parsed.locale_order,
            )
            chosen = choice.reading
            flags.extend(choice.flags)
        if chosen is None:
            return DateResult(None, tuple(flags))
        source_order = self._evidence(parsed).learned or self.order
        if "weekday_decided" in flags and chosen.order and source_order not in (None, chosen.order):
            flags.append("order_overridden")  # the spec: the weekday outranks the source order
        value, zone_flags, candidates = self._localise(chosen)
        flags.extend(zone_flags)
        if chosen.local.tzinfo is not None:
            flags.append("offset_converted")
        if not chosen.has_time:
            flags.append("date_only")
        return DateResult(value, tuple(flags), tuple(c.isoformat() for c in candidates))

    def _resolve_against_fetch(
        self, raw: str, kind: str, fetched_at: datetime | None
    ) -> DateResult:
        if fetched_at is None:
            return DateResult(None, (kind, "needs_fetch_time"))
        if fetched_at.tzinfo is None:
            raise ValueError("fetched_at must be an aware datetime")
        text = " ".join(raw.split())
        local_fetch = fetched_at.astimezone(self.zone)
        dateparser = self._parser.dateparser
        if kind == "relative":
            value = dateparser.relative(text, local_fetch)
        else:
            value = dateparser.year_less(text, local_fetch)
        if value is None:
            return DateResult(None, (kind, "unparsed"))
        aware, zone_flags, candidates = localise(value, self.zone)
        return DateResult(aware, (kind, *zone_flags), tuple(c.isoformat() for c in candidates))

    def _with_machine(
        self, raw: str | None, parsed: ParsedText | None, machine: str, fetched_at: datetime | None
    ) -> DateResult:
        """The machine-readable date wins; the visible text is cross-checked against it."""
        machine_parsed = read_standard(machine)
        if machine_parsed is None or not machine_parsed.readings:
            logger.warning("machine-readable date %r is not ISO 8601/RFC 822", machine)
            if parsed is None:
                return DateResult(None, ("missing", "machine_unparsed"))
            self._learn(parsed)
            result = self._resolve(raw or "", parsed, fetched_at)
            return DateResult(result.value, (*result.flags, "machine_unparsed"), result.candidates)
        machine_reading = machine_parsed.readings[0]
        value, zone_flags, candidates = self._localise(machine_reading)
        if value is None:  # a machine date without an offset, in a fold or gap
            return DateResult(None, ("rdfa", *zone_flags), tuple(c.isoformat() for c in candidates))
        flags = ["rdfa", *zone_flags]
        if not machine_reading.has_time:
            flags.append("date_only")
        if parsed is not None:
            self._learn(parsed, machine_value=value)
            if parsed.readings and not any(
                _agrees(candidate, r, value)
                for r in parsed.readings
                for candidate in _instants(self._localise(r))
            ):
                flags.append("machine_text_mismatch")
        return DateResult(value, tuple(flags))


def _fitting(parsed: ParsedText) -> list[Reading]:
    """The readings the printed weekday allows (all of them when none is printed)."""
    if parsed.weekdays is None:
        return list(parsed.readings)
    return [r for r in parsed.readings if r.local.weekday() in parsed.weekdays]


def _instants(
    localised: tuple[datetime | None, tuple[str, ...], tuple[datetime, ...]],
) -> tuple[datetime, ...]:
    value, _, candidates = localised
    return (value,) if value is not None else candidates


def _agrees(text_value: datetime, reading: Reading, machine_value: datetime) -> bool:
    """Text and machine date agree: same minute, or same local day when no time was printed."""
    if not reading.has_time:
        return text_value.date() == machine_value.date()
    return abs(text_value - machine_value.replace(second=0, microsecond=0)) < _MINUTE


def _with(flags: list[str], flag: str) -> tuple[str, ...]:
    return tuple(flags) if flag in flags else (*flags, flag)
