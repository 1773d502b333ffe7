"""Dates of evidence: mixed-locale date texts -> exact, aware ISO 8601 datetimes, never guessed.

Dates are read with CLDR's data (through babel: month, weekday, am/pm, era and zone names, the
literal words and numeric orders of every locale's formats), one compiled layout per text shape
(``cldr.py``); dateparser is kept for what CLDR has no format for (relative dates, year-less
dates). This package adds what evidence needs: the printed weekday as a checksum, the numeric
order learned per source, the page's context (timezone, fetch time, machine-readable date),
explicit DST decisions. Text without an offset or zone name is local time in the source's zone.

    normaliser = SourceDateNormaliser("America/New_York", languages=("en", "tr"), order="MDY")
    normaliser.normalise("Per, 10/08/2020 - 17:31").isoformat()  # '2020-10-08T17:31:00-04:00'

Value rules: ``value`` is None whenever the text does not decide one date; a value is always
aware, in the source's zone. A date printed without a time is local midnight (flag
``date_only``); a two-digit year is the year with those digits within 50 years of today.
The numeric order is learned per shape of text (``W, N/N/Y - N:N``), never across shapes.

Flags (``DateResult.flags``), the full vocabulary:

``rdfa``                   value from the machine-readable date (RDFa ``content``, ``<time
                           datetime>``, meta); it wins over the text
``machine_text_mismatch``  the visible text reads differently (beyond the minute, or another day)
``machine_unparsed``       a machine date was given but is not ISO 8601 / RFC 822; text used
``weekday_checked``        a printed weekday agrees with the value
``weekday_decided``        the weekday chose between readings (e.g. 10/08 as MDY, not DMY)
``weekday_mismatch``       the weekday contradicts every reading: value None
``order_overridden``       the weekday chose a reading against the source's learned/configured
                           order (the printed weekday outranks the order)
``order_inferred``         the source's learned order chose the reading
``order_configured``       the configured order chose it; always with ``ambiguous``
``order_locale``           the text has the exact shape of one of its language's own CLDR
                           formats (``1. 9. 2018`` in Czech), whose order chose it
``order_conventional``     dotted day.month.year chose it (no learned or configured order)
``ambiguous``              several readings remain (numeric order, or two readings of the
                           words); value None unless ``order_configured``
``order_conflict``         the source's dates prove both orders: no order trusted, value None
``two_digit_year``         the year was printed with two digits
``relative``               "3 hours ago": resolved against ``fetched_at``
``year_missing``           "8 Oct, 17:31": year taken as the latest not after ``fetched_at``
``needs_fetch_time``       relative or year-less text and no ``fetched_at``: value None
``offset_converted``       the text carried its own UTC offset or zone name; converted to the
                           source zone (never set for text without one)
``date_only``              no time printed: value is local midnight
``ambiguous_local_time``   the local time happened twice (clocks went back) and nothing says
                           which: value None, both instants in ``DateResult.candidates``
``nonexistent_local_time`` the local time never happened (clocks jumped forward): value None,
                           the two offsets' readings in ``candidates``
``ambiguous_zone``         the printed zone name stands for zones that disagree at that time
                           ("IST"): value None, the instants in ``candidates``
``zone_mismatch``          the printed zone name cannot be in force then ("Summer Time" in
                           winter): value None
``weekday_unrecognised``   a word stands where a weekday does but is no weekday of the
                           source's languages ("Thứ 9"): value None
``year_implausible``       a year centuries ahead (a Buddhist year without its label): None
``unparsed``               the text is not a date we can read, or holds words we cannot read
                           beside a date: value None
``missing``                no text (None or blank): value None

Reads no Scrapy settings itself; the dates pipeline builds one normaliser per source from the
source profile (``archiver/sources.py``).
"""

from __future__ import annotations

from archiver.dates.context import DateContext
from archiver.dates.normaliser import SourceDateNormaliser
from archiver.dates.result import DateArgumentError, DateResult

__all__ = ["DateArgumentError", "DateContext", "DateResult", "SourceDateNormaliser"]
