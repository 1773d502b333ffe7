"""SourceDateNormaliser: the weekday checksum, order learning, context and the fast path."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from archiver.dates import DateArgumentError, DateContext, DateResult, SourceDateNormaliser
from archiver.dates.textual import DateparserReader
from archiver.dates.weekdays import WeekdayFinder

FETCHED = datetime(2020, 10, 9, 12, 0, tzinfo=UTC)


def iuhrdf() -> SourceDateNormaliser:
    return SourceDateNormaliser("America/New_York", ("en", "tr"), "MDY")


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Per, 10/08/2020 - 17:31", "2020-10-08T17:31:00-04:00"),
        ("Sa, 09/29/2020 - 16:04", "2020-09-29T16:04:00-04:00"),
        ("Ct, 07/04/2020 - 03:05", "2020-07-04T03:05:00-04:00"),
        ("Cu, 04/03/2020", "2020-04-03T00:00:00-04:00"),
        ("Pa, 03/08/2020", "2020-03-08T00:00:00-05:00"),
        ("Per, 05/28/2020", "2020-05-28T00:00:00-04:00"),
        ("Sat, 03/10/2018 - 14:24", "2018-03-10T14:24:00-05:00"),
    ],
)
def test_iuhrdf_dates_are_exact_and_weekday_checked(raw: str, expected: str) -> None:
    result = iuhrdf().normalise(raw)
    assert result.isoformat() == expected
    assert "weekday_checked" in result.flags


def test_weekday_decides_against_month_first_when_only_day_first_fits() -> None:
    normaliser = SourceDateNormaliser("Europe/Istanbul", ("tr",))
    result = normaliser.normalise("Pzt, 10/08/2020 - 09:00")  # Monday 10 August
    assert result.isoformat() == "2020-08-10T09:00:00+03:00"
    assert {"weekday_checked", "weekday_decided"} <= set(result.flags)
    assert normaliser.learned_order == "DMY"


def test_weekday_contradicting_every_reading_gives_null() -> None:
    result = iuhrdf().normalise("Cum, 10/08/2020 - 17:31")  # Friday: Thu 8 Oct / Mon 10 Aug
    assert result == DateResult(None, ("weekday_mismatch",))


def test_unambiguous_date_settles_the_order_for_the_batch() -> None:
    normaliser = SourceDateNormaliser("Europe/London", ("en",))
    results = normaliser.normalise_all(["08/10/2020 - 17:31", "25/10/2020 - 09:00"])
    assert results[0].isoformat() == "2020-10-08T17:31:00+01:00"
    assert "order_inferred" in results[0].flags
    assert normaliser.learned_order == "DMY"


def test_streaming_ambiguous_date_resolves_once_the_order_is_learned() -> None:
    normaliser = SourceDateNormaliser("Europe/London", ("en",))
    first = normaliser.normalise("08/10/2020 - 17:31")
    assert first.value is None and "ambiguous" in first.flags
    normaliser.normalise("25/10/2020 - 09:00")
    again = normaliser.normalise("08/10/2020 - 17:31")
    assert again.isoformat() == "2020-10-08T17:31:00+01:00"


def test_configured_order_is_used_but_flagged_ambiguous() -> None:
    result = iuhrdf().normalise("10/08/2020 - 17:31")
    assert result.isoformat() == "2020-10-08T17:31:00-04:00"
    assert {"ambiguous", "order_configured"} <= set(result.flags)


def test_conflicting_evidence_trusts_no_order() -> None:
    normaliser = SourceDateNormaliser("UTC", ("en",))
    results = normaliser.normalise_all(["25/10/2020", "10/25/2020", "08/10/2020"])
    assert results[2].value is None
    assert "order_conflict" in results[2].flags
    assert normaliser.learned_order is None


def test_machine_date_wins_and_is_cross_checked() -> None:
    normaliser = iuhrdf()
    agree = normaliser.normalise("Per, 10/08/2020 - 17:31", machine="2020-10-08T17:31:05-04:00")
    assert agree.isoformat() == "2020-10-08T17:31:05-04:00"
    assert agree.flags == ("rdfa",)
    differ = normaliser.normalise("Per, 10/08/2020 - 17:33", machine="2020-10-08T17:31:05-04:00")
    assert differ.flags == ("rdfa", "machine_text_mismatch")


def test_machine_date_teaches_the_order() -> None:
    normaliser = SourceDateNormaliser("America/New_York", ("en",))
    normaliser.normalise("10/08/2020 - 17:31", machine="2020-10-08T21:31:00Z")
    assert normaliser.learned_order == "MDY"
    assert normaliser.normalise("03/04/2020 - 10:00").isoformat() == "2020-03-04T10:00:00-05:00"


def test_unreadable_machine_date_falls_back_to_the_text() -> None:
    result = iuhrdf().normalise("Per, 10/08/2020 - 17:31", machine="sometime")
    assert result.isoformat() == "2020-10-08T17:31:00-04:00"
    assert "machine_unparsed" in result.flags


def test_relative_dates_use_the_fetch_time_not_the_clock() -> None:
    normaliser = SourceDateNormaliser("Europe/Istanbul", ("tr",))
    result = normaliser.normalise("2 gün 3 saat önce", fetched_at=FETCHED)
    assert result.isoformat() == "2020-10-07T12:00:00+03:00"
    assert result.flags == ("relative",)
    assert normaliser.normalise("2 gün 3 saat önce").flags == ("relative", "needs_fetch_time")


def test_relative_hours_stay_exact_across_a_dst_change() -> None:
    fetched = datetime(2020, 11, 1, 12, 0, tzinfo=UTC)  # 07:00 EST; EDT ended at 06:00 UTC
    result = SourceDateNormaliser("America/New_York", ("en",)).normalise(
        "10 hours ago", fetched_at=fetched
    )
    assert result.value is not None
    assert result.value.astimezone(UTC) == datetime(2020, 11, 1, 2, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "flag", "candidates"),
    [
        (
            "Sun, 03/08/2020 - 02:30",
            "nonexistent_local_time",
            ("2020-03-08T02:30:00-04:00", "2020-03-08T02:30:00-05:00"),
        ),
        (
            "Sun, 11/01/2020 - 01:30",
            "ambiguous_local_time",
            ("2020-11-01T01:30:00-04:00", "2020-11-01T01:30:00-05:00"),
        ),
    ],
)
def test_dst_gap_and_fold_without_machine_date_are_null(
    raw: str, flag: str, candidates: tuple[str, ...]
) -> None:
    result = iuhrdf().normalise(raw)
    assert result.value is None
    assert flag in result.flags
    assert result.candidates == candidates


def test_time_next_to_a_dst_change_is_exact() -> None:
    result = iuhrdf().normalise("Sun, 11/01/2020 - 03:30")
    assert result.isoformat() == "2020-11-01T03:30:00-05:00"
    assert not {"ambiguous_local_time", "nonexistent_local_time"} & set(result.flags)


def test_machine_date_settles_a_fold() -> None:
    result = iuhrdf().normalise("Sun, 11/01/2020 - 01:30", machine="2020-11-01T01:30:00-05:00")
    assert result.isoformat() == "2020-11-01T01:30:00-05:00"
    assert "machine_text_mismatch" not in result.flags


def test_text_without_offset_is_local_time_not_utc() -> None:
    # A medium date of many languages looks like RFC 822 without its zone.
    result = SourceDateNormaliser("Africa/Nairobi", ("sw",)).normalise("18 Jun 2013 01:43:00")
    assert result.isoformat() == "2013-06-18T01:43:00+03:00"
    assert "offset_converted" not in result.flags


def test_iso_and_rfc822_texts_are_converted_to_the_source_zone() -> None:
    normaliser = SourceDateNormaliser("Europe/Berlin", ("de",))
    iso = normaliser.normalise("2020-10-08T17:31:05-04:00")
    assert iso.isoformat() == "2020-10-08T23:31:05+02:00"
    rfc = normaliser.normalise("Thu, 08 Oct 2020 21:31:05 +0000")
    assert rfc.isoformat() == "2020-10-08T23:31:05+02:00"
    assert "weekday_checked" in rfc.flags


def test_two_digit_year_readings_need_evidence() -> None:
    result = SourceDateNormaliser("UTC", ("en",), "DMY").normalise("08/10/20")
    assert result.isoformat() == "2020-10-08T00:00:00+00:00"
    assert "two_digit_year" in result.flags


@pytest.mark.parametrize("raw", [None, "", "   ", "not a date at all"])
def test_nothing_readable_is_null(raw: str | None) -> None:
    result = iuhrdf().normalise(raw)
    assert result.value is None
    assert {"missing", "unparsed"} & set(result.flags)


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (("Mars/Olympus",), "timezone"),
        (("UTC", ("xx",)), "language"),
        (("UTC", (), "MYD"), "order"),
    ],
)
def test_bad_arguments_raise_date_argument_error(arguments: tuple, message: str) -> None:
    with pytest.raises(DateArgumentError, match=message):
        SourceDateNormaliser(*arguments)
    assert issubclass(DateArgumentError, ValueError)


def test_context_from_a_profile_builds_a_normaliser() -> None:
    from archiver.sources import get_profile

    normaliser = DateContext.from_profile(get_profile("iuhrdf")).normaliser()
    assert normaliser.order == "MDY" and normaliser.languages == ("en", "tr")


@pytest.mark.parametrize(
    ("languages", "text", "weekday"),
    [
        (["tr"], "Pa", 6), (["tr"], "Pz", 6), (["tr"], "Pt", 0), (["tr"], "Sa", 1),
        (["tr"], "Ça", 2), (["tr"], "Pe", 3), (["tr"], "Cu", 4), (["tr"], "Ct", 5),
        (["ru"], "Чт", 3), (["de"], "Do", 3), (["ug"], "پەيشەنبە", 3), (["zh"], "星期四", 3),
    ],
)  # fmt: skip
def test_weekday_names_include_derived_two_letter_forms(
    languages: list[str], text: str, weekday: int
) -> None:
    allowed, _ = WeekdayFinder(languages).find(f"{text}, 10/08/2020")
    assert allowed == frozenset({weekday})


def test_month_names_are_not_read_as_weekdays() -> None:
    # "Mar" is Tuesday in Spanish and French, March in English.
    assert WeekdayFinder(["en", "es", "fr"]).find("Mar 11, 2020")[0] is None


def test_repeated_shapes_never_reach_dateparser_again(monkeypatch: pytest.MonkeyPatch) -> None:
    normaliser = SourceDateNormaliser("America/New_York", ("en",))
    normaliser.normalise("Thursday, October 8, 2020 - 17:31")

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("dateparser called for a known shape")

    monkeypatch.setattr(DateparserReader, "absolute", refuse)
    monkeypatch.setattr(DateparserReader, "is_relative", refuse)
    # Same words, other numbers: the compiled layout reads it.
    result = normaliser.normalise("Thursday, October 1, 2020 - 09:12")
    assert result.isoformat() == "2020-10-01T09:12:00-04:00"
    # Numeric dates never need dateparser, whatever their weekday word.
    numeric = normaliser.normalise("Mon, 10/05/2020 - 09:12")
    assert numeric.isoformat() == "2020-10-05T09:12:00-04:00"
