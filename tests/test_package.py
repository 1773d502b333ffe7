"""A run ends with its CDXJ index and no WACZ (the captured bytes are stored once, in warc/);
``archiver package`` makes the WACZ on demand: ``wacz validate`` accepts it, it lists the posts
by title, its WARCs carry the hashes the run sealed, pywb's ``wb-manager add --unpack-wacz``
loads it, and a WARC changed since the run ended is refused with no file left behind."""

from __future__ import annotations

import gzip
import json
import os
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from helpers import LOOPBACK_ARGS, last_run, require_pywb, run_archiver, run_demo

from archiver.archive.layout import RunPaths
from archiver.archive.package import package_run
from archiver.cli import exit_codes
from archiver.files import read_json
from archiver.verify import verify_archive
from archiver.verify.wacz import validate_with_py_wacz


@pytest.fixture(scope="module")
def archive(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = run_demo(tmp_path_factory.mktemp("package") / "out", 6)
    run = last_run(output)
    assert run.cdxj.is_file() and not run.wacz.exists()  # the default: no second copy
    assert "archive.wacz" not in read_json(run.run_json)["files"]
    completed = run_archiver("package", str(output))
    assert completed.returncode == exit_codes.OK, completed.stderr[-2000:]
    assert str(run.wacz) in completed.stdout
    return output


@pytest.fixture(scope="module")
def run(archive: Path) -> RunPaths:
    return last_run(archive)


def _items(run: RunPaths) -> list[dict[str, object]]:
    return [json.loads(line) for line in run.items_jsonl.read_text().splitlines() if line]


def test_cdxj_indexes_every_response(run: RunPaths) -> None:
    lines = run.cdxj.read_text().splitlines()
    entries = [json.loads(line.split(" ", 2)[2]) for line in lines]
    assert lines == sorted(lines)
    urls = {entry.get("url") for entry in entries}
    for item in _items(run):
        pointer = item["warc"]
        assert isinstance(pointer, dict) and pointer["target_uri"] in urls


def test_wacz_has_required_files_and_validates(run: RunPaths) -> None:
    with zipfile.ZipFile(run.wacz) as wacz:
        names = set(wacz.namelist())
        pages = [json.loads(line) for line in wacz.read("pages/pages.jsonl").splitlines()]
        stored = {i.filename: i.compress_type for i in wacz.infolist()}
    assert {"datapackage.json", "datapackage-digest.json", "pages/pages.jsonl"} <= names
    assert {"indexes/index.cdx.gz", "indexes/index.idx"} <= names
    warcs = {f"archive/{p.name}" for p in run.warc_dir.glob("*.warc.gz")}
    assert warcs and warcs <= names
    for name in [*warcs, "indexes/index.cdx.gz"]:
        assert stored[name] == zipfile.ZIP_STORED, name
    assert validate_with_py_wacz(run.wacz) == []
    titled = {page["url"]: page.get("title") for page in pages[1:]}
    for item in _items(run):
        if item.get("http_status") == 200:
            assert titled[item["url"]] == item["title"]


def test_the_wacz_can_be_read_by_whoever_can_read_the_warcs(run: RunPaths) -> None:
    # A temporary file's private mode (0600) must not stay on the package it becomes.
    warc = next(run.warc_dir.glob("*.warc.gz"))
    assert run.wacz.stat().st_mode & 0o777 == warc.stat().st_mode & 0o777


def test_the_wacz_holds_what_the_run_sealed(run: RunPaths) -> None:
    sealed = read_json(run.run_json)["files"]
    with zipfile.ZipFile(run.wacz) as wacz:
        package = json.loads(wacz.read("datapackage.json"))
        index = gzip.decompress(wacz.read("indexes/index.cdx.gz"))
        copies = {name: wacz.read(name) for name in wacz.namelist() if name.startswith("archive/")}
    hashes = {r["path"]: r["hash"] for r in package["resources"]}
    for name, data in copies.items():
        warc = "warc/" + name.removeprefix("archive/")
        assert hashes[name] == "sha256:" + sealed[warc]
        assert data == (run.directory / warc).read_bytes()
    assert index == run.cdxj.read_bytes()  # the run's own index, not a second indexing


def test_archiver_verify_checks_the_packaged_run(archive: Path) -> None:
    report = verify_archive(archive)
    assert report.ok, report.summary()
    assert not any("archive.wacz" in note for note in report.notes)


def test_pywb_loads_the_wacz(run: RunPaths, tmp_path: Path) -> None:
    env = dict(os.environ)
    manager = [require_pywb(), "-c", "from pywb.manager.manager import main; main()"]
    subprocess.run(
        [*manager, "init", "evidence"], cwd=tmp_path, env=env, check=True, capture_output=True
    )
    completed = subprocess.run(
        [*manager, "add", "--unpack-wacz", "evidence", str(run.wacz)],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stderr
    index = tmp_path / "collections" / "evidence" / "indexes" / "index.cdxj"
    indexed = index.read_text()
    for item in _items(run):
        if item.get("http_status") == 200:
            assert item["url"] in indexed


def _copy(archive: Path, tmp_path: Path) -> RunPaths:
    copy = tmp_path / "archive"
    shutil.copytree(archive, copy)
    return last_run(copy)


def _tamper(run: RunPaths) -> None:
    warc = sorted(run.warc_dir.glob("*.warc.gz"))[0]
    data = bytearray(warc.read_bytes())
    data[len(data) // 2] ^= 0xFF
    warc.write_bytes(bytes(data))


def test_a_changed_warc_is_refused_and_nothing_is_written(archive: Path, tmp_path: Path) -> None:
    run = _copy(archive, tmp_path)
    before = run.wacz.read_bytes()
    _tamper(run)
    completed = run_archiver("package", str(run.directory))
    assert completed.returncode == exit_codes.FAILED
    assert "differs from the hash the run sealed" in completed.stderr
    assert run.wacz.read_bytes() == before  # the older package is kept as it was
    other = tmp_path / "elsewhere.wacz"
    completed = run_archiver("package", str(run.directory), "--output", str(other))
    assert completed.returncode == exit_codes.FAILED
    assert not other.exists()
    leftovers = [p.name for p in [*run.directory.iterdir(), *tmp_path.iterdir()]]
    assert not [name for name in leftovers if name.endswith(".tmp")], leftovers


def test_a_changed_index_is_refused(archive: Path, tmp_path: Path) -> None:
    run = _copy(archive, tmp_path)
    run.wacz.unlink()
    lines = run.cdxj.read_text().splitlines(keepends=True)
    run.cdxj.write_text("".join(lines[:-1]))
    completed = run_archiver("package", str(run.directory))
    assert completed.returncode == exit_codes.FAILED
    assert "index.cdxj differs from the hash the run sealed" in completed.stderr
    assert not run.wacz.exists()


def test_a_wacz_that_is_not_the_sealed_warcs_fails_verify(archive: Path, tmp_path: Path) -> None:
    run = _copy(archive, tmp_path)
    _tamper(run)
    kinds = {d.kind for d in verify_archive(run.directory).defects}
    assert "wacz_not_as_sealed" not in kinds  # the WACZ still names the sealed hashes...
    assert "run_file_hash_mismatch" in kinds  # ...and the WARC in warc/ is the damage
    record = read_json(run.run_json)
    record["files"] = {
        k: "0" * 64 if k.startswith("warc/") else v for k, v in record["files"].items()
    }
    run.run_json.write_text(json.dumps(record))
    kinds = {d.kind for d in verify_archive(run.directory).defects}
    assert "wacz_not_as_sealed" in kinds


def test_a_run_made_with_wacz_each_run_keeps_its_sealed_package(tmp_path: Path) -> None:
    completed = run_archiver(
        "demo", "--output", str(tmp_path / "out"), "--posts", "2", "--fault-rate", "0",
        "-s", "ARCHIVER_WACZ_EACH_RUN=1", *LOOPBACK_ARGS, timeout=180,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stderr[-3000:]
    run = last_run(tmp_path / "out")
    assert "archive.wacz" in read_json(run.run_json)["files"]
    assert validate_with_py_wacz(run.wacz) == []
    before = run.wacz.read_bytes()
    completed = run_archiver("package", str(tmp_path / "out"))
    assert completed.returncode == exit_codes.OK
    assert "sealed with it" in completed.stderr
    assert run.wacz.read_bytes() == before
    run.wacz.unlink()
    kinds = {d.kind for d in verify_archive(tmp_path / "out").defects}
    assert "wacz_missing" in kinds


def test_usage_errors(archive: Path, tmp_path: Path) -> None:
    assert run_archiver("package", str(tmp_path)).returncode == exit_codes.USAGE
    completed = run_archiver("package", str(archive), "20000101T000000Z")
    assert (
        completed.returncode == exit_codes.USAGE and "no run 20000101T000000Z" in completed.stderr
    )


def test_a_run_that_ends_again_drops_its_older_wacz(archive: Path, tmp_path: Path) -> None:
    """A resumed run ends again with more records: a WACZ made before would not hold them."""
    run = _copy(archive, tmp_path)
    assert run.wacz.is_file()
    package_run(run)
    assert not run.wacz.exists() and run.cdxj.is_file()


def test_a_missing_sealed_warc_or_index_is_refused(archive: Path, tmp_path: Path) -> None:
    """A package without a sealed file would hold an index pointing into what it lacks."""
    run = _copy(archive, tmp_path)
    run.wacz.unlink()
    run.cdxj.unlink()
    completed = run_archiver("package", str(run.directory))
    assert completed.returncode == exit_codes.FAILED
    assert "sealed file(s) missing: indexes/index.cdxj" in completed.stderr
    assert not run.wacz.exists()
    run = _copy(archive, tmp_path / "two")
    run.wacz.unlink()
    warc = sorted(run.warc_dir.glob("*.warc.gz"))[-1]
    extra = warc.with_name(warc.name.replace(".warc.gz", "-1.warc.gz"))
    shutil.copy(warc, extra)  # two WARCs sealed, then one of them gone
    record = read_json(run.run_json)
    record["files"][f"warc/{extra.name}"] = record["files"][f"warc/{warc.name}"]
    run.run_json.write_text(json.dumps(record))
    extra.unlink()
    completed = run_archiver("package", str(run.directory))
    assert completed.returncode == exit_codes.FAILED
    assert f"sealed file(s) missing: {extra.name}" in completed.stderr
    assert not run.wacz.exists()


def test_output_never_replaces_a_file_of_the_archive_or_a_non_wacz(
    archive: Path, tmp_path: Path
) -> None:
    run = _copy(archive, tmp_path)
    root = run.directory.parent.parent
    manifest = run.directory / "manifest.json"
    before = manifest.read_bytes()
    stranger = tmp_path / "notes.txt"
    stranger.write_text("mine")
    for output, said in [
        (manifest, "inside the archive"),
        (root / "export.wacz", "inside the archive"),
        (stranger, "is not a WACZ"),
        (tmp_path, "is a directory"),
    ]:
        completed = run_archiver("package", str(run.directory), "--output", str(output))
        assert completed.returncode == exit_codes.USAGE, (output, completed.stderr)
        assert said in completed.stderr
    assert manifest.read_bytes() == before and stranger.read_text() == "mine"
    assert not (root / "export.wacz").exists()


def test_a_signing_key_named_but_unusable_writes_nothing(archive: Path, tmp_path: Path) -> None:
    other = tmp_path / "signed.wacz"
    completed = run_archiver(
        "package", str(archive), "--output", str(other), "--signing-key", str(tmp_path / "nokey")
    )
    assert completed.returncode == exit_codes.FAILED
    assert "no ECDSA companion key" in completed.stderr
    assert not other.exists()


def test_an_unreadable_run_json_is_one_line(archive: Path, tmp_path: Path) -> None:
    for content in ("{bad", "[1]"):
        run = _copy(archive, tmp_path / content.strip("{[]") / "x")
        run.run_json.write_text(content)
        completed = run_archiver(
            "package", str(run.directory), "--output", str(tmp_path / "o.wacz")
        )
        assert completed.returncode == exit_codes.FAILED, completed.stderr
        assert "Traceback" not in completed.stderr
        assert "run.json" in completed.stderr


def test_all_packages_every_finished_run_and_skips_the_others(
    archive: Path, tmp_path: Path
) -> None:
    run = _copy(archive, tmp_path)
    run.wacz.unlink()
    unfinished = run.directory.parent / "29991231T000000Z"
    unfinished.mkdir()
    (unfinished / "run.json").write_text(json.dumps({"status": "running"}))
    completed = run_archiver("package", str(run.directory.parent.parent), "--all")
    assert completed.returncode == exit_codes.OK, completed.stderr
    assert "29991231T000000Z: skipped (not finished)" in completed.stderr
    assert run.wacz.is_file() and not (unfinished / "archive.wacz").exists()
