"""Reading Retry-After: delta seconds, HTTP dates, junk."""

from __future__ import annotations

from datetime import UTC, datetime

from archiver.downloadermiddlewares.retryafter import retry_after_seconds


def test_delta_seconds() -> None:
    assert retry_after_seconds("120") == 120.0
    assert retry_after_seconds(" 3 ") == 3.0


def test_http_date_is_relative_to_now() -> None:
    now = datetime(2026, 11, 23, 12, 0, 0, tzinfo=UTC)
    assert retry_after_seconds("Mon, 23 Nov 2026 12:00:30 GMT", now) == 30.0
    assert retry_after_seconds("Mon, 23 Nov 2026 11:00:00 GMT", now) == 0.0


def test_absent_or_unreadable_is_none() -> None:
    assert retry_after_seconds(None) is None
    assert retry_after_seconds("") is None
    assert retry_after_seconds("soon") is None
