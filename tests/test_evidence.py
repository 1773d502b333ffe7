"""The evidence chain on real crawls of the replica: manifests, Ed25519 signatures, the run
chain, and ``archiver verify`` naming each kind of tampering (a flipped WARC byte, an edited
item, a deleted middle run, a manifest re-hashed without re-signing)."""

from __future__ import annotations

import json
import shutil
import stat
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import LOOPBACK_ARGS, run_archiver, run_demo

from archiver.archive.hashes import sha256_file
from archiver.archive.layout import ArchivePaths
from archiver.evidence import canonical_json
from archiver.evidence.manifest import manifest_bytes, read_manifest, sha256_bytes
from archiver.files import read_json, read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.verify import EvidenceOptions, verify_archive


@dataclass
class SignedArchive:
    root: Path
    key: Path
    fingerprint: str


@pytest.fixture(scope="module")
def signed_archive(tmp_path_factory: pytest.TempPathFactory) -> SignedArchive:
    base = tmp_path_factory.mktemp("evidence")
    key = base / "keys" / "signing.key"
    made = run_archiver("keygen", "--out", str(key))
    assert made.returncode == 0, made.stderr
    fingerprint = made.stdout.split("fingerprint: ")[1].split()[0]
    output = base / "out"
    site = ReplicaSite(ReplicaOptions(posts=6, seed=3))
    with ReplicaServer(site) as server:
        for round_ in range(3):
            if round_:
                site.add_post(title=f"Statement {round_}", body=f"Body {round_}.")
            crawl = run_archiver(
                "crawl", "--start-url", server.listing_url, "--output", str(output),
                "-s", f"ARCHIVER_SIGNING_KEY={key}", *LOOPBACK_ARGS,
            )  # fmt: skip
            assert crawl.returncode == 0, crawl.stderr[-3000:]
    assert len(ArchivePaths(output).run_ids()) == 3
    return SignedArchive(output, key, fingerprint)


@pytest.fixture
def archive(signed_archive: SignedArchive, tmp_path: Path) -> Path:
    copy = tmp_path / "archive"
    shutil.copytree(signed_archive.root, copy)
    return copy


def _runs(root: Path) -> list[Path]:
    paths = ArchivePaths(root)
    return [paths.run(run_id).directory for run_id in paths.run_ids()]


def _defects(root: Path, **options: object) -> list[tuple[str, str]]:
    report = verify_archive(root, evidence=EvidenceOptions(**options))  # type: ignore[arg-type]
    return [(d.kind, d.where) for d in report.defects]


def test_keygen_writes_a_private_key_only_its_owner_reads(signed_archive: SignedArchive) -> None:
    assert stat.S_IMODE(signed_archive.key.stat().st_mode) == 0o600
    assert signed_archive.key.with_name("signing.key.pub").is_file()
    again = run_archiver("keygen", "--out", str(signed_archive.key))
    assert again.returncode == 2 and "not overwriting" in again.stderr


def test_signed_chain_verifies(signed_archive: SignedArchive) -> None:
    root = signed_archive.root
    report = verify_archive(root)
    assert report.ok, report.summary()
    assert report.evidence is not None
    states = list(report.evidence.runs.values())
    assert [s["chain"] for s in states] == ["first run", "holds", "holds"]
    assert all(s["signature"].startswith("verified") for s in states)
    assert all(s["manifest"] == "holds" for s in states)
    assert (root / "keys" / f"{signed_archive.fingerprint}.pub").is_file()
    runs = _runs(root)
    first, second = (read_manifest(run / "manifest.json") for run in runs[:2])
    assert second["previous"] == {
        "run_id": runs[0].name,
        "manifest_sha256": sha256_file(runs[0] / "manifest.json"),
    }
    assert first["previous"] is None and first["signing_key"] == signed_archive.fingerprint
    # every file of the run (but run.json and the evidence made from the manifest), sized
    on_disk = {
        p.relative_to(runs[0]).as_posix()
        for p in runs[0].rglob("*")
        if p.is_file() and p.name != "run.json" and p.name != "manifest.json"
        and not p.relative_to(runs[0]).as_posix().startswith("evidence/")
    }  # fmt: skip
    assert set(first["files"]) == on_disk and "indexes/index.cdxj" in on_disk
    for name, entry in first["files"].items():
        assert entry == {
            "sha256": sha256_file(runs[0] / name),
            "size": (runs[0] / name).stat().st_size,
        }
    items = list(read_jsonl(runs[0] / "items.jsonl"))
    assert [e["sha256"] for e in first["items"]] == [
        sha256_bytes(canonical_json(item)) for item in items
    ]
    assert first["items"][0]["warc"]["payload_digest"] == items[0]["warc"]["payload_digest"]
    record = read_json(runs[0] / "run.json")
    assert record["evidence"]["signed"] is True
    assert record["evidence"]["manifest_sha256"] == sha256_file(runs[0] / "manifest.json")
    assert {k: v for k, v in record.items() if k != "evidence"} == first["run"]


def test_verify_cli_reports_signatures_and_json(signed_archive: SignedArchive) -> None:
    pub = signed_archive.key.with_name("signing.key.pub")
    completed = run_archiver("verify", str(signed_archive.root), "--public-key", str(pub))
    assert completed.returncode == 0, completed.stdout
    assert completed.stdout.count("signature verified (given key") == 3
    as_json = run_archiver("verify", str(signed_archive.root), "--json", "--require-signature")
    report = json.loads(as_json.stdout)
    assert report["ok"] is True and len(report["evidence"]["runs"]) == 3


def test_a_run_signed_by_another_key_fails_with_the_given_key(
    signed_archive: SignedArchive, tmp_path: Path
) -> None:
    other = tmp_path / "other.key"
    assert run_archiver("keygen", "--out", str(other)).returncode == 0
    kinds = _defects(signed_archive.root, public_key=other.with_name("other.key.pub"))
    assert [kind for kind, _ in kinds] == ["signature_invalid"] * 3


def test_unsigned_runs_are_reported_unsigned_never_verified(tmp_path: Path) -> None:
    output = run_demo(tmp_path / "demo", 3)
    report = verify_archive(output)
    assert report.ok, report.summary()
    assert "signature UNSIGNED" in report.summary() and "verified" not in report.summary()
    assert [kind for kind, _ in _defects(output, require_signature=True)] == ["unsigned"]


def test_a_flipped_byte_in_a_warc_is_named(archive: Path) -> None:
    run = _runs(archive)[1]
    warc = sorted((run / "warc").glob("*.warc.gz"))[0]
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0x01
    warc.write_bytes(bytes(data))
    defects = _defects(archive)
    assert ("manifest_file_changed", f"{run.name}/warc/{warc.name}") in defects


def test_an_edited_item_is_named(archive: Path) -> None:
    run = _runs(archive)[0]
    lines = (run / "items.jsonl").read_text(encoding="utf-8").splitlines()
    item = json.loads(lines[2])
    item["title"] = "A title the page never had"
    lines[2] = json.dumps(item, ensure_ascii=False)
    (run / "items.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    defects = _defects(archive)
    assert ("item_hash_mismatch", f"{run.name}/items.jsonl line 3: {item['url']}") in defects
    assert ("manifest_file_changed", f"{run.name}/items.jsonl") in defects


def test_a_deleted_middle_run_breaks_the_chain(archive: Path) -> None:
    first, middle, last = _runs(archive)
    shutil.rmtree(middle)
    posts = [p for p in read_jsonl(archive / "posts.jsonl") if p.get("run_id") != middle.name]
    (archive / "posts.jsonl").write_text(
        "".join(json.dumps(p, ensure_ascii=False) + "\n" for p in posts), encoding="utf-8"
    )
    defects = _defects(archive)
    assert [kind for kind, _ in defects] == ["run_chain_broken"]
    assert defects[0][1] == last.name
    assert middle.name in verify_archive(archive).summary()


def test_a_manifest_rehashed_without_resigning_is_named(archive: Path) -> None:
    """Edit an item, then make every hash agree again (manifest, run.json) as a forger
    without the private key could: the signature and the next run's chain link say so."""
    first, middle, last = _runs(archive)
    items_path = middle / "items.jsonl"
    items = list(read_jsonl(items_path))
    items[0]["title"] = "Forged"
    items_path.write_text(
        "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items), encoding="utf-8"
    )
    manifest = read_manifest(middle / "manifest.json")
    manifest["items"][0]["sha256"] = sha256_bytes(canonical_json(items[0]))
    manifest["files"]["items.jsonl"] = {
        "sha256": sha256_file(items_path),
        "size": items_path.stat().st_size,
    }
    record = read_json(middle / "run.json")
    record["files"]["items.jsonl"] = sha256_file(items_path)
    manifest["run"] = {k: v for k, v in record.items() if k != "evidence"}
    data = manifest_bytes(manifest)
    (middle / "manifest.json").write_bytes(data)
    record["evidence"]["manifest_sha256"] = sha256_bytes(data)
    (middle / "run.json").write_text(json.dumps(record, indent=2), encoding="utf-8")
    defects = _defects(archive)
    assert ("signature_invalid", f"{middle.name}/manifest.json") in defects
    assert ("run_chain_broken", last.name) in defects
    assert len(defects) == 2, defects


def test_item_hashes_survive_line_separators_inside_text(tmp_path: Path) -> None:
    """JSON Lines split on "\\n" only: a title with U+2028 is one item to both sides."""
    from archiver.evidence.manifest import item_entries
    from archiver.files import atomic_write_jsonl
    from archiver.verify.evidence import _item_lines

    path = tmp_path / "items.jsonl"
    items = [{"url": "https://a.example/1", "title": "one\u2028two\u0085three"}, {"url": "b"}]
    atomic_write_jsonl(path, items)
    sealed = [entry["sha256"] for entry in item_entries(read_jsonl(path))]
    read_back = [sha256_bytes(canonical_json(item)) for item in _item_lines(path)]
    assert sealed == read_back and len(sealed) == 2


def test_a_streamed_manifest_is_byte_for_byte_the_one_built_whole(tmp_path: Path) -> None:
    """write_manifest (items and records one at a time) writes exactly manifest_bytes of
    build_manifest: the format and the digest verify checks do not change."""
    import io
    from datetime import UTC, datetime

    from archiver.evidence.manifest import build_manifest, write_manifest

    items = [
        {"url": "https://a.example/1", "title": 'Ürümçi ئۈرۈمچى\u2028\n"q"', "warc": {"o": 1}},
        {"url": "b", "tags": [], "nested": {"z": [1, {"y": None}], "a": {}}, "warc": None},
    ]
    records = [
        {"file": "warc/a.warc.gz", "offset": 0, "length": 9, "concurrent_to": []},
        {"file": "warc/a.warc.gz", "offset": 9, "length": 3, "concurrent_to": ["<urn:x>"]},
    ]
    moment = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    for these_items, these_records, certificates in (
        (items, records, {"b.example": {"sha": "1"}, "a.example": {}}),
        ([], [], {}),
    ):
        common = {
            "run_id": "20260101T000000Z",
            "record": {"status": "complete", "posts": {"seen": 2}, "evidence": {"x": 1}},
            "files": {"items.jsonl": {"sha256": "ab", "size": 3}, "a": {"sha256": "c", "size": 1}},
            "previous": {"run_id": "20251231T000000Z", "manifest_sha256": None},
            "certificates": certificates,
            "signing_key": None,
            "created": moment,
        }
        whole = manifest_bytes(
            build_manifest(**common, items=these_items, records=these_records)  # type: ignore[arg-type]
        )
        out = io.BytesIO()
        digest = write_manifest(out, **common, items=iter(these_items), records=iter(these_records))  # type: ignore[arg-type]
        assert out.getvalue() == whole
        assert digest == sha256_bytes(whole)


def test_a_real_runs_manifest_is_as_manifest_bytes_writes_it(
    signed_archive: SignedArchive,
) -> None:
    for run_id in ArchivePaths(signed_archive.root).run_ids():
        path = ArchivePaths(signed_archive.root).run(run_id).directory / "manifest.json"
        assert manifest_bytes(read_manifest(path)) == path.read_bytes()
