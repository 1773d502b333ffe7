"""Checks of WARC files for ``archiver verify``: what a WARC must hold to be trusted as evidence.

Per file: it reads to the end (a truncated gzip member or garbage is reported with its offset,
never raised), a ``warcinfo`` record comes first, every block and payload digest is present
on request/response records and matches. Across a run: no record id appears twice, and every
response (or revisit) is paired with its request by ``WARC-Concurrent-To`` (either
direction). The records' offsets, lengths and digests are indexed so that item pointers can
be resolved without reading the files again.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from warcio.archiveiterator import ArchiveIterator
from warcio.exceptions import ArchiveLoadFailed

from archiver.warc import OPEN_SUFFIX

_DIGESTED_TYPES = ("request", "response")
_ANSWER_TYPES = ("response", "revisit")
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
    """Read every record of ``path``, checking digests and warcinfo-first."""
    scan = WarcScan(path)
    name = path.name
    with path.open("rb") as stream:
        iterator = ArchiveIterator(stream, check_digests=True)
        try:
            for record in iterator:
                headers = record.rec_headers
                record_type = record.rec_type
                record_id = headers.get_header("WARC-Record-ID") or ""
                _drain(record.content_stream())
                iterator.read_to_end(record)
                offset = iterator.get_record_offset()
                entry = RecordEntry(
                    file=name,
                    offset=offset,
                    length=iterator.get_record_length(),
                    record_type=record_type,
                    record_id=record_id,
                    target_uri=headers.get_header("WARC-Target-URI"),
                    date=headers.get_header("WARC-Date"),
                    payload_digest=headers.get_header("WARC-Payload-Digest"),
                    concurrent_to=tuple(
                        value for key, value in headers.headers if key == "WARC-Concurrent-To"
                    ),
                )
                if not scan.records and record_type != "warcinfo":
                    scan.defects.append(
                        Defect("warcinfo_not_first", name, f"first record is {record_type}")
                    )
                scan.records.append(entry)
                _check_digests(scan, record, entry)
        except (ArchiveLoadFailed, EOFError, OSError, zlib.error, ValueError) as error:
            scan.complete = False
            where = f"{name} after offset {scan.records[-1].offset if scan.records else 0}"
            scan.defects.append(
                Defect("warc_truncated_or_corrupt", where, f"{type(error).__name__}: {error}")
            )
    if scan.complete and path.name.endswith((".gz", ".gz" + OPEN_SUFFIX)):
        torn_at = torn_gzip_member(path)
        if torn_at is not None:
            scan.complete = False
            scan.defects.append(
                Defect(
                    "warc_truncated_or_corrupt",
                    f"{name} offset {torn_at}",
                    "the gzip member starting here is cut short (a crash mid-write?)",
                )
            )
    if not scan.records and scan.complete:
        scan.defects.append(Defect("warc_empty", name, "no record at all"))
    return scan


def torn_gzip_member(path: Path) -> int | None:
    """Offset of the first gzip member that does not end properly, or None when all do.

    warcio reads a cut-short last member without complaint (it returns what there is), so
    a crash mid-write is only seen by checking that every member reaches its end.
    """
    offset = 0
    with path.open("rb") as stream:
        pending = b""
        while True:
            decompressor = zlib.decompressobj(zlib.MAX_WBITS | 16)
            member_start = offset
            data = pending or stream.read(_READ_CHUNK)
            if not data:
                return None  # clean end: every member finished
            while True:
                try:
                    decompressor.decompress(data)
                except zlib.error:
                    return member_start
                if decompressor.eof:
                    used = len(data) - len(decompressor.unused_data)
                    offset += used
                    pending = decompressor.unused_data
                    break
                offset += len(data)
                data = stream.read(_READ_CHUNK)
                if not data:
                    return member_start


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
        if entry.record_type in _ANSWER_TYPES:
            if not any(
                o.record_type == "request" and o.target_uri == entry.target_uri for o in linked
            ):
                defects.append(
                    Defect("response_without_request", _where(entry), str(entry.target_uri))
                )
        elif entry.record_type == "request":
            if not any(o.record_type in _ANSWER_TYPES for o in linked):
                defects.append(
                    Defect("request_without_response", _where(entry), str(entry.target_uri))
                )
    return defects


def _where(entry: RecordEntry) -> str:
    return f"{entry.file} offset {entry.offset} ({entry.record_id})"


def open_warc_files(warc_dir: Path) -> list[Path]:
    """``.open`` files left behind by a crash (or by a crawl still running)."""
    if not warc_dir.is_dir():
        return []
    return sorted(p for p in warc_dir.iterdir() if p.name.endswith(OPEN_SUFFIX))
