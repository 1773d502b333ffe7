"""Every WARC record of a run, by its exact bytes: the manifest's ``records`` section.

Each record (one gzip member in a ``.warc.gz``) is listed with its file, offset, length and
the SHA-256 of those raw bytes, with its type, id, target URI and ``WARC-Concurrent-To``
partners. So one record can be cut out of a WARC (a proof bundle) and still be checked with
``sha256sum`` against the signed manifest, without the rest of the file.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from archiver.warc.records import METADATA
from archiver.warc.writer import WARC_READ_ERRORS, records_sidecar, records_sidecar_tiles

__all__ = [
    "iter_record_entries",
    "iter_written_record_entries",
    "read_record_bytes",
    "record_entries",
    "written_record_entries",
]

_CHUNK = 1 << 16


IDENTITY_FORMAT = "archiver-server-identity/1"
"""The JSON of a ``metadata`` record naming who served an HTTPS response (the capture's)."""


def record_entries(
    warc: Path, name: str, certificates: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """The records of ``warc`` (listed under ``name``, its path in the run) in file order.

    Server identity ``metadata`` records found on the way are added to ``certificates``
    (by host: certificate SHA-256, TLS version, cipher, IP, the record's id). A file that
    cannot be read to its end lists the records before the damage (verify reports it).
    """
    return list(iter_record_entries(warc, name, certificates))


def iter_record_entries(
    warc: Path, name: str, certificates: dict[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """:func:`record_entries`, one at a time (a WARC file may hold a whole run)."""
    with warc.open("rb") as stream, warc.open("rb") as raw:
        iterator = ArchiveIterator(stream)
        try:
            for record in iterator:
                headers = record.rec_headers
                if record.rec_type == METADATA and certificates is not None:
                    _note_identity(
                        record.content_stream().read(),
                        headers.get_header("WARC-Record-ID"),
                        certificates,
                    )
                iterator.read_to_end(record)
                offset, length = iterator.get_record_offset(), iterator.get_record_length()
                yield {
                    "file": name,
                    "offset": offset,
                    "length": length,
                    "type": record.rec_type,
                    "record_id": headers.get_header("WARC-Record-ID"),
                    "target_uri": headers.get_header("WARC-Target-URI"),
                    "concurrent_to": [
                        value for key, value in headers.headers if key == "WARC-Concurrent-To"
                    ],
                    "sha256": _record_sha256(raw, offset, length),
                }
        except WARC_READ_ERRORS:
            pass


def written_record_entries(
    warc: Path, name: str, records_dir: Path, certificates: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """:func:`iter_written_record_entries`, as a list."""
    return list(iter_written_record_entries(warc, name, records_dir, certificates))


def iter_written_record_entries(
    warc: Path, name: str, records_dir: Path, certificates: dict[str, Any] | None = None
) -> Iterator[dict[str, Any]]:
    """:func:`record_entries`, one at a time, from what the writer noted as it wrote ``warc``
    (:func:`archiver.warc.writer.records_sidecar`) when those notes tile the file exactly
    (no gap, no overlap, up to its last byte: the rule of
    :func:`archiver.warc.writer.records_sidecar_tiles`, checked here without holding the
    notes); otherwise (a crash, a repaired file, no notes) read from the file itself."""
    sidecar = records_sidecar(records_dir, warc.name)
    if not records_sidecar_tiles(records_dir, warc):
        yield from iter_record_entries(warc, name, certificates)
        return
    with sidecar.open(encoding="utf-8") as lines:
        for line in lines:
            entry = json.loads(line)
            entry.pop("cdxj", None)
            payload = entry.pop("payload", None)
            if entry["type"] == "metadata" and certificates is not None and payload is not None:
                _note_identity(payload.encode("utf-8"), entry["record_id"], certificates)
            yield {"file": name, **entry}


def _record_sha256(stream: Any, offset: int, length: int) -> str:
    """The SHA-256 of one record's raw bytes, read in pieces."""
    digest = hashlib.sha256()
    for chunk in _record_chunks(stream, offset, length):
        digest.update(chunk)
    return digest.hexdigest()


def _record_chunks(stream: Any, offset: int, length: int) -> Iterator[bytes]:
    """One record's raw bytes (its gzip member) from an open binary file, in pieces."""
    stream.seek(offset)
    left = length
    while left > 0:
        chunk = stream.read(min(_CHUNK, left))
        if not chunk:
            return
        yield chunk
        left -= len(chunk)


def _note_identity(payload: bytes, record_id: str | None, certificates: dict[str, Any]) -> None:
    try:
        identity = json.loads(payload)
    except ValueError:
        return
    if not isinstance(identity, dict) or identity.get("format") != IDENTITY_FORMAT:
        return
    host = urlsplit(str(identity.get("url"))).netloc
    certificates.setdefault(
        host,
        {
            "certificate_sha256": identity.get("certificate_sha256"),
            "tls_version": identity.get("tls_version"),
            "cipher": identity.get("cipher"),
            "ip_address": identity.get("ip_address"),
            "record_id": record_id,
        },
    )


def read_record_bytes(stream: Any, offset: int, length: int) -> bytes:
    """The raw bytes of one record (its gzip member) from an open binary file."""
    return b"".join(_record_chunks(stream, offset, length))
