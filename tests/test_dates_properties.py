"""Property tests: any datetime, printed in a supported language and format, comes back exact."""

from __future__ import annotations

import importlib.util
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.dates import SourceDateNormaliser

_spec = importlib.util.spec_from_file_location(
    "make_corpus", Path(__file__).parent / "data/dates/make_corpus.py"
)
assert _spec and _spec.loader
corpus_names = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(corpus_names)

moments = st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2035, 12, 31)).map(
    lambda m: m.replace(second=0, microsecond=0)
)
LONG_FORMATS = {
    "en": lambda m, n: f"{n.day('en', m)}, {n.month('en', m)} {m.day}, {m.year} - {m:%H:%M}",
    "tr": lambda m, n: f"{m.day} {n.month('tr', m)} {m.year} {n.day('tr', m)} {m:%H:%M}",
    "de": lambda m, n: f"{n.day('de', m)}, {m.day}. {n.month('de', m)} {m.year} - {m:%H:%M}",
    "fr": lambda m, n: f"{n.day('fr', m)} {m.day} {n.month('fr', m)} {m.year} - {m:%H:%M}",
    "ru": lambda m, n: f"{m.day} {n.month('ru', m)} {m.year} г., {m:%H:%M}",
    "es": lambda m, n: f"{n.day('es', m)}, {m.day} de {n.month('es', m)} de {m.year} {m:%H:%M}",
    "kk": lambda m, n: f"{m.day} {n.month('kk', m)} {m.year} ж., {m:%H:%M}",
}
NORMALISERS = {
    language: SourceDateNormaliser("Europe/Istanbul", (language,)) for language in LONG_FORMATS
}
ZONE = ZoneInfo("Europe/Istanbul")


def same_instant(result_value: datetime | None, moment: datetime, zone: ZoneInfo) -> bool:
    return result_value is not None and result_value == moment.replace(tzinfo=zone)


@settings(max_examples=60, deadline=None)
@given(moment=moments, language=st.sampled_from(sorted(LONG_FORMATS)))
def test_long_formats_round_trip(moment: datetime, language: str) -> None:
    raw = LONG_FORMATS[language](moment, corpus_names)
    result = NORMALISERS[language].normalise(raw)
    if not _exists_once(moment, ZONE):  # a fall-back or spring-forward wall time: never guessed
        assert result.value is None
        assert {"ambiguous_local_time", "nonexistent_local_time"} & set(result.flags)
        return
    assert same_instant(result.value, moment, ZONE), (raw, result)


def _exists_once(moment: datetime, zone: ZoneInfo) -> bool:
    return (
        moment.replace(tzinfo=zone).utcoffset() == moment.replace(tzinfo=zone, fold=1).utcoffset()
    )


@settings(max_examples=200, deadline=None)
@given(moment=moments, kind=st.sampled_from(["tr2", "tr3", "en"]))
def test_drupal_medium_with_any_weekday_form_never_wrong(moment: datetime, kind: str) -> None:
    """Month-first, with no configured order: exact when the weekday decides, else null."""
    normaliser = SourceDateNormaliser("America/New_York", ("en", "tr"))
    raw = f"{corpus_names.short(kind, moment)}, {moment:%m/%d/%Y - %H:%M}"
    result = normaliser.normalise(raw)
    if result.value is None:
        # both readings share the weekday's day (undecidable), or a DST fold/gap wall time
        assert {"ambiguous", "ambiguous_local_time", "nonexistent_local_time"} & set(result.flags)
    else:
        assert same_instant(result.value, moment, ZoneInfo("America/New_York")), (raw, result)


@settings(max_examples=100, deadline=None)
@given(moment=moments, zone=st.sampled_from(["UTC", "Asia/Urumqi", "America/New_York"]))
def test_iso_round_trip(moment: datetime, zone: str) -> None:
    aware = moment.replace(tzinfo=ZoneInfo(zone))
    result = SourceDateNormaliser(zone).normalise(aware.isoformat())
    assert result.value == aware
