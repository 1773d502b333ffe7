"""Raw date texts in, JSON lines out, one by one: the engine of ``archiver dates``.

Lines are read, normalised and written one at a time, in input order, so memory stays bounded
whatever the input's length. The answers are flushed whenever no more input is waiting (before
the program would wait for the next line), so a caller can read answers as it writes questions,
while a file or a fast pipe is not paid one write per line (flushing every line took two thirds
of the time of 50,000 dates). A line longer than ``MAX_LINE_CHARS``
characters is answered at once with ``{"raw": its first MAX_LINE_CHARS characters,
"published": null, "flags": ["too_long"]}`` and the rest of it is skipped unread into memory:
no date is that long, and parsing cost stays linear in the length of what is parsed.

The whole stream is one source: orders are learned as lines go (a line is resolved with what
the lines before it taught). Reads no settings.
"""

from __future__ import annotations

import codecs
import io
import json
import select
from collections.abc import Callable, Iterator
from datetime import datetime
from typing import BinaryIO, TextIO

from archiver.dates.normaliser import SourceDateNormaliser

MAX_LINE_CHARS = 512
"""Longest line read as a date; longer lines are answered with ``too_long``."""
_MAX_LINE_BYTES = MAX_LINE_CHARS * 4 + 2  # UTF-8 takes up to 4 bytes a character, plus CR LF
_CHUNK = 64 * 1024


def read_lines(stream: BinaryIO) -> Iterator[tuple[str, bool]]:
    """``(line, too_long)`` for each line of ``stream`` (UTF-8, bad bytes replaced), holding
    at most ``_MAX_LINE_BYTES`` of any line in memory."""
    while True:
        head = stream.readline(_MAX_LINE_BYTES)
        if not head:
            return
        complete = head.endswith(b"\n")
        if not complete:
            # Skip the rest of an over-long line without holding it.
            while True:
                chunk = stream.readline(_CHUNK)
                if not chunk or chunk.endswith(b"\n"):
                    break
        text = codecs.decode(head, "utf-8", errors="replace").rstrip("\r\n")
        too_long = not complete and len(head) >= _MAX_LINE_BYTES or len(text) > MAX_LINE_CHARS
        yield (text[:MAX_LINE_CHARS] if too_long else text), too_long


def normalise_stream(
    source: BinaryIO,
    out: TextIO,
    normaliser: SourceDateNormaliser,
    fetched_at: datetime | None = None,
) -> int:
    """Answer every line of ``source`` on ``out`` (flushed whenever no more input waits); the
    number of lines."""
    count = 0
    waiting = _input_waiting(source)
    for raw, too_long in read_lines(source):
        if too_long:
            record = {"raw": raw, "published": None, "flags": ["too_long"]}
        else:
            result = normaliser.normalise(raw, fetched_at=fetched_at)
            record = {"raw": raw, "published": result.isoformat(), "flags": list(result.flags)}
            if result.candidates:
                record["candidates"] = list(result.candidates)
        out.write(json.dumps(record, ensure_ascii=False) + "\n")
        if not waiting():
            out.flush()
        count += 1
    out.flush()
    return count


def _input_waiting(source: BinaryIO) -> Callable[[], bool]:
    """A check whether more of ``source`` can be read without waiting (its file descriptor is
    readable); for a source without one, never (so every answer is flushed)."""
    try:
        descriptor = source.fileno()
    except (io.UnsupportedOperation, AttributeError, ValueError):
        return lambda: False

    def waiting() -> bool:
        try:
            readable, _, _ = select.select([descriptor], [], [], 0)
        except (OSError, ValueError):
            return False
        return bool(readable)

    return waiting
