"""Dates rendered by CLDR itself (babel), in 40 locales: exact, or null with a flag; never wrong.

The corpus is generated here, at test time, from a seeded spread of instants (and the
daylight-saving fold and gap of each source's zone): every instant is printed with babel's
``short``/``medium``/``long``/``full`` date-time and date formats and with Drupal-like custom
patterns, and normalised with the source's zone and language. A value must equal the instant;
a null must carry a flag. A tampered copy (the weekday replaced by another weekday of the same
locale and width) must never come out as a value.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from babel import Locale
from babel.dates import format_date, format_datetime

from archiver.dates import SourceDateNormaliser

ZONES = {
    "az": "Asia/Baku", "sw": "Africa/Nairobi", "tr": "Europe/Istanbul", "cs": "Europe/Prague",
    "sk": "Europe/Bratislava", "sr": "Europe/Belgrade", "ja": "Asia/Tokyo", "ko": "Asia/Seoul",
    "hi": "Asia/Kolkata", "he": "Asia/Jerusalem", "sv": "Europe/Stockholm", "it": "Europe/Rome",
    "ro": "Europe/Bucharest", "hu": "Europe/Budapest", "uk": "Europe/Kyiv", "th": "Asia/Bangkok",
    "vi": "Asia/Ho_Chi_Minh", "zh": "Asia/Shanghai", "ug": "Asia/Urumqi", "ru": "Europe/Moscow",
    "kk": "Asia/Almaty", "de": "Europe/Berlin", "fr": "Europe/Paris", "ar": "Africa/Cairo",
    "fa": "Asia/Tehran", "el": "Europe/Athens", "pl": "Europe/Warsaw", "pt": "America/Sao_Paulo",
    "es": "America/Mexico_City", "nl": "Europe/Amsterdam", "id": "Asia/Jakarta",
    "ms": "Asia/Kuala_Lumpur", "fi": "Europe/Helsinki", "da": "Europe/Copenhagen",
    "nb": "Europe/Oslo", "lt": "Europe/Vilnius", "lv": "Europe/Riga", "bg": "Europe/Sofia",
    "ka": "Asia/Tbilisi", "hy": "Asia/Yerevan", "en": "America/New_York",
}  # fmt: skip
WIDTHS = ("short", "medium", "long", "full")
CUSTOM = (
    "EEE, MM/dd/yyyy - HH:mm",
    "EEEE, MMMM d, yyyy - HH:mm",
    "EEE, dd/MM/yyyy - HH:mm",
    "EEEE d MMMM yyyy, HH:mm",
    "dd.MM.yyyy HH:mm",
)
PER_LOCALE = 12


@dataclass(frozen=True)
class Case:
    locale: str
    pattern: str
    text: str
    truth: datetime | None  # None: the text cannot name one instant (a date in a gap)


def transitions(zone: ZoneInfo, year: int = 2021) -> list[datetime]:
    """Instants just inside the zone's fold and gap of ``year`` (both folds of the fold)."""
    found = []
    moment = datetime(year, 1, 1, tzinfo=UTC)
    previous = moment.astimezone(zone).utcoffset()
    while moment.year == year:
        moment += timedelta(hours=1)
        offset = moment.astimezone(zone).utcoffset()
        if offset != previous:
            assert offset is not None and previous is not None
            local = moment.astimezone(zone)
            found.append(local + timedelta(minutes=30))  # just after the change
            if offset < previous:  # fall back: the earlier occurrence of the same wall time
                found.append((moment - timedelta(minutes=30)).astimezone(zone))
            previous = offset
    return found


def instants(code: str) -> list[datetime]:
    zone = ZoneInfo(ZONES[code])
    rng = random.Random(f"cldr-{code}")
    found = transitions(zone)
    while len(found) < PER_LOCALE:
        naive = datetime(1995, 1, 1) + timedelta(minutes=rng.randrange(0, 40 * 365 * 24 * 60))
        found.append(naive.replace(tzinfo=UTC).astimezone(zone))
    return found


def local_midnight(day: date, zone: ZoneInfo) -> datetime | None:
    midnight = datetime(day.year, day.month, day.day, tzinfo=zone)
    other = midnight.replace(fold=1)
    if midnight.utcoffset() != other.utcoffset():
        return None
    return midnight


def corpus() -> list[Case]:
    cases = []
    for code, zone_name in ZONES.items():
        zone = ZoneInfo(zone_name)
        for moment in instants(code):
            for width in WIDTHS:
                text = format_datetime(moment, width, tzinfo=zone, locale=code)
                cases.append(Case(code, f"datetime {width}", text, moment))
                text = format_date(moment, width, locale=code)
                cases.append(Case(code, f"date {width}", text, local_midnight(moment, zone)))
            for pattern in CUSTOM:
                text = format_datetime(moment, pattern, tzinfo=zone, locale=code)
                cases.append(Case(code, pattern, text, moment.replace(second=0)))
    return cases


def judge(cases: list[Case]) -> tuple[Counter[str], list[tuple[Case, object]]]:
    counts: Counter[str] = Counter()
    wrong = []
    normalisers = {code: SourceDateNormaliser(ZONES[code], (code,)) for code in ZONES}
    for case in cases:
        result = normalisers[case.locale].normalise(case.text)
        if result.value is None:
            counts["null" if result.flags else "null_without_flag"] += 1
            if not result.flags:
                wrong.append((case, result))
        elif case.truth is not None and result.value == case.truth:
            counts["exact"] += 1
        else:
            counts["wrong"] += 1
            wrong.append((case, result))
    return counts, wrong


def test_cldr_corpus_is_exact_or_flagged_null() -> None:
    counts, wrong = judge(corpus())
    assert not wrong, f"{len(wrong)} silently wrong, e.g. {wrong[:5]}"
    assert counts["exact"] > 0.85 * sum(counts.values()), counts


def weekday_names(code: str) -> list[dict[int, str]]:
    locale = Locale.parse(code)
    return [dict(locale.days["format"][width]) for width in ("abbreviated", "wide")]


def wrong_weekday(moment: datetime) -> int:
    """A weekday that neither the date nor its day/month swap (when valid) falls on."""
    taken = {moment.weekday()}
    if moment.day <= 12:
        taken.add(date(moment.year, moment.day, moment.month).weekday())
    return next(
        d % 7 for d in range(moment.weekday() + 1, moment.weekday() + 8) if d % 7 not in taken
    )


def tampered() -> list[Case]:
    """Every weekday-bearing text with its weekday name swapped for a day no reading has."""
    cases = []
    for case in corpus():
        if case.truth is None:
            continue
        for names in weekday_names(case.locale):
            name = names[case.truth.weekday()]
            wrong_name = names[wrong_weekday(case.truth)]
            if name in case.text and wrong_name not in case.text:
                text = case.text.replace(name, wrong_name, 1)
                cases.append(Case(case.locale, case.pattern, text, None))
                break
    return cases


def test_tampered_weekday_is_never_a_value() -> None:
    cases = tampered()
    assert len(cases) > 500
    sure = []
    normalisers = {code: SourceDateNormaliser(ZONES[code], (code,)) for code in ZONES}
    for case in cases:
        result = normalisers[case.locale].normalise(case.text)
        if result.value is not None or not result.flags:
            sure.append((case, result))
    assert not sure, f"{len(sure)} tampered dates emitted, e.g. {sure[:5]}"


@pytest.mark.parametrize(
    ("language", "zone", "text", "expected"),
    [
        ("cs", "Europe/Prague", "1. 9. 2018", "2018-09-01T00:00:00+02:00"),
        ("sk", "Europe/Bratislava", "1. 9. 2018", "2018-09-01T00:00:00+02:00"),
        ("th", "Asia/Bangkok", "30 ก.ย. 2563", None),  # a Buddhist year needs its label
        ("th", "Asia/Bangkok", "30 ก.ย. พ.ศ. 2563", "2020-09-30T00:00:00+07:00"),
        ("vi", "Asia/Ho_Chi_Minh", "Thứ 4, 09/30/2020 - 16:04", "2020-09-30T16:04:00+07:00"),
        ("vi", "Asia/Ho_Chi_Minh", "Thứ 9, 09/30/2020 - 16:04", None),
        ("zh", "Asia/Shanghai", "2020年9月30日星期三 16:04", "2020-09-30T16:04:00+08:00"),
        ("zh", "Asia/Shanghai", "2020年9月30日星期四 16:04", None),
        ("uk", "Europe/Kyiv", "пʼятниця, 2 жовтня 2020 р.", "2020-10-02T00:00:00+03:00"),
        ("uk", "Europe/Kyiv", "п'ятниця, 2 жовтня 2020 р.", "2020-10-02T00:00:00+03:00"),
        ("tr", "Europe/Istanbul", "30 Eyl 2020 16:04:05", "2020-09-30T16:04:05+03:00"),
        ("en", "America/New_York", "Sun, 11/01/2020 - 01:30", None),
        ("en", "UTC", "September 30, 2020 at 4:04:05 PM PDT", "2020-09-30T23:04:05+00:00"),
    ],
)
def test_examples(language: str, zone: str, text: str, expected: str | None) -> None:
    result = SourceDateNormaliser(zone, (language,)).normalise(text)
    assert result.isoformat() == expected, result
    if expected is None:
        assert result.flags


if __name__ == "__main__":
    import sys

    all_counts, all_wrong = judge(corpus())
    print(all_counts)
    by_pattern: Counter[str] = Counter()
    for case, result in all_wrong:
        by_pattern[f"{case.locale} {case.pattern}"] += 1
        print(case.locale, case.pattern, repr(case.text), case.truth, result, file=sys.stderr)
    print(by_pattern.most_common(40))
