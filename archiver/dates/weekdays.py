"""Weekday names of every dateparser language, read as a checksum beside a printed date.

The names come from dateparser's own locale data (full and abbreviated forms as it ships them),
never typed in by hand. Two-letter forms that sites print (Turkish ``Pa Pt Sa Ça Pe Cu Ct Pz``,
Drupal's short day names) are mostly missing from that data, so they are *derived* from it:

* the first two letters of a full name (``perşembe`` -> ``pe``),
* the first and last letters of a three-letter abbreviation (``cmt`` -> ``ct``, ``pzt`` -> ``pt``).

When a derived form fits two weekdays of one language (``pa``: pazar, pazartesi) it goes to the
weekday with the shorter full name: the longer one is a compound of it ("the day after Sunday")
and sites abbreviate compounds from both parts (``pzt``). Derived forms are *weak*: they count
only where a weekday is expected (the first word of the text, or a word followed by a comma).

Single letters are ignored. Words that are also a month name, a date unit in one of the active
languages (``Mar`` is March in English and Tuesday in Spanish; ``日`` is "day" and Sunday in
Japanese) are never read as weekdays, and neither are letters glued to digits (``8th``).
Reads no settings.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from dateparser.data.languages_info import language_order
from dateparser.languages.loader import default_loader

logger = logging.getLogger(__name__)

WEEKDAY_KEYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
MONTH_KEYS = (
    "january", "february", "march", "april", "may", "june", "july",
    "august", "september", "october", "november", "december",
)  # fmt: skip
# Units that sit beside the numbers of a date ("2020年10月8日"): never read as weekdays. Hour and
# minute units are left out on purpose: Turkish "sa" (saat) is also the site's Tuesday.
OTHER_VOCABULARY_KEYS = ("year", "month", "day")
KNOWN_LANGUAGES: frozenset[str] = frozenset(language_order)
# Scripts written without spaces between words: their names are found as substrings.
_UNSPACED_SCRIPT = re.compile(r"[\u3040-\u30ff\u3400-\u9fff\uac00-\ud7af\uf900-\ufaff]")
_LETTER_RUN = re.compile(r"[^\W\d_]+")


def _letters(name: str) -> str:
    """The name without punctuation around it (``(木)`` -> ``木``), case-folded."""
    return "".join(_LETTER_RUN.findall(name)).casefold()


@dataclass(frozen=True)
class LanguageWeekdays:
    """One language's weekday vocabulary: ``word -> weekday numbers`` (Monday = 0)."""

    strong: dict[str, frozenset[int]]
    weak: dict[str, frozenset[int]]
    other_vocabulary: frozenset[str]
    bracketed: dict[str, frozenset[int]]
    """Forms printed in brackets (Japanese ``(月)``): a unit word alone, a weekday in brackets."""


@functools.cache
def language_weekdays(language: str) -> LanguageWeekdays:
    """Build (once per process) the weekday vocabulary of one dateparser language."""
    info = default_loader.get_locale(language).info
    strong: dict[str, set[int]] = {}
    bracketed: dict[str, set[int]] = {}
    full_names: dict[int, list[str]] = {}
    for weekday, key in enumerate(WEEKDAY_KEYS):
        for name in info.get(key, []):
            if name.startswith("(") and name.endswith(")"):
                bracketed.setdefault(name.casefold(), set()).add(weekday)
            word = _letters(name)
            # One Latin/Cyrillic/Arabic letter is too weak a checksum and too common a word.
            if len(word) > 1 or (word and _UNSPACED_SCRIPT.search(word)):
                strong.setdefault(word, set()).add(weekday)
                full_names.setdefault(weekday, []).append(word)
    other: set[str] = set()
    for key in MONTH_KEYS + OTHER_VOCABULARY_KEYS:
        other.update(_letters(name) for name in info.get(key, []))
    other.discard("")
    weak = _derive_two_letter_forms(full_names, strong)
    return LanguageWeekdays(
        strong={word: frozenset(days) for word, days in strong.items() if word not in other},
        weak={word: frozenset({day}) for word, day in weak.items() if word not in other},
        other_vocabulary=frozenset(other),
        bracketed={form: frozenset(days) for form, days in bracketed.items()},
    )


def _derive_two_letter_forms(
    names_by_weekday: dict[int, list[str]], strong: dict[str, set[int]]
) -> dict[str, int]:
    """Two-letter abbreviations derived from the names (see the module docstring)."""
    claims: dict[str, list[tuple[int, int]]] = {}  # form -> [(full name length, weekday)]
    for weekday, names in names_by_weekday.items():
        longest = max(len(name) for name in names)
        for name in names:
            if _UNSPACED_SCRIPT.search(name):
                continue
            forms = set()
            if len(name) > 3:
                forms.add(name[:2])
            if len(name) == 3:
                forms.add(name[0] + name[2])
            for form in forms:
                if len(form) == 2 and form not in strong:
                    claims.setdefault(form, []).append((longest, weekday))
    derived: dict[str, int] = {}
    for form, claimants in claims.items():
        by_weekday = {weekday: length for length, weekday in claimants}
        ranked = sorted((length, weekday) for weekday, length in by_weekday.items())
        if len(ranked) > 1 and ranked[0][0] == ranked[1][0]:
            continue  # two weekdays with equally long names: no honest choice
        derived[form] = ranked[0][1]
    return derived


class WeekdayFinder:
    """Finds weekday words in a date text for a set of languages (all of dateparser's if empty)."""

    def __init__(self, languages: Sequence[str] = ()) -> None:
        chosen = list(languages) or list(language_order)
        strong: dict[str, set[int]] = {}
        weak: dict[str, set[int]] = {}
        other: set[str] = set()
        bracketed: dict[str, set[int]] = {}
        for language in chosen:
            vocabulary = language_weekdays(language)
            for word, days in vocabulary.strong.items():
                strong.setdefault(word, set()).update(days)
            for word, days in vocabulary.weak.items():
                weak.setdefault(word, set()).update(days)
            other.update(vocabulary.other_vocabulary)
            for form, days in vocabulary.bracketed.items():
                bracketed.setdefault(form, set()).update(days)
        self._bracketed = {form: frozenset(days) for form, days in bracketed.items()}
        self._strong = {w: frozenset(d) for w, d in strong.items() if w not in other}
        self._weak = {w: frozenset(d) for w, d in weak.items() if w not in other}
        self._unspaced = sorted(
            (w for w in self._strong if len(w) > 1 and _UNSPACED_SCRIPT.search(w)),
            key=len,
            reverse=True,
        )

    def is_weekday_word(self, word: str) -> bool:
        """True when ``word`` alone is a weekday name (strong or derived) in these languages."""
        folded = word.casefold()
        return folded in self._strong or folded in self._weak

    def find(self, text: str) -> tuple[frozenset[int] | None, tuple[str, ...]]:
        """The weekdays the text's weekday words allow, and the words read as weekdays.

        None when the text names no weekday. Several weekday words narrow each other (their
        sets intersect); an empty set means they contradict each other.
        """
        allowed: frozenset[int] | None = None
        words: list[str] = []
        if "(" in text:
            for form, bracketed_days in self._bracketed.items():
                if form in text:
                    allowed = bracketed_days if allowed is None else allowed & bracketed_days
                    words.append(form.strip("()"))
        for match in _LETTER_RUN.finditer(text):
            start, end = match.span()
            if (start and text[start - 1].isdigit()) or (end < len(text) and text[end].isdigit()):
                continue  # "8th", "10日": a suffix of a number, not a word
            word = match.group().casefold()
            if word in words:
                continue  # already read in its bracketed form
            days: frozenset[int] | None = self._strong.get(word)
            if word in self._weak and _in_weekday_position(text, start, end):
                # "Sa": Saturday in English, Tuesday in Turkish: either may be meant.
                days = self._weak[word] | (days or frozenset())
            if days is None:
                days = self._find_unspaced(word)
            if days is not None:
                allowed = days if allowed is None else allowed & days
                words.append(match.group())
        return allowed, tuple(words)

    def _find_unspaced(self, word: str) -> frozenset[int] | None:
        for name in self._unspaced:
            if name in word:
                return self._strong[name]
        return None


def _in_weekday_position(text: str, start: int, end: int) -> bool:
    """First word of the text, or a word followed by a comma: where sites print the weekday."""
    before = text[:start].strip(" \t([")
    after = text[end:].lstrip(" .")
    return not before or after.startswith((",", "，", "،"))


def unknown_languages(languages: Iterable[str]) -> list[str]:
    """The codes dateparser does not know, in the order given."""
    return [code for code in languages if code not in KNOWN_LANGUAGES]
