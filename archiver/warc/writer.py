"""WarcWriter: HTTP exchanges into rolling, gzip-per-record WARC files named as IIPC tools do.

No Scrapy (the Scrapy glue is :mod:`archiver.downloadermiddlewares.capture`); the records of
an exchange are serialised by :mod:`archiver.warc.serialise` (warcio's bytes), the warcinfo and
metadata records by warcio itself, and each record is noted with its CDXJ line
(:mod:`archiver.warc.cdxj`). Files are named
``<prefix>-<YYYYmmddHHMMSSfff>-<serial:05d>-<host>.warc.gz`` (Heritrix's naming; ``host`` is
the crawling machine), begin with a ``warcinfo`` record, hold one gzip member per record (so
any record can be read from its offset alone) and are written under a ``.open`` suffix: the
final name appears only once the file is complete, flushed and synced, so a crash never leaves
a file that looks finished. A request and its response always go into the same file; a file
rolls over to the next serial once it has reached ``max_size`` bytes.

Every write returns a *pointer* to the response (or revisit) record, the evidence an item
carries: ``{filename, offset, length, record_id, target_uri, date, payload_digest}``, where
``offset``/``length`` delimit the record's gzip member in the (final) file. A revisit's
pointer also holds ``refers_to``: the pointer of the record with the payload (which may be in
an earlier run's WARC; its ``run_id`` says which run).

A ``.open`` file left by a crash is repaired with :func:`archiver.warc.repair.repair_open_warc`.

With ``records_dir``, each record is also described as it is written, one JSON line per record
in ``<records_dir>/<final name>.records.partial`` (:func:`records_sidecar`): its offset, length,
the SHA-256 of its bytes (hashed on their way to the file, not read back), type, id, target URI
and ``WARC-Concurrent-To``, and for a ``metadata`` record its payload. So the run's manifest
(:mod:`archiver.evidence.records`) lists every record without reading the WARCs again. The
sidecar is a cache: a reader uses it only when its records tile the finished file exactly.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import logging
import os
import re
import socket
import zlib
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any

from warcio.exceptions import ArchiveLoadFailed
from warcio.warcwriter import WARCWriter

from archiver.files import fsync_directory
from archiver.warc.cdxj import CDXJ_RECORD_TYPES, cdxj_line
from archiver.warc.records import (
    PROFILE_IDENTICAL_PAYLOAD,
    WARC_VERSION,
    CapturedRequest,
    CapturedResponse,
    WarcInfo,
    build_metadata,
    build_warcinfo,
    warc_date,
)
from archiver.warc.serialise import (
    SerialisedRecord,
    from_warcio,
    new_record_id,
    request_record,
    response_record,
    revisit_record,
)

logger = logging.getLogger(__name__)

# What warcio may raise on a torn or corrupt file: besides its own ArchiveLoadFailed and I/O
# and zlib errors, a record cut inside its headers can surface as AttributeError (a missing
# WARC-Target-URI), KeyError, IndexError or TypeError from its parsers. Readers that must name
# a defect rather than crash (verify, repair) catch all of these.
WARC_READ_ERRORS: tuple[type[BaseException], ...] = (
    ArchiveLoadFailed, EOFError, OSError, zlib.error, ValueError,
    AttributeError, KeyError, IndexError, TypeError,
)  # fmt: skip

OPEN_SUFFIX = ".open"
WARC_SUFFIX = ".warc.gz"
DEFAULT_MAX_SIZE = 1_000_000_000
_UNSAFE_IN_NAME = re.compile(r"[^A-Za-z0-9._]+")

WarcPointer = dict[str, Any]


RECORDS_SIDECAR_SUFFIX = ".records.partial"


# One encoder for every note (json.dumps with an option builds a new one per call).
_SIDECAR_JSON = json.JSONEncoder(ensure_ascii=False)


def records_sidecar(records_dir: Path, warc_name: str) -> Path:
    """Where the writer describes the records of WARC ``warc_name`` (its final name)."""
    return records_dir / (warc_name + RECORDS_SIDECAR_SUFFIX)


# The gzip member of one record: warcio's level (9). zlib's window is fitted to the record: a
# record shorter than the window compresses to the very same bytes with a smaller one (deflate
# reaches back at most window - 262 bytes), and setting up a 32 KiB window for each of the
# crawl's (mostly small) records was most of the cost of compressing them.
_GZIP_LEVEL = 9
_ZLIB_MIN_LOOKAHEAD = 262
_GZIP_WBITS_OFFSET = 16  # zlib's wbits + 16: a gzip header and trailer


def gzip_member(data: bytes) -> bytes:
    """``data`` as one gzip member, byte for byte what warcio's gzip writer makes of it."""
    window_bits = max(9, min(15, (len(data) + _ZLIB_MIN_LOOKAHEAD).bit_length()))
    return zlib.compress(data, _GZIP_LEVEL, _GZIP_WBITS_OFFSET + window_bits)


def records_sidecar_tiles(records_dir: Path, warc: Path) -> bool:
    """Whether the writer's notes on the records of ``warc`` tile the file exactly (from
    offset 0, no gap, no overlap, up to its last byte); False otherwise (a crash, a repaired
    file, no notes): then read the file itself. Reads the notes a line at a time."""
    path = records_sidecar(records_dir, warc.name)
    if not path.is_file():
        return False
    end = 0
    try:
        size = warc.stat().st_size
        with path.open(encoding="utf-8") as lines:
            for line in lines:
                entry = json.loads(line)
                if entry.get("offset") != end or int(entry.get("length", 0)) <= 0:
                    return False
                end += int(entry["length"])
    except (OSError, ValueError):
        return False
    return end == size and end > 0


def iter_records_sidecar(records_dir: Path, warc: Path) -> Iterator[dict[str, Any]]:
    """The writer's notes on the records of ``warc``, one at a time (check
    :func:`records_sidecar_tiles` first: this only reads them)."""
    with records_sidecar(records_dir, warc.name).open(encoding="utf-8") as lines:
        for line in lines:
            yield json.loads(line)


def safe_name_part(text: str) -> str:
    """``text`` reduced to characters safe in a file name (dashes separate the name's fields)."""
    return _UNSAFE_IN_NAME.sub("_", text).strip("_") or "unknown"


def warc_file_name(prefix: str, opened_at: datetime, serial: int, host: str) -> str:
    """``<prefix>-<YYYYmmddHHMMSSfff>-<serial:05d>-<host>.warc.gz`` (the IIPC convention)."""
    utc = opened_at.astimezone(UTC)
    stamp = utc.strftime("%Y%m%d%H%M%S") + f"{utc.microsecond // 1000:03d}"
    return f"{safe_name_part(prefix)}-{stamp}-{serial:05d}-{safe_name_part(host)}{WARC_SUFFIX}"


class WarcWriter:
    """Writes exchanges into WARC files in ``directory``; call :meth:`close` at the end."""

    def __init__(
        self,
        directory: Path,
        info: WarcInfo,
        *,
        prefix: str = "archiver",
        max_size: int = DEFAULT_MAX_SIZE,
        host: str | None = None,
        clock: Callable[[], datetime] | None = None,
        records_dir: Path | None = None,
    ) -> None:
        self.directory = Path(directory)
        self.records_dir = Path(records_dir) if records_dir is not None else None
        self._sidecar: IO[str] | None = None
        self.info = info
        self.prefix = prefix
        self.max_size = max_size
        self.host = host or socket.gethostname()
        self._clock = clock or (lambda: datetime.now(UTC))
        self._serial = 0
        self._file: IO[bytes] | None = None
        self._open_path: Path | None = None
        # Offset of the end of the last whole record when a write failed (a full disk): the
        # file is cut there when it is closed, and the writer writes nothing more.
        self._broken_at: int | None = None
        self._writer: WARCWriter | None = None
        self.closed_files: list[Path] = []
        self.records_written = 0
        self.bytes_written = 0

    # --- public API ------------------------------------------------------------------------

    def write_exchange(
        self,
        request: CapturedRequest,
        response: CapturedResponse,
        *,
        date: datetime | None = None,
        payload_digest: str | None = None,
    ) -> WarcPointer:
        """Write the request and response records of one exchange; the response's pointer.

        ``date`` is when the request was sent (both records carry it, as Heritrix does);
        ``payload_digest``: the response's (:func:`archiver.warc.records.payload_digest`) when
        the caller computed it already.
        """
        when = warc_date(date or self._clock())
        response_id, request_id = new_record_id(), new_record_id()
        answer = response_record(
            response,
            url=request.url,
            date=when,
            record_id=response_id,
            concurrent_to=request_id,
            payload_digest=payload_digest,
        )
        sent = request_record(request, date=when, record_id=request_id, concurrent_to=response_id)
        return self._write_pair(answer, sent)

    def write_revisit(
        self,
        request: CapturedRequest,
        response: CapturedResponse,
        *,
        refers_to: Mapping[str, Any],
        profile: str = PROFILE_IDENTICAL_PAYLOAD,
        date: datetime | None = None,
    ) -> WarcPointer:
        """Write a request and a ``revisit`` record (headers only) for an unchanged payload.

        ``refers_to`` is the pointer of the earlier record holding the payload (its
        ``target_uri``, ``date``, ``payload_digest`` and, when known, ``record_id`` are used).
        ``profile`` is identical-payload-digest (dedup) or server-not-modified (a 304 answer).
        The pointer returned names the revisit record and carries ``refers_to`` (a copy of
        the original's pointer, ``run_id`` included when given), so a reader of an item can
        find the payload without an index.
        """
        when = warc_date(date or self._clock())
        revisit_id, request_id = new_record_id(), new_record_id()
        revisit = revisit_record(
            response,
            url=request.url,
            date=when,
            record_id=revisit_id,
            concurrent_to=request_id,
            profile=profile,
            payload_digest=str(refers_to["payload_digest"]),
            refers_to_record_id=refers_to.get("record_id") or None,
            refers_to_uri=str(refers_to["target_uri"]),
            refers_to_date=str(refers_to["date"]),
        )
        sent = request_record(request, date=when, record_id=request_id, concurrent_to=revisit_id)
        pointer = self._write_pair(revisit, sent)
        pointer["refers_to"] = {k: v for k, v in refers_to.items() if k != "refers_to"}
        return pointer

    def write_metadata(
        self,
        url: str,
        payload: bytes,
        *,
        content_type: str,
        concurrent_to: str,
        date: datetime | None = None,
    ) -> WarcPointer:
        """Write a ``metadata`` record about record ``concurrent_to``; its pointer."""
        self._ensure_file()
        start = self._tell()
        record = build_metadata(
            self._builder(),
            url=url,
            payload=payload,
            content_type=content_type,
            date=warc_date(date or self._clock()),
            record_id=new_record_id(),
            concurrent_to=concurrent_to,
        )
        with self._whole_records_only(start):
            offset, length = self._write_record(from_warcio(record, self._builder()), payload)
        assert self._open_path is not None
        return {
            "filename": self._open_path.name[: -len(OPEN_SUFFIX)],
            "offset": offset,
            "length": length,
            "record_id": record.rec_headers.get_header("WARC-Record-ID"),
        }

    @property
    def current_file(self) -> Path | None:
        """The ``.open`` file being written, if any."""
        return self._open_path

    @property
    def files_opened(self) -> int:
        return self._serial

    def close(self) -> list[Path]:
        """Finish the current file (sync, rename to its final name); the files completed so far."""
        self._finish_file()
        return list(self.closed_files)

    def __enter__(self) -> WarcWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    # --- files -----------------------------------------------------------------------------

    def _builder(self) -> WARCWriter:
        """A warcio writer for the records warcio builds (warcinfo, metadata), uncompressed
        (each record is compressed by :func:`gzip_member`); its output set for each record."""
        if self._writer is None:
            self._writer = WARCWriter(None, gzip=False, warc_version=WARC_VERSION)
        return self._writer

    def _write_pair(self, answer: SerialisedRecord, request: SerialisedRecord) -> WarcPointer:
        self._ensure_file()
        with self._whole_records_only(self._tell()):
            offset, length = self._write_record(answer)
            self._write_record(request)
        assert self._open_path is not None
        return {
            "filename": self._open_path.name[: -len(OPEN_SUFFIX)],
            "offset": offset,
            "length": length,
            "record_id": answer.record_id,
            "target_uri": answer.target_uri,
            "date": answer.date,
            "payload_digest": answer.payload_digest,
        }

    def _write_record(
        self, record: SerialisedRecord, payload: bytes | None = None
    ) -> tuple[int, int]:
        assert self._file is not None
        # Compressed in one call, as one gzip member, and hashed as written (the manifest's
        # record hash).
        member = gzip_member(record.data)
        offset = self._file.tell()
        self._file.write(member)
        self._file.flush()  # to the OS, as warcio's writer did after each record
        length = len(member)
        self.records_written += 1
        self.bytes_written += length
        if self._sidecar is not None:
            sha256 = hashlib.sha256(member).hexdigest()
            self._describe(record, offset, length, sha256, payload)
        return offset, length

    def _finish_broken_file(self, whole_until: int) -> None:
        """Close a file whose last write failed: cut after its last whole record and rename it
        (or remove it when it holds no whole record: not even its warcinfo)."""
        assert self._file is not None and self._open_path is not None
        handle, path = self._file, self._open_path
        self._file, self._open_path = None, None
        with contextlib.suppress(OSError):  # flushing the failed write's buffer may fail again
            handle.close()
        if self._sidecar is not None:  # its notes cover the whole records only (or fall short)
            with contextlib.suppress(OSError):
                self._sidecar.close()
            self._sidecar = None
        os.truncate(path, whole_until)
        if whole_until == 0:
            path.unlink()
            return
        with path.open("rb+") as handle:
            os.fsync(handle.fileno())
        final_path = path.with_name(path.name[: -len(OPEN_SUFFIX)])
        os.replace(path, final_path)
        fsync_directory(self.directory)
        self.closed_files.append(final_path)
        logger.warning("WARC %s closed after its last whole record", final_path.name)

    def _tell(self) -> int:
        assert self._file is not None
        return self._file.tell()

    @contextlib.contextmanager
    def _whole_records_only(self, start: int) -> Iterator[None]:
        """A write that fails (a full disk) leaves the file as it was at ``start``: the file is
        cut there when it is closed, and nothing more is written to it."""
        try:
            yield
        except OSError:
            self._broken_at = start
            raise

    def _describe(
        self, record: SerialisedRecord, offset: int, length: int, sha256: str, payload: bytes | None
    ) -> None:
        assert self._sidecar is not None
        entry: dict[str, Any] = {
            "offset": offset,
            "length": length,
            "sha256": sha256,
            "type": record.rec_type,
            "record_id": record.record_id,
            "target_uri": record.target_uri,
            "concurrent_to": list(record.concurrent_to),
        }
        if payload is not None:
            entry["payload"] = payload.decode("utf-8", "replace")
        if record.rec_type in CDXJ_RECORD_TYPES:
            assert self._open_path is not None
            name = self._open_path.name[: -len(OPEN_SUFFIX)]
            entry["cdxj"] = cdxj_line(record, offset, length, name)
        # Buffered, not flushed per record: after a crash the sidecar falls short of the
        # (repaired) file and is not used.
        self._sidecar.write(_SIDECAR_JSON.encode(entry) + "\n")

    def _ensure_file(self) -> None:
        if self._broken_at is not None:
            raise OSError(errno.ENOSPC, "WARC writing stopped after a failed write")
        if self._file is not None and self._file.tell() >= self.max_size:
            self._finish_file()
        if self._file is None:
            self._start_file()

    def _start_file(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        while True:
            name = warc_file_name(self.prefix, self._clock(), self._serial, self.host)
            self._serial += 1
            path = self.directory / (name + OPEN_SUFFIX)
            if not path.exists() and not (self.directory / name).exists():
                break
        self._file = open(path, "xb")  # noqa: SIM115 (kept open across writes, closed in _finish_file)
        self._open_path = path
        if self.records_dir is not None:
            self.records_dir.mkdir(parents=True, exist_ok=True)
            self._sidecar = records_sidecar(self.records_dir, name).open("w", encoding="utf-8")
        with self._whole_records_only(0):
            warcinfo = build_warcinfo(self._builder(), name, self.info)
            self._write_record(from_warcio(warcinfo, self._builder()))
        logger.info("Writing WARC %s", path.name)

    def _finish_file(self) -> None:
        if self._file is None or self._open_path is None:
            return
        if self._broken_at is not None:
            self._finish_broken_file(self._broken_at)
            return
        self._file.flush()
        os.fsync(self._file.fileno())
        self._file.close()
        if self._sidecar is not None:
            self._sidecar.close()  # a cache, not evidence: not synced
            self._sidecar = None
        final_path = self._open_path.with_name(self._open_path.name[: -len(OPEN_SUFFIX)])
        os.replace(self._open_path, final_path)
        fsync_directory(final_path.parent)
        self.closed_files.append(final_path)
        logger.info("Closed WARC %s", final_path.name)
        self._file = None
        self._open_path = None
