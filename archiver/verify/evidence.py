"""Checks of the evidence chain for ``archiver verify``: manifests, signatures, the run chain.

For every run with a ``manifest.json`` (:mod:`archiver.evidence.manifest`):

- the manifest is the one run.json names (``evidence.manifest_sha256``), and run.json but its
  evidence part is the copy the manifest holds (so neither was edited alone);
- every file it lists has that size and SHA-256, and no file was added to the run since;
- every item of items.jsonl hashes (canonical JSON) to its manifest entry, and its WARC
  pointer names a record of the run (same file, offset, id) with the payload digest listed;
- the signature (``evidence/manifest.sig``) holds for the archive's public key
  (``OUTPUT/keys/<fingerprint>.pub``) or the key given (``--public-key``); a run without one
  is *unsigned*: reported, never counted as verified (a defect with ``require_signature``);
- timestamp replies (``evidence/*.tsr``) are checked by :mod:`archiver.verify.timestamps`;
- the chain: the run's ``previous`` link names the run before it in the archive, and that
  run's manifest has the SHA-256 recorded (a deleted, inserted or edited run breaks it).

Runs finished before manifests existed have none: a note, not a defect.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from archiver.archive.hashes import files_added_since, sha256_file
from archiver.archive.layout import RunPaths
from archiver.evidence.manifest import (
    MANIFEST_NAME,
    canonical_json,
    read_manifest,
    run_snapshot,
    sha256_bytes,
)
from archiver.evidence.seal import KEYS_DIR, signature_path
from archiver.evidence.signing import (
    SigningKeyError,
    fingerprint,
    load_public_key,
    signature_holds,
)
from archiver.evidence.wacz import check_signed_wacz
from archiver.verify.warc import Defect, RecordEntry

__all__ = ["EvidenceOptions", "EvidenceReport", "check_evidence"]


@dataclass(frozen=True)
class EvidenceOptions:
    """What the verifier trusts: a public key and CA certificates given on the command line."""

    public_key: Path | None = None
    ca_certs: tuple[Path, ...] = ()
    require_signature: bool = False
    require_timestamp: bool = False


@dataclass
class EvidenceReport:
    """Per run: manifest / signature / timestamp state; the defects and notes found."""

    runs: dict[str, dict[str, Any]] = field(default_factory=dict)
    defects: list[Defect] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        lines = []
        for run_id, state in self.runs.items():
            parts = [
                f"manifest {state['manifest']}",
                f"signature {state['signature']}",
                f"timestamp {state['timestamp']}",
                f"chain {state['chain']}",
            ]
            if "wacz" in state:
                parts.append(f"WACZ {state['wacz']}")
            lines.append(f"  evidence {run_id}: " + ", ".join(parts))
        return lines

    def to_json(self) -> dict[str, Any]:
        return {"runs": self.runs}


TimestampCheck = Callable[[RunPaths, bytes, EvidenceOptions], tuple[str, list[Defect]]]


def check_evidence(
    runs: list[RunPaths],
    run_indexes: dict[str, dict[str, RecordEntry]],
    *,
    archive_root: Path | None,
    options: EvidenceOptions,
    check_timestamps: TimestampCheck | None = None,
) -> EvidenceReport:
    """Check the manifests of ``runs`` (oldest first); ``archive_root`` when the whole archive
    is checked (the chain then spans every run), None for one run dir."""
    report = EvidenceReport()
    keys_dir = (archive_root or runs[0].directory.parent.parent) / KEYS_DIR if runs else None
    manifests: dict[str, bytes] = {}
    for run in runs:
        state = {"manifest": "none", "signature": "none", "timestamp": "none", "chain": "-"}
        report.runs[run.run_id] = state
        path = run.directory / MANIFEST_NAME
        if not path.is_file():
            state["manifest"] = "missing"
            if _sealed_in_run_json(run):
                report.defects.append(
                    Defect("manifest_missing", run.run_id, "run.json names a manifest")
                )
            else:
                report.notes.append(f"{run.run_id}: no manifest (a run from before manifests)")
            continue
        data = path.read_bytes()
        manifests[run.run_id] = data
        try:
            manifest = read_manifest(path)
        except (OSError, ValueError) as error:
            state["manifest"] = "unreadable"
            report.defects.append(
                Defect("manifest_unreadable", f"{run.run_id}/{path.name}", str(error))
            )
            continue
        before = len(report.defects)
        _check_run_json(run, data, manifest, report)
        _check_files(run, manifest, report)
        _check_items(run, manifest, run_indexes.get(run.run_id, {}), report)
        _check_records(run, manifest, run_indexes.get(run.run_id, {}), report)
        state["manifest"] = "holds" if len(report.defects) == before else "FAILS"
        state["signature"] = _check_signature(run, data, manifest, keys_dir, options, report)
        if run.wacz.is_file():
            state["wacz"], problems = check_signed_wacz(run.wacz)
            report.defects.extend(
                Defect("wacz_signature_invalid", f"{run.run_id}/{run.wacz.name}", problem)
                for problem in problems
            )
        if check_timestamps is not None:
            state["timestamp"], defects = check_timestamps(run, data, options)
            report.defects.extend(defects)
        stamped = state["timestamp"].startswith("verified") and "MISSING" not in state["timestamp"]
        if options.require_timestamp and not stamped:
            report.defects.append(
                Defect("timestamp_required", run.run_id, f"timestamp {state['timestamp']}")
            )
    _check_chain(runs, manifests, report, whole_archive=archive_root is not None)
    return report


def _sealed_in_run_json(run: RunPaths) -> bool:
    try:
        record = json.loads(run.run_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    evidence = record.get("evidence") if isinstance(record, dict) else None
    return isinstance(evidence, dict) and bool(evidence.get("manifest"))


def _check_run_json(
    run: RunPaths, data: bytes, manifest: dict[str, Any], report: EvidenceReport
) -> None:
    name = run.run_id
    try:
        record = json.loads(run.run_json.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return  # reported by the run checks
    evidence = record.get("evidence") or {}
    if evidence.get("manifest_sha256") != sha256_bytes(data):
        report.defects.append(
            Defect(
                "manifest_digest_mismatch",
                f"{name}/{MANIFEST_NAME}",
                f"run.json names {evidence.get('manifest_sha256')}, the file is "
                f"{sha256_bytes(data)}",
            )
        )
    if run_snapshot(record) != manifest.get("run"):
        changed = sorted(
            key
            for key in set(run_snapshot(record)) | set(manifest.get("run") or {})
            if run_snapshot(record).get(key) != (manifest.get("run") or {}).get(key)
        )
        report.defects.append(
            Defect("run_json_not_as_sealed", f"{name}/run.json", f"changed: {', '.join(changed)}")
        )


def _check_files(run: RunPaths, manifest: dict[str, Any], report: EvidenceReport) -> None:
    name = run.run_id
    listed: dict[str, Any] = manifest.get("files") or {}
    for relative, entry in sorted(listed.items()):
        target = run.directory / relative
        where = f"{name}/{relative}"
        if not target.is_file():
            report.defects.append(Defect("manifest_file_missing", where, "listed in manifest"))
            continue
        size = target.stat().st_size
        if size != entry.get("size"):
            report.defects.append(
                Defect("manifest_file_changed", where, f"size {size} != {entry.get('size')}")
            )
            continue
        actual = sha256_file(target)
        if actual != entry.get("sha256"):
            report.defects.append(
                Defect("manifest_file_changed", where, f"sha256 {actual} != {entry.get('sha256')}")
            )
    for relative in files_added_since(run, listed):
        report.defects.append(
            Defect("file_not_in_manifest", f"{name}/{relative}", "added after the run was sealed")
        )


def _check_items(
    run: RunPaths,
    manifest: dict[str, Any],
    records: dict[str, RecordEntry],
    report: EvidenceReport,
) -> None:
    name = run.run_id
    entries: list[dict[str, Any]] = manifest.get("items") or []
    lines = _item_lines(run.items_jsonl)
    if len(lines) != len(entries):
        report.defects.append(
            Defect(
                "manifest_item_count",
                f"{name}/items.jsonl",
                f"{len(lines)} items, the manifest lists {len(entries)}",
            )
        )
    for entry, item in zip(entries, lines, strict=False):
        where = f"{name}/items.jsonl line {entry.get('line')}: {entry.get('url')}"
        digest = sha256_bytes(canonical_json(item)) if item is not None else None
        if digest != entry.get("sha256"):
            report.defects.append(
                Defect(
                    "item_hash_mismatch", where, f"item {digest} != manifest {entry.get('sha256')}"
                )
            )
        pointer = entry.get("warc")
        if not isinstance(pointer, dict):
            continue
        record = records.get(str(pointer.get("record_id")))
        if record is None:
            report.defects.append(
                Defect("manifest_record_missing", where, f"no record {pointer.get('record_id')}")
            )
            continue
        problems = []
        if (record.file, record.offset) != (pointer.get("filename"), pointer.get("offset")):
            problems.append(f"record is at {record.file}@{record.offset}")
        if record.payload_digest != pointer.get("payload_digest"):
            problems.append(f"payload {record.payload_digest} != {pointer.get('payload_digest')}")
        if problems:
            report.defects.append(Defect("manifest_record_mismatch", where, "; ".join(problems)))


def _check_records(
    run: RunPaths,
    manifest: dict[str, Any],
    records: dict[str, RecordEntry],
    report: EvidenceReport,
) -> None:
    """The manifest's records are the run's records, where they are (their bytes are
    covered by the files' hashes)."""
    listed: list[dict[str, Any]] = manifest.get("records") or []
    seen = set()
    for entry in listed:
        record_id = str(entry.get("record_id"))
        seen.add(record_id)
        found = records.get(record_id)
        where = f"{run.run_id}/{entry.get('file')}@{entry.get('offset')}"
        if found is None:
            report.defects.append(Defect("manifest_record_missing", where, record_id))
        elif (f"warc/{found.file}", found.offset, found.length) != (
            entry.get("file"),
            entry.get("offset"),
            entry.get("length"),
        ):
            report.defects.append(
                Defect(
                    "manifest_record_moved", where, f"{record_id} is at {found.file}@{found.offset}"
                )
            )
    unlisted = sorted(set(records) - seen)
    if listed and unlisted:
        report.defects.append(
            Defect("record_not_in_manifest", run.run_id, f"{len(unlisted)}: {unlisted[0]}...")
        )


def _item_lines(path: Path) -> list[dict[str, Any] | None]:
    """items.jsonl's items as they are on disk (None for a line that is not a JSON object)."""
    if not path.is_file():
        return []
    items: list[dict[str, Any] | None] = []
    # Split on "\n" only, as JSON Lines does (str.splitlines would also split on U+2028).
    for line in path.read_bytes().decode("utf-8", "replace").split("\n"):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except ValueError:
            value = None
        items.append(value if isinstance(value, dict) else None)
    return items


def _check_signature(
    run: RunPaths,
    data: bytes,
    manifest: dict[str, Any],
    keys_dir: Path | None,
    options: EvidenceOptions,
    report: EvidenceReport,
) -> str:
    name = run.run_id
    signature = signature_path(run.directory)
    if not signature.is_file():
        if options.require_signature:
            report.defects.append(Defect("unsigned", name, "the manifest has no signature"))
        else:
            report.notes.append(f"{name}: UNSIGNED (the manifest has no signature)")
        return "UNSIGNED"
    claimed = str(manifest.get("signing_key") or "")
    key_path = options.public_key or (keys_dir / f"{claimed}.pub" if keys_dir else None)
    if key_path is None or not key_path.is_file():
        report.defects.append(
            Defect("public_key_missing", name, f"no public key {claimed} (pass --public-key)")
        )
        return "UNCHECKED"
    try:
        public_key = load_public_key(key_path)
    except SigningKeyError as error:
        report.defects.append(Defect("public_key_unreadable", name, str(error)))
        return "UNCHECKED"
    if not signature_holds(public_key, data, signature.read_bytes()):
        report.defects.append(
            Defect(
                "signature_invalid",
                f"{name}/{MANIFEST_NAME}",
                f"the signature does not hold for key {fingerprint(public_key)} "
                "(the manifest was changed after signing, or another key signed it)",
            )
        )
        return "INVALID"
    if options.public_key is None:
        return f"verified (archive key {fingerprint(public_key)[:16]})"
    return f"verified (given key {fingerprint(public_key)[:16]})"


def _check_chain(
    runs: list[RunPaths],
    manifests: dict[str, bytes],
    report: EvidenceReport,
    *,
    whole_archive: bool,
) -> None:
    run_ids = [run.run_id for run in runs]
    for position, run in enumerate(runs):
        if run.run_id not in manifests:
            continue
        state = report.runs[run.run_id]
        try:
            link = json.loads(manifests[run.run_id]).get("previous")
        except ValueError:
            continue
        expected_previous = run_ids[position - 1] if position > 0 else None
        if not whole_archive:
            state["chain"] = "not checked (one run dir)"
            continue
        problems = _link_problems(link, expected_previous, manifests, run_ids)
        if problems:
            state["chain"] = "BROKEN"
            report.defects.append(Defect("run_chain_broken", run.run_id, "; ".join(problems)))
        else:
            state["chain"] = "holds" if link else "first run"


def _link_problems(
    link: Any,
    expected_previous: str | None,
    manifests: dict[str, bytes],
    run_ids: Iterable[str],
) -> list[str]:
    if not isinstance(link, dict):
        if expected_previous is not None:
            return [f"its manifest names no previous run, but run {expected_previous} is before it"]
        return []
    previous = str(link.get("run_id"))
    if previous not in set(run_ids):
        return [f"the previous run {previous} is missing from the archive (deleted?)"]
    problems = []
    if previous != expected_previous:
        problems.append(f"chained to run {previous}, but run {expected_previous} is before it")
    recorded = link.get("manifest_sha256")
    data = manifests.get(previous)
    if recorded is not None:
        if data is None:
            problems.append(f"run {previous}'s manifest is gone")
        elif hashlib.sha256(data).hexdigest() != recorded:
            problems.append(f"run {previous}'s manifest changed since this run chained to it")
    return problems
