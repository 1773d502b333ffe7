"""The values the date normaliser hands out and passes between its parts.

``DateResult`` is public (the item pipeline and the CLI use it); ``Reading`` and ``ParsedText``
are internal: what one raw text *could* mean, before the source's context decides. Reads no
settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


class DateArgumentError(ValueError):
    """A source was described with an unknown timezone, language or date order."""


@dataclass(frozen=True)
class DateResult:
    """One normalised date: an aware datetime in the source's zone, or None, and how."""

    value: datetime | None
    """Aware, in the source's timezone; None when the text does not decide a date."""
    flags: tuple[str, ...] = ()
    """How the value was decided (vocabulary in the ``archiver.dates`` docstring)."""
    candidates: tuple[str, ...] = ()
    """When the value is None because the text names several instants (a wall time in a
    fall-back hour, a zone name of several zones): each of them, ISO 8601 with offset, earliest
    first. The item keeps them as ``published_candidates``."""

    def isoformat(self) -> str | None:
        """ISO 8601 with the UTC offset (``2020-10-08T17:31:00-04:00``), or None."""
        return None if self.value is None else self.value.isoformat()


@dataclass(frozen=True)
class Reading:
    """One way to read a text: a local wall-clock time, or an instant when it had an offset."""

    local: datetime
    """Naive wall-clock time as printed, or aware when the text carried a UTC offset."""
    order: str | None = None
    """``MDY``/``DMY``/``YMD`` when this reading assumes a numeric order, else None."""
    has_time: bool = True
    """False when only a date was printed (the value is then local midnight)."""


@dataclass(frozen=True)
class ParsedText:
    """What a raw text says, independent of what the source has learned so far."""

    readings: tuple[Reading, ...] = ()
    """Every calendar-valid reading (several when a numeric date's order is unknown)."""
    weekdays: frozenset[int] | None = None
    """Weekdays (Monday = 0) the printed weekday allows; None when none is printed."""
    possible_orders: frozenset[str] = frozenset()
    """The orders the notation allows before the calendar is consulted (evidence needs two)."""
    conventional_order: str | None = None
    """An order the notation itself implies by convention (dots, year last: ``DMY``)."""
    needs_fetch_time: str | None = None
    """``relative`` ("3 hours ago") or ``year_missing`` ("8 Oct, 17:31"): readings are then
    empty and the text is resolved against the fetch time."""
    flags: tuple[str, ...] = field(default=())
    """Flags known from the text alone (``unparsed``, ``two_digit_year``, ...)."""
    locale_order: str | None = None
    """The numeric order of the language's own CLDR format when the text has its shape."""
    signature: str | None = None
    """The text's shape in words (``W, N/N/Y - N:N``): the order is learned per signature."""
    candidates: tuple[datetime, ...] = ()
    """Aware instants the text can be when its zone name does not decide one."""

    @property
    def orders(self) -> frozenset[str]:
        return frozenset(r.order for r in self.readings if r.order is not None)
