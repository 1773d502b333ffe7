"""Who served the bytes: the TLS version, cipher and certificate of an HTTPS exchange.

Scrapy gives each response its server's leaf certificate (``response.certificate``) and IP
address, but not the TLS version and cipher, and not the chain. With its documented setting
``DOWNLOADER_CLIENT_TLS_VERBOSE_LOGGING`` on (off by default: Scrapy 2.19 then breaks plain
HTTP requests, see archiver/settings.py), its HTTP/1.1 handler logs them for every
connection a response arrives on (logger ``scrapy.utils.ssl``: "SSL connection to HOST using
protocol VERSION, cipher CIPHER", arguments in that order); :class:`TlsSessions` listens to
those log records (nothing of Scrapy is patched) and keeps the latest per host name. Without
them, versions and ciphers are recorded as unknown (null), never guessed.

The chain beyond the leaf certificate is not reachable through Scrapy's API: the record says
so (``"chain_complete": false``).
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
from typing import Any

from scrapy.http import Response

from archiver.evidence.records import IDENTITY_FORMAT

__all__ = ["TLS_LOGGER", "TlsSessions", "server_identity", "tls_protocol_token"]

TLS_LOGGER = "scrapy.utils.ssl"
_MESSAGE_START = "SSL connection to %s using protocol"
METADATA_CONTENT_TYPE = "application/json"
"""A ``metadata`` record of the server's identity holds this JSON (``format`` below)."""


class TlsSessions(logging.Handler):
    """TLS version and cipher of Scrapy's connections, by host name (from its TLS log)."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.by_host: dict[str, tuple[str, str]] = {}
        self._logger = logging.getLogger(TLS_LOGGER)
        self._old_level = self._logger.level

    def start(self) -> TlsSessions:
        self._logger.addHandler(self)
        if self._logger.getEffectiveLevel() > logging.DEBUG:
            self._logger.setLevel(logging.DEBUG)  # the root handlers still filter by LOG_LEVEL
        return self

    def stop(self) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._old_level)

    def emit(self, record: logging.LogRecord) -> None:
        args = record.args
        if str(record.msg).startswith(_MESSAGE_START) and isinstance(args, tuple):
            if len(args) == 3:
                self.by_host[str(args[0])] = (str(args[1]), str(args[2]))

    def session(self, host: str) -> tuple[str, str] | None:
        """(TLS version as OpenSSL names it, like ``TLSv1.3``; cipher) of ``host``, if known."""
        return self.by_host.get(host)


def tls_protocol_token(version: str) -> str:
    """The IIPC ``WARC-Protocol`` token of an OpenSSL version name: ``TLSv1.3`` -> ``tls/1.3``."""
    name = version.strip()
    if name.upper().startswith("TLSV"):
        return "tls/" + name[4:]
    return name.lower().replace("v", "/", 1) if name else "tls"


def server_identity(response: Response, session: tuple[str, str] | None) -> dict[str, Any]:
    """The JSON a ``metadata`` record keeps about the server of an HTTPS ``response``."""
    certificate = getattr(response, "certificate", None)
    pem = None
    fingerprint = None
    if certificate is not None:
        der = certificate.dump()  # twisted.internet.ssl.Certificate: DER bytes
        fingerprint = hashlib.sha256(der).hexdigest()
        body = base64.encodebytes(der).decode("ascii")
        pem = f"-----BEGIN CERTIFICATE-----\n{body}-----END CERTIFICATE-----\n"
    ip_address = getattr(response, "ip_address", None)
    return {
        "format": IDENTITY_FORMAT,
        "url": response.url,
        "ip_address": str(ip_address) if ip_address is not None else None,
        "tls_version": session[0] if session else None,
        "cipher": session[1] if session else None,
        "certificate_sha256": fingerprint,
        "certificate_pem": pem,
        "chain_complete": False,
    }


def identity_payload(identity: dict[str, Any]) -> bytes:
    return (json.dumps(identity, indent=2, sort_keys=True) + "\n").encode("utf-8")
