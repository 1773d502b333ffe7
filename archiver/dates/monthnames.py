"""Month-name dates read without a dateparser call: "8 Ekim 2020", "Thursday, October 8, 2020 -
17:31", "jeu. 8 octobre 2020 17:31".

dateparser's first parse in a process costs ~100 ms (it compiles a regex of every timezone
name), which is most of the time to a source's first date. The month names themselves are
cheap to read from dateparser's locale data (its ``january`` ... ``december`` entries), so the
plainest shape of a month-name date is read here: one month word, a day, a four-digit year, an
optional 24-hour time, and otherwise only weekday words (checked later by the normaliser) and
punctuation. Anything else (an unknown word, am/pm, a second month word, a word that is both a
month and a weekday) returns None and goes to dateparser as before. Reads no settings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime

from dateparser.languages.loader import default_loader

from archiver.dates.result import ParsedText, Reading
from archiver.dates.weekdays import WeekdayFinder

MONTH_KEYS = (
    "january", "february", "march", "april", "may", "june",
    "july", "august", "september", "october", "november", "december",
)  # fmt: skip
_TOKEN = re.compile(r"(?P<time>\d{1,2}:\d{2}(?::\d{2})?)|(?P<number>\d+)|(?P<word>[^\W\d_]+)")
# What may stand between the parts: spaces and the punctuation date formats use.
_SEPARATORS = re.compile(r"^[\s,.\-–—/|()،，、]*$")
# Ordinal and number suffixes that belong to the day ("8th", "8.", "8-я" is left to dateparser).
_DAY_SUFFIXES = frozenset({"st", "nd", "rd", "th", "er", "e", "de"})
# Words that mark the number before them as the year ("2020-يىلى 8-ئۆكتەبىر" in Uyghur, which
# dateparser does not read; "2020 yılı", "2020 г.", "2020 ж."). Skipped only right after a year.
_YEAR_MARKERS = frozenset(
    {"يىلى", "يىل", "yılı", "yil", "yili", "г", "года", "год", "ж", "жыл", "жылы"}
)


def month_names(languages: Sequence[str]) -> dict[str, int]:
    """Folded month name -> month number, from dateparser's data for ``languages``.

    A name that means different months in two of the languages is left out (ambiguous).
    """
    names: dict[str, int] = {}
    clashes: set[str] = set()
    for language in languages:
        info = default_loader.get_locale(language).info
        for number, key in enumerate(MONTH_KEYS, start=1):
            for name in info.get(key, []):
                folded = name.casefold().rstrip(".")
                if names.get(folded, number) != number:
                    clashes.add(folded)
                names[folded] = number
    return {name: number for name, number in names.items() if name not in clashes}


class MonthNameReader:
    """Reads the plain month-name shapes of one source's languages."""

    def __init__(self, languages: Sequence[str], finder: WeekdayFinder) -> None:
        self.months = month_names(languages) if languages else {}
        self.finder = finder

    def read(self, text: str) -> ParsedText | None:
        """The reading of ``text``, or None when it is not a plain month-name date."""
        if not self.months:
            return None
        weekdays, weekday_words = self.finder.find(text)
        weekday_folded = {word.casefold() for word in weekday_words}
        month = year = day = None
        time: tuple[int, int, int] | None = None
        position = 0
        previous_kind = ""
        for match in _TOKEN.finditer(text):
            if not _SEPARATORS.match(text[position : match.start()]):
                return None
            position = match.end()
            kind, token = match.lastgroup, match.group()
            after_year = previous_kind == "year"
            previous_kind = "year" if kind == "number" and len(token) == 4 else str(kind)
            if kind == "time":
                if time is not None:
                    return None
                parts = [int(p) for p in token.split(":")]
                time = (parts[0], parts[1], parts[2] if len(parts) == 3 else 0)
            elif kind == "number":
                if len(token) == 4 and year is None:
                    year = int(token)
                elif len(token) <= 2 and day is None:
                    day = int(token)
                else:
                    return None
            else:
                folded = token.casefold()
                in_months = folded in self.months
                if in_months and folded in weekday_folded:
                    return None  # "mar": March, or a Tuesday?
                if in_months:
                    if month is not None:
                        return None
                    month = self.months[folded]
                elif folded in weekday_folded:
                    continue
                elif folded in _DAY_SUFFIXES and day is not None:
                    continue
                elif folded in _YEAR_MARKERS and after_year:
                    continue
                else:
                    return None
        if not _SEPARATORS.match(text[position:]) or None in (month, year, day):
            return None
        assert month is not None and year is not None and day is not None
        hour, minute, second = time or (0, 0, 0)
        try:
            local = datetime(year, month, day, hour, minute, second)
        except ValueError:
            return ParsedText(weekdays=weekdays, flags=("unparsed",))
        return ParsedText(
            readings=(Reading(local=local, has_time=time is not None),), weekdays=weekdays
        )
