"""Every WARC record of a run, by its exact bytes: the manifest's ``records`` section.

Each record (one gzip member in a ``.warc.gz``) is listed with its file, offset, length and
the SHA-256 of those raw bytes, with its type, id, target URI and ``WARC-Concurrent-To``
partners. So one record can be cut out of a WARC (a proof bundle) and still be checked with
``sha256sum`` against the signed manifest, without the rest of the file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from warcio.archiveiterator import ArchiveIterator

from archiver.warc.records import METADATA
from archiver.warc.writer import WARC_READ_ERRORS, read_records_sidecar

__all__ = ["read_record_bytes", "record_entries", "written_record_entries"]

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
    found: list[dict[str, Any]] = []
    with warc.open("rb") as stream:
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
                found.append(
                    {
                        "file": name,
                        "offset": iterator.get_record_offset(),
                        "length": iterator.get_record_length(),
                        "type": record.rec_type,
                        "record_id": headers.get_header("WARC-Record-ID"),
                        "target_uri": headers.get_header("WARC-Target-URI"),
                        "concurrent_to": [
                            value for key, value in headers.headers if key == "WARC-Concurrent-To"
                        ],
                    }
                )
        except WARC_READ_ERRORS:
            pass
    with warc.open("rb") as raw:
        for entry in found:
            entry["sha256"] = hashlib.sha256(
                read_record_bytes(raw, entry["offset"], entry["length"])
            ).hexdigest()
    return found


def written_record_entries(
    warc: Path, name: str, records_dir: Path, certificates: dict[str, Any] | None = None
) -> list[dict[str, Any]]:
    """:func:`record_entries`, from what the writer noted as it wrote ``warc``
    (:func:`archiver.warc.writer.records_sidecar`) when those notes tile the file exactly
    (no gap, no overlap, up to its last byte); otherwise (a crash, a repaired file, no notes)
    read from the file itself."""
    noted = read_records_sidecar(records_dir, warc)
    if noted is None:
        return record_entries(warc, name, certificates)
    found = []
    for entry in noted:
        entry.pop("cdxj", None)
        payload = entry.pop("payload", None)
        if entry["type"] == "metadata" and certificates is not None and payload is not None:
            _note_identity(payload.encode("utf-8"), entry["record_id"], certificates)
        found.append({"file": name, **entry})
    return found


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
    stream.seek(offset)
    parts, left = [], length
    while left > 0:
        chunk = stream.read(min(_CHUNK, left))
        if not chunk:
            break
        parts.append(chunk)
        left -= len(chunk)
    return b"".join(parts)
