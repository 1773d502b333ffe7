"""The run manifest: what a run holds, hashed, and the link to the run before it.

``runs/<run-id>/manifest.json`` (format ``archiver-manifest/1``, JSON, keys sorted)::

    {"format": "archiver-manifest/1", "run_id": ..., "created": ISO time,
     "run": run.json as it is written, less its "evidence" part,
     "files": {"items.jsonl": {"size": N, "sha256": HEX}, "warc/...": {...}, ...},
     "items": [{"line": 1, "url": ..., "sha256": HEX of the canonical JSON,
                "warc": the item's WARC pointer (file, offset, length, record id,
                        payload digest, ...)}],
     "records": [{"file": "warc/...", "offset": N, "length": N, "sha256": HEX of the record's
                  raw bytes, "type": ..., "record_id": ..., "target_uri": ...,
                  "concurrent_to": [...]}] (archiver.evidence.records),
     "certificates": {host: {"sha256": fingerprint of the server's certificate, ...}},
     "previous": {"run_id": ..., "manifest_sha256": HEX or null} or null,
     "signing_key": fingerprint of the Ed25519 key that signs it, or null}

The manifest covers every file of the run but run.json, itself and the evidence files
(``evidence/``: its signature and timestamp replies), which are made from it; run.json in
turn names the manifest's SHA-256 (``"evidence"``), and the manifest holds a copy of the
rest of run.json, so neither can change without the other showing it. No cycle: the manifest
is written first, run.json last.

An item's canonical JSON: keys sorted, UTF-8 (non-ASCII as is), no whitespace.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

from archiver.files import JsonText, json_document_pieces

__all__ = [
    "EVIDENCE_DIR",
    "MANIFEST_FORMAT",
    "MANIFEST_NAME",
    "build_manifest",
    "canonical_json",
    "is_evidence_path",
    "item_entries",
    "manifest_bytes",
    "sha256_bytes",
    "write_manifest",
]

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "archiver-manifest/1"
EVIDENCE_DIR = "evidence"
RUN_JSON_NAME = "run.json"
EVIDENCE_KEY = "evidence"
"""The part of run.json that is about the manifest (so not in the manifest's copy)."""


def is_evidence_path(relative: str) -> bool:
    """True for a run's files that are made from the manifest (so never listed in it or in
    run.json's hashes): the manifest itself and everything under ``evidence/``."""
    return relative == MANIFEST_NAME or relative.startswith(EVIDENCE_DIR + "/")


def canonical_json(value: Any) -> bytes:
    """The canonical bytes of a JSON value: keys sorted, UTF-8, no whitespace."""
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode(
        "utf-8"
    )


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def item_entries(items: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The manifest's entry for each item, in file order (``line`` counts from 1)."""
    return list(item_entries_iter(items))


def item_entries_iter(items: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
    """:func:`item_entries`, one at a time."""
    for line, item in enumerate(items, start=1):
        yield {
            "line": line,
            "url": item.get("url"),
            "sha256": sha256_bytes(canonical_json(item)),
            "warc": item.get("warc"),
        }


def run_snapshot(record: dict[str, Any]) -> dict[str, Any]:
    """run.json's record as the manifest keeps it: all of it but the evidence part."""
    return {key: value for key, value in record.items() if key != EVIDENCE_KEY}


def build_manifest(
    *,
    run_id: str,
    record: dict[str, Any],
    files: dict[str, dict[str, Any]],
    items: Iterable[dict[str, Any]],
    previous: dict[str, Any] | None,
    records: list[dict[str, Any]] | None = None,
    certificates: dict[str, Any] | None = None,
    signing_key: str | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    moment = (created or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return {
        "format": MANIFEST_FORMAT,
        "run_id": run_id,
        "created": moment.isoformat(),
        "run": run_snapshot(record),
        "files": dict(sorted(files.items())),
        "items": item_entries(items),
        "records": records or [],
        "certificates": dict(sorted((certificates or {}).items())),
        "previous": previous,
        "signing_key": signing_key,
    }


def write_manifest(
    out: IO[bytes],
    *,
    run_id: str,
    record: dict[str, Any],
    files: dict[str, dict[str, Any]],
    items: Iterable[dict[str, Any]],
    previous: dict[str, Any] | None,
    records: Iterable[dict[str, Any]] | JsonText = (),
    certificates: dict[str, Any] | None = None,
    signing_key: str | None = None,
    created: datetime | None = None,
) -> str:
    """Write to ``out`` the very bytes of ``manifest_bytes(build_manifest(...))``, its items
    and records one at a time (a run's manifest grows with its posts); returns their SHA-256.
    ``certificates`` are read when they are written: before ``items`` and ``records`` are.
    ``records`` may be their text already (archiver.files.json_list_pieces, spooled)."""
    head = build_manifest(
        run_id=run_id,
        record=record,
        files=files,
        items=(),
        previous=previous,
        certificates=certificates,
        signing_key=signing_key,
        created=created,
    )
    head.update(
        items=item_entries_iter(items),
        records=records if isinstance(records, JsonText) else iter(records),
    )
    digest = hashlib.sha256()
    for piece in json_document_pieces(sorted(head.items()), sort_keys=True):
        data = piece.encode("utf-8")
        digest.update(data)
        out.write(data)
    out.write(b"\n")
    digest.update(b"\n")
    return digest.hexdigest()


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """The manifest as written: readable JSON, keys sorted, ending in a newline."""
    return (json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode(
        "utf-8"
    )


def read_manifest(path: Path) -> dict[str, Any]:
    """The manifest at ``path``; raises OSError or ValueError when it is not one."""
    value = json.loads(path.read_bytes().decode("utf-8"))
    if not isinstance(value, dict) or value.get("format") != MANIFEST_FORMAT:
        raise ValueError(f"not an {MANIFEST_FORMAT} manifest")
    return value
