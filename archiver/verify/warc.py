"""Checks of WARC files for ``archiver verify``: what a WARC must hold to be trusted as evidence.

Per file: it reads to the end (a truncated gzip member or garbage is reported with its offset,
never raised), a ``warcinfo`` record comes first, every block and payload digest is present
on request/response records and matches. Across a run: no record id appears twice, and every
response (or revisit) is paired with its request by ``WARC-Concurrent-To`` (either
direction), and every ``revisit`` has its original (the response it refers to, found by
``WARC-Refers-To`` or by target URI and date; it may sit in an earlier run's WARC) with the
same payload digest. The records' offsets, lengths and digests are indexed so that item
pointers can be resolved without reading the files again.
"""

from __future__ import annotations

import io
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from warcio.archiveiterator import ArchiveIterator

from archiver.warc.records import ANSWER_TYPES, REQUEST, RESPONSE, REVISIT, WARCINFO
from archiver.warc.repair import gzip_member_ends, open_warc_files
from archiver.warc.writer import OPEN_SUFFIX, WARC_READ_ERRORS

__all__ = [
    "Defect",
    "RecordEntry",
    "WarcScan",
    "check_revisits",
    "check_run_records",
    "open_warc_files",
    "scan_warc",
]

_DIGESTED_TYPES = (REQUEST, RESPONSE)
_READ_CHUNK = 1 << 16


@dataclass(frozen=True)
class Defect:
    """One thing wrong, named so a reader (or a script) can tell defects apart."""

    kind: str
    where: str
    detail: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.where}: {self.detail}"


@dataclass(frozen=True)
class RecordEntry:
    """Where a record is and what it says about itself."""

    file: str
    offset: int
    length: int
    record_type: str
    record_id: str
    target_uri: str | None
    date: str | None
    payload_digest: str | None
    concurrent_to: tuple[str, ...]
    refers_to: str | None = None
    """A revisit's ``WARC-Refers-To`` (the id of the record with the payload)."""
    refers_to_uri: str | None = None
    refers_to_date: str | None = None
    profile: str | None = None
    run_id: str | None = None
    """The run whose WARC holds the record (set when a whole archive is checked)."""


@dataclass
class WarcScan:
    """The records of one WARC file and the defects found reading it."""

    path: Path
    records: list[RecordEntry] = field(default_factory=list)
    defects: list[Defect] = field(default_factory=list)
    complete: bool = True
    """False when reading stopped early (truncated or unreadable data)."""


def _drain(stream: object) -> None:
    read = getattr(stream, "read")  # noqa: B009 (warcio streams are untyped)
    while read(_READ_CHUNK):
        pass


def scan_warc(path: Path) -> WarcScan:
    """Read every record of ``path``, checking digests and warcinfo-first.

    A ``.warc.gz`` is read one gzip member (one record) at a time: a member that does not
    decompress (a corrupt byte) is one ``warc_record_corrupt`` defect naming its offset, and
    reading goes on at the next gzip member header, so the records after it are still read
    and checked. A member cut short at the end of the file is ``warc_truncated_or_corrupt``.
    """
    if not path.name.endswith((".gz", ".gz" + OPEN_SUFFIX)):
        return _scan_stream(path)
    scan = WarcScan(path)
    data = path.read_bytes()
    offset = 0
    while offset < len(data):
        member_end, problem = _gzip_member(data, offset)
        if problem == "torn":
            scan.complete = False
            scan.defects.append(
                Defect(
                    "warc_truncated_or_corrupt",
                    f"{path.name} offset {offset}",
                    "the gzip member starting here is cut short (a crash mid-write?)",
                )
            )
            break
        if problem is not None:
            following = _next_member(data, offset + 1)
            scan.complete = False
            scan.defects.append(
                Defect(
                    "warc_record_corrupt",
                    f"{path.name} offset {offset}",
                    f"corrupt record at offset {offset} in {path.name} ({problem}); "
                    + (
                        f"reading goes on at offset {following}"
                        if following is not None
                        else "no record follows"
                    ),
                )
            )
            if following is None:
                break
            offset = following
            continue
        _read_records(scan, data[offset:member_end], base=offset)
        offset = member_end
    if not scan.records and scan.complete:
        scan.defects.append(Defect("warc_empty", path.name, "no record at all"))
    return scan


_GZIP_HEADER = b"\x1f\x8b\x08"


def _gzip_member(data: bytes, offset: int) -> tuple[int, str | None]:
    """End of the gzip member starting at ``offset``, and None; or a problem: ``torn`` (the
    data ends inside it) or what zlib said (corrupt)."""
    if not data.startswith(_GZIP_HEADER, offset):
        return offset, "not a gzip member header"
    decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
    position = offset
    while position < len(data):
        chunk = data[position : position + _READ_CHUNK]
        try:
            decompressor.decompress(chunk)
        except zlib.error as error:
            return offset, str(error)
        if decompressor.eof:
            return position + len(chunk) - len(decompressor.unused_data), None
        position += len(chunk)
    return offset, "torn"


def _next_member(data: bytes, start: int) -> int | None:
    """Offset of the next gzip member that decompresses whole, from ``start``; None if none."""
    position = data.find(_GZIP_HEADER, start)
    while position != -1:
        if _gzip_member(data, position)[1] is None:
            return position
        position = data.find(_GZIP_HEADER, position + 1)
    return None


def _scan_stream(path: Path) -> WarcScan:
    """An uncompressed WARC: read through warcio to the end or the first unreadable byte."""
    scan = WarcScan(path)
    with path.open("rb") as stream:
        _read_records(scan, stream, base=0)
    if not scan.records and scan.complete:
        scan.defects.append(Defect("warc_empty", path.name, "no record at all"))
    return scan


def _read_records(scan: WarcScan, source: bytes | BinaryIO, *, base: int) -> None:
    """The records in ``source`` (one gzip member, or a whole uncompressed file), their
    offsets counted from ``base``, into ``scan``."""
    name = scan.path.name
    stream = io.BytesIO(source) if isinstance(source, bytes) else source
    iterator = ArchiveIterator(stream, check_digests=True)
    try:
        for record in iterator:
            headers = record.rec_headers
            record_type = record.rec_type
            record_id = headers.get_header("WARC-Record-ID") or ""
            _drain(record.content_stream())
            iterator.read_to_end(record)
            entry = RecordEntry(
                file=name,
                offset=base + iterator.get_record_offset(),
                length=iterator.get_record_length(),
                record_type=record_type,
                record_id=record_id,
                target_uri=headers.get_header("WARC-Target-URI"),
                date=headers.get_header("WARC-Date"),
                payload_digest=headers.get_header("WARC-Payload-Digest"),
                concurrent_to=tuple(
                    value for key, value in headers.headers if key == "WARC-Concurrent-To"
                ),
                refers_to=headers.get_header("WARC-Refers-To"),
                refers_to_uri=headers.get_header("WARC-Refers-To-Target-URI"),
                refers_to_date=headers.get_header("WARC-Refers-To-Date"),
                profile=headers.get_header("WARC-Profile"),
            )
            if not scan.records and record_type != WARCINFO:
                scan.defects.append(
                    Defect("warcinfo_not_first", name, f"first record is {record_type}")
                )
            scan.records.append(entry)
            _check_digests(scan, record, entry)
    except WARC_READ_ERRORS as error:
        scan.complete = False
        where = f"{name} after offset {scan.records[-1].offset if scan.records else base}"
        scan.defects.append(
            Defect("warc_truncated_or_corrupt", where, f"{type(error).__name__}: {error}")
        )


def torn_gzip_member(path: Path) -> int | None:
    """Offset of the first gzip member that does not end properly, or None when all do.

    warcio reads a cut-short last member without complaint (it returns what there is), so
    a crash mid-write is only seen by checking that every member reaches its end.
    """
    with path.open("rb") as stream:
        ends, clean = gzip_member_ends(stream)
    if clean:
        return None
    return ends[-1] if ends else 0


def _check_digests(scan: WarcScan, record: object, entry: RecordEntry) -> None:
    checker = getattr(record, "digest_checker", None)
    where = f"{entry.file} offset {entry.offset} ({entry.record_id})"
    if checker is not None and checker.passed is False:
        problems = "; ".join(str(p) for p in checker.problems) or "digest mismatch"
        scan.defects.append(Defect("warc_digest_mismatch", where, problems))
    if entry.record_type in _DIGESTED_TYPES:
        headers = getattr(record, "rec_headers")  # noqa: B009
        missing = [
            name
            for name in ("WARC-Block-Digest", "WARC-Payload-Digest")
            if not headers.get_header(name)
        ]
        if missing:
            scan.defects.append(Defect("warc_digest_missing", where, ", ".join(missing)))


def check_run_records(records: Iterable[RecordEntry]) -> list[Defect]:
    """Duplicate record ids, and responses/requests without their partner, across a run."""
    defects: list[Defect] = []
    by_id: dict[str, RecordEntry] = {}
    for entry in records:
        if entry.record_id in by_id:
            first = by_id[entry.record_id]
            defects.append(
                Defect(
                    "duplicate_record_id",
                    entry.record_id,
                    f"in {first.file}@{first.offset} and {entry.file}@{entry.offset}",
                )
            )
        else:
            by_id[entry.record_id] = entry
    partners: dict[str, set[str]] = {}
    for entry in by_id.values():
        for other in entry.concurrent_to:
            partners.setdefault(entry.record_id, set()).add(other)
            partners.setdefault(other, set()).add(entry.record_id)
    for entry in by_id.values():
        linked = [by_id[i] for i in partners.get(entry.record_id, ()) if i in by_id]
        if entry.record_type in ANSWER_TYPES:
            if not any(
                o.record_type == REQUEST and o.target_uri == entry.target_uri for o in linked
            ):
                defects.append(
                    Defect("response_without_request", _where(entry), str(entry.target_uri))
                )
        elif entry.record_type == REQUEST:
            if not any(o.record_type in ANSWER_TYPES for o in linked):
                defects.append(
                    Defect("request_without_response", _where(entry), str(entry.target_uri))
                )
    return defects


def _where(entry: RecordEntry) -> str:
    return f"{entry.file} offset {entry.offset} ({entry.record_id})"


RevisitIndex = tuple[dict[str, RecordEntry], dict[tuple[str | None, str | None], RecordEntry]]


def find_original(revisit: RecordEntry, index: RevisitIndex) -> RecordEntry | None:
    """The response record a revisit refers to: by ``WARC-Refers-To``, else by its target URI
    and date (how replay tools find it when the id is not given)."""
    by_id, by_uri_date = index
    if revisit.refers_to:
        return by_id.get(revisit.refers_to)
    return by_uri_date.get((revisit.refers_to_uri, revisit.refers_to_date))


def revisit_index(records: Iterable[RecordEntry]) -> RevisitIndex:
    """The response records a revisit may refer to, by id and by (target URI, date)."""
    responses = [entry for entry in records if entry.record_type == RESPONSE]
    return (
        {entry.record_id: entry for entry in responses},
        {(entry.target_uri, entry.date): entry for entry in responses},
    )


def check_revisits(
    records: Iterable[RecordEntry], *, whole_archive: bool
) -> tuple[list[Defect], int]:
    """Every revisit's original is there, with the same payload digest and URI.

    Returns the defects and how many revisits refer to a record that is not among
    ``records``: a defect when ``whole_archive`` (every run was read), else only counted
    (one run dir alone: the original may be in an earlier run).
    """
    entries = list(records)
    index = revisit_index(entries)
    defects: list[Defect] = []
    unresolved = 0
    for entry in entries:
        if entry.record_type != REVISIT:
            continue
        original = find_original(entry, index)
        if original is None:
            unresolved += 1
            if whole_archive:
                defects.append(
                    Defect(
                        "revisit_original_missing",
                        _where(entry),
                        f"refers to {entry.refers_to or '(no id)'} of {entry.refers_to_uri} "
                        f"at {entry.refers_to_date}: in no WARC of the archive",
                    )
                )
            continue
        problems = []
        if original.payload_digest != entry.payload_digest:
            problems.append(f"digest {entry.payload_digest} != original {original.payload_digest}")
        if entry.refers_to_uri and original.target_uri != entry.refers_to_uri:
            problems.append(f"original is of {original.target_uri}, not {entry.refers_to_uri}")
        if entry.refers_to_date and original.date != entry.refers_to_date:
            problems.append(f"original dated {original.date}, not {entry.refers_to_date}")
        if problems:
            defects.append(Defect("revisit_mismatch", _where(entry), "; ".join(problems)))
    return defects, unresolved
