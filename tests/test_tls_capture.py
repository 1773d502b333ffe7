"""Who served the bytes: the replica over HTTPS on loopback (a test CA made here); each
response record carries ``WARC-Protocol`` (http/1.1, tls/1.3), the first response from the
host is followed by a ``metadata`` record with the server's certificate, TLS version and
cipher, and the manifest lists the certificate's SHA-256."""

from __future__ import annotations

import hashlib
import json
import ssl
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.x509.oid import ExtendedKeyUsageOID
from helpers import LOOPBACK_ARGS, run_archiver
from tsa import issue, make_ca
from warcio.archiveiterator import ArchiveIterator

from archiver.archive.layout import ArchivePaths
from archiver.evidence.manifest import read_manifest
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.verify import verify_archive


@pytest.fixture(scope="module")
def https_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes, str]:
    base = tmp_path_factory.mktemp("https")
    ca_key, ca = make_ca("Archiver Test Web Root")
    key, certificate = issue(
        ca_key, ca, "127.0.0.1", usage=ExtendedKeyUsageOID.SERVER_AUTH,
        ip_addresses=("127.0.0.1",),
    )  # fmt: skip
    chain = base / "server.pem"
    chain.write_bytes(
        certificate.public_bytes(serialization.Encoding.PEM)
        + ca.public_bytes(serialization.Encoding.PEM)
    )
    key_file = base / "server.key"
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(chain, key_file)
    output = base / "out"
    with ReplicaServer(ReplicaSite(ReplicaOptions(posts=3, seed=2)), ssl_context=context) as server:
        assert server.listing_url.startswith("https://127.0.0.1:")
        completed = run_archiver(
            "crawl", "--start-url", server.listing_url, "--output", str(output),
            "-s", "DOWNLOADER_CLIENT_TLS_VERBOSE_LOGGING=True", *LOOPBACK_ARGS,
        )  # fmt: skip
        quiet = run_archiver(
            "crawl", "--start-url", server.listing_url, "--output", str(base / "no-tls-log"),
            *LOOPBACK_ARGS,
        )  # fmt: skip
        assert quiet.returncode == 0, quiet.stderr[-3000:]
        assert completed.returncode == 0, completed.stderr[-3000:]
        netloc = server.listing_url.split("/")[2]
    archive = ArchivePaths(output)
    der = certificate.public_bytes(serialization.Encoding.DER)
    return archive.run(archive.run_ids()[-1]).directory, der, netloc


def _records(run_dir: Path) -> list[tuple[str, dict[str, list[str]], bytes]]:
    found = []
    for warc in sorted((run_dir / "warc").glob("*.warc.gz")):
        with warc.open("rb") as stream:
            for record in ArchiveIterator(stream):
                headers: dict[str, list[str]] = {}
                for name, value in record.rec_headers.headers:
                    headers.setdefault(name, []).append(value)
                found.append((record.rec_type, headers, record.content_stream().read()))
    return found


def test_responses_name_their_protocols(https_run: tuple[Path, bytes, str]) -> None:
    run_dir, _, _ = https_run
    answers = [r for r in _records(run_dir) if r[0] in ("response", "revisit")]
    assert answers
    for _, headers, _ in answers:
        assert headers["WARC-Protocol"] == ["http/1.1", "tls/1.3"], headers


def test_without_tls_logging_the_version_is_unknown_not_guessed(
    https_run: tuple[Path, bytes, str],
) -> None:
    archive = ArchivePaths(https_run[0].parent.parent.parent / "no-tls-log")
    run_dir = archive.run(archive.run_ids()[-1]).directory
    records = _records(run_dir)
    assert all(h["WARC-Protocol"] == ["http/1.1"] for k, h, _ in records if k == "response")
    (identity,) = [json.loads(p) for k, _, p in records if k == "metadata"]
    assert identity["tls_version"] is None
    assert identity["certificate_sha256"] == hashlib.sha256(https_run[1]).hexdigest()


def test_the_server_is_identified_once_by_its_certificate(
    https_run: tuple[Path, bytes, str],
) -> None:
    run_dir, der, netloc = https_run
    records = _records(run_dir)
    metadata = [r for r in records if r[0] == "metadata"]
    assert len(metadata) == 1
    _, headers, payload = metadata[0]
    identity = json.loads(payload)
    first_response = next(h for kind, h, _ in records if kind == "response")
    assert headers["WARC-Concurrent-To"] == first_response["WARC-Record-ID"]
    assert identity["certificate_sha256"] == hashlib.sha256(der).hexdigest()
    assert identity["tls_version"] == "TLSv1.3" and identity["cipher"]
    assert identity["ip_address"] == "127.0.0.1"
    assert "BEGIN CERTIFICATE" in identity["certificate_pem"]
    manifest = read_manifest(run_dir / "manifest.json")
    assert manifest["certificates"][netloc]["certificate_sha256"] == hashlib.sha256(der).hexdigest()
    assert manifest["certificates"][netloc]["tls_version"] == "TLSv1.3"
    report = verify_archive(run_dir.parent.parent)
    assert report.ok, report.summary()


def test_a_proof_of_an_https_post_carries_the_certificate(
    https_run: tuple[Path, bytes, str], tmp_path: Path
) -> None:
    run_dir, der, _ = https_run
    item = json.loads((run_dir / "items.jsonl").read_text().splitlines()[0])
    bundle = tmp_path / "bundle"
    made = run_archiver(
        "prove", item["url"], "--archive", str(run_dir.parent.parent), "--out", str(bundle)
    )
    assert made.returncode == 0, made.stderr
    assert run_archiver("verify", str(bundle)).returncode == 0
    assert hashlib.sha256(der).hexdigest() in (bundle / "VERIFY.txt").read_text()
