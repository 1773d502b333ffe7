"""When a time zone changes its offset: the transition instants of its TZif file.

Resolving a printed zone name ("hora de verano de Europa central") means trying a wall time
in every zone the name can stand for (33 to 70 zones for the common European names), which
made such dates ten times slower than others. Between two transitions of any of those zones
the answer cannot change, so :mod:`archiver.dates.zonenames` computes it once per stretch
between transitions and keeps it. The transitions come from the same TZif files ``zoneinfo``
reads (RFC 8536: ``zoneinfo.TZPATH``, then the ``tzdata`` package), so both agree exactly.

A zone whose file cannot be read, or whose rules go on past its last listed transition (a
footer rule with daylight saving time, as "slim" TZif files have), gives ``None`` or a
horizon: the caller then resolves exactly, day by day, as before. Reads no settings.
"""

from __future__ import annotations

import functools
import importlib.resources
import os
import struct
import zoneinfo
from dataclasses import dataclass

__all__ = ["ZoneTransitions", "zone_transitions"]

_HEADER = struct.Struct(">4sc15x6l")


@dataclass(frozen=True)
class ZoneTransitions:
    """A zone's transition instants (UTC seconds, sorted) and how far they are complete."""

    instants: tuple[int, ...]
    # Up to this UTC second the list is the zone's whole story; after it, a daylight-saving
    # rule (the file's footer) makes more transitions the list does not hold.
    horizon: float


@functools.cache
def zone_transitions(name: str) -> ZoneTransitions | None:
    """The transitions of IANA zone ``name``; None when its TZif file cannot be read."""
    data = _tzif_bytes(name)
    if data is None:
        return None
    try:
        return _parse(data)
    except (struct.error, ValueError):
        return None


def _tzif_bytes(name: str) -> bytes | None:
    if not name or name.startswith("/") or ".." in name.split("/"):
        return None
    for directory in zoneinfo.TZPATH:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            with open(path, "rb") as tzif:
                return tzif.read()
    try:
        return importlib.resources.files("tzdata.zoneinfo").joinpath(name).read_bytes()
    except (ModuleNotFoundError, FileNotFoundError, OSError):
        return None


def _parse(data: bytes) -> ZoneTransitions:
    magic, version, *counts = _HEADER.unpack_from(data, 0)
    if magic != b"TZif":
        raise ValueError("not a TZif file")
    if version == b"\x00":  # version 1: 32-bit instants only, no footer
        return ZoneTransitions(_instants(data, _HEADER.size, counts[3], 4), float("inf"))
    isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt = counts
    skip = timecnt * 5 + typecnt * 6 + charcnt + leapcnt * 8 + isstdcnt + isutcnt
    start = _HEADER.size + skip
    magic, _, *counts = _HEADER.unpack_from(data, start)
    if magic != b"TZif":
        raise ValueError("no 64-bit part")
    isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt = counts
    body = start + _HEADER.size
    instants = _instants(data, body, timecnt, 8)
    end = body + timecnt * 9 + typecnt * 6 + charcnt + leapcnt * 12 + isstdcnt + isutcnt
    footer = data[end:].strip(b"\n")
    # "CET-1CEST,M3.5.0,M10.5.0/3": a rule with a daylight part goes on after the list.
    horizon = float(instants[-1] if instants else 0) if b"," in footer else float("inf")
    return ZoneTransitions(instants, horizon)


def _instants(data: bytes, offset: int, count: int, size: int) -> tuple[int, ...]:
    fmt = f">{count}{'q' if size == 8 else 'l'}"
    return tuple(sorted(struct.unpack_from(fmt, data, offset)))
