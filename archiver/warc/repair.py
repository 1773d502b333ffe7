"""Repair of a ``.open`` WARC file left behind by a crash: keep every whole record, then close it.

:class:`archiver.warc.writer.WarcWriter` writes one gzip member per record under a ``.open`` name
and
renames the file only once it is complete. A process killed mid-write (``kill -9``, power
loss, a full disk) leaves the ``.open`` file with whole records followed, perhaps, by a member
cut short. :func:`repair_open_warc` truncates the file after its last whole record, syncs it
and renames it to its final ``.warc.gz`` name, reporting what was cut.

What is cut besides the torn member: a trailing request or response whose partner (linked by
``WARC-Concurrent-To``) is not in the file. The writer writes the response (or revisit) first
and its request second, and hands out the pointer and remembers the payload in the state only
after both are written; so a lone trailing record is one that no item and no revisit refers
to, and keeping it would leave an unpaired record that ``archiver verify`` must report.

Called by the capture middleware when a run resumes (``ARCHIVER_RESUME``) and by
``archiver verify --repair``. Pure Python and warcio, no Scrapy; reads no settings.
"""

from __future__ import annotations

import logging
import os
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

from archiver.files import fsync_directory
from archiver.warc.records import ANSWER_TYPES, REQUEST
from archiver.warc.writer import OPEN_SUFFIX, WARC_READ_ERRORS

logger = logging.getLogger(__name__)

_READ_CHUNK = 1 << 14
_PAIRED_TYPES = (REQUEST, *ANSWER_TYPES)


class RepairError(RuntimeError):
    """The file could not be repaired (the message says why); it is left as it was."""


@dataclass(frozen=True)
class _Record:
    offset: int
    length: int
    record_type: str
    record_id: str
    target_uri: str
    concurrent_to: tuple[str, ...]


@dataclass
class RepairResult:
    """What :func:`repair_open_warc` did to one ``.open`` file."""

    open_path: Path
    final_path: Path | None
    """The repaired file's final name; None when no whole record was left (see quarantined)."""
    size_before: int
    size_after: int
    records_kept: int
    torn_bytes: int
    """Bytes after the last whole gzip member (a record cut short by the crash)."""
    dropped: list[str] = field(default_factory=list)
    """Whole records cut because their partner was missing: ``"<type> <uri> <id>"``."""
    quarantined: Path | None = None
    """Where a file with no whole record went (never deleted); None: kept, or left as it is."""

    @property
    def bytes_cut(self) -> int:
        return self.size_before - self.size_after

    def describe(self) -> str:
        target = (
            self.final_path.name
            if self.final_path
            else f"quarantined as {self.quarantined} (no whole record)"
            if self.quarantined
            else "left as it is (no whole record)"
        )
        text = (
            f"{self.open_path.name} -> {target}: kept {self.records_kept} record(s), "
            f"cut {self.bytes_cut} byte(s) ({self.torn_bytes} of a torn record"
        )
        if self.dropped:
            text += f"; dropped unpaired: {', '.join(self.dropped)}"
        return text + ")"


def gzip_member_ends(stream: BinaryIO) -> tuple[list[int], bool]:
    """End offsets of the whole gzip members at the start of ``stream``, and True when the
    stream ends cleanly after the last of them (False: a torn member or garbage follows)."""
    ends: list[int] = []
    offset = 0
    pending = b""
    while True:
        data = pending or stream.read(_READ_CHUNK)
        if not data:
            return ends, True
        decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
        while True:
            try:
                decompressor.decompress(data)  # output unused: only where the member ends
            except zlib.error:
                return ends, False
            if decompressor.eof:
                offset += len(data) - len(decompressor.unused_data)
                ends.append(offset)
                pending = decompressor.unused_data
                break
            offset += len(data)
            data = stream.read(_READ_CHUNK)
            if not data:
                return ends, False


class _Prefix:
    """The first ``limit`` bytes of a stream (so warcio never sees the torn tail)."""

    def __init__(self, stream: BinaryIO, limit: int) -> None:
        self._stream = stream
        self._left = limit

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            return b""
        wanted = self._left if size is None or size < 0 else min(size, self._left)
        data = self._stream.read(wanted)
        self._left -= len(data)
        return data


def _whole_records(stream: BinaryIO, limit: int) -> list[_Record]:
    """The records within the first ``limit`` bytes; reading stops at one warcio rejects."""
    records: list[_Record] = []
    iterator = ArchiveIterator(_Prefix(stream, limit))
    try:
        for record in iterator:
            headers = record.rec_headers
            iterator.read_to_end(record)
            records.append(
                _Record(
                    offset=iterator.get_record_offset(),
                    length=iterator.get_record_length(),
                    record_type=record.rec_type,
                    record_id=headers.get_header("WARC-Record-ID") or "",
                    target_uri=headers.get_header("WARC-Target-URI") or "",
                    concurrent_to=tuple(
                        value for key, value in headers.headers if key == "WARC-Concurrent-To"
                    ),
                )
            )
    except WARC_READ_ERRORS as error:
        logger.warning("Stopped reading records at offset %d: %s", _end(records), error)
    return records


def _end(records: list[_Record]) -> int:
    return records[-1].offset + records[-1].length if records else 0


def _has_partner(record: _Record, kept: list[_Record]) -> bool:
    return any(
        other.record_id in record.concurrent_to or record.record_id in other.concurrent_to
        for other in kept
        if other is not record
    )


def repair_open_warc(path: Path, *, quarantine: Path | None = None) -> RepairResult:
    """Truncate ``path`` (a ``.open`` WARC) after its last whole, paired record, sync it and
    rename it to its final name. A file with no whole record at all is never deleted: it is
    moved to ``quarantine`` with a note beside it (without ``quarantine``, left as it is)."""
    path = Path(path)
    if not path.name.endswith(OPEN_SUFFIX):
        raise RepairError(f"{path} is not a {OPEN_SUFFIX} file")
    final_path = path.with_name(path.name[: -len(OPEN_SUFFIX)])
    if final_path.exists():
        raise RepairError(f"{final_path.name} exists already: {path.name} left as it is")
    size_before = path.stat().st_size
    with path.open("rb") as stream:
        ends, _clean = gzip_member_ends(stream)
        whole_end = ends[-1] if ends else 0
        stream.seek(0)
        records = _whole_records(stream, whole_end)
    dropped: list[str] = []
    while records and records[-1].record_type in _PAIRED_TYPES:
        last = records[-1]
        if _has_partner(last, records):
            break
        dropped.append(f"{last.record_type} {last.target_uri} {last.record_id}")
        records.pop()
    cut_at = _end(records)
    result = RepairResult(
        open_path=path,
        final_path=final_path if records else None,
        size_before=size_before,
        size_after=cut_at if records else 0,
        records_kept=len(records),
        torn_bytes=size_before - whole_end,
        dropped=dropped,
    )
    if not records:
        if quarantine is None:
            logger.warning("%s has no whole record: left as it is", path.name)
            return result
        result.quarantined = _quarantine(path, quarantine, result)
        return result
    with path.open("r+b") as stream:
        stream.truncate(cut_at)
        stream.flush()
        os.fsync(stream.fileno())
    os.replace(path, final_path)
    fsync_directory(final_path.parent)
    logger.warning("Repaired WARC %s", result.describe())
    return result


def _quarantine(path: Path, quarantine: Path, result: RepairResult) -> Path:
    """Move ``path`` into ``quarantine`` (named after its run directory) with a note."""
    quarantine.mkdir(parents=True, exist_ok=True)
    stem = f"{path.parent.parent.name}-{path.name}"
    target = quarantine / stem
    serial = 1
    while target.exists():
        target = quarantine / f"{stem}.{serial}"
        serial += 1
    note = target.with_name(target.name + ".note.txt")
    note.write_text(
        f"{path} was left open by a crash and holds no whole WARC record "
        f"({result.size_before} bytes, {result.torn_bytes} of them a torn record). "
        "Moved here by the repair instead of being deleted.\n",
        encoding="utf-8",
    )
    os.replace(path, target)
    fsync_directory(path.parent)
    fsync_directory(quarantine)
    logger.warning("Quarantined %s as %s: no whole record in it", path.name, target)
    return target


def open_warc_files(warc_dir: Path) -> list[Path]:
    """``.open`` files in ``warc_dir``: left by a crash (or by a crawl still running)."""
    if not warc_dir.is_dir():
        return []
    return sorted(p for p in warc_dir.iterdir() if p.name.endswith(OPEN_SUFFIX))


def repair_open_warcs(
    warc_dir: Path, *, root: Path | None = None, quarantine: Path | None = None
) -> list[RepairResult]:
    """Repair every ``.open`` file in ``warc_dir``; one that cannot be repaired is logged.

    With ``root`` (the archive), nothing whose real path (symlinks resolved) is outside it is
    touched: a symlink out of the archive is logged and left alone. ``quarantine``: see
    :func:`repair_open_warc`."""
    results: list[RepairResult] = []
    if root is not None and not _inside(warc_dir, root):
        logger.error("Not repairing %s: it leads out of the archive %s", warc_dir, root)
        return results
    for path in open_warc_files(warc_dir):
        if root is not None and not _inside(path, root):
            logger.error("Not repairing %s: it leads out of the archive %s", path, root)
            continue
        try:
            results.append(repair_open_warc(path, quarantine=quarantine))
        except (RepairError, OSError) as error:
            logger.error("Could not repair %s: %s", path, error)
    return results


def _inside(path: Path, root: Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(Path(root).resolve())
    except (OSError, RuntimeError):
        return False
