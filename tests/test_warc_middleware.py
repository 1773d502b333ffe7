"""WarcCaptureMiddleware in a real Scrapy crawl of a throwaway loopback server.

The crawl runs in a subprocess (one Twisted reactor per process) with the middleware at 950,
as settings.py registers it; the records are read back with warcio and checked for what
Scrapy makes easy to lose: query strings, repeated headers, gzip payloads, chunked bodies,
redirects, 404s, retried 503s, robots.txt, and the pointer each response carries.
"""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO_ROOT
from warcio.archiveiterator import ArchiveIterator

PAGE_HTML = b"<html><head><title>Page</title></head><body>" + b"evidence " * 200 + b"</body></html>"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    attempts: dict[str, int] = {}

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass

    def _send(self, status: int, body: bytes, headers: list[tuple[str, str]]) -> None:
        self.send_response(status)
        for name, value in headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path
        count = self.attempts[path] = self.attempts.get(path, 0) + 1
        if path == "/robots.txt":
            self._send(200, b"User-agent: *\nDisallow: /admin/\n", [("Content-Type", "text/plain")])
        elif path.startswith("/page"):
            headers = [
                ("Content-Type", "text/html; charset=utf-8"),
                ("Set-Cookie", "first=1; Path=/"),
                ("Set-Cookie", "second=2; Path=/"),
                ("Link", "</style.css>; rel=preload"),
                ("Link", "</script.js>; rel=preload"),
            ]
            body = PAGE_HTML
            if "gzip" in (self.headers.get("Accept-Encoding") or ""):
                body = gzip.compress(PAGE_HTML)
                headers.append(("Content-Encoding", "gzip"))
            self._send(200, body, headers)
        elif path == "/chunked":
            self.send_response(200)
            self.send_header("Content-Type", "text/plain")
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            for chunk in (b"first chunk;", b"second chunk"):
                self.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
            self.wfile.write(b"0\r\n\r\n")
        elif path == "/old":
            self._send(301, b"", [("Location", "/page?from=old")])
        elif path == "/flaky":
            if count == 1:
                self._send(503, b"busy", [("Retry-After", "0")])
            else:
                self._send(200, b"recovered", [("Content-Type", "text/plain")])
        else:
            self._send(404, b"not here", [("Content-Type", "text/plain")])


CRAWL_SCRIPT = r"""
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess

base, output, result_file = sys.argv[1], sys.argv[2], sys.argv[3]
seen = []

class Probe(scrapy.Spider):
    name = "probe"
    custom_settings = {"HTTPERROR_ALLOWED_CODES": [404]}

    async def start(self):
        for path in ("/page?id=7&lang=en", "/chunked", "/old", "/missing", "/flaky"):
            yield scrapy.Request(base + path)

    def parse(self, response):
        seen.append({"url": response.url, "status": response.status,
                     "body_starts": response.body[:20].decode("latin-1"),
                     "warc": response.meta.get("archiver_warc")})

process = CrawlerProcess({
    "ROBOTSTXT_OBEY": True, "LOG_LEVEL": "WARNING", "RETRY_TIMES": 2,
    "DOWNLOADER_MIDDLEWARES": {"archiver.downloadermiddlewares.capture.WarcCaptureMiddleware": 950},
    "ARCHIVER_OUTPUT_DIR": output, "ARCHIVER_RUN_ID": "20260101T000000Z",
    "ARCHIVER_SOURCE": "probe", "ARCHIVER_WARC_OPERATOR": "test operator",
})
crawler = process.create_crawler(Probe)
process.crawl(crawler)
process.start()
stats = crawler.stats.get_stats()
json.dump({"seen": seen, "stats": {k: v for k, v in stats.items() if k.startswith("archiver/")}},
          open(result_file, "w"))
"""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    _Handler.attempts = {}
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture(scope="module")
def crawl(server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    out = tmp_path_factory.mktemp("warc-crawl")
    result_file = out / "result.json"
    completed = subprocess.run(
        [sys.executable, "-c", CRAWL_SCRIPT, server, str(out), str(result_file)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result: dict[str, Any] = json.loads(result_file.read_text())
    warc_dir = out / "runs" / "20260101T000000Z" / "warc"
    result["warc_files"] = sorted(warc_dir.iterdir())
    result["records"] = [rec for path in result["warc_files"] for rec in _read(path)]
    result["server"] = server
    return result


def _read(path: Path) -> list[dict[str, Any]]:
    records = []
    with path.open("rb") as stream:
        for record in ArchiveIterator(stream, check_digests=True):
            records.append(
                {
                    "file": path.name,
                    "type": record.rec_type,
                    "headers": dict(record.rec_headers.headers),
                    "http": record.http_headers,
                    "raw": record.raw_stream.read(),
                    "offset": None,
                    "digest_ok": record.digest_checker.passed is not False,
                }
            )
    return records


def _responses(crawl: dict[str, Any], path: str) -> list[dict[str, Any]]:
    url = crawl["server"] + path
    return [
        r
        for r in crawl["records"]
        if r["type"] == "response" and r["headers"]["WARC-Target-URI"] == url
    ]


def test_files_are_named_closed_and_open_with_warcinfo(crawl: dict[str, Any]) -> None:
    assert crawl["warc_files"], "no WARC written"
    for path in crawl["warc_files"]:
        assert path.name.endswith(".warc.gz") and not path.name.endswith(".open")
        assert path.name.startswith("archiver-")
        records = _read(path)
        assert records[0]["type"] == "warcinfo"
    info = crawl["records"][0]["raw"].decode()
    assert "operator: test operator" in info and "isPartOf: probe/20260101T000000Z" in info


def test_every_response_has_its_request_and_digests_pass(crawl: dict[str, Any]) -> None:
    by_id = {r["headers"]["WARC-Record-ID"]: r for r in crawl["records"]}
    responses = [r for r in crawl["records"] if r["type"] == "response"]
    assert len(by_id) == len(crawl["records"])
    for response in responses:
        request = by_id[response["headers"]["WARC-Concurrent-To"]]
        assert request["type"] == "request"
        assert request["headers"]["WARC-Concurrent-To"] == response["headers"]["WARC-Record-ID"]
        assert request["headers"]["WARC-Target-URI"] == response["headers"]["WARC-Target-URI"]
        assert response["headers"]["WARC-IP-Address"] == "127.0.0.1"
        assert "WARC-Payload-Digest" in response["headers"]
    assert all(r["digest_ok"] for r in crawl["records"])


def test_gzip_payload_repeated_headers_and_query_string_kept(crawl: dict[str, Any]) -> None:
    (response,) = _responses(crawl, "/page?id=7&lang=en")
    assert response["http"].get_header("Content-Encoding") == "gzip"
    assert gzip.decompress(response["raw"]) == PAGE_HTML
    assert [v for k, v in response["http"].headers if k == "Set-Cookie"] == [
        "first=1; Path=/",
        "second=2; Path=/",
    ]
    assert len([v for k, v in response["http"].headers if k == "Link"]) == 2
    assert response["http"].protocol == "HTTP/1.1"
    assert response["http"].statusline == "200 OK"
    request = next(
        r
        for r in crawl["records"]
        if r["headers"]["WARC-Record-ID"] == response["headers"]["WARC-Concurrent-To"]
    )
    assert request["http"].protocol == "GET"
    assert request["http"].statusline == "/page?id=7&lang=en HTTP/1.1"
    host = crawl["server"].split("//", 1)[1]
    assert request["http"].get_header("Host") == host
    assert "gzip" in request["http"].get_header("Accept-Encoding")
    assert request["http"].get_header("User-Agent")


def test_chunked_body_is_recorded_dechunked_and_valid(crawl: dict[str, Any]) -> None:
    (response,) = _responses(crawl, "/chunked")
    assert response["raw"] == b"first chunk;second chunk"
    assert response["http"].get_header("Transfer-Encoding") is None


def test_redirect_404_and_retried_503_are_recorded(crawl: dict[str, Any]) -> None:
    assert _responses(crawl, "/old")[0]["http"].get_statuscode() == "301"
    assert _responses(crawl, "/missing")[0]["http"].get_statuscode() == "404"
    flaky = [r["http"].get_statuscode() for r in _responses(crawl, "/flaky")]
    assert flaky == ["503", "200"]
    assert _responses(crawl, "/robots.txt")


def test_pointer_is_the_final_response(crawl: dict[str, Any]) -> None:
    by_url = {entry["url"]: entry for entry in crawl["seen"]}
    server = crawl["server"]
    redirected = by_url[server + "/page?from=old"]["warc"]
    assert redirected["target_uri"] == server + "/page?from=old"
    flaky = by_url[server + "/flaky"]["warc"]
    recovered = _responses(crawl, "/flaky")[1]
    assert flaky["record_id"] == recovered["headers"]["WARC-Record-ID"]
    for entry in crawl["seen"]:
        pointer = entry["warc"]
        data = (crawl["warc_files"][0].parent / pointer["filename"]).read_bytes()
        member = data[pointer["offset"] : pointer["offset"] + pointer["length"]]
        (record,) = list(ArchiveIterator(io.BytesIO(member)))
        assert record.rec_headers.get_header("WARC-Record-ID") == pointer["record_id"]
        assert record.rec_headers.get_header("WARC-Target-URI") == entry["url"]
        assert record.rec_headers.get_header("WARC-Payload-Digest") == pointer["payload_digest"]


def test_stats_count_records_bytes_and_files(crawl: dict[str, Any]) -> None:
    stats = crawl["stats"]
    assert stats["archiver/warc/records"] == len(crawl["records"])  # warcinfo included
    assert stats["archiver/warc/files"] == len(crawl["warc_files"])
    assert stats["archiver/warc/bytes"] == sum(p.stat().st_size for p in crawl["warc_files"])


def test_warcio_check_passes(crawl: dict[str, Any]) -> None:
    for path in crawl["warc_files"]:
        completed = subprocess.run(
            [str(Path(sys.executable).with_name("warcio")), "check", str(path)],
            capture_output=True,
            text=True,
        )
        assert completed.returncode == 0, completed.stdout + completed.stderr
