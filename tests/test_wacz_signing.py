"""The run's WACZ carries ``signedData`` (wacz-auth 0.1.0, anonymous signing, ECDSA) with an
RFC 3161 time signature when a TSA is set; py-wacz's validator accepts it, and an independent
check of the spec (here, with ``cryptography`` only) verifies the signature."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from helpers import LOOPBACK_ARGS, run_archiver
from rfc3161_client import VerifierBuilder, decode_timestamp_response
from tsa import LocalTsa

from archiver.archive.layout import ArchivePaths
from archiver.evidence.wacz import DIGEST_MEMBER, check_signed_wacz
from archiver.files import read_json
from archiver.verify import verify_archive
from archiver.verify.wacz import validate_with_py_wacz


@pytest.fixture(scope="module", params=["on demand", "each run"])
def signed(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, Path]:
    """A signed run's WACZ: made by ``archiver package`` (with the key and TSA the run was
    sealed with), or as the run ended (``ARCHIVER_WACZ_EACH_RUN``)."""
    base = tmp_path_factory.mktemp("wacz")
    key = base / "signing.key"
    assert run_archiver("keygen", "--out", str(key)).returncode == 0
    each_run = request.param == "each run"
    with LocalTsa(base / "tsa") as tsa:
        completed = run_archiver(
            "demo", "--output", str(base / "out"), "--posts", "2", "--fault-rate", "0",
            "-s", f"ARCHIVER_SIGNING_KEY={key}", "-s", f"ARCHIVER_TSA_URL={tsa.url}",
            "-s", f"ARCHIVER_WACZ_EACH_RUN={each_run}", *LOOPBACK_ARGS, timeout=180,
        )  # fmt: skip
        assert completed.returncode == 0, completed.stderr[-3000:]
        if not each_run:
            completed = run_archiver("package", str(base / "out"))
            assert completed.returncode == 0, completed.stderr[-3000:]
        ca = base / "ca.pem"
        shutil.copy(tsa.ca_pem, ca)
    archive = ArchivePaths(base / "out")
    return archive.run(archive.run_ids()[-1]).wacz, ca


def test_the_wacz_is_signed_as_the_spec_says(signed: tuple[Path, Path]) -> None:
    wacz, ca = signed
    with zipfile.ZipFile(wacz) as archive:
        package = archive.read("datapackage.json")
        digest = json.loads(archive.read(DIGEST_MEMBER))
    data = digest["signedData"]
    assert data["hash"] == digest["hash"] == "sha256:" + hashlib.sha256(package).hexdigest()
    assert data["created"] == json.loads(package)["created"]
    key = serialization.load_der_public_key(base64.b64decode(data["publicKey"]))
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp384r1"
    key.verify(  # raises when it does not hold
        base64.b64decode(data["signature"]), data["hash"].encode(), ec.ECDSA(hashes.SHA256())
    )
    reply = decode_timestamp_response(base64.b64decode(data["timeSignature"]))
    root = serialization.load_pem_public_key  # noqa: F841 (documenting: CA below)

    verifier = VerifierBuilder().add_root_certificate(
        x509.load_pem_x509_certificate(ca.read_bytes())
    )
    assert verifier.build().verify_message(reply, data["signature"].encode("ascii"))
    assert "BEGIN CERTIFICATE" in data["timestampCert"]


def test_py_wacz_and_verify_accept_it_and_a_forged_one_fails(
    signed: tuple[Path, Path], tmp_path: Path
) -> None:
    wacz, _ = signed
    assert validate_with_py_wacz(wacz) == []
    assert check_signed_wacz(wacz) == ("signed+timestamped", [])
    run_dir = wacz.parent
    sealed = read_json(run_dir / "run.json")
    if "archive.wacz" in sealed["files"]:  # made as the run ended: sealed with it
        assert sealed["evidence"]["wacz"] == "signed+timestamped"
    report = verify_archive(run_dir.parent.parent)
    assert report.ok and "WACZ signed+timestamped" in report.summary(), report.summary()
    forged = tmp_path / "forged.wacz"
    with zipfile.ZipFile(wacz) as source, zipfile.ZipFile(forged, "w") as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename == DIGEST_MEMBER:
                digest = json.loads(data)
                other = ec.generate_private_key(ec.SECP384R1())
                digest["signedData"]["signature"] = base64.b64encode(
                    other.sign(digest["hash"].encode(), ec.ECDSA(hashes.SHA256()))
                ).decode()
                data = json.dumps(digest).encode()
            target.writestr(info, data)
    state, problems = check_signed_wacz(forged)
    assert problems == [
        "the signature does not hold for publicKey",
        "timeSignature stamps another signature",
    ]
