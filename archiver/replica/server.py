"""ReplicaServer: the replica site over real HTTP on loopback, in a background thread.

Wire behaviour of a Drupal 7 site behind Apache: gzip when asked, ETag / Last-Modified and 304
answers to conditional requests, Drupal's headers (X-Generator, Link, Expires), a session-ish
cookie on listings; plus the test bed's hooks: latency, deterministic faults (faults.py) and a
thread-safe request log with per-URL attempt counts. ``state_file`` names a JSON file of
mutations (``{"operations": [...]}``, see ReplicaSite.replay) re-read whenever it changes.
"""

from __future__ import annotations

import gzip
import hashlib
import ipaddress
import json
import logging
import socket
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import TracebackType
from typing import Any

import brotli

from archiver.replica.content import ReplicaSite
from archiver.replica.faults import FaultPlan
from archiver.replica.routes import Reply, route

logger = logging.getLogger(__name__)

COMPRESSIBLE = ("text/", "application/javascript", "application/rss+xml", "application/xml")
LISTING_PATH = "/topic/news"


@dataclass(frozen=True)
class RequestLogEntry:
    """One request as the replica saw it."""

    method: str
    path: str
    """Path with query string, as requested."""
    headers: dict[str, str]
    status: int
    """HTTP status sent; 0 when the connection was dropped without a response."""
    attempt: int
    """1-based count of requests for this path so far (retries have attempt > 1)."""
    time: float
    fault: str | None = None
    """The injected fault kind, if any."""


class ReplicaServer:
    """Serve ``site`` on ``host:port`` (0 = a free port) until ``stop()``."""

    def __init__(
        self,
        site: ReplicaSite,
        host: str = "127.0.0.1",
        port: int = 0,
        allow_non_loopback: bool = False,
        state_file: str | Path | None = None,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        """``ssl_context``: serve HTTPS with it (a server-side context with its certificate)."""
        if not allow_non_loopback and not _is_loopback(host):
            raise ValueError(f"refusing to serve on non-loopback address {host!r}")
        self.site = site
        self.host = host
        self.requested_port = port
        self.faults = FaultPlan(site.options)
        self.state_file = Path(state_file) if state_file else None
        self.ssl_context = ssl_context
        self._state_content: bytes | None = None
        self._log: list[RequestLogEntry] = []
        self._attempts: dict[str, int] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._bound_port: int | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> ReplicaServer:
        handler = type("BoundReplicaHandler", (_ReplicaHandler,), {"replica": self})
        httpd = ThreadingHTTPServer((self.host, self.requested_port), handler)
        httpd.daemon_threads = True
        if self.ssl_context is not None:
            httpd.socket = self.ssl_context.wrap_socket(httpd.socket, server_side=True)
        self._httpd = httpd
        self._bound_port = int(httpd.server_address[1])
        self._stopping.clear()
        self._thread = threading.Thread(
            target=httpd.serve_forever,
            kwargs={"poll_interval": 0.05},
            daemon=True,
            name=f"replica-{self.port}",
        )
        self._thread.start()
        self._wait_ready()
        logger.info("replica serving %s", self.base_url)
        return self

    def _wait_ready(self, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with socket.create_connection((self.host, self.port), timeout=0.5):
                    return
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def stop(self) -> None:
        self._stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None

    def __enter__(self) -> ReplicaServer:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    # -- addresses and log ---------------------------------------------------------------

    @property
    def port(self) -> int:
        """The bound port (still known after ``stop()``, so truth URLs can be built)."""
        if self._bound_port is None:
            raise RuntimeError("the replica server has not been started")
        return self._bound_port

    @property
    def base_url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{host}:{self.port}"

    @property
    def scheme(self) -> str:
        return "https" if self.ssl_context is not None else "http"

    @property
    def listing_url(self) -> str:
        return self.base_url + LISTING_PATH

    @property
    def request_log(self) -> list[RequestLogEntry]:
        """A copy of every request served so far, in arrival order."""
        with self._lock:
            return list(self._log)

    def clear_log(self, reset_attempts: bool = False) -> None:
        """Forget logged requests (and, if asked, the attempt counts that drive faults)."""
        with self._lock:
            self._log.clear()
            if reset_attempts:
                self._attempts.clear()

    # -- used by the handler -------------------------------------------------------------

    def next_attempt(self, target: str) -> int:
        with self._lock:
            self._attempts[target] = self._attempts.get(target, 0) + 1
            return self._attempts[target]

    def record(self, entry: RequestLogEntry) -> None:
        with self._lock:
            self._log.append(entry)

    def reload_state(self) -> None:
        """Replay the state file's operations when its content changed since the last look."""
        if self.state_file is None:
            return
        try:
            content = self.state_file.read_bytes()
        except FileNotFoundError:
            return
        with self._lock:
            if content == self._state_content:
                return
            self._state_content = content
        try:
            operations = json.loads(content.decode("utf-8")).get("operations", [])
            self.site.replay(operations)
        except (UnicodeDecodeError, ValueError, KeyError, AttributeError) as error:
            logger.error("replica state file %s unusable: %s", self.state_file, error)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class _ReplicaHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and
    # the client's delayed ACK stall every keep-alive response by ~40 ms.
    disable_nagle_algorithm = True
    server_version = "Apache/2.4.29 (Ubuntu)"
    sys_version = ""
    replica: ReplicaServer
    timeout = 30  # idle keep-alive connections are closed after this many seconds

    def version_string(self) -> str:
        return self.server_version

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        logger.debug("replica %s - " + format, self.address_string(), *args)

    def do_GET(self) -> None:
        self._serve(send_body=True)

    def do_HEAD(self) -> None:
        self._serve(send_body=False)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self._serve(send_body=True)

    def _serve(self, send_body: bool) -> None:
        replica = self.replica
        target = self.path
        attempt = replica.next_attempt(target)
        headers = {name: value for name, value in self.headers.items()}
        options = replica.site.options
        if options.latency_ms:
            replica._stopping.wait(options.latency_ms / 1000)
        fault = replica.faults.fault_for(target, attempt)

        def record(status: int) -> None:
            # Logged before the client can see the outcome, so a test reading the log right
            # after its response never misses the entry.
            replica.record(
                RequestLogEntry(self.command, target, headers, status, attempt, time.time(), fault)
            )

        if fault in ("drop", "timeout"):
            record(0)
            if fault == "timeout":
                replica._stopping.wait(options.stall_seconds)
            self.close_connection = True
            return
        if fault is not None:
            status = int(fault)
            extra = [("Retry-After", "1")] if status == 503 else []
            message = b"<html><body><h1>Service unavailable</h1></body></html>"
            self._send(Reply(status, message, headers=extra), send_body, False, record)
            return
        replica.reload_state()
        netloc = replica.base_url.split("://", 1)[1]
        base = f"{replica.scheme}://{self.headers.get('Host') or netloc}"
        try:
            reply = route(replica.site, base, target)
        except Exception:  # a bug in the replica must not kill the server thread
            logger.exception("replica failed on %s", target)
            reply = Reply(500, b"<html><body>The website encountered an error.</body></html>")
        self._send(reply, send_body, True, record)

    def _send(
        self, reply: Reply, send_body: bool, cacheable: bool, record: Callable[[int], None]
    ) -> None:
        options = self.replica.site.options
        body = reply.body
        compressible = reply.content_type.startswith(COMPRESSIBLE)
        accept = self.headers.get("Accept-Encoding")
        use_br = options.brotli and compressible and _accepts(accept, ("br",))
        use_gzip = not use_br and options.gzip and compressible and _accepts_gzip(accept)
        etag = reply.etag or '"' + hashlib.sha256(body).hexdigest()[:20] + '"'
        validators = cacheable and options.conditional and reply.status == 200
        status = reply.status
        if validators and _not_modified(self.headers, etag, reply):
            status, body = 304, b""
        if use_gzip and status != 304:
            body = gzip.compress(body, compresslevel=6, mtime=0)
        if use_br and status != 304:
            body = _brotli_compress(body)
        record(status)
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("X-Generator", "Drupal 7 (http://drupal.org)")
        self.send_header("X-Powered-By", "PHP/7.2.24-0ubuntu0.18.04.7")
        if validators:
            suffix = '-gzip"' if use_gzip else '-br"' if use_br else '"'
            self.send_header("ETag", etag[:-1] + suffix)
            if reply.last_modified is not None:
                self.send_header("Last-Modified", _http_date(reply.last_modified))
            self.send_header("Cache-Control", "public, max-age=300")
            self.send_header("Expires", "Sun, 19 Nov 1978 05:00:00 GMT")
        if compressible:
            self.send_header("Vary", "Cookie,Accept-Encoding")
        if use_gzip and status != 304:
            self.send_header("Content-Encoding", "gzip")
        if use_br and status != 304:
            self.send_header("Content-Encoding", "br")
        if reply.is_listing and options.set_cookie and status == 200:
            token = hashlib.sha256(f"{options.seed}:{self.client_address}".encode()).hexdigest()
            self.send_header(
                "Set-Cookie",
                f"SESS{token[:32]}={token[32:]}; expires=Sun, 19-Nov-2034 05:00:00 GMT; "
                "Max-Age=2000000; path=/; HttpOnly",
            )
        if reply.is_listing and "cookie_domain" in options.traps and status == 200:
            # Cookies scoped by Domain make a client decide what a domain is (the Public Suffix
            # List): one for this host, one for a third party that must be refused.
            host = (self.headers.get("Host") or self.replica.host).rsplit(":", 1)[0]
            self.send_header("Set-Cookie", f"has_js=1; Domain={host}; path=/")
            self.send_header("Set-Cookie", "tracker=1; Domain=.example.com; path=/")
        for name, value in reply.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if send_body and body:
            self.wfile.write(body)


def _http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


def _brotli_compress(body: bytes) -> bytes:
    """``br`` of ``body``: the Brotli package and brotlipy both offer ``compress``."""
    compressed: bytes = brotli.compress(body)
    return compressed


def _accepts_gzip(header: str | None) -> bool:
    return _accepts(header, ("gzip", "x-gzip", "*"))


def _accepts(header: str | None, codings: tuple[str, ...]) -> bool:
    for part in (header or "").split(","):
        coding, _, params = part.strip().partition(";")
        if coding.strip().lower() in codings:
            return params.replace(" ", "").lower() not in ("q=0", "q=0.0", "q=0.00", "q=0.000")
    return False


def _strip_etag(tag: str) -> str:
    tag = tag.strip()
    if tag.startswith("W/"):
        tag = tag[2:]
    return tag.replace('-gzip"', '"').replace('-br"', '"')


def _not_modified(headers: Any, etag: str, reply: Reply) -> bool:
    """RFC 9110 13.2.2: If-None-Match decides when present, else If-Modified-Since."""
    if_none_match = headers.get("If-None-Match")
    if if_none_match:
        if if_none_match.strip() == "*":
            return True
        return any(_strip_etag(tag) == etag for tag in if_none_match.split(","))
    if_modified_since = headers.get("If-Modified-Since")
    if if_modified_since and reply.last_modified is not None:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError):
            return False
        if since.tzinfo is None:
            return False
        return reply.last_modified.replace(microsecond=0) <= since
    return False
