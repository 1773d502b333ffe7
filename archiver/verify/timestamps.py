"""Checks of a run's RFC 3161 timestamp replies (``evidence/*.tsr``) for ``archiver verify``.

Each reply must stamp the digest of the file it sits beside (``evidence/manifest.json.tsr``
stamps ``manifest.json``); with ``--ca CERT`` its signature and the TSA's certificate chain
(extendedKeyUsage timeStamping, critical) are checked against those CA certificates by
``rfc3161-client``. Without a CA a reply is reported as present but unchecked, never verified.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from cryptography import x509
from rfc3161_client import VerificationError, VerifierBuilder, decode_timestamp_response

from archiver.archive.layout import RunPaths
from archiver.evidence.manifest import EVIDENCE_DIR
from archiver.evidence.timestamps import TSR_SUFFIX
from archiver.verify.evidence import EvidenceOptions
from archiver.verify.warc import Defect

__all__ = ["check_run_timestamps", "load_ca_certificates"]

_HASHES = {
    "2.16.840.1.101.3.4.2.1": hashlib.sha256,
    "2.16.840.1.101.3.4.2.2": hashlib.sha384,
    "2.16.840.1.101.3.4.2.3": hashlib.sha512,
}


def load_ca_certificates(paths: tuple[Path, ...]) -> list[x509.Certificate]:
    certificates: list[x509.Certificate] = []
    for path in paths:
        certificates += x509.load_pem_x509_certificates(path.read_bytes())
    return certificates


def check_timestamp_reply(
    reply: bytes, data: bytes, roots: list[x509.Certificate]
) -> tuple[str, str | None]:
    """(time stamped, problem or None) of one reply for ``data``; ``roots`` may be empty."""
    try:
        response = decode_timestamp_response(reply)
        info = response.tst_info
    except ValueError as error:
        return "", f"not a timestamp reply: {error}"
    when = info.gen_time.isoformat()
    digest = _HASHES.get(info.message_imprint.hash_algorithm.dotted_string)
    if digest is None:
        return when, f"unknown hash {info.message_imprint.hash_algorithm.dotted_string}"
    if digest(data).digest() != info.message_imprint.message:
        return when, "stamps another digest (the file changed after it was timestamped)"
    if roots:
        builder = VerifierBuilder()
        for root in roots:
            builder = builder.add_root_certificate(root)
        try:
            builder.build().verify(response, info.message_imprint.message)
        except VerificationError as error:
            return when, f"does not verify against the CA certificate(s): {error}"
    return when, None


def check_run_timestamps(
    run: RunPaths, manifest: bytes, options: EvidenceOptions
) -> tuple[str, list[Defect]]:
    """The run's timestamp state for the report, and its defects."""
    del manifest  # the reply is checked against the file on disk, the manifest among them
    evidence_dir = run.directory / EVIDENCE_DIR
    replies = sorted(evidence_dir.rglob("*" + TSR_SUFFIX)) if evidence_dir.is_dir() else []
    defects: list[Defect] = []
    if not replies:
        missing = _untimestamped(run)
        if missing:
            return f"MISSING for {len(missing)} file(s) (run `archiver timestamp`)", defects
        return "none", defects
    try:
        roots = load_ca_certificates(options.ca_certs)
    except (OSError, ValueError) as error:
        return "UNCHECKED", [
            Defect("ca_unreadable", ", ".join(map(str, options.ca_certs)), str(error))
        ]
    times = []
    for reply in replies:
        relative = reply.relative_to(evidence_dir).as_posix()[: -len(TSR_SUFFIX)]
        target = run.directory / relative
        where = f"{run.run_id}/{EVIDENCE_DIR}/{reply.name}"
        if not target.is_file():
            defects.append(Defect("timestamp_target_missing", where, f"{relative} is gone"))
            continue
        when, problem = check_timestamp_reply(reply.read_bytes(), target.read_bytes(), roots)
        if problem:
            defects.append(Defect("timestamp_invalid", f"{run.run_id}/{relative}", problem))
        times.append(when)
    if defects:
        return "INVALID", defects
    first = min(times)
    missing = _untimestamped(run)
    tail = f"; MISSING for {len(missing)} file(s)" if missing else ""
    if not roots:
        return f"present ({len(replies)}, {first}), UNCHECKED: pass --ca{tail}", defects
    return (
        f"verified {first} ({len(replies)} repl{'y' if len(replies) == 1 else 'ies'}){tail}",
        defects,
    )


def _untimestamped(run: RunPaths) -> list[str]:
    try:
        record = json.loads(run.run_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    evidence = record.get("evidence") if isinstance(record, dict) else None
    missing = evidence.get("untimestamped") if isinstance(evidence, dict) else None
    return list(missing) if isinstance(missing, list) else []
