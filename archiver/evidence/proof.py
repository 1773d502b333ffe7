"""A proof bundle for one post: everything a third party needs to check what a page said,
with standard tools (``sha256sum``, ``openssl``, ``warcio``) and without the archiver.

``OUT/`` holds:

- ``item.json``: the item, as the canonical JSON whose SHA-256 the manifest lists;
- ``records/NN-<type>.warc.gz``: the item's WARC response (or revisit) record, its request and
  any metadata record tied to it, each the exact bytes (one gzip member) the manifest hashes;
- ``manifest.json`` with ``manifest.sig`` (Ed25519), ``signing-key.pub`` and the timestamp
  reply ``manifest.json.tsr`` when the run had them;
- for a revisit, the same for the run that holds the original payload, under ``original/``;
- ``VERIFY.txt``: the commands, with the values they must print.

Nothing in the bundle needs to be trusted but the signed (and timestamped) manifest: every
other file is checked against it. ``VERIFY.txt`` is instructions only.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from archiver.evidence.manifest import MANIFEST_NAME, canonical_json, read_manifest, sha256_bytes
from archiver.evidence.records import read_record_bytes
from archiver.evidence.seal import signature_path
from archiver.evidence.timestamps import timestamp_path
from archiver.files import atomic_write_bytes, atomic_write_text
from archiver.warc.records import METADATA

__all__ = [
    "BUNDLE_MARKER",
    "ORIGINAL_DIR",
    "ProofError",
    "ProofSource",
    "build_proof",
    "is_proof_bundle",
]

BUNDLE_MARKER = "VERIFY.txt"
ORIGINAL_DIR = "original"
PUBLIC_KEY_NAME = "signing-key.pub"
SIGNATURE_NAME = "manifest.sig"
TIMESTAMP_NAME = "manifest.json.tsr"
RECORDS_DIR = "records"


class ProofError(ValueError):
    """The post cannot be proven from this archive (not found, run not sealed...)."""


@dataclass(frozen=True)
class ProofSource:
    """Where the post's item is: the run directory and its line in items.jsonl (from 1)."""

    run_dir: Path
    line: int
    runs_dir: Path
    keys_dir: Path


@dataclass
class _Written:
    records: list[dict[str, Any]] = field(default_factory=list)
    signed: bool = False
    timestamped: bool = False


def is_proof_bundle(path: Path) -> bool:
    return (path / BUNDLE_MARKER).is_file() and (path / "item.json").is_file()


def build_proof(source: ProofSource, out: Path) -> dict[str, Any]:
    """Write the bundle for the item at ``source`` into ``out`` (made, must be empty);
    returns the item."""
    manifest = _manifest(source.run_dir)
    lines = (source.run_dir / "items.jsonl").read_bytes().decode("utf-8").split("\n")
    item = json.loads(lines[source.line - 1])
    entry = manifest["items"][source.line - 1]
    if entry["sha256"] != sha256_bytes(canonical_json(item)):
        raise ProofError(f"item {source.line} does not match the manifest: verify the archive")
    if out.exists() and any(out.iterdir()):
        raise ProofError(f"{out} is not empty")
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(out / "item.json", canonical_json(item))
    pointer = item.get("warc") or {}
    written = _write_run(source.run_dir, manifest, str(pointer.get("record_id")), source, out)
    original_written = None
    refers_to = pointer.get("refers_to")
    if isinstance(refers_to, dict) and refers_to.get("run_id") not in (None, manifest["run_id"]):
        original_run = source.runs_dir / str(refers_to["run_id"])
        original_manifest = _manifest(original_run)
        original_written = _write_run(
            original_run,
            original_manifest,
            str(refers_to.get("record_id")),
            source,
            out / ORIGINAL_DIR,
        )
    atomic_write_text(
        out / BUNDLE_MARKER,
        verify_text(item, entry, manifest, written, original_written),
    )
    return dict(item)


def _manifest(run_dir: Path) -> dict[str, Any]:
    try:
        return read_manifest(run_dir / MANIFEST_NAME)
    except (OSError, ValueError) as error:
        raise ProofError(f"run {run_dir.name} has no usable manifest: {error}") from error


def _write_run(
    run_dir: Path, manifest: dict[str, Any], record_id: str, source: ProofSource, out: Path
) -> _Written:
    written = _Written()
    out.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(run_dir / MANIFEST_NAME, out / MANIFEST_NAME)
    if signature_path(run_dir).is_file():
        shutil.copyfile(signature_path(run_dir), out / SIGNATURE_NAME)
        key = source.keys_dir / f"{manifest.get('signing_key')}.pub"
        if key.is_file():
            shutil.copyfile(key, out / PUBLIC_KEY_NAME)
        written.signed = True
    if timestamp_path(run_dir, MANIFEST_NAME).is_file():
        shutil.copyfile(timestamp_path(run_dir, MANIFEST_NAME), out / TIMESTAMP_NAME)
        written.timestamped = True
    records = manifest.get("records") or []
    chosen = [r for r in records if r.get("record_id") == record_id]
    if not chosen:
        raise ProofError(f"record {record_id} is not in run {run_dir.name}'s manifest")
    chosen += [
        r
        for r in records
        if r.get("record_id") != record_id
        and (
            record_id in (r.get("concurrent_to") or [])
            or r.get("record_id") in chosen[0].get("concurrent_to", [])
        )
    ]
    host = urlsplit(str(chosen[0].get("target_uri"))).netloc
    identity = (manifest.get("certificates") or {}).get(host) or {}
    chosen += [
        r for r in records if identity.get("record_id") == r.get("record_id") and r not in chosen
    ]
    (out / RECORDS_DIR).mkdir(exist_ok=True)
    for number, record in enumerate(chosen, start=1):
        with (run_dir / record["file"]).open("rb") as stream:
            data = read_record_bytes(stream, record["offset"], record["length"])
        if sha256_bytes(data) != record["sha256"]:
            raise ProofError(f"record {record['record_id']} does not match the manifest")
        name = f"{RECORDS_DIR}/{number:02d}-{record['type']}.warc.gz"
        atomic_write_bytes(out / name, data)
        written.records.append({**record, "bundle_file": name})
    return written


def verify_text(
    item: dict[str, Any],
    entry: dict[str, Any],
    manifest: dict[str, Any],
    written: _Written,
    original: _Written | None,
) -> str:
    """VERIFY.txt: what to run, and what each command must print."""
    pointer = item.get("warc") or {}
    lines = [
        f"Proof that {item.get('url')} said what item.json says",
        f"(archived in run {manifest['run_id']}, items.jsonl line {entry['line']}).",
        "",
        "Everything is checked against manifest.json; trust it through its signature and",
        "timestamp (steps 1 and 2), then check every other file against it (steps 3 to 5).",
        "Needs: sha256sum, grep, openssl (3.x), warcio (pip install warcio). In this folder:",
        "",
        "1. The signature (Ed25519) over manifest.json:",
    ]
    if written.signed:
        lines += [
            f"     openssl pkeyutl -verify -pubin -inkey {PUBLIC_KEY_NAME} -rawin "
            f"-in {MANIFEST_NAME} -sigfile {SIGNATURE_NAME}",
            "   must print: Signature Verified Successfully",
            "   and the key must be the organisation's published key; its fingerprint is",
            f"     openssl pkey -pubin -in {PUBLIC_KEY_NAME} -outform DER | tail -c 32 | sha256sum",
            f"   which must print {manifest.get('signing_key')}",
        ]
    else:
        lines.append("   NONE: this run was not signed (nothing proves who made the manifest).")
    lines += ["", "2. The trusted timestamp (RFC 3161) of manifest.json:"]
    if written.timestamped:
        lines += [
            f"     openssl ts -verify -data {MANIFEST_NAME} -in {TIMESTAMP_NAME} "
            "-CAfile TSA-CA.pem",
            "   with the time stamp authority's CA certificate; must print: Verification: OK",
            f"   and the time is shown by: openssl ts -reply -in {TIMESTAMP_NAME} -text",
        ]
    else:
        lines.append("   NONE: this run was not timestamped.")
    lines += [
        "",
        "3. The item is the one the manifest lists:",
        "     grep -c \"$(sha256sum item.json | cut -d' ' -f1)\" manifest.json",
        f"   must print 1 or more (the item's SHA-256 is {entry['sha256']}).",
        "",
        "4. The WARC records are the ones the manifest lists, byte for byte:",
    ]
    for record in written.records:
        lines.append(f"     sha256sum {record['bundle_file']}    # must print {record['sha256']}")
    lines += [
        "   and each of those values appears in manifest.json (grep -c VALUE manifest.json).",
        "",
        "5. The records are whole and their digests hold, and the response is the item's:",
        f"     warcio check -v {RECORDS_DIR}/*.warc.gz",
        "     warcio index -f warc-type,warc-target-uri,warc-date,warc-payload-digest"
        f" {RECORDS_DIR}/*.warc.gz",
        f"   the item's record is {pointer.get('record_id')} of {pointer.get('target_uri')}",
        f"   at {pointer.get('date')} with payload digest {pointer.get('payload_digest')}",
        '   (also in item.json under "warc"). To see the page as it was served:',
        f"     warcio extract --payload {written.records[0]['bundle_file']} 0",
    ]
    metadata = [r for r in written.records if r.get("type") == METADATA]
    if metadata:
        certificate = (manifest.get("certificates") or {}).get(
            urlsplit(str(pointer.get("target_uri"))).netloc, {}
        )
        lines += [
            "",
            "Who served it (HTTPS): the server's certificate, TLS version and cipher, as seen",
            f"on the run's first connection to that host, are in {metadata[0]['bundle_file']}:",
            f"     warcio extract --payload {metadata[0]['bundle_file']} 0",
            f"   its certificate's SHA-256 is {certificate.get('certificate_sha256')}",
            '   (manifest.json "certificates"); check it with: openssl x509 -noout',
            "   -fingerprint -sha256 on its certificate_pem saved to a file.",
        ]
    if original is not None:
        lines += [
            "",
            "6. The item's record is a revisit (the page had not changed): the payload is in an",
            f"   earlier run's record, in {ORIGINAL_DIR}/. Repeat steps 1, 2 and 4 in that folder;",
            "   the payload digest there must equal the one above.",
        ]
    lines += [
        "",
        "Or, with the archiver installed: archiver verify THIS_FOLDER [--ca TSA-CA.pem]",
        "",
    ]
    return "\n".join(lines)
