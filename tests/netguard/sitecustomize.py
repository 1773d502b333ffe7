"""Loopback-only network guard for crawl subprocesses started by the tests.

Put this directory first on PYTHONPATH and set ``ARCHIVER_NETGUARD_LOG`` to a file: every
connection or name lookup to anything but loopback is refused (OSError) and written to that
file, so a test can assert that a crawl contacted no host but the source (no tldextract
download, no off-site link followed, no DNS query).
"""

from __future__ import annotations

import ipaddress
import os
import socket

_LOG = os.environ.get("ARCHIVER_NETGUARD_LOG")
_LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def _is_loopback(host: object) -> bool:
    if isinstance(host, bytes):
        host = host.decode("ascii", "replace")
    if not isinstance(host, str):
        return False
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _refuse(what: str, target: object) -> None:
    line = f"{what} {target!r}\n"
    if _LOG:
        with open(_LOG, "a", encoding="utf-8") as handle:
            handle.write(line)
    raise OSError(f"netguard: {what} to a non-loopback address refused: {target!r}")


def _address_host(address: object) -> object:
    if isinstance(address, tuple) and address:
        return address[0]
    return address  # AF_UNIX paths are local


if _LOG:
    _connect = socket.socket.connect
    _connect_ex = socket.socket.connect_ex
    _getaddrinfo = socket.getaddrinfo
    _gethostbyname = socket.gethostbyname

    def connect(self: socket.socket, address: object) -> None:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(
            _address_host(address)
        ):
            _refuse("connect", address)
        return _connect(self, address)  # type: ignore[arg-type]

    def connect_ex(self: socket.socket, address: object) -> int:
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _is_loopback(
            _address_host(address)
        ):
            _refuse("connect", address)
        return _connect_ex(self, address)  # type: ignore[arg-type]

    def getaddrinfo(host: object, *args: object, **kwargs: object) -> object:
        if host is not None and not _is_loopback(host):
            _refuse("lookup", host)
        return _getaddrinfo(host, *args, **kwargs)  # type: ignore[arg-type]

    def gethostbyname(host: str) -> str:
        if not _is_loopback(host):
            _refuse("lookup", host)
        return _gethostbyname(host)

    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo  # type: ignore[assignment]
    socket.gethostbyname = gethostbyname
