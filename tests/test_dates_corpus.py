"""The corpus (tests/data/dates/corpus.json): every source's dates, exact or honestly null.

Expected values come from zoneinfo alone (see make_corpus.py); each case also lists flags that
must be present. A wrong date fails loudly, separately from a missed one.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from archiver.dates import SourceDateNormaliser

CORPUS = json.loads((Path(__file__).parent / "data/dates/corpus.json").read_text("utf-8"))


def test_corpus_is_large_and_multilingual() -> None:
    cases = [case for source in CORPUS for case in source["cases"]]
    languages = {language for source in CORPUS for language in source["languages"]}
    assert len(cases) >= 300
    assert len(languages) >= 10


@pytest.mark.parametrize("source", CORPUS, ids=[source["name"] for source in CORPUS])
def test_source_batch(source: dict) -> None:
    normaliser = SourceDateNormaliser(source["timezone"], source["languages"], source["order"])
    raws = [case["raw"] for case in source["cases"]]
    fetched_at = datetime.fromisoformat(source["fetched_at"])
    results = normaliser.normalise_all(raws, fetched_at=fetched_at)
    wrong, missed = [], []
    for case, result in zip(source["cases"], results, strict=True):
        got = result.isoformat()
        if got != case["expected"]:
            (wrong if got is not None else missed).append((case["raw"], got, case["expected"]))
        missing_flags = set(case["flags"]) - set(result.flags)
        assert not missing_flags, (case["raw"], result.flags, case["flags"])
    assert not wrong, f"wrong dates: {wrong}"
    assert not missed, f"null instead of a date: {missed}"


def test_iuhrdf_streaming_matches_batch() -> None:
    """normalise() one by one, then again for the ambiguous ones, gives the batch's answers."""
    source = next(s for s in CORPUS if s["name"] == "iuhrdf")
    fetched_at = datetime.fromisoformat(source["fetched_at"])
    streaming = SourceDateNormaliser(source["timezone"], source["languages"], source["order"])
    first_pass = [streaming.normalise(c["raw"], fetched_at=fetched_at) for c in source["cases"]]
    final = [
        streaming.normalise(c["raw"], fetched_at=fetched_at) if "ambiguous" in r.flags else r
        for c, r in zip(source["cases"], first_pass, strict=True)
    ]
    assert [r.isoformat() for r in final] == [c["expected"] for c in source["cases"]]
