"""The month-name fast path: plain shapes read from dateparser's locale data, anything else
left to dateparser (None)."""

from __future__ import annotations

from datetime import datetime

import pytest

from archiver.dates import SourceDateNormaliser
from archiver.dates.monthnames import MonthNameReader
from archiver.dates.weekdays import WeekdayFinder


def reader(*languages: str) -> MonthNameReader:
    return MonthNameReader(languages, WeekdayFinder(languages))


@pytest.mark.parametrize(
    ("languages", "text", "expected", "has_time"),
    [
        (("tr",), "8 Ekim 2020 Perşembe", datetime(2020, 10, 8), False),
        (("tr",), "Perşembe, 8 Ekim 2020 - 17:31", datetime(2020, 10, 8, 17, 31), True),
        (("en",), "Thursday, October 8, 2020 - 17:31", datetime(2020, 10, 8, 17, 31), True),
        (("en",), "October 8th, 2020", datetime(2020, 10, 8), False),
        (("fr",), "jeu. 8 octobre 2020 17:31:05", datetime(2020, 10, 8, 17, 31, 5), True),
        (("de",), "Donnerstag, 8. Oktober 2020", datetime(2020, 10, 8), False),
        (("ru",), "8 октября 2020, 17:31", datetime(2020, 10, 8, 17, 31), True),
        (("ru",), "8 октября 2020 г.", datetime(2020, 10, 8), False),
        (("ug",), "2020-يىلى 8-ئۆكتەبىر", datetime(2020, 10, 8), False),  # dateparser: None
        (("ug",), "پەيشەنبە، 2020-يىلى 8-ئۆكتەبىر 17:31", datetime(2020, 10, 8, 17, 31), True),
    ],
)
def test_plain_month_name_dates(
    languages: tuple[str, ...], text: str, expected: datetime, has_time: bool
) -> None:
    parsed = reader(*languages).read(text)
    assert parsed is not None
    [reading] = parsed.readings
    assert reading.local == expected
    assert reading.has_time is has_time


@pytest.mark.parametrize(
    "text",
    [
        "October 8, 2020 5:31 pm",  # am/pm: dateparser's job
        "8 October 2020 at noon",  # unknown words
        "October November 8 2020",  # two months
        "8 October",  # no year
        "08/10/2020",  # numeric: not this reader's shape
        "3 days ago",
        "8 October г 2020",  # a year marker not after a year
    ],
)
def test_other_shapes_are_left_to_dateparser(text: str) -> None:
    assert reader("en").read(text) is None


def test_weekday_is_still_a_checksum_on_this_path() -> None:
    normaliser = SourceDateNormaliser("America/New_York", languages=("en",))
    wrong = normaliser.normalise("Monday, October 8, 2020 - 17:31")
    assert wrong.value is None and "weekday_mismatch" in wrong.flags
    right = normaliser.normalise("Thursday, October 8, 2020 - 17:31")
    assert right.isoformat() == "2020-10-08T17:31:00-04:00"
    assert "weekday_checked" in right.flags


def test_impossible_calendar_date_is_unparsed() -> None:
    parsed = reader("en").read("February 30, 2020")
    assert parsed is not None and parsed.readings == () and "unparsed" in parsed.flags
