"""Charset labels that the bytes contradict."""

from __future__ import annotations

from archiver.pages.charset import page_text

TEXT = "Ürümçi, Doğu Türkistan"


def test_utf8_labelled_latin1_is_read_as_utf8_and_flagged() -> None:
    body = TEXT.encode("utf-8")
    assert page_text(body, "cp1252", body.decode("cp1252")) == (TEXT, ["charset_corrected"])


def test_real_latin1_stays_as_labelled() -> None:
    body = "Café über".encode("latin-1")
    assert page_text(body, "iso-8859-1", "Café über") == ("Café über", [])


def test_bytes_that_are_not_the_utf8_they_claim_are_flagged_not_guessed() -> None:
    body = TEXT.encode("cp1254")
    decoded = body.decode("utf-8", "replace")
    assert page_text(body, "utf-8", decoded) == (decoded, ["charset_invalid"])


def test_plain_ascii_and_good_utf8_carry_no_flag() -> None:
    assert page_text(b"plain", "utf-8", "plain") == ("plain", [])
    assert page_text(TEXT.encode(), "utf-8", TEXT) == (TEXT, [])
