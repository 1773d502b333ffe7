"""Ed25519 signing of manifests: key pairs, fingerprints, detached signatures.

A key pair is made by ``archiver keygen``: the private key as PKCS#8 PEM (file mode 0600),
the public key as SubjectPublicKeyInfo PEM beside it (``.pub``). A key's fingerprint is the
SHA-256 (hex) of its 32 raw public bytes. A signature is the 64 raw bytes of Ed25519 over the
file's exact bytes, so ``openssl pkeyutl -verify -pubin -inkey KEY.pub -rawin -in
manifest.json -sigfile manifest.sig`` checks it without the archiver.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from archiver.files import atomic_write_bytes

__all__ = [
    "SigningKeyError",
    "fingerprint",
    "generate_key_pair",
    "load_private_key",
    "load_public_key",
    "public_key_pem",
    "sign",
    "signature_holds",
]

PRIVATE_KEY_MODE = 0o600


class SigningKeyError(ValueError):
    """A key file that cannot be used (missing, unreadable, not Ed25519)."""


def fingerprint(public_key: Ed25519PublicKey) -> str:
    raw = public_key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return hashlib.sha256(raw).hexdigest()


def public_key_pem(public_key: Ed25519PublicKey) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def generate_key_pair(path: Path) -> str:
    """Write a new private key to ``path`` (0600, never over an existing file) and its public
    key to ``path.pub``; returns the fingerprint."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, PRIVATE_KEY_MODE)
    with os.fdopen(fd, "wb") as handle:
        handle.write(pem)
    public = key.public_key()
    atomic_write_bytes(public_key_path(path), public_key_pem(public))
    return fingerprint(public)


def public_key_path(private_path: Path) -> Path:
    return private_path.with_name(private_path.name + ".pub")


def load_private_key(path: Path) -> Ed25519PrivateKey:
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except (OSError, ValueError, TypeError) as error:
        raise SigningKeyError(f"cannot read signing key {path}: {error}") from error
    if not isinstance(key, Ed25519PrivateKey):
        raise SigningKeyError(f"{path} is not an Ed25519 private key")
    return key


def load_public_key(path: Path) -> Ed25519PublicKey:
    try:
        key = serialization.load_pem_public_key(path.read_bytes())
    except (OSError, ValueError) as error:
        raise SigningKeyError(f"cannot read public key {path}: {error}") from error
    if not isinstance(key, Ed25519PublicKey):
        raise SigningKeyError(f"{path} is not an Ed25519 public key")
    return key


def sign(key: Ed25519PrivateKey, data: bytes | memoryview) -> bytes:
    """The Ed25519 signature of ``data`` (bytes, or a mapped file: a large manifest)."""
    return key.sign(data)


def signature_holds(public_key: Ed25519PublicKey, data: bytes, signature: bytes) -> bool:
    try:
        public_key.verify(signature, data)
    except InvalidSignature:
        return False
    return True
