"""Signing a run's WACZ per the WACZ Signing and Verification spec (wacz-auth 0.1.0), anonymous
signing: ``datapackage-digest.json`` gets a ``signedData`` object::

    {"hash": "sha256:<hex of datapackage.json>", "created": datapackage.json's "created",
     "software": "archiver <version>", "signature": base64 DER ECDSA (SHA-256) over the
     "hash" string, "publicKey": base64 SubjectPublicKeyInfo DER}

Anonymous signing needs an ECDSA key (what the spec's verifiers, such as ReplayWeb.page, import
with WebCrypto); ``archiver keygen`` makes a P-384 one beside the Ed25519 manifest key
(``<key>.ecdsa``). With a time stamp authority, ``timeSignature`` (base64 RFC 3161 reply over
the base64 signature string, as in domain signing) and ``timestampCert`` (PEM of the TSA's
certificate) are added, as proposed for anonymous signatures (webrecorder/specs#142).

py-wacz's ``wacz validate`` checks the digest and that ``created`` matches but leaves the
signature to ``--verify-auth``, which needs authsign and verifies domain signatures only; so
:func:`check_signed_wacz` checks an anonymous signature itself, as the spec says.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import zipfile
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from rfc3161_client import decode_timestamp_response

from archiver import __version__
from archiver.evidence.signing import SigningKeyError
from archiver.evidence.timestamps import request_timestamp
from archiver.files import atomic_writer

__all__ = [
    "DIGEST_MEMBER",
    "check_signed_wacz",
    "ecdsa_key_path",
    "generate_ecdsa_key",
    "load_ecdsa_key",
    "sign_wacz",
    "signed_data",
]

DIGEST_MEMBER = "datapackage-digest.json"
PACKAGE_MEMBER = "datapackage.json"


def ecdsa_key_path(signing_key: Path) -> Path:
    """Where the WACZ (ECDSA) key of the manifest key ``signing_key`` is kept."""
    return signing_key.with_name(signing_key.name + ".ecdsa")


def generate_ecdsa_key(path: Path) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)


def load_ecdsa_key(path: Path) -> ec.EllipticCurvePrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise SigningKeyError(f"cannot read WACZ signing key {path}: {error}") from error
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise SigningKeyError(f"{path} is not an ECDSA private key")
    return key


def signed_data(
    package: bytes, key: ec.EllipticCurvePrivateKey, *, tsa_url: str = ""
) -> dict[str, Any]:
    """The ``signedData`` of a WACZ whose ``datapackage.json`` is ``package`` (its bytes):
    made before the package is written, so signing needs no second copy of its WARCs."""
    hash_ = "sha256:" + hashlib.sha256(package).hexdigest()
    signature = base64.b64encode(key.sign(hash_.encode("ascii"), ec.ECDSA(hashes.SHA256())))
    signed: dict[str, Any] = {
        "hash": hash_,
        "created": json.loads(package)["created"],
        "software": f"archiver {__version__}",
        "signature": signature.decode("ascii"),
        "publicKey": base64.b64encode(
            key.public_key().public_bytes(
                serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
            )
        ).decode("ascii"),
    }
    if tsa_url:
        reply = request_timestamp(signature, tsa_url)
        signed["timeSignature"] = base64.b64encode(reply).decode("ascii")
        signed["timestampCert"] = "".join(
            x509.load_der_x509_certificate(der)
            .public_bytes(serialization.Encoding.PEM)
            .decode("ascii")
            for der in decode_timestamp_response(reply).signed_data.certificates
        )
    return signed


def sign_wacz(path: Path, key: ec.EllipticCurvePrivateKey, *, tsa_url: str = "") -> dict[str, Any]:
    """Add ``signedData`` to the WACZ at ``path`` (rewritten atomically); returns it."""
    with zipfile.ZipFile(path) as archive:
        package = archive.read(PACKAGE_MEMBER)
        digest = json.loads(archive.read(DIGEST_MEMBER))
    hash_ = "sha256:" + hashlib.sha256(package).hexdigest()
    if digest.get("hash") != hash_:
        raise ValueError(f"{path.name}: datapackage-digest.json does not match datapackage.json")
    signed = signed_data(package, key, tsa_url=tsa_url)
    digest["signedData"] = signed
    _replace_member(path, DIGEST_MEMBER, json.dumps(digest, indent=2).encode("utf-8"))
    return signed


def _replace_member(path: Path, name: str, data: bytes) -> None:
    with (
        zipfile.ZipFile(path) as source,
        atomic_writer(path) as raw,
        zipfile.ZipFile(raw, "w") as target,
    ):
        for info in source.infolist():
            if info.filename == name:
                target.writestr(info, data, compress_type=info.compress_type)
                continue
            with source.open(info) as member, target.open(info, "w") as copy:
                while chunk := member.read(1 << 20):
                    copy.write(chunk)


def check_signed_wacz(path: Path) -> tuple[str, list[str]]:
    """('unsigned' | 'signed' | 'signed+timestamped', problems) of the WACZ's signature."""
    try:
        with zipfile.ZipFile(path) as archive:
            package = archive.read(PACKAGE_MEMBER)
            digest = json.loads(archive.read(DIGEST_MEMBER))
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as error:
        return "unreadable", [str(error)]
    signed = digest.get("signedData")
    if not isinstance(signed, dict):
        return "unsigned", []
    problems = []
    hash_ = "sha256:" + hashlib.sha256(package).hexdigest()
    if digest.get("hash") != hash_ or signed.get("hash") != hash_:
        problems.append("signedData.hash is not the hash of datapackage.json")
    if signed.get("created") != json.loads(package).get("created"):
        problems.append("signedData.created != datapackage.json created")
    try:
        public_key = serialization.load_der_public_key(base64.b64decode(signed["publicKey"]))
        if not isinstance(public_key, ec.EllipticCurvePublicKey):
            raise ValueError("publicKey is not an ECDSA key")
        public_key.verify(
            base64.b64decode(signed["signature"]),
            str(signed.get("hash")).encode("ascii"),
            ec.ECDSA(hashes.SHA256()),
        )
    except InvalidSignature:
        problems.append("the signature does not hold for publicKey")
    except (KeyError, ValueError) as error:
        problems.append(f"signedData unusable: {error}")
    state = "signed"
    if "timeSignature" in signed:
        state = "signed+timestamped"
        try:
            info = decode_timestamp_response(base64.b64decode(signed["timeSignature"])).tst_info
            stamped = hashlib.sha256(str(signed.get("signature")).encode("ascii")).digest()
            if info.message_imprint.message != stamped:
                problems.append("timeSignature stamps another signature")
        except ValueError as error:
            problems.append(f"timeSignature unreadable: {error}")
    return state, problems
