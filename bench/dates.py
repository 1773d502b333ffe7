"""Benchmark of the date normaliser against plain ``dateparser.parse``, per locale group.

Run: ``python bench/dates.py [--count 20000] [--baseline 200]``. For each group of
locales, dates are rendered by CLDR (babel: short/medium/long/full date-times and dates, and
Drupal-like patterns), in each locale's zone; one normaliser per locale is warmed up on other
dates of the same formats, then timed on ``--count`` new dates on one core. Printed per group:
archiver's rate and its exact / null / wrong counts, and plain ``dateparser.parse`` on a sample
of the same strings (rate, right, wrong). Also the first date of a source in a fresh process.

Target (issue 12): >= 20,000 dates/s warm in every group, zero wrong. Performance is measured
here, never asserted in tests.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

GROUPS = {
    "iuhrdf en/tr Drupal": ["en", "tr"],
    "Latin Europe": ["de", "fr", "es", "it", "pt", "nl", "pl", "sv", "ro", "cs"],
    "Cyrillic": ["ru", "uk", "kk", "bg", "sr"],
    "CJK": ["zh", "ja", "ko"],
    "RTL (ar fa he ug)": ["ar", "fa", "he", "ug"],
    "South/SE Asia": ["hi", "th", "vi", "id", "ms"],
    "Other": ["az", "sw", "hu", "fi", "da", "nb", "lt", "lv", "el", "ka", "hy", "sk"],
}
ZONES = {"en": "America/New_York", "tr": "Europe/Istanbul", "ja": "Asia/Tokyo",
         "zh": "Asia/Shanghai", "ko": "Asia/Seoul", "ru": "Europe/Moscow", "ar": "Africa/Cairo",
         "fa": "Asia/Tehran", "he": "Asia/Jerusalem", "ug": "Asia/Urumqi", "hi": "Asia/Kolkata",
         "th": "Asia/Bangkok", "vi": "Asia/Ho_Chi_Minh", "id": "Asia/Jakarta",
         "ms": "Asia/Kuala_Lumpur", "kk": "Asia/Almaty"}  # fmt: skip
PATTERNS = ("short", "medium", "long", "full", "EEE, MM/dd/yyyy - HH:mm", "EEEE d MMMM yyyy")

COLD_FIRST_DATE = """
import time
t0 = time.perf_counter()
from archiver.dates import SourceDateNormaliser
n = SourceDateNormaliser("America/New_York", ("en", "tr"), "MDY")
t1 = time.perf_counter()
n.normalise({raw!r})
t2 = time.perf_counter()
print(f"{{(t1 - t0) * 1000:.0f}} {{(t2 - t1) * 1000:.0f}}")
"""


def rendered(code: str, count: int, seed: int) -> list[tuple[str, datetime | None]]:
    """``count`` (text, truth) pairs of one locale; truth None for a date in a DST fold."""
    from babel.dates import format_date, format_datetime

    zone = ZoneInfo(ZONES.get(code, "Europe/Berlin"))
    rng = random.Random(f"{code}-{seed}")
    found = []
    for _ in range(count):
        moment = (
            datetime(2000, 1, 1, tzinfo=UTC) + timedelta(seconds=rng.randrange(0, 30 * 365 * 86400))
        ).astimezone(zone)
        pattern = rng.choice(PATTERNS)
        if pattern == "EEEE d MMMM yyyy" or rng.random() < 0.2 and pattern in PATTERNS[:4]:
            text = format_date(moment, pattern if pattern in PATTERNS[:4] else pattern, locale=code)
            truth: datetime | None = datetime(moment.year, moment.month, moment.day, tzinfo=zone)
        else:
            text = format_datetime(moment, pattern, tzinfo=zone, locale=code)
            truth = moment.replace(second=0) if pattern in ("short", PATTERNS[4]) else moment
        found.append((text, truth))
    return found


def bench_group(name: str, codes: list[str], count: int, baseline: int) -> str:
    import dateparser

    from archiver.dates import SourceDateNormaliser

    per_locale = max(1, count // len(codes))
    normalisers, timed = {}, []
    for code in codes:
        normaliser = SourceDateNormaliser(ZONES.get(code, "Europe/Berlin"), (code,))
        for text, _ in rendered(code, 3 * per_locale, seed=1):  # warm-up: shapes compiled
            normaliser.normalise(text)
        normalisers[code] = normaliser
        timed.extend((code, text, truth) for text, truth in rendered(code, per_locale, seed=2))
    started = time.perf_counter()
    results = [normalisers[code].normalise(text) for code, text, _ in timed]
    rate = len(timed) / (time.perf_counter() - started)
    exact = null = wrong = 0
    for (_, _, truth), result in zip(timed, results, strict=True):
        if result.value is None:
            null += 1
        elif truth is not None and result.value == truth:
            exact += 1
        else:
            wrong += 1
    sample = timed[:: max(1, len(timed) // baseline)][:baseline]
    started = time.perf_counter()
    plain = [dateparser.parse(text) for _, text, _ in sample]
    plain_rate = len(sample) / (time.perf_counter() - started)
    right = plain_wrong = 0
    for (code, _, truth), value in zip(sample, plain, strict=True):
        if value is None:
            continue
        if value.tzinfo is None:
            value = value.replace(tzinfo=ZoneInfo(ZONES.get(code, "Europe/Berlin")))
        if truth is not None and value == truth:
            right += 1
        else:
            plain_wrong += 1
    return (
        f"| {name:<20} | {len(timed):>6} | {rate:>9,.0f} | {exact:>6} | {null:>5} | {wrong:>5} "
        f"| {plain_rate:>7,.0f} | {right:>4}/{len(sample):<4} | {plain_wrong:>5} |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=20_000)
    parser.add_argument("--baseline", type=int, default=200)
    args = parser.parse_args()
    for raw in ("Per, 10/08/2020 - 17:31", "Perşembe, 8 Ekim 2020 - 17:31"):
        script = COLD_FIRST_DATE.format(raw=raw)
        out = subprocess.run(
            [sys.executable, "-c", script], check=True, capture_output=True, text=True
        ).stdout.split()
        print(f"fresh process: import+constructor {out[0]} ms, first date {out[1]} ms: {raw!r}")
    print()
    print(
        "| group                | dates  | archiver/s | exact  | null  | wrong "
        "| dp.parse/s | dp right  | dp wrong |"
    )
    print("|" + "---|" * 9)
    for name, codes in GROUPS.items():
        print(bench_group(name, codes, args.count, args.baseline), flush=True)


if __name__ == "__main__":
    main()
