"""Sealing a finished run: its manifest, signed and timestamped; the run.json ``evidence`` part.

Called by :func:`archiver.archive.lifecycle.finish_run` after the run's files are hashed and
before run.json is written. Sealing never fails a run: a key that cannot be read or a time
stamp authority that does not answer is written into the ``evidence`` part of run.json
(``problems``, ``"timestamped": false``) and the run stays as it was; ``archiver timestamp``
adds missing timestamps later.
"""

from __future__ import annotations

import logging
import mmap
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from archiver.evidence.manifest import (
    EVIDENCE_DIR,
    MANIFEST_NAME,
    write_manifest,
)
from archiver.evidence.records import iter_written_record_entries
from archiver.evidence.signing import (
    SigningKeyError,
    fingerprint,
    load_private_key,
    public_key_pem,
    sign,
)
from archiver.evidence.timestamps import TimestampError, timestamp_run
from archiver.evidence.wacz import check_signed_wacz, ecdsa_key_path, load_ecdsa_key, signed_data
from archiver.files import (
    JsonText,
    atomic_write_bytes,
    atomic_writer,
    json_list_pieces,
    read_jsonl,
    sha256_file,
)
from archiver.warc.writer import RECORDS_SIDECAR_SUFFIX

__all__ = [
    "KEYS_DIR",
    "PackageSigner",
    "SealOptions",
    "evidence_dir",
    "previous_link",
    "seal_run",
    "package_signer",
    "signature_path",
]

logger = logging.getLogger(__name__)

SIGNATURE_NAME = "manifest.sig"
KEYS_DIR = "keys"
"""The archive's folder of public keys (``OUTPUT/keys/<fingerprint>.pub``)."""


@dataclass(frozen=True)
class SealOptions:
    """How runs are sealed (settings ``ARCHIVER_SIGNING_KEY``, ``ARCHIVER_TSA_URL``)."""

    signing_key: Path | None = None
    """The Ed25519 private key (PEM); None: the manifest is written unsigned."""
    tsa_url: str = ""
    """An RFC 3161 time stamp authority; empty: no timestamps."""


def evidence_dir(run_dir: Path) -> Path:
    return run_dir / EVIDENCE_DIR


def signature_path(run_dir: Path) -> Path:
    return evidence_dir(run_dir) / SIGNATURE_NAME


def previous_link(previous_run_dir: Path | None) -> dict[str, Any] | None:
    """The chain link to the run before: its id and its manifest's SHA-256 (null when that
    run has no manifest: it predates manifests or was never finished)."""
    if previous_run_dir is None:
        return None
    manifest = previous_run_dir / MANIFEST_NAME
    digest = sha256_file(manifest) if manifest.is_file() else None
    return {"run_id": previous_run_dir.name, "manifest_sha256": digest}


PackageSigner = Callable[[bytes], dict[str, Any]]
"""Makes a WACZ's ``signedData`` from its ``datapackage.json`` bytes."""


def package_signer(options: SealOptions) -> PackageSigner | None:
    """How to sign a run's WACZ (wacz-auth anonymous signing): when the signing key has its
    ECDSA companion (``<key>.ecdsa``, made by ``archiver keygen``); None when there is no key
    (or no companion: logged). Raises SigningKeyError when the key cannot be read. A time
    stamp authority that does not answer leaves the signature without its timestamp (logged)."""
    if options.signing_key is None:
        return None
    key_path = ecdsa_key_path(options.signing_key)
    if not key_path.is_file():
        logger.warning("WACZ not signed: no ECDSA key %s (made by archiver keygen)", key_path)
        return None
    key = load_ecdsa_key(key_path)

    def sign(package: bytes) -> dict[str, Any]:
        try:
            return signed_data(package, key, tsa_url=options.tsa_url)
        except TimestampError as error:
            logger.warning("WACZ signed without a timestamp: %s", error)
            return signed_data(package, key)

    return sign


def seal_run(
    run_dir: Path,
    record: dict[str, Any],
    files: dict[str, str],
    *,
    previous_run_dir: Path | None,
    keys_dir: Path,
    options: SealOptions,
) -> dict[str, Any]:
    """Write the run's manifest (signed, timestamped as configured); returns run.json's
    ``evidence`` part. ``files`` are the run's file hashes (run.json's ``files``); the public
    key of the signature is kept in ``keys_dir`` (``OUTPUT/keys/<fingerprint>.pub``)."""
    # A run finished again (a resume) is sealed anew: what was made from the old manifest goes.
    shutil.rmtree(evidence_dir(run_dir), ignore_errors=True)
    (run_dir / MANIFEST_NAME).unlink(missing_ok=True)
    problems: list[str] = []
    key = None
    if options.signing_key is not None:
        try:
            key = load_private_key(options.signing_key)
        except SigningKeyError as error:
            logger.error("Run %s not signed: %s", run_dir.name, error)
            problems.append(f"not signed: {error}")
    key_fingerprint = fingerprint(key.public_key()) if key is not None else None
    sizes = {name: (run_dir / name).stat().st_size for name in files}
    certificates: dict[str, Any] = {}
    records_dir = run_dir / "indexes"
    manifest_path = run_dir / MANIFEST_NAME
    # The records go to a spool file first, as the manifest's text: the certificates found
    # among them come before them in the manifest (keys sorted), and a run's records are too
    # many to hold.
    spool = run_dir / ".manifest-records.json.tmp"
    try:
        with spool.open("w", encoding="utf-8") as spooled:
            entries = (
                entry
                for name in sorted(files)
                if name.startswith("warc/") and ".warc" in name
                for entry in iter_written_record_entries(
                    run_dir / name, name, records_dir, certificates
                )
            )
            spooled.writelines(json_list_pieces(entries, sort_keys=True))
        with atomic_writer(manifest_path) as out:
            digest = write_manifest(
                out,
                run_id=run_dir.name,
                record=record,
                files={name: {"sha256": sha, "size": sizes[name]} for name, sha in files.items()},
                items=read_jsonl(run_dir / "items.jsonl"),
                previous=previous_link(previous_run_dir),
                records=JsonText(_text_of(spool)),
                certificates=certificates,
                signing_key=key_fingerprint,
            )
    finally:
        spool.unlink(missing_ok=True)
    for sidecar in records_dir.glob("*" + RECORDS_SIDECAR_SUFFIX):
        sidecar.unlink(missing_ok=True)  # the writer's notes are in the manifest now
    evidence: dict[str, Any] = {
        "manifest": MANIFEST_NAME,
        "manifest_sha256": digest,
        "signed": False,
        "signing_key": None,
    }
    if key is not None and key_fingerprint is not None:
        # Ed25519 signs the whole message at once: the manifest is mapped, not read in.
        with (
            manifest_path.open("rb") as stream,
            mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ) as mapped,
            memoryview(mapped) as data,
        ):
            signature = sign(key, data)
        atomic_write_bytes(signature_path(run_dir), signature)
        published = keys_dir / f"{key_fingerprint}.pub"
        if not published.exists():
            atomic_write_bytes(published, public_key_pem(key.public_key()))
        evidence.update(signed=True, signing_key=key_fingerprint)
    wacz = run_dir / "archive.wacz"
    if wacz.is_file():
        evidence["wacz"] = check_signed_wacz(wacz)[0]
    if options.tsa_url:
        evidence.update(timestamp_run(run_dir, files, options.tsa_url))
    else:
        evidence["timestamped"] = False
    if problems:
        evidence["problems"] = problems
    return evidence


def _text_of(path: Path) -> Iterator[str]:
    """The text of ``path``, a piece at a time."""
    with path.open(encoding="utf-8") as text:
        while piece := text.read(1 << 20):
            yield piece
