"""Benchmark of the date normaliser against plain ``dateparser.parse``, in the same run.

Run: ``python bench/bench_dates.py [--count 100000] [--baseline 2000]``. Prints:

* first date of a source with known languages: in a fresh process (dateparser's one-time
  timezone regexes included) and for a new source once the process is warm;
* throughput of 100,000 distinct dates of one source (iuhrdf's Drupal medium format, and a
  month-name format) on one core after warm-up, and how many were exact;
* plain ``dateparser.parse`` on a sample of the same strings: its rate and how many it got right.

Targets (issue 3): >= 20,000 dates/s; first date of a known-language source < 50 ms.
"""

from __future__ import annotations

import argparse
import random
import subprocess
import sys
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout

TURKISH_SHORT = ("Pt", "Sa", "Ça", "Pe", "Cu", "Ct", "Pz")
TURKISH_ABBR = ("Pzt", "Sal", "Çar", "Per", "Cum", "Cmt", "Paz")
ENGLISH_MONTHS = (
    "January February March April May June July August September October November December"
).split()
ENGLISH_DAYS = "Monday Tuesday Wednesday Thursday Friday Saturday Sunday".split()
ZONE = ZoneInfo("America/New_York")

COLD_FIRST_DATE = """
import time
t0 = time.perf_counter()
from archiver.dates import SourceDateNormaliser
t1 = time.perf_counter()
n = SourceDateNormaliser("America/New_York", ("en", "tr"), "MDY")
t2 = time.perf_counter()
n.normalise({raw!r})
t3 = time.perf_counter()
print(f"{{(t1 - t0) * 1000:.1f}} {{(t2 - t1) * 1000:.1f}} {{(t3 - t2) * 1000:.1f}}")
"""


def random_local_times(count: int, seed: int) -> list[datetime]:
    rng = random.Random(seed)
    start = datetime(2015, 1, 1)
    return [start + timedelta(minutes=rng.randrange(0, 10 * 365 * 24 * 60)) for _ in range(count)]


def drupal_medium(moment: datetime, rng: random.Random) -> str:
    names = TURKISH_SHORT if rng.random() < 0.5 else TURKISH_ABBR
    return f"{names[moment.weekday()]}, {moment:%m/%d/%Y - %H:%M}"


def drupal_long(moment: datetime) -> str:
    day, month = ENGLISH_DAYS[moment.weekday()], ENGLISH_MONTHS[moment.month - 1]
    return f"{day}, {month} {moment.day}, {moment.year} - {moment:%H:%M}"


def expected_iso(moment: datetime) -> str:
    return moment.replace(tzinfo=ZONE).astimezone(ZONE).isoformat()  # gap/fold as zoneinfo says


def cold_first_date(raw: str) -> str:
    script = COLD_FIRST_DATE.format(raw=raw)
    output = subprocess.run(
        [sys.executable, "-c", script], check=True, capture_output=True, text=True
    ).stdout.split()
    return f"import {output[0]} ms, constructor {output[1]} ms, first date {output[2]} ms"


def throughput(name: str, raws: list[str], expected: list[str], baseline: int) -> None:
    import dateparser

    from archiver.dates import SourceDateNormaliser

    normaliser = SourceDateNormaliser("America/New_York", ("en", "tr"), "MDY")
    for raw in raws[:200]:  # warm-up: the shapes get compiled
        normaliser.normalise(raw)
    started = time.perf_counter()
    results = [normaliser.normalise(raw) for raw in raws]
    elapsed = time.perf_counter() - started
    exact = sum(r.isoformat() == e for r, e in zip(results, expected, strict=True))
    wrong = sum(
        r.value is not None and r.isoformat() != e for r, e in zip(results, expected, strict=True)
    )
    print(
        f"{name}: {len(raws)} dates in {elapsed:.2f} s = {len(raws) / elapsed:,.0f}/s; "
        f"exact {exact}, null {sum(r.value is None for r in results)}, wrong {wrong}"
    )
    sample = raws[:baseline]
    started = time.perf_counter()
    plain = [dateparser.parse(raw) for raw in sample]
    elapsed = time.perf_counter() - started
    right = sum(
        p is not None and p.replace(tzinfo=ZONE).astimezone(ZONE).isoformat() == e
        for p, e in zip(plain, expected[:baseline], strict=True)
    )
    print(
        f"  plain dateparser.parse, same strings: {len(sample)} in {elapsed:.2f} s = "
        f"{len(sample) / elapsed:,.0f}/s; right {right}/{len(sample)}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--baseline", type=int, default=2_000)
    args = parser.parse_args()
    print("first date, fresh process, numeric:", cold_first_date("Per, 10/08/2020 - 17:31"))
    print("first date, fresh process, textual:", cold_first_date("Perşembe, 8 Ekim 2020 - 17:31"))

    from archiver.dates import SourceDateNormaliser

    SourceDateNormaliser("UTC", ("en",)).normalise("8 October 2020")  # process warm-up
    for raw in ("Perşembe, 8 Ekim 2020 - 17:31", "Thursday, October 8, 2020 - 17:31"):
        normaliser = SourceDateNormaliser("America/New_York", ("en", "tr"), "MDY")
        started = time.perf_counter()
        normaliser.normalise(raw)
        print(
            f"first date, new source, warm process: {raw!r} "
            f"{(time.perf_counter() - started) * 1000:.1f} ms"
        )

    rng = random.Random(7)
    moments = random_local_times(args.count, seed=3)
    expected = [expected_iso(m) for m in moments]
    throughput(
        "Drupal medium, Turkish weekdays",
        [drupal_medium(m, rng) for m in moments],
        expected,
        args.baseline,
    )
    throughput("Drupal long, English", [drupal_long(m) for m in moments], expected, args.baseline)


if __name__ == "__main__":
    main()
