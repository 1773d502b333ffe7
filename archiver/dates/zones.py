"""Local wall-clock times to aware datetimes, with daylight-saving transitions decided openly.

A local time the text does not tie to an offset is never guessed:

* inside a *fold* (clocks went back, 01:30 happened twice): value None, flag
  ``ambiguous_local_time``, both instants kept as candidates (earlier first);
* inside a *gap* (clocks jumped forward, 02:30 never happened): value None, flag
  ``nonexistent_local_time``; the candidates are the instants the wall time would be with the
  offset before and after the jump.

A machine-readable date on the page settles both. Reads no settings.
"""

from __future__ import annotations

from datetime import UTC, datetime, timezone
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from archiver.dates.result import DateArgumentError


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; DateArgumentError when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise DateArgumentError(f"unknown timezone {name!r}") from error


def localise(
    wall_clock: datetime, zone: ZoneInfo
) -> tuple[datetime | None, tuple[str, ...], tuple[datetime, ...]]:
    """Attach ``zone`` to a naive wall-clock time; convert an aware one into ``zone``.

    Returns the value (None in a fold or gap), the flags and, when None, the candidates.
    """
    if wall_clock.tzinfo is not None:
        return wall_clock.astimezone(zone), (), ()
    first = wall_clock.replace(tzinfo=zone)
    second = wall_clock.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first, (), ()
    # As printed, with each offset: 01:30-04:00 and 01:30-05:00 (02:30-05:00, 02:30-04:00).
    local = tuple(
        sorted(
            (
                c.replace(tzinfo=timezone(offset))
                for c in (first, second)
                if (offset := c.utcoffset()) is not None
            ),
            key=lambda c: c.astimezone(UTC),
        )
    )
    round_trip = first.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) == wall_clock:
        return None, ("ambiguous_local_time",), local
    return None, ("nonexistent_local_time",), local
