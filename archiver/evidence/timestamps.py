"""RFC 3161 trusted timestamps of a run's manifest and WARC files.

A time stamp authority (TSA) signs "this SHA-256 existed at this time"; its reply (a DER
``TimeStampResp``, ``.tsr``) is kept in the run's ``evidence/`` folder beside the path it
stamps: ``evidence/manifest.json.tsr``, ``evidence/warc/<file>.warc.gz.tsr``. Anyone checks one
with OpenSSL alone: ``openssl ts -verify -data manifest.json -in
evidence/manifest.json.tsr -CAfile tsa-ca.pem``.

The request is built, and the reply parsed, by ``rfc3161-client`` (a maintained client by
Trail of Bits, used by sigstore-python); the HTTP exchange is a plain POST
(``application/timestamp-query``, RFC 3161 section 3.4) with the standard library. A reply is
kept only when it is granted and stamps the digest (and nonce) that was asked for.
"""

from __future__ import annotations

import hashlib
import json
import logging
import urllib.error
import urllib.request
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from rfc3161_client import (
    HashAlgorithm,
    PKIStatus,
    TimestampRequestBuilder,
    decode_timestamp_response,
)

from archiver.evidence.manifest import EVIDENCE_DIR, MANIFEST_NAME
from archiver.files import atomic_write_bytes, atomic_write_json, read_json

__all__ = [
    "TSR_SUFFIX",
    "TimestampError",
    "add_missing_timestamps",
    "missing_timestamps",
    "request_timestamp",
    "stamped_paths",
    "timestamp_path",
    "timestamp_run",
]

logger = logging.getLogger(__name__)

TSR_SUFFIX = ".tsr"
QUERY_TYPE = "application/timestamp-query"
DEFAULT_TIMEOUT = 30.0


class TimestampError(Exception):
    """The TSA could not be reached, or its reply is not a timestamp of what was asked."""


def timestamp_path(run_dir: Path, relative: str) -> Path:
    """Where the timestamp reply of the run's file ``relative`` is kept."""
    return run_dir / EVIDENCE_DIR / (relative + TSR_SUFFIX)


def stamped_paths(files: Iterable[str]) -> list[str]:
    """What is timestamped in a run: the manifest and each WARC file (from ``files``)."""
    warcs = sorted(name for name in files if name.startswith("warc/") and ".warc" in name)
    return [MANIFEST_NAME, *warcs]


def request_timestamp(data: bytes, url: str, *, timeout: float = DEFAULT_TIMEOUT) -> bytes:
    """The TSA's reply (DER) stamping SHA-256 of ``data``; raises TimestampError."""
    request = (
        TimestampRequestBuilder()
        .data(data)
        .hash_algorithm(HashAlgorithm.SHA256)
        .nonce(nonce=True)
        .cert_request(cert_request=True)
        .build()
    )
    http_request = urllib.request.Request(
        url, data=request.as_bytes(), headers={"Content-Type": QUERY_TYPE}, method="POST"
    )
    try:
        with urllib.request.urlopen(http_request, timeout=timeout) as answer:  # noqa: S310
            reply = answer.read()
    except (urllib.error.URLError, OSError, ValueError) as error:
        raise TimestampError(f"TSA {url} did not answer: {error}") from error
    try:
        response = decode_timestamp_response(reply)
    except ValueError as error:
        raise TimestampError(f"TSA {url} sent no timestamp reply: {error}") from error
    if response.status not in (PKIStatus.GRANTED, PKIStatus.GRANTED_WITH_MODS):
        raise TimestampError(f"TSA {url} refused: status {response.status}")
    info = response.tst_info
    if info.message_imprint.message != hashlib.sha256(data).digest():
        raise TimestampError(f"TSA {url} stamped another digest")
    if request.nonce is not None and info.nonce != request.nonce:
        raise TimestampError(f"TSA {url} answered another request (nonce)")
    return reply


def missing_timestamps(run_dir: Path, files: Iterable[str]) -> list[str]:
    """The run's stamped paths (see :func:`stamped_paths`) without a timestamp reply."""
    return [name for name in stamped_paths(files) if not timestamp_path(run_dir, name).is_file()]


def timestamp_run(
    run_dir: Path, files: Iterable[str], url: str, *, timeout: float = DEFAULT_TIMEOUT
) -> dict[str, Any]:
    """Ask ``url`` for the run's missing timestamps; the ``evidence`` fields that say how it
    went: ``timestamped`` (all there), ``timestamps`` {path: time}, ``untimestamped``,
    ``timestamp_error``. A TSA that fails stops the asking (it is down, most likely)."""
    names = list(files)
    error = None
    for name in missing_timestamps(run_dir, names):
        try:
            reply = request_timestamp((run_dir / name).read_bytes(), url, timeout=timeout)
        except (TimestampError, OSError) as failure:
            error = str(failure)
            logger.warning("Run %s: %s not timestamped: %s", run_dir.name, name, failure)
            break
        atomic_write_bytes(timestamp_path(run_dir, name), reply)
    return timestamp_state(run_dir, names, error=error, url=url)


def timestamp_state(
    run_dir: Path, files: Iterable[str], *, error: str | None = None, url: str = ""
) -> dict[str, Any]:
    """The ``evidence`` fields about timestamps, from the replies on disk."""
    names = list(files)
    stamped: dict[str, str] = {}
    for name in stamped_paths(names):
        path = timestamp_path(run_dir, name)
        if path.is_file():
            info = decode_timestamp_response(path.read_bytes()).tst_info
            stamped[name] = info.gen_time.isoformat()
    missing = missing_timestamps(run_dir, names)
    state: dict[str, Any] = {"timestamped": not missing, "timestamps": stamped}
    if url:
        state["tsa_url"] = url
    if missing:
        state["untimestamped"] = missing
    if error:
        state["timestamp_error"] = error
    return state


def add_missing_timestamps(run_dir: Path, url: str = "") -> dict[str, Any] | None:
    """Timestamp what a sealed run lacks (its TSA was down) and update run.json's evidence
    part; ``url`` defaults to the run's own ``ARCHIVER_TSA_URL``. None: the run has no
    manifest. Returns the new timestamp fields."""
    manifest_path = run_dir / MANIFEST_NAME
    run_json = run_dir / "run.json"
    if not manifest_path.is_file() or not run_json.is_file():
        return None
    record = read_json(run_json)
    files = list(json.loads(manifest_path.read_bytes()).get("files") or {})
    url = url or str((record.get("settings") or {}).get("ARCHIVER_TSA_URL") or "")
    if not url:
        raise TimestampError("no time stamp authority: pass --tsa-url")
    state = timestamp_run(run_dir, files, url)
    evidence = {
        key: value
        for key, value in (record.get("evidence") or {}).items()
        if key not in ("timestamped", "timestamps", "untimestamped", "timestamp_error")
    }
    evidence.update(state)
    record["evidence"] = evidence
    atomic_write_json(run_json, record)
    return state
