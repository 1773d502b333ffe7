"""Local wall-clock times to aware datetimes, with daylight-saving transitions decided openly.

* A time inside a *gap* (clocks jumped forward, e.g. 02:30 on 2020-03-08 in New York) never
  existed. It is read with the offset in force before the jump (PEP 495, ``fold=0``), which is
  what a clock that had not been moved yet would show: the printed wall time is kept and the
  offset says which instant it is (``02:30-05:00``, i.e. 07:30 UTC, which is 03:30 EDT), as
  ``datetime(..., tzinfo=ZoneInfo(zone))`` gives. Flag ``dst_gap``.
* A time inside a *fold* (clocks went back, 01:30 happened twice) takes the first occurrence
  (the earlier instant, summer offset). Flag ``dst_fold``; a machine-readable date settles it.

Reads no settings.
"""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from archiver.dates.result import DateArgumentError


def load_zone(name: str) -> ZoneInfo:
    """The IANA zone called ``name``; DateArgumentError when there is none."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise DateArgumentError(f"unknown timezone {name!r}") from error


def localise(wall_clock: datetime, zone: ZoneInfo) -> tuple[datetime, tuple[str, ...]]:
    """Attach ``zone`` to a naive wall-clock time; convert an aware one into ``zone``."""
    if wall_clock.tzinfo is not None:
        return wall_clock.astimezone(zone), ()
    first = wall_clock.replace(tzinfo=zone)
    second = wall_clock.replace(tzinfo=zone, fold=1)
    if first.utcoffset() == second.utcoffset():
        return first, ()
    round_trip = first.astimezone(UTC).astimezone(zone)
    if round_trip.replace(tzinfo=None) == wall_clock:
        return first, ("dst_fold",)
    return first, ("dst_gap",)
