"""A real RFC 3161 time stamp authority on loopback, for tests: OpenSSL's ``openssl ts
-reply`` behind a small stdlib HTTP handler, with a test CA and a TSA certificate
(extendedKeyUsage timeStamping, critical) made here with ``cryptography``.

Import as ``tsa`` (tests/ is on sys.path). ``LocalTsa(directory)`` is a context manager whose
``url`` takes ``application/timestamp-query`` POSTs; ``ca_pem`` is the CA to verify with.

The replies embed the TSA's own certificate only (no ``certs =`` chain file): OpenSSL writes
an embedded chain as a SET OF in insertion order, not DER order, and rfc3161-client's strict
DER parser refuses such replies (``InvalidSetOrdering``).
"""

from __future__ import annotations

import datetime
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from helpers import require_program

_CONFIG = """\
[ tsa ]
default_tsa = tsa_config
[ tsa_config ]
dir = {dir}
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
signer_key = $dir/tsa.key
signer_digest = sha256
default_policy = 1.3.6.1.4.1.99999.1
digests = sha256, sha384, sha512
accuracy = secs:1
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = sha256
"""


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _pem_key(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def make_ca(common_name: str) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A self-signed test CA (valid from yesterday for a year)."""
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(_name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )  # fmt: skip
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, certificate


def issue(
    ca_key: ec.EllipticCurvePrivateKey,
    ca: x509.Certificate,
    common_name: str,
    *,
    usage: x509.ObjectIdentifier,
    dns_names: tuple[str, ...] = (),
    ip_addresses: tuple[str, ...] = (),
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """A leaf certificate for ``usage`` (timeStamping: critical, as RFC 3161 demands)."""
    import ipaddress

    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([usage]), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            critical=False,
        )
    )
    names: list[x509.GeneralName] = [x509.DNSName(name) for name in dns_names]
    names += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in ip_addresses]
    if names:
        builder = builder.add_extension(x509.SubjectAlternativeName(names), critical=False)
    return key, builder.sign(ca_key, hashes.SHA256())


class LocalTsa:
    """``openssl ts -reply`` served over HTTP on 127.0.0.1 (a thread)."""

    def __init__(self, directory: Path) -> None:
        self.openssl = require_program("openssl", "the test time stamp authority")
        self.directory = directory
        directory.mkdir(parents=True, exist_ok=True)
        ca_key, ca = make_ca("Archiver Test TSA Root")
        tsa_key, tsa_cert = issue(
            ca_key, ca, "Archiver Test TSA", usage=ExtendedKeyUsageOID.TIME_STAMPING
        )
        self.ca_pem = directory / "ca.pem"
        self.ca_pem.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
        (directory / "tsa.pem").write_bytes(tsa_cert.public_bytes(serialization.Encoding.PEM))
        (directory / "tsa.key").write_bytes(_pem_key(tsa_key))
        (directory / "serial").write_text("01\n")
        self.config = directory / "tsa.cnf"
        self.config.write_text(_CONFIG.format(dir=directory))
        self.requests = 0
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}/tsa"

    def _reply(self, query: bytes) -> bytes:
        with self._lock, tempfile.TemporaryDirectory() as scratch:
            self.requests += 1
            query_path, reply_path = Path(scratch) / "q.tsq", Path(scratch) / "r.tsr"
            query_path.write_bytes(query)
            subprocess.run(
                [self.openssl, "ts", "-reply", "-config", str(self.config),
                 "-queryfile", str(query_path), "-out", str(reply_path)],
                check=True, capture_output=True, timeout=30,
            )  # fmt: skip
            return reply_path.read_bytes()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                query = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                reply = tsa._reply(query)
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: object) -> None:  # noqa: A002
                pass

        return Handler

    def __enter__(self) -> LocalTsa:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def openssl_ts_verify(data: Path, reply: Path, ca: Path) -> subprocess.CompletedProcess[str]:
    """``openssl ts -verify -data DATA -in REPLY -CAfile CA`` (what a third party runs)."""
    openssl = require_program("openssl", "checking a timestamp reply")
    return subprocess.run(
        [openssl, "ts", "-verify", "-data", str(data), "-in", str(reply), "-CAfile", str(ca)],
        capture_output=True, text=True, timeout=30,
    )  # fmt: skip
