"""The words of dates, from CLDR (through ``babel``): what each folded word can mean.

For every language: month and weekday names in every width CLDR has (abbreviated, wide, short,
narrow where it names one day only) and both contexts (format, stand-alone), with and without
trailing dots, with the apostrophe variants ``' ’ ʼ``; am/pm markers; era labels (and the Thai
Buddhist era, ``พ.ศ. 2563`` = 2020); the literal words of the locale's date and time patterns
("de", "um", "klo", "г", "ساعت"), and the units among them (``年 月 日 時 分 秒``, ``m.`` and
``d.`` in Lithuanian): a literal right after a number field says which field it is. Names glued
to pattern literals (Hebrew ``בספטמבר``, Thai ``วันพุธที่``) are entries of their own.
Count-based weekdays (Vietnamese "Thứ Hai"/"Thứ 2", Chinese ``星期N``/``周N``) are entries
with their number; their prefix alone is a *weekday marker*: a weekday we cannot read.

Two-letter weekday forms sites print but CLDR lacks (Turkish ``Pa Pt Sa Ça Pe Cu Ct Pz``) are
derived as before (``weekdays.py``) and are *weak*: read only where a weekday stands.

Everything is keyed by :func:`fold` of the name. Reads no settings.
"""

from __future__ import annotations

import functools
import logging
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import regex
from babel import Locale, UnknownLocaleError
from babel.localedata import locale_identifiers

from archiver.dates.weekdays import _derive_two_letter_forms

logger = logging.getLogger(__name__)

WIDTHS = ("abbreviated", "wide", "short", "narrow")
CONTEXTS = ("format", "stand-alone")
APOSTROPHES = ("'", "’", "ʼ")
# Characters removed before reading (bidi and joiner marks) and read as a plain space.
_INVISIBLE = "\u200b\u200c\u200d\u200e\u200f\u061c\u2060\ufeff\u202a\u202b\u202c\u202d\u202e"
_SPACES = "\u00a0\u2007\u202f\u2009\u200a\u3000"


def _build_translation() -> dict[int, int | str | None]:
    table: dict[int, int | str | None] = {ord(ch): None for ch in _INVISIBLE}
    table.update({ord(ch): " " for ch in _SPACES})
    table[0x2212] = "-"  # minus sign
    for code in range(0x80, 0x10000):
        ch = chr(code)
        if ch.isdecimal():
            table[code] = str(unicodedata.decimal(ch))
    return table


_TRANSLATION = _build_translation()
ATOM = regex.compile(r"(\d+)|(\p{Han})|([\p{L}\p{M}]+)|(\s+)|(.)")
_SPACE_RUN = regex.compile(r"\s+")


def fold(text: str) -> str:
    """The form both texts and names are compared in: invisible marks dropped, native digits
    as ASCII, spaces collapsed, case-folded."""
    return _SPACE_RUN.sub(" ", text.translate(_TRANSLATION).casefold()).strip()


def name_key(name: str) -> str:
    """A vocabulary key: folded, trailing abbreviation punctuation (``. ॰ ׳``) dropped."""
    folded = fold(name)
    while folded and unicodedata.category(folded[-1]).startswith("P"):
        folded = folded[:-1].rstrip()
    return folded


def atom_count(key: str) -> int:
    return sum(1 for _ in ATOM.finditer(key))


# Meanings: (kind, value). kinds: month (1-12), weekday (frozenset), ampm ("am"/"pm"),
# era ("ad", "bc", "be"), unit (year month day hour minute second), literal (None),
# gmt (None), zone (zone spec, see zonenames.py), weekday_marker (None).
Meaning = tuple[str, object]


@dataclass
class Vocabulary:
    """Folded key -> meanings, for a set of languages."""

    entries: dict[str, set[Meaning]] = field(default_factory=dict)
    weak: dict[str, set[int]] = field(default_factory=dict)
    time_dot: bool = False
    """Some language writes times with dots (``16.04``: fi, da, id)."""
    zone_before_time: bool = False
    """Some language prints the zone before the time (zh: ``zzzz HH:mm:ss``)."""

    def add(self, name: str, meaning: Meaning) -> None:
        key = name_key(name)
        if not key:
            return
        for variant in _apostrophe_variants(key):
            self.entries.setdefault(variant, set()).add(meaning)

    def merge(self, other: Vocabulary) -> None:
        for key, meanings in other.entries.items():
            self.entries.setdefault(key, set()).update(meanings)
        for key, days in other.weak.items():
            self.weak.setdefault(key, set()).update(days)
        self.time_dot = self.time_dot or other.time_dot
        self.zone_before_time = self.zone_before_time or other.zone_before_time


def _apostrophe_variants(key: str) -> list[str]:
    if not any(mark in key for mark in APOSTROPHES):
        return [key]
    variants = []
    for mark in APOSTROPHES:
        text = key
        for other in APOSTROPHES:
            text = text.replace(other, mark)
        variants.append(text)
    return variants


def locale_for(code: str) -> Locale | None:
    """The babel locale of a language code (``zh-Hant`` -> ``zh_Hant``), or None."""
    try:
        return Locale.parse(code.replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        return None


def all_languages() -> tuple[str, ...]:
    """Every base language babel ships (used when a source names none)."""
    return tuple(code for code in locale_identifiers() if "_" not in code and code != "root")


def pattern_strings(locale: Locale) -> list[str]:
    """The locale's date, time and date-time patterns (standard and available formats)."""
    found: list[str] = []
    for table in (locale.date_formats, locale.time_formats):
        found.extend(getattr(p, "pattern", str(p)) for p in table.values())
    found.extend(str(p) for p in locale.datetime_formats.values())
    found.extend(getattr(p, "pattern", str(p)) for p in locale.datetime_skeletons.values())
    return found


_FIELD_OF = {"y": "year", "Y": "year", "u": "year", "M": "month", "L": "month", "d": "day"}
_FIELD_OF.update({"H": "hour", "h": "hour", "K": "hour", "k": "hour", "m": "minute"})
_FIELD_OF["s"] = "second"
_NAME_FIELDS = frozenset("MLEc")


def pattern_parts(pattern: str) -> list[tuple[str, str]]:
    """``[("field", "MMMM"), ("literal", " de "), ...]`` of a CLDR pattern."""
    parts: list[tuple[str, str]] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "'":
            end = pattern.find("'", i + 1)
            end = len(pattern) if end == -1 else end
            literal = pattern[i + 1 : end] or "'"
            parts.append(("literal", literal))
            i = end + 1
        elif ch.isascii() and ch.isalpha():
            j = i
            while j < len(pattern) and pattern[j] == ch:
                j += 1
            parts.append(("field", pattern[i:j]))
            i = j
        else:
            j = i
            while (
                j < len(pattern)
                and pattern[j] != "'"
                and not (pattern[j].isascii() and pattern[j].isalpha())
            ):
                j += 1
            parts.append(("literal", pattern[i:j]))
            i = j
    return parts


_WORD = regex.compile(r"[\p{L}\p{M}]+(?:\.[\p{L}\p{M}]+)*")


@functools.cache
def language_vocabulary(code: str) -> Vocabulary:
    """The vocabulary of one language (empty when babel does not know it)."""
    vocabulary = Vocabulary()
    locale = locale_for(code)
    if locale is None:
        return vocabulary
    weekday_names: dict[int, list[str]] = {}
    month_names: dict[int, list[str]] = {}
    for context in CONTEXTS:
        for width in WIDTHS:
            days = dict(locale.days.get(context, {}).get(width, {}))
            months = dict(locale.months.get(context, {}).get(width, {}))
            for number, name in _unambiguous(days, width).items():
                vocabulary.add(name, ("weekday", frozenset({number})))
                weekday_names.setdefault(number, []).append(name)
            for number, name in _unambiguous(months, width).items():
                vocabulary.add(name, ("month", number))
                month_names.setdefault(number, []).append(name)
    for width in ("abbreviated", "wide", "narrow"):
        for number, name in dict(locale.eras.get(width, {})).items():
            vocabulary.add(name, ("era", "ad" if number == 1 else "bc"))
    for context in ("format", "stand-alone"):
        for width in ("abbreviated", "wide", "narrow"):
            periods = locale.day_periods.get(context, {}).get(width, {})
            for key in ("am", "pm"):
                if key in periods:
                    vocabulary.add(periods[key], ("ampm", key))
    for prefix in _gmt_prefixes(locale):
        vocabulary.add(prefix, ("gmt", None))
    _add_pattern_words(vocabulary, locale, weekday_names, month_names)
    _add_counted_weekdays(vocabulary, code)
    if code.split("-")[0].split("_")[0] == "th":
        # CLDR's Buddhist calendar era (babel formats Gregorian only, sites print both).
        for name in ("พ.ศ.", "พุทธศักราช"):
            vocabulary.add(name, ("era", "be"))
    folded_names = {n: [name_key(x) for x in names] for n, names in weekday_names.items()}
    strong: dict[str, set[int]] = {key: set() for key in vocabulary.entries}
    weak = _derive_two_letter_forms(folded_names, strong)
    for form, day in weak.items():
        vocabulary.weak.setdefault(form, set()).add(day)
    return vocabulary


def _unambiguous(names: dict[int, str], width: str) -> dict[int, str]:
    """Narrow names only where they name one item and are more than one Latin-like letter."""
    if width != "narrow":
        return names
    counts: dict[str, int] = {}
    for name in names.values():
        counts[name_key(name)] = counts.get(name_key(name), 0) + 1
    return {
        number: name
        for number, name in names.items()
        if counts[name_key(name)] == 1 and (len(name_key(name)) > 1 or _unspaced(name))
    }


def _unspaced(text: str) -> bool:
    return any(
        "\u3040" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u9fff" or "\uac00" <= ch <= "\ud7af"
        for ch in text
    )


def _gmt_prefixes(locale: Locale) -> set[str]:
    found = {"GMT", "UTC", "UT"}
    for key in ("gmt", "gmt_utc"):
        form = locale.zone_formats.get(key)
        if isinstance(form, str):
            prefix = form.replace("%s", "").replace("{0}", "").strip()
            if prefix:
                found.add(prefix)
    return found


def _add_pattern_words(
    vocabulary: Vocabulary,
    locale: Locale,
    weekday_names: dict[int, list[str]],
    month_names: dict[int, list[str]],
) -> None:
    """Literal words of the locale's patterns, units after number fields, glued affixes."""
    for pattern in pattern_strings(locale):
        parts = pattern_parts(pattern)
        fields = "".join(text[0] for kind, text in parts if kind == "field")
        zone_at = min((fields.find(z) for z in "zvVO" if z in fields), default=-1)
        hour_at = min((fields.find(h) for h in "HhKk" if h in fields), default=-1)
        if 0 <= zone_at < hour_at:
            vocabulary.zone_before_time = True
        if any(kind == "field" and text[0] in "Hhm" for kind, text in parts):
            for i, (kind, text) in enumerate(parts[:-1]):
                if kind == "field" and text[0] in "Hh" and parts[i + 1][1] == ".":
                    vocabulary.time_dot = True
        for i, (kind, text) in enumerate(parts):
            if kind != "literal":
                continue
            for word in _WORD.findall(text):
                vocabulary.add(word, ("literal", None))
            previous = parts[i - 1] if i else None
            if previous and previous[0] == "field" and previous[1][0] in _FIELD_OF:
                words = _WORD.findall(text)
                if words and len(text.strip(" .")) <= len(words[0]) + 1 and len(words) == 1:
                    vocabulary.add(words[0], ("unit", _FIELD_OF[previous[1][0]]))
            # A literal glued to a month or weekday name: "בMMMM", "EEEEที่".
            glued_after = previous and previous[0] == "field" and previous[1][0] in _NAME_FIELDS
            following = parts[i + 1] if i + 1 < len(parts) else None
            glued_before = following and following[0] == "field" and following[1][0] in "ML"
            if glued_before and text and not text[-1].isspace():
                prefix = _WORD.findall(text)[-1] if _WORD.findall(text) else ""
                if prefix and text.endswith(prefix):
                    for number, names in month_names.items():
                        for name in names:
                            vocabulary.add(prefix + name, ("month", number))
            if glued_after and text and not text[0].isspace():
                words = _WORD.findall(text)
                suffix = words[0] if words and text.startswith(words[0]) else ""
                if suffix:
                    source = month_names if previous and previous[1][0] in "ML" else None
                    if source is not None:
                        for number, names in source.items():
                            for name in names:
                                vocabulary.add(name + suffix, ("month", number))
                    else:
                        for day, names in weekday_names.items():
                            for name in names:
                                vocabulary.add(name + suffix, ("weekday", frozenset({day})))


_VI_COUNTS = {2: "hai", 3: "ba", 4: "tư", 5: "năm", 6: "sáu", 7: "bảy"}
_HAN_COUNTS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}


def _add_counted_weekdays(vocabulary: Vocabulary, code: str) -> None:
    """Weekdays named by their number: checked by the number, a bad number is unreadable."""
    language = code.split("-")[0].split("_")[0]
    if language == "vi":
        vocabulary.add("thứ", ("weekday_marker", None))
        for prefix in ("thứ", "th", "t"):
            for count in range(2, 8):
                vocabulary.add(f"{prefix} {count}", ("weekday", frozenset({count - 2})))
                vocabulary.add(f"{prefix}{count}", ("weekday", frozenset({count - 2})))
        for count, word in _VI_COUNTS.items():
            vocabulary.add(f"thứ {word}", ("weekday", frozenset({count - 2})))
        vocabulary.add("thứ tư", ("weekday", frozenset({2})))
        vocabulary.add("thứ bốn", ("weekday", frozenset({2})))
        vocabulary.add("chủ nhật", ("weekday", frozenset({6})))
        vocabulary.add("cn", ("weekday", frozenset({6})))
    if language in ("zh", "yue", "ja"):
        for prefix in ("星期", "周", "週", "礼拜", "禮拜"):
            vocabulary.add(prefix, ("weekday_marker", None))
            for numeral, day in _HAN_COUNTS.items():
                vocabulary.add(prefix + numeral, ("weekday", frozenset({day})))


def vocabulary_for(languages: Sequence[str]) -> Vocabulary:
    """The merged vocabulary of ``languages`` (every babel language when empty)."""
    return _merged(tuple(languages) or all_languages())


@functools.cache
def _merged(languages: tuple[str, ...]) -> Vocabulary:
    merged = Vocabulary()
    for code in languages:
        merged.merge(language_vocabulary(code))
    return merged


def known_to_babel(codes: Iterable[str]) -> set[str]:
    return {code for code in codes if locale_for(code) is not None}
