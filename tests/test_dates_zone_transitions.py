"""The zone-name fast path (offsets kept per stretch between TZif transitions) gives exactly
what the day-by-day check gives, on the days around every transition and on random days."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from archiver.dates import zonenames
from archiver.dates.transitions import zone_transitions


def _specs(code: str) -> list[zonenames.ZoneSpec]:
    vocabulary = zonenames.language_zone_names(code)
    specs = {value for entries in vocabulary.entries.values() for _, value in entries}
    return sorted(specs, key=lambda spec: sorted(spec))  # type: ignore[arg-type]


def test_transitions_are_read_from_the_zone_files() -> None:
    berlin = zone_transitions("Europe/Berlin")
    assert berlin is not None
    # 2021: summer time began 28 March 01:00 UTC and ended 31 October 01:00 UTC.
    assert 1616893200 in berlin.instants
    assert 1635642000 in berlin.instants
    assert zone_transitions("Not/A_Zone") is None
    assert zone_transitions("../../etc/passwd") is None


def test_a_day_next_to_a_transition_is_left_to_the_exact_check() -> None:
    spec = frozenset({("Europe/Berlin", "daylight")})
    timeline = zonenames._timeline(spec)
    assert timeline is not None
    assert timeline.steady(datetime(2021, 3, 28, 12), spec) is None
    assert timeline.steady(datetime(2021, 3, 27, 12), spec) is None  # within the margin
    assert timeline.steady(datetime(2021, 7, 1, 12), spec) == frozenset({timedelta(hours=2)})
    assert timeline.steady(datetime(2021, 1, 5, 12), spec) == frozenset()  # no summer time


@pytest.mark.parametrize("code", ["es", "en", "ru"])
def test_the_fast_path_agrees_with_the_day_by_day_check(code: str) -> None:
    rng = random.Random(code)
    specs = [spec for spec in _specs(code) if len(spec) > 1]
    assert len(specs) > 20
    checked = 0
    for spec in rng.sample(specs, 25):
        timeline = zonenames._timeline(spec)
        assert timeline is not None
        days = [
            datetime(1880, 1, 1) + timedelta(days=rng.randrange(0, 220 * 365)) for _ in range(40)
        ]
        # and the days around transitions of the spec's zones, where a wrong margin would show
        for instant in rng.sample(timeline.instants, min(20, len(timeline.instants))):
            moment = datetime.fromtimestamp(instant, UTC).replace(tzinfo=None)
            days += [
                moment + timedelta(days=shift, hours=h) for shift in (-1, 0, 1) for h in (-14, 14)
            ]
        for day in days:
            fast = timeline.steady(day, spec)
            if fast is not None:
                assert fast == zonenames._day_offsets(day, spec), (sorted(spec)[:3], day)
                checked += 1
    assert checked > 500
