"""The text of a fetched page, with a wrong charset label corrected when the bytes prove it.

Servers (and Drupal behind a misconfigured proxy) sometimes label UTF-8 pages as ISO-8859-1.
Decoding as labelled would turn "Ürümçi" into "ÃœrÃ¼mÃ§i" in the archive's text forever. When
a page labelled as a single-byte Western encoding decodes as strict UTF-8 and has non-ASCII
bytes, it is UTF-8 (random Latin-1 text almost never forms valid UTF-8 sequences): the text is
taken as UTF-8 and flagged ``charset_corrected``. The WARC keeps the bytes and header as served.

The other way round (a page labelled UTF-8 whose bytes are not UTF-8, e.g. Windows-1254) is not
guessed at: which single-byte code page was meant cannot be proven from the bytes. The text
keeps the replacement characters and is flagged ``charset_invalid`` for a person to look at.
"""

from __future__ import annotations

SINGLE_BYTE_LABELS = frozenset(
    {
        "iso-8859-1",
        "iso8859-1",
        "latin-1",
        "latin1",
        "l1",
        "cp1252",
        "windows-1252",
        "ascii",
        "us-ascii",
    }
)


def page_text(body: bytes, declared_encoding: str | None, decoded: str) -> tuple[str, list[str]]:
    """The page's text and flags: ``decoded`` (as labelled) unless the label is provably wrong."""
    label = (declared_encoding or "").lower().replace("_", "-")
    if body.isascii():
        return decoded, []
    if label in SINGLE_BYTE_LABELS:
        try:
            return body.decode("utf-8"), ["charset_corrected"]
        except UnicodeDecodeError:
            return decoded, []
    if label in ("utf-8", "utf8"):
        try:
            body.decode("utf-8")
        except UnicodeDecodeError:
            return decoded, ["charset_invalid"]
    return decoded, []
