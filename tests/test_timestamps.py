"""RFC 3161 timestamps against a real TSA on loopback (OpenSSL's ``ts -reply``): the manifest
and each WARC stamped when a run ends, checked by ``openssl ts -verify`` and by ``archiver
verify --ca``; a TSA that is down leaves the run complete and untimestamped, and
``archiver timestamp`` adds the missing replies later."""

from __future__ import annotations

import json
import shutil
import socket
from pathlib import Path

import pytest
from helpers import LOOPBACK_ARGS, run_archiver
from tsa import LocalTsa, openssl_ts_verify

from archiver.archive.layout import ArchivePaths
from archiver.evidence.timestamps import request_timestamp
from archiver.files import read_json
from archiver.verify import EvidenceOptions, verify_archive


@pytest.fixture(scope="module")
def tsa(tmp_path_factory: pytest.TempPathFactory) -> LocalTsa:
    with LocalTsa(tmp_path_factory.mktemp("tsa")) as server:
        yield server


def _demo(output: Path, *settings: str) -> Path:
    args = [arg for setting in settings for arg in ("-s", setting)]
    completed = run_archiver(
        "demo", "--output", str(output), "--posts", "3", "--fault-rate", "0",
        *args, *LOOPBACK_ARGS, timeout=180,
    )  # fmt: skip
    assert completed.returncode == 0, completed.stdout[-2000:] + completed.stderr[-3000:]
    paths = ArchivePaths(output)
    return paths.run(paths.run_ids()[-1]).directory


def _closed_port_url() -> str:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}/tsa"


def test_a_reply_verifies_with_openssl(tsa: LocalTsa, tmp_path: Path) -> None:
    data = tmp_path / "data.txt"
    data.write_bytes(b"what the page said")
    reply = tmp_path / "data.txt.tsr"
    reply.write_bytes(request_timestamp(data.read_bytes(), tsa.url))
    checked = openssl_ts_verify(data, reply, tsa.ca_pem)
    assert checked.returncode == 0 and "Verification: OK" in checked.stdout, checked.stderr
    data.write_bytes(b"what the page did not say")
    assert openssl_ts_verify(data, reply, tsa.ca_pem).returncode != 0


@pytest.fixture(scope="module")
def stamped_run(tsa: LocalTsa, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _demo(tmp_path_factory.mktemp("stamped") / "out", f"ARCHIVER_TSA_URL={tsa.url}")


def test_a_run_ends_timestamped(stamped_run: Path, tsa: LocalTsa) -> None:
    evidence = read_json(stamped_run / "run.json")["evidence"]
    assert evidence["timestamped"] is True, evidence
    warcs = sorted(p.name for p in (stamped_run / "warc").glob("*.warc.gz"))
    assert sorted(evidence["timestamps"]) == ["manifest.json", *(f"warc/{w}" for w in warcs)]
    for name in evidence["timestamps"]:
        reply = stamped_run / "evidence" / f"{name}.tsr"
        assert openssl_ts_verify(stamped_run / name, reply, tsa.ca_pem).returncode == 0
    archive = stamped_run.parent.parent
    report = verify_archive(archive, evidence=EvidenceOptions(ca_certs=(tsa.ca_pem,)))
    assert report.ok, report.summary()
    assert "timestamp verified" in report.summary()
    unchecked = verify_archive(archive)
    assert unchecked.ok and "UNCHECKED: pass --ca" in unchecked.summary()
    cli = run_archiver("verify", str(archive), "--ca", str(tsa.ca_pem), "--require-timestamp")
    assert cli.returncode == 0, cli.stdout


def test_a_reply_from_another_ca_or_for_changed_bytes_is_named(
    stamped_run: Path, tsa: LocalTsa, tmp_path: Path
) -> None:
    with LocalTsa(tmp_path / "other") as other:
        report = verify_archive(
            stamped_run.parent.parent, evidence=EvidenceOptions(ca_certs=(other.ca_pem,))
        )
    assert {d.kind for d in report.defects} == {"timestamp_invalid"}
    copy = tmp_path / "copy"
    shutil.copytree(stamped_run.parent.parent, copy)
    run = ArchivePaths(copy).run(stamped_run.name).directory
    reply = run / "evidence" / "manifest.json.tsr"
    (run / "evidence" / "warc").mkdir(exist_ok=True)
    warc = sorted((run / "warc").glob("*.warc.gz"))[0]
    shutil.copy(reply, run / "evidence" / "warc" / f"{warc.name}.tsr")  # a reply for other bytes
    report = verify_archive(copy, evidence=EvidenceOptions(ca_certs=(tsa.ca_pem,)))
    assert [(d.kind, d.where) for d in report.defects] == [
        ("timestamp_invalid", f"{run.name}/warc/{warc.name}")
    ]


def test_a_tsa_that_is_down_leaves_the_run_complete_and_timestamp_adds_it_later(
    tsa: LocalTsa, tmp_path: Path
) -> None:
    run = _demo(tmp_path / "out", f"ARCHIVER_TSA_URL={_closed_port_url()}")
    record = read_json(run / "run.json")
    assert record["status"] == "complete"
    assert record["evidence"]["timestamped"] is False
    assert "manifest.json" in record["evidence"]["untimestamped"]
    assert "did not answer" in record["evidence"]["timestamp_error"]
    archive = tmp_path / "out"
    report = verify_archive(archive, evidence=EvidenceOptions(ca_certs=(tsa.ca_pem,)))
    assert report.ok and "timestamp MISSING" in report.summary()
    strict = run_archiver("verify", str(archive), "--require-timestamp", "--json")
    assert strict.returncode != 0
    assert "timestamp_required" in {d["kind"] for d in json.loads(strict.stdout)["defects"]}

    added = run_archiver("timestamp", str(archive), "--tsa-url", tsa.url)
    assert added.returncode == 0, added.stdout + added.stderr
    record = read_json(run / "run.json")
    assert record["evidence"]["timestamped"] is True and "untimestamped" not in record["evidence"]
    strict = run_archiver("verify", str(archive), "--require-timestamp", "--ca", str(tsa.ca_pem))
    assert strict.returncode == 0, strict.stdout
