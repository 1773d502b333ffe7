"""``archiver verify BUNDLE``: check a proof bundle of ``archiver prove`` as a third party would.

The same chain as ``VERIFY.txt`` spells out for standard tools: the manifest's signature
(the bundle's key, or ``--public-key``) and timestamp (``--ca``); ``item.json`` is canonical
JSON listed in the manifest; each record file is, byte for byte, a record the manifest
lists, reads whole with its digests holding, and the item's record carries the item's payload
digest; for a revisit the same for the original's run under ``original/``. Any other file
(but ``VERIFY.txt``, instructions only) is a defect: the bundle holds nothing unchecked.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from archiver.evidence.manifest import MANIFEST_NAME, canonical_json, read_manifest, sha256_bytes
from archiver.evidence.proof import (
    BUNDLE_MARKER,
    ORIGINAL_DIR,
    PUBLIC_KEY_NAME,
    RECORDS_DIR,
    SIGNATURE_NAME,
    TIMESTAMP_NAME,
)
from archiver.evidence.signing import (
    SigningKeyError,
    fingerprint,
    load_public_key,
    public_key_pem,
    signature_holds,
)
from archiver.verify.archive import VerifyReport
from archiver.verify.evidence import EvidenceOptions, EvidenceReport
from archiver.verify.timestamps import check_timestamp_reply, load_ca_certificates
from archiver.verify.warc import Defect, scan_warc

__all__ = ["verify_bundle"]


def verify_bundle(path: Path, options: EvidenceOptions) -> VerifyReport:
    report = VerifyReport(path)
    report.evidence = EvidenceReport()
    expected = {BUNDLE_MARKER, "item.json"}
    try:
        item_bytes = (path / "item.json").read_bytes()
        item = json.loads(item_bytes)
    except (OSError, ValueError) as error:
        report.defects.append(Defect("item_unreadable", "item.json", str(error)))
        return report
    report.items = 1
    if not isinstance(item, dict) or canonical_json(item) != item_bytes:
        report.defects.append(Defect("item_not_canonical", "item.json", "changed after proving"))
        item = item if isinstance(item, dict) else {}
    pointer = item.get("warc") or {}
    payload = _check_run(
        path, "", sha256_bytes(item_bytes), str(pointer.get("record_id")), options, report,
        expected,
    )  # fmt: skip
    if payload is not None and payload != pointer.get("payload_digest"):
        report.defects.append(
            Defect("payload_digest_mismatch", "records", f"{payload} != item's pointer")
        )
    refers_to = pointer.get("refers_to")
    if (path / ORIGINAL_DIR).is_dir() and isinstance(refers_to, dict):
        original = _check_run(
            path, ORIGINAL_DIR, None, str(refers_to.get("record_id")), options, report, expected
        )
        if original is not None and original != pointer.get("payload_digest"):
            report.defects.append(
                Defect("payload_digest_mismatch", ORIGINAL_DIR, f"{original} != the revisit's")
            )
    for extra in sorted(p for p in path.rglob("*") if p.is_file()):
        relative = extra.relative_to(path).as_posix()
        if relative not in expected:
            report.defects.append(Defect("bundle_file_unexpected", relative, "not checked"))
    if not report.defects:
        report.pointers_resolved = 1
    return report


def _check_run(
    bundle: Path,
    folder: str,
    item_sha256: str | None,
    record_id: str,
    options: EvidenceOptions,
    report: VerifyReport,
    expected: set[str],
) -> str | None:
    """Check one run's part of the bundle; the payload digest of record ``record_id``."""
    base = bundle / folder if folder else bundle
    prefix = f"{folder}/" if folder else ""
    expected.add(prefix + MANIFEST_NAME)
    try:
        data = (base / MANIFEST_NAME).read_bytes()
        manifest = read_manifest(base / MANIFEST_NAME)
    except (OSError, ValueError) as error:
        report.defects.append(Defect("manifest_unreadable", prefix + MANIFEST_NAME, str(error)))
        return None
    run_id = str(manifest.get("run_id"))
    report.runs.append(run_id)
    assert report.evidence is not None
    state = {"manifest": "holds", "signature": "UNSIGNED", "timestamp": "none", "chain": "-"}
    report.evidence.runs[f"{prefix}{run_id}"] = state
    state["signature"] = _signature(base, prefix, data, manifest, options, report, expected)
    state["timestamp"] = _timestamp(base, prefix, data, options, report, expected)
    if item_sha256 is not None:
        listed = [e for e in manifest.get("items") or [] if e.get("sha256") == item_sha256]
        if not listed:
            report.defects.append(
                Defect("item_not_in_manifest", "item.json", f"no item {item_sha256}")
            )
    by_sha = {r.get("sha256"): r for r in manifest.get("records") or []}
    payload = None
    found = False
    for record_file in sorted((base / RECORDS_DIR).glob("*")):
        relative = prefix + record_file.relative_to(base).as_posix()
        expected.add(relative)
        entry = by_sha.get(sha256_bytes(record_file.read_bytes()))
        if entry is None:
            report.defects.append(
                Defect("record_not_in_manifest", relative, "its SHA-256 is not listed")
            )
            continue
        scan = scan_warc(record_file)
        report.warc_files += 1
        report.records += len(scan.records)
        report.defects.extend(
            Defect(d.kind, relative, d.detail)
            for d in scan.defects
            if d.kind != "warcinfo_not_first"
        )
        if entry.get("record_id") == record_id and scan.records:
            found = True
            payload = scan.records[0].payload_digest
    if not found:
        report.defects.append(
            Defect("record_missing", prefix + RECORDS_DIR, f"no record {record_id}")
        )
    state["manifest"] = "holds" if not report.defects else "FAILS"
    return payload


def _signature(
    base: Path,
    prefix: str,
    data: bytes,
    manifest: dict[str, Any],
    options: EvidenceOptions,
    report: VerifyReport,
    expected: set[str],
) -> str:
    if not (base / SIGNATURE_NAME).is_file():
        if options.require_signature:
            report.defects.append(Defect("unsigned", prefix + MANIFEST_NAME, "no signature"))
        return "UNSIGNED"
    expected.update({prefix + SIGNATURE_NAME, prefix + PUBLIC_KEY_NAME})
    key_path = options.public_key or base / PUBLIC_KEY_NAME
    try:
        key = load_public_key(key_path)
    except SigningKeyError as error:
        report.defects.append(Defect("public_key_unreadable", prefix + PUBLIC_KEY_NAME, str(error)))
        return "UNCHECKED"
    if options.public_key is None and public_key_pem(key) != key_path.read_bytes():
        report.defects.append(
            Defect("public_key_changed", prefix + PUBLIC_KEY_NAME, "not the key file as written")
        )
    if fingerprint(key) != manifest.get("signing_key"):
        report.defects.append(
            Defect("signing_key_mismatch", prefix + PUBLIC_KEY_NAME, "not the manifest's key")
        )
    if not signature_holds(key, data, (base / SIGNATURE_NAME).read_bytes()):
        report.defects.append(Defect("signature_invalid", prefix + MANIFEST_NAME, "does not hold"))
        return "INVALID"
    return f"verified ({'given' if options.public_key else 'bundled'} key {fingerprint(key)[:16]})"


def _timestamp(
    base: Path,
    prefix: str,
    data: bytes,
    options: EvidenceOptions,
    report: VerifyReport,
    expected: set[str],
) -> str:
    reply = base / TIMESTAMP_NAME
    if not reply.is_file():
        if options.require_timestamp:
            report.defects.append(Defect("timestamp_required", prefix + MANIFEST_NAME, "none"))
        return "none"
    expected.add(prefix + TIMESTAMP_NAME)
    roots = load_ca_certificates(options.ca_certs)
    when, problem = check_timestamp_reply(reply.read_bytes(), data, roots)
    if problem:
        report.defects.append(Defect("timestamp_invalid", prefix + TIMESTAMP_NAME, problem))
        return "INVALID"
    if not roots:
        if options.require_timestamp:
            report.defects.append(Defect("timestamp_required", prefix + TIMESTAMP_NAME, "no --ca"))
        return f"present ({when}), UNCHECKED: pass --ca"
    return f"verified {when}"
