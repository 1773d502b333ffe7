"""``archiver prove``: a bundle for one post that a third party checks with sha256sum,
openssl and warcio alone, that ``archiver verify BUNDLE`` checks too, and that fails when any
byte of it changes."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import LOOPBACK_ARGS, require_program, run_archiver
from tsa import LocalTsa, openssl_ts_verify

from archiver.archive.layout import ArchivePaths
from archiver.evidence.manifest import read_manifest
from archiver.files import read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.verify import EvidenceOptions
from archiver.verify.proof import verify_bundle


@dataclass
class Proven:
    bundle: Path
    ca: Path
    item: dict[str, object]


@pytest.fixture(scope="module")
def proven(tmp_path_factory: pytest.TempPathFactory) -> Proven:
    base = tmp_path_factory.mktemp("proof")
    key = base / "signing.key"
    assert run_archiver("keygen", "--out", str(key)).returncode == 0
    with LocalTsa(base / "tsa") as tsa:
        output = base / "out"
        completed = run_archiver(
            "demo", "--output", str(output), "--posts", "3", "--fault-rate", "0",
            "-s", f"ARCHIVER_SIGNING_KEY={key}", "-s", f"ARCHIVER_TSA_URL={tsa.url}",
            *LOOPBACK_ARGS, timeout=180,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr[-3000:]
        ca = base / "TSA-CA.pem"
        shutil.copy(tsa.ca_pem, ca)
    archive = ArchivePaths(output)
    run = archive.run(archive.run_ids()[-1])
    item = list(read_jsonl(run.items_jsonl))[1]
    bundle = base / "bundle"
    made = run_archiver("prove", str(item["url"]), "--archive", str(output), "--out", str(bundle))
    assert made.returncode == 0, made.stderr
    return Proven(bundle, ca, item)


def _run(*command: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(command, cwd=cwd, capture_output=True, text=True, timeout=60)


def test_the_bundle_holds_the_item_its_records_and_the_sealed_manifest(proven: Proven) -> None:
    names = sorted(p.relative_to(proven.bundle).as_posix() for p in proven.bundle.rglob("*.*"))
    assert names == [
        "VERIFY.txt", "item.json", "manifest.json", "manifest.json.tsr", "manifest.sig",
        "records/01-response.warc.gz", "records/02-request.warc.gz", "signing-key.pub",
    ]  # fmt: skip
    assert json.loads((proven.bundle / "item.json").read_bytes()) == proven.item
    verify = run_archiver("verify", str(proven.bundle), "--ca", str(proven.ca))
    assert verify.returncode == 0, verify.stdout
    assert "signature verified (bundled key" in verify.stdout
    assert "timestamp verified" in verify.stdout


def test_standard_tools_alone_check_the_bundle(proven: Proven) -> None:
    openssl = require_program("openssl", "the third party's check")
    sha256sum = require_program("sha256sum", "the third party's check")
    bundle = proven.bundle
    signature = _run(
        openssl, "pkeyutl", "-verify", "-pubin", "-inkey", "signing-key.pub", "-rawin",
        "-in", "manifest.json", "-sigfile", "manifest.sig", cwd=bundle,
    )  # fmt: skip
    assert "Signature Verified Successfully" in signature.stdout, signature.stderr
    stamped = openssl_ts_verify(bundle / "manifest.json", bundle / "manifest.json.tsr", proven.ca)
    assert "Verification: OK" in stamped.stdout, stamped.stderr
    manifest_text = (bundle / "manifest.json").read_text(encoding="utf-8")
    for name in ("item.json", "records/01-response.warc.gz", "records/02-request.warc.gz"):
        digest = _run(sha256sum, name, cwd=bundle).stdout.split()[0]
        assert digest in manifest_text, name
        assert digest in (bundle / "VERIFY.txt").read_text() or name == "item.json"
    warcio = Path(sys.executable).with_name("warcio")
    checked = _run(str(warcio), "check", "-v", *sorted(
        str(p) for p in (bundle / "records").glob("*.warc.gz")), cwd=bundle)  # fmt: skip
    assert checked.returncode == 0, checked.stdout + checked.stderr
    fingerprint = subprocess.run(
        f"{openssl} pkey -pubin -in signing-key.pub -outform DER | tail -c 32 | {sha256sum}",
        shell=True, cwd=bundle, capture_output=True, text=True, check=True,
    ).stdout.split()[0]  # fmt: skip
    assert fingerprint == read_manifest(bundle / "manifest.json")["signing_key"]
    assert f"must print {fingerprint}" in (bundle / "VERIFY.txt").read_text().replace(
        "which must print", "must print"
    )


def test_any_changed_byte_fails_the_bundle(proven: Proven, tmp_path: Path) -> None:
    options = EvidenceOptions(ca_certs=(proven.ca,))
    assert verify_bundle(proven.bundle, options).ok
    files = [p for p in sorted(proven.bundle.rglob("*")) if p.is_file() and p.name != "VERIFY.txt"]
    for number, original in enumerate(files):
        for position in (0, original.stat().st_size // 2, original.stat().st_size - 1):
            copy = tmp_path / f"b{number}-{position}"
            shutil.copytree(proven.bundle, copy)
            target = copy / original.relative_to(proven.bundle)
            data = bytearray(target.read_bytes())
            data[position] ^= 0x20
            target.write_bytes(bytes(data))
            report = verify_bundle(copy, options)
            assert not report.ok, f"{target.name}@{position} changed unnoticed"
    extra = tmp_path / "extra"
    shutil.copytree(proven.bundle, extra)
    (extra / "records" / "03-response.warc.gz").write_bytes(b"")
    assert not verify_bundle(extra, options).ok


def test_a_changed_manifest_fails_openssl_too(proven: Proven, tmp_path: Path) -> None:
    openssl = require_program("openssl", "the third party's check")
    copy = tmp_path / "bundle"
    shutil.copytree(proven.bundle, copy)
    manifest = copy / "manifest.json"
    manifest.write_bytes(manifest.read_bytes().replace(b'"format"', b'"Format"'))
    signature = _run(
        openssl, "pkeyutl", "-verify", "-pubin", "-inkey", "signing-key.pub", "-rawin",
        "-in", "manifest.json", "-sigfile", "manifest.sig", cwd=copy,
    )  # fmt: skip
    assert signature.returncode != 0
    assert openssl_ts_verify(manifest, copy / "manifest.json.tsr", proven.ca).returncode != 0
    assert hashlib.sha256(manifest.read_bytes()).hexdigest()  # the grep step now finds nothing


def test_a_revisit_is_proven_with_its_original_run(tmp_path: Path) -> None:
    """A full run without conditional requests fetches unchanged posts again: the item points
    at an identical-payload revisit whose payload is in the first run; the bundle carries that
    run's sealed record under original/."""
    key = tmp_path / "signing.key"
    assert run_archiver("keygen", "--out", str(key)).returncode == 0
    output = tmp_path / "out"
    with ReplicaServer(ReplicaSite(ReplicaOptions(posts=3, seed=4))) as server:
        for extra in ((), ("--full", "-s", "ARCHIVER_CONDITIONAL_REQUESTS=False")):
            crawl = run_archiver(
                "crawl", "--start-url", server.listing_url, "--output", str(output), *extra,
                "-s", f"ARCHIVER_SIGNING_KEY={key}", *LOOPBACK_ARGS,
            )  # fmt: skip
            assert crawl.returncode == 0, crawl.stderr[-3000:]
    archive = ArchivePaths(output)
    second = archive.run(archive.run_ids()[-1])
    revisits = [i for i in read_jsonl(second.items_jsonl) if (i.get("warc") or {}).get("refers_to")]
    assert revisits, "the full run wrote no revisit"
    bundle = tmp_path / "bundle"
    made = run_archiver(
        "prove", str(revisits[0]["url"]), "--archive", str(output), "--out", str(bundle)
    )
    assert made.returncode == 0, made.stderr
    assert (bundle / "original" / "manifest.json").is_file()
    assert (bundle / "original" / "records" / "01-response.warc.gz").is_file()
    report = verify_bundle(bundle, EvidenceOptions(require_signature=True))
    assert report.ok, report.summary()
    target = bundle / "original" / "records" / "01-response.warc.gz"
    data = bytearray(target.read_bytes())
    data[len(data) // 2] ^= 0x01
    target.write_bytes(bytes(data))
    assert not verify_bundle(bundle, EvidenceOptions()).ok
