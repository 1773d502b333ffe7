"""Machine formats read without dateparser: ISO 8601 (RFC 3339, HTML ``datetime``) and RFC 822.

Both are unambiguous and language-independent, and the standard library reads them exactly
(``datetime.fromisoformat``, ``email.utils``); they are what RDFa ``content``, ``<time
datetime>``, meta tags and RSS ``pubDate`` carry. Reads no settings.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

from archiver.dates.result import ParsedText, Reading

_ISO = re.compile(
    r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d{1,9})?)?)?(?:Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
_RFC822 = re.compile(
    r"(?:(Mon|Tue|Wed|Thu|Fri|Sat|Sun),\s*)?\d{1,2}\s+"
    r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)\s+\d{2,4}\s+"
    r"\d{1,2}:\d{2}(?::\d{2})?\s*([+-]\d{4}|UT|GMT|[ECMP][SD]T|Z)?",
    re.IGNORECASE,
)
_RFC822_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def read_standard(raw: str) -> ParsedText | None:
    """The single reading of an ISO 8601 or RFC 822 text, or None when it is neither."""
    if _ISO.fullmatch(raw):
        return _read_iso(raw)
    match = _RFC822.fullmatch(raw)
    if match:
        try:
            value = parsedate_to_datetime(raw)
        except (TypeError, ValueError):
            return ParsedText(flags=("unparsed",))
        if value.tzinfo is None and match.group(2):
            value = value.replace(tzinfo=UTC)  # "-0000": UTC, source zone unknown to the writer
        # No zone at all ("5 Mar 2011 21:45:00", a medium date in many languages): local time.
        weekdays = None
        if match.group(1):
            weekdays = frozenset({_RFC822_DAYS.index(match.group(1).lower())})
        return ParsedText(readings=(Reading(local=value),), weekdays=weekdays)
    return None


def _read_iso(raw: str) -> ParsedText:
    text = raw.upper().replace(",", ".")
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return ParsedText(flags=("unparsed",))
    has_time = len(text) > 10
    return ParsedText(readings=(Reading(local=value, has_time=has_time),))
