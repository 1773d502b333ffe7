"""All file writing of the archive's JSON files, in one place, atomically.

A reader (a cron script, a researcher, ``archiver verify``) never sees a half-written file:
whole files go to a temporary file in the same directory, are fsynced, then renamed over the
old one; the directory is fsynced so the rename survives a power cut. Items of a running crawl
are appended to ``items.jsonl.partial`` (flushed per item, so a crash loses nothing scraped)
and become ``items.jsonl`` only when the run ends.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

logger = logging.getLogger(__name__)
_TAIL_CHUNK = 1 << 16


def atomic_write_bytes(path: Path, data: bytes, *, sync: bool = True) -> None:
    """Replace ``path`` with ``data`` so that readers see the old or the new file, never half.

    ``sync=False`` skips the two fsyncs (file and directory): for files derived from the
    archive and rebuilt from it, a power cut may lose the last version, never the evidence."""
    with atomic_writer(path, sync=sync) as handle:
        handle.write(data)


def sha256_file(path: Path) -> str:
    """The SHA-256 (hex) of a file, read in 1 MiB pieces (a run's files grow with its posts)."""
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        while chunk := stream.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


@contextlib.contextmanager
def atomic_writer(path: Path, *, sync: bool = True) -> Iterator[IO[bytes]]:
    """A binary file to write ``path`` through, piece by piece: it replaces ``path`` (as
    :func:`atomic_write_bytes` does) when the block ends without an error, and is removed when
    it raises. For files too large to hold in memory whole (an archive's catalogue, a run's
    items and manifest)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, _file_mode(path))
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            if sync:
                os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    if sync:
        fsync_directory(path.parent)


def _file_mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def atomic_write_text(path: Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def atomic_write_json(path: Path, value: Any) -> None:
    """Write ``value`` as pretty, UTF-8 JSON (non-ASCII kept readable), atomically."""
    atomic_write_text(path, json.dumps(value, ensure_ascii=False, indent=2, sort_keys=False) + "\n")


def json_line(value: Mapping[str, Any]) -> str:
    """One JSON Lines record: compact, UTF-8 text kept as is, newline-terminated."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")) + "\n"


def json_document_pieces(
    members: Iterable[tuple[str, Any]], *, sort_keys: bool = False
) -> Iterator[str]:
    """The text of ``json.dumps(dict(members), ensure_ascii=False, indent=2,
    sort_keys=sort_keys)``, piece by piece: a member whose value is an iterator (not a list)
    is written as a list, an element at a time, so a document with a list of every post of a
    run (changes.json, a manifest) is never whole in memory. ``members`` come in the order
    given (sorted by the caller when ``sort_keys``)."""
    yield "{"
    empty = True
    for key, value in members:
        yield ("\n  " if empty else ",\n  ") + json.dumps(key, ensure_ascii=False) + ": "
        empty = False
        if isinstance(value, JsonText):
            yield from value.pieces
        elif isinstance(value, Iterator):
            yield from json_list_pieces(value, sort_keys=sort_keys)
        else:
            yield _indented(value, 1, sort_keys)
    yield "}" if empty else "\n}"


def json_list_pieces(elements: Iterable[Any], *, sort_keys: bool = False) -> Iterator[str]:
    """A list of ``elements`` as :func:`json_document_pieces` writes a member's iterator, an
    element at a time (to be spooled to a file and given back as :class:`JsonText`)."""
    first = True
    for element in elements:
        yield ("[\n    " if first else ",\n    ") + _indented(element, 2, sort_keys)
        first = False
    yield "[]" if first else "\n  ]"


class JsonText:
    """A member's value already written as :func:`json_document_pieces` writes it there
    (:func:`json_list_pieces`): its pieces are copied as they are."""

    def __init__(self, pieces: Iterable[str]) -> None:
        self.pieces = pieces


def _indented(value: Any, level: int, sort_keys: bool) -> str:
    """``value`` as json.dumps(ensure_ascii=False, indent=2) writes it ``level`` deep.

    json.dumps with an indent runs the json module's pure-Python encoder (its C encoder
    knows no indent): 8-10 us for a manifest's item or record entry, most of sealing a run.
    Values of JSON's own types (what the archive's files hold) are written here with the C
    string escaper, the same text; any other value (a non-string key, NaN, a subclass) goes
    to json.dumps."""
    pieces: list[str] = []
    try:
        _pretty(value, "\n" + "  " * level, sort_keys, pieces)
    except (_NotPlain, TypeError, RecursionError):
        text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=sort_keys)
        # JSON text holds no raw newline: every line break is the indentation's.
        return text.replace("\n", "\n" + "  " * level)
    return "".join(pieces)


class _NotPlain(Exception):
    """A value :func:`_pretty` leaves to json.dumps."""


_escape_string = json.encoder.encode_basestring  # json's (C) escaper for ensure_ascii=False
_INFINITY = float("inf")


def _pretty(value: Any, newline: str, sort_keys: bool, out: list[str]) -> None:
    """Append to ``out`` the pieces of ``value`` as json.dumps(indent=2, ensure_ascii=False)
    writes it, ``newline`` being a line break and the indentation of ``value``'s line.
    Raises _NotPlain for a value that is not of JSON's own types (or not finite)."""
    kind = type(value)
    if kind is str:
        out.append(_escape_string(value))
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    elif kind is int:
        out.append(int.__repr__(value))
    elif kind is float:
        if value != value or value in (_INFINITY, -_INFINITY):
            raise _NotPlain
        out.append(float.__repr__(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        inner = newline + "  "
        opening = "{" + inner
        for key, element in sorted(value.items()) if sort_keys else value.items():
            if type(key) is not str:
                raise _NotPlain
            opening_key = opening + _escape_string(key) + ": "
            opening = "," + inner
            # Strings and integers inline: most of a manifest entry, without a call each.
            if type(element) is str:
                out.append(opening_key + _escape_string(element))
            elif type(element) is int:
                out.append(opening_key + int.__repr__(element))
            else:
                out.append(opening_key)
                _pretty(element, inner, sort_keys, out)
        out.append(newline + "}")
    elif kind is list or kind is tuple:
        if not value:
            out.append("[]")
            return
        inner = newline + "  "
        opening = "[" + inner
        for element in value:
            if type(element) is str:
                out.append(opening + _escape_string(element))
            else:
                out.append(opening)
                _pretty(element, inner, sort_keys, out)
            opening = "," + inner
        out.append(newline + "]")
    else:
        raise _NotPlain


def atomic_write_json_streamed(path: Path, members: Iterable[tuple[str, Any]]) -> None:
    """:func:`atomic_write_json` of ``dict(members)``, written piece by piece (see
    :func:`json_document_pieces`)."""
    with atomic_writer(path) as out:
        for piece in json_document_pieces(members):
            out.write(piece.encode("utf-8"))
        out.write(b"\n")


def add_json_member(path: Path, key: str, value: Any) -> None:
    """Add ``key: value`` at the end of the JSON object in ``path``, as
    :func:`atomic_write_json` would have written it with the member there; the file is
    copied, not parsed (it may be large). ``path`` must be such a file without ``key``."""
    size = path.stat().st_size
    with path.open("rb") as source:
        source.seek(max(size - 3, 0))
        if source.read() != b"\n}\n":
            raise ValueError(f"{path} does not end as a JSON object written here does")
        source.seek(0)
        with atomic_writer(path) as out:
            left = size - 3
            while left > 0:
                chunk = source.read(min(1 << 20, left))
                if not chunk:
                    break
                out.write(chunk)
                left -= len(chunk)
            member = f",\n  {json.dumps(key, ensure_ascii=False)}: {_indented(value, 1, False)}"
            out.write((member + "\n}\n").encode("utf-8"))


def atomic_write_jsonl(path: Path, records: Iterable[Mapping[str, Any]]) -> int:
    """Write ``records`` as JSON Lines atomically; returns how many were written. The records
    are written as they come (an iterator of them is never held in memory)."""
    count = 0
    with atomic_writer(path) as handle:
        for record in records:
            handle.write(json_line(record).encode("utf-8"))
            count += 1
    return count


def atomic_write_lines(path: Path, lines: Iterable[str]) -> int:
    """Write ``lines`` (each ending in a newline: JSON Lines made with :func:`json_line`)
    atomically, as they come; returns how many were written."""
    count = 0
    with atomic_writer(path) as handle:
        for line in lines:
            handle.write(line.encode("utf-8"))
            count += 1
    return count


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """The records of a JSON Lines file; a torn last line (a crash mid-append) is skipped."""
    if not path.exists():
        return
    with path.open("r", encoding="utf-8") as handle:
        for line in handle:
            if not line.endswith("\n"):
                break  # torn write: the record never finished
            if line.strip():
                yield json.loads(line)


def read_jsonl_skipping_corrupt(path: Path) -> Iterator[dict[str, Any]]:
    """Like :func:`read_jsonl`, for readers that show or index an archive (not verify it): a
    line that is not a JSON object is skipped with a warning naming ``path:line``
    (``archiver verify`` reports it as a defect)."""
    if not path.exists():
        return
    with path.open("r", encoding="utf-8", errors="replace") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.endswith("\n"):
                break
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except ValueError:
                record = None
            if isinstance(record, dict):
                yield record
            else:
                logger.warning("Skipped a corrupt line: %s:%d", path, number)


def json_object_members(path: Path) -> Iterator[tuple[str, Any, bool]]:
    """The members of the JSON object in ``path`` as they are read: ``(key, value, False)``,
    and for a list ``(key, element, True)`` for each of its elements, one at a time (a run's
    changes.json lists every post of a first run). Raises ValueError when the file is not a
    JSON object (perhaps after some members were given)."""
    decoder = json.JSONDecoder()
    with path.open("r", encoding="utf-8") as handle:
        reader = _JsonText(handle, decoder)
        reader.expect("{")
        if reader.peek() == "}":
            return
        while True:
            key = reader.value()
            if not isinstance(key, str):
                raise ValueError(f"{path}: a member name is not a string")
            reader.expect(":")
            if reader.peek() == "[":
                reader.expect("[")
                if reader.peek() == "]":
                    reader.expect("]")
                else:
                    while True:
                        yield key, reader.value(), True
                        if reader.expect(",]") == "]":
                            break
            else:
                yield key, reader.value(), False
            if reader.expect(",}") == "}":
                return


class _JsonText:
    """A JSON text read a piece at a time: whole values are decoded by ``json``."""

    def __init__(self, handle: IO[str], decoder: json.JSONDecoder) -> None:
        self.handle = handle
        self.decoder = decoder
        self.buffer = ""
        self.at = 0
        self.ended = False

    def _fill(self) -> bool:
        chunk = "" if self.ended else self.handle.read(1 << 16)
        self.ended = not chunk
        self.buffer = self.buffer[self.at :] + chunk
        self.at = 0
        return bool(chunk)

    def peek(self) -> str:
        while True:
            while self.at < len(self.buffer) and self.buffer[self.at] in " \t\r\n":
                self.at += 1
            if self.at < len(self.buffer):
                return self.buffer[self.at]
            if not self._fill():
                raise ValueError("the JSON text ends too soon")

    def expect(self, allowed: str) -> str:
        char = self.peek()
        if char not in allowed:
            raise ValueError(f"expected one of {allowed!r} in the JSON text, found {char!r}")
        self.at += 1
        return char

    def value(self) -> Any:
        self.peek()
        while True:
            try:
                value, end = self.decoder.raw_decode(self.buffer, self.at)
            except json.JSONDecodeError:
                if not self._fill():
                    raise
                continue
            if end < len(self.buffer) or self.ended or not self._fill():
                self.at = end
                return value
            # A value that ends where the text read so far ends (a number) may go on.


def read_json(path: Path) -> Any:
    with path.open("r", encoding="utf-8") as handle:
        return json.load(handle)


def fsync_directory(directory: Path) -> None:
    """Make a rename in ``directory`` durable (no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def cut_torn_tail(path: Path) -> int:
    """Cut an unfinished last line (a crash mid-append) off ``path``; return the bytes cut.

    Appending after a torn line would glue the new record to the fragment and make a line
    that is not JSON, losing both; cutting the fragment loses only what never finished.
    """
    try:
        handle = path.open("r+b")
    except FileNotFoundError:
        return 0
    with handle:
        size = handle.seek(0, os.SEEK_END)
        end = size
        while end > 0:
            start = max(0, end - _TAIL_CHUNK)
            handle.seek(start)
            newline = handle.read(end - start).rfind(b"\n")
            if newline >= 0:
                end = start + newline + 1
                break
            end = start
        if end == size:
            return 0
        handle.truncate(end)
        handle.flush()
        os.fsync(handle.fileno())
    logger.warning("Cut an unfinished last record (%d bytes) off %s", size - end, path)
    return size - end


class JsonLinesAppender:
    """Append records to a ``.partial`` JSON Lines file, flushed per record.

    An unfinished last line left by a crash is cut off first (see ``cut_torn_tail``).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.count = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        cut_torn_tail(path)
        self._handle: IO[str] | None = path.open("a", encoding="utf-8")

    def append(self, record: Mapping[str, Any]) -> None:
        if self._handle is None:
            raise ValueError(f"{self.path} is closed")
        self._handle.write(json_line(record))
        self._handle.flush()
        self.count += 1

    def close(self) -> None:
        """Flush, sync and close. Raises OSError when the flush fails (a full disk): the file
        is closed all the same, its last line perhaps torn (the next append cuts it)."""
        if self._handle is None:
            return
        handle, self._handle = self._handle, None
        try:
            handle.flush()
            os.fsync(handle.fileno())
        finally:
            with contextlib.suppress(OSError):  # the failed flush's bytes are lost: fine
                handle.close()


# errno values that mean "this write cannot go on for want of room": a full filesystem, a file
# size limit (RLIMIT_FSIZE, a filesystem's largest file), a quota.
DISK_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
_SQLITE_FULL = "database or disk is full"


def disk_full_message(error: BaseException, path: Path | str | None) -> str | None:
    """One line for a write that failed for want of room (``no space left on DEVICE while
    writing PATH``), or None when ``error`` means something else. Knows OSError's errno and
    SQLite's SQLITE_FULL."""
    number = getattr(error, "errno", None)
    if number not in DISK_FULL_ERRNOS and _SQLITE_FULL not in str(error):
        return None
    target = Path(path) if path is not None else None
    device = _mount_point(target) if target is not None else "the disk"
    what = os.strerror(number) if isinstance(number, int) else _SQLITE_FULL
    return f"no space left on {device} while writing {target or 'a file'} ({what})"


def _mount_point(path: Path) -> str:
    """The mount point holding ``path`` (the device a user frees space on)."""
    current = path.absolute()
    while not current.exists() and current != current.parent:
        current = current.parent
    while current != current.parent and not os.path.ismount(current):
        current = current.parent
    return str(current)
