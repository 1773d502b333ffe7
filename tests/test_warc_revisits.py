"""Revisit records and header redaction in real Scrapy crawls of a throwaway loopback server.

Three runs share one archive directory (with a state database, as ``archiver crawl`` has):
run A captures a page, an image twice and a 304; run B (a later run) captures them again and
must write revisits referring to run A's records; run C has dedup switched off. Run A also
sends an Authorization and a Cookie header that must never reach a WARC byte. Then:
``archiver verify`` resolves revisits across runs, and pywb replays revisits (from WARCs
written with fixed dates, so that pywb's choice of capture is certain).
"""

from __future__ import annotations

import gzip
import json
import shutil
import subprocess
import sys
import threading
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO_ROOT, archiver_env, require_pywb
from warcio.archiveiterator import ArchiveIterator

from archiver.archive.layout import ArchivePaths
from archiver.state import ArchiveState
from archiver.verify import verify_archive
from archiver.warc.records import (
    PROFILE_IDENTICAL_PAYLOAD,
    PROFILE_SERVER_NOT_MODIFIED,
    CapturedRequest,
    CapturedResponse,
    WarcInfo,
    payload_digest,
)
from archiver.warc.writer import WarcWriter

PAGE = b"<html><head><title>Post</title></head><body>" + b"testimony " * 100 + b"</body></html>"
IMAGE = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
ETAG = '"v1"'
RUN_A, RUN_B, RUN_C = "20260101T000000Z", "20260102T000000Z", "20260103T000000Z"
SECRETS = (b"secret-token", b"secret-cookie")


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        pass

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        if self.path == "/robots.txt":
            status, body, kind = 200, b"User-agent: *\nDisallow:\n", "text/plain"
        elif self.path == "/post":
            not_modified = self.headers.get("If-None-Match") == ETAG
            status, body, kind = (304, b"", "") if not_modified else (200, PAGE, "text/html")
        elif self.path == "/img.png":
            status, body, kind = 200, IMAGE, "image/png"
        else:
            status, body, kind = 404, b"no", "text/plain"
        self.send_response(status)
        if kind:
            self.send_header("Content-Type", kind)
        self.send_header("ETag", ETAG)
        if self.path == "/post":
            self.send_header("Set-Cookie", "session=secret-cookie; Path=/")
        if status != 304:
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


CRAWL_SCRIPT = r"""
import json, sys
import scrapy
from scrapy.crawler import CrawlerProcess

base, output, config = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
seen = []

class Probe(scrapy.Spider):
    name = "probe"

    def _next(self, index):
        path, headers = config["requests"][index]
        return scrapy.Request(base + path, headers=headers, dont_filter=True,
                              meta={"handle_httpstatus_list": [304], "index": index})

    async def start(self):
        yield self._next(0)

    def parse(self, response):
        index = response.meta["index"]
        seen.append({"path": config["requests"][index][0], "status": response.status,
                     "warc": response.meta.get("archiver_warc")})
        if index + 1 < len(config["requests"]):
            yield self._next(index + 1)

settings = {
    "ROBOTSTXT_OBEY": True, "LOG_LEVEL": "WARNING",
    "DOWNLOADER_MIDDLEWARES": {"archiver.downloadermiddlewares.capture.WarcCaptureMiddleware": 950},
    "ARCHIVER_OUTPUT_DIR": output, "ARCHIVER_SOURCE": "probe",
}
settings.update(config["settings"])
process = CrawlerProcess(settings)
crawler = process.create_crawler(Probe)
process.crawl(crawler)
process.start()
stats = {k: v for k, v in crawler.stats.get_stats().items() if k.startswith("archiver/")}
print(json.dumps({"seen": seen, "stats": stats}))
"""


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def probe_crawl(
    server: str, output: Path, requests: list[tuple[str, dict[str, str]]], **settings: Any
) -> dict[str, Any]:
    """One crawl of ``requests`` in order, in a subprocess; what it saw and its stats."""
    config = {"requests": requests, "settings": settings}
    completed = subprocess.run(
        [sys.executable, "-c", CRAWL_SCRIPT, server, str(output), json.dumps(config)],
        cwd=REPO_ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    result: dict[str, Any] = json.loads(completed.stdout.strip().splitlines()[-1])
    result["log"] = completed.stderr
    return result


def records_of(warc_dir: Path) -> list[Any]:
    """Every record of the directory's WARCs, payload read, digests checked."""
    records = []
    for path in sorted(warc_dir.glob("*.warc.gz")):
        with path.open("rb") as stream:
            for record in ArchiveIterator(stream, check_digests=True):
                record.payload = record.content_stream().read()
                record.file = path.name
                records.append(record)
    return records


def _id(record: Any) -> str:
    return str(record.rec_headers.get_header("WARC-Record-ID"))


def _answers(records: list[Any], path: str) -> list[Any]:
    return [
        r
        for r in records
        if r.rec_type in ("response", "revisit")
        and str(r.rec_headers.get_header("WARC-Target-URI")).endswith(path)
    ]


@pytest.fixture(scope="module")
def archive(server: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    output = tmp_path_factory.mktemp("revisits")
    paths = ArchivePaths(output)
    ArchiveState.open(paths.state_db).close()  # the state pipeline makes it in real crawls
    conditional = {"If-None-Match": ETAG}
    run_a = probe_crawl(
        server,
        output,
        [("/post", {}), ("/img.png", {}), ("/img.png", {}), ("/post", conditional)],
        ARCHIVER_RUN_ID=RUN_A,
        DEFAULT_REQUEST_HEADERS={"Authorization": "Bearer secret-token"},
        ARCHIVER_WARC_REDACT_HEADERS="Authorization,Cookie,Set-Cookie",
    )
    # What the state pipeline records for a post page (the 304 of run B refers to it).
    with ArchiveState.open(paths.state_db) as state:
        state.begin_run(RUN_A, "full")
        post_pointer = run_a["seen"][0]["warc"]
        item = {"source": "probe", "url": server + "/post", "body_text": "testimony"}
        state.record_capture(RUN_A, {**item, "content_sha256": "abc", "warc": post_pointer})
    run_b = probe_crawl(
        server,
        output,
        [("/post", conditional), ("/post", {}), ("/img.png", {})],
        ARCHIVER_RUN_ID=RUN_B,
    )
    run_c = probe_crawl(server, output, [("/post", {})], ARCHIVER_RUN_ID=RUN_C,
                        ARCHIVER_WARC_DEDUP=False)  # fmt: skip
    return {
        "output": output,
        "paths": paths,
        "runs": {RUN_A: run_a, RUN_B: run_b, RUN_C: run_c},
        "records": {r: records_of(paths.run(r).warc_dir) for r in (RUN_A, RUN_B, RUN_C)},
    }


def test_repeats_within_a_run_are_revisits(archive: dict[str, Any]) -> None:
    records = archive["records"][RUN_A]
    first_img, second_img = _answers(records, "/img.png")
    assert (first_img.rec_type, second_img.rec_type) == ("response", "revisit")
    headers = second_img.rec_headers
    assert headers.get_header("WARC-Profile") == PROFILE_IDENTICAL_PAYLOAD
    assert headers.get_header("WARC-Refers-To") == _id(first_img)
    assert headers.get_header("WARC-Refers-To-Target-URI") == first_img.rec_headers.get_header(
        "WARC-Target-URI"
    )
    assert headers.get_header("WARC-Refers-To-Date") == first_img.rec_headers.get_header(
        "WARC-Date"
    )
    assert headers.get_header("WARC-Payload-Digest") == payload_digest(IMAGE)
    assert second_img.payload == b"" and first_img.payload == IMAGE
    assert second_img.http_headers.get_header("Content-Type") == "image/png"  # headers kept
    assert all(r.digest_checker.passed is not False for r in records)
    stats = archive["runs"][RUN_A]["stats"]
    assert stats["archiver/warc/revisits/identical"] == 1
    assert stats["archiver/warc/revisits/not_modified"] == 1


def test_304_is_a_server_not_modified_revisit_of_the_last_capture(
    archive: dict[str, Any],
) -> None:
    for run in (RUN_A, RUN_B):
        original = _answers(archive["records"][RUN_A], "/post")[0]
        not_modified = _answers(archive["records"][run], "/post")[-1 if run == RUN_A else 0]
        assert not_modified.http_headers.get_statuscode() == "304"
        assert not_modified.rec_type == "revisit"
        headers = not_modified.rec_headers
        assert headers.get_header("WARC-Profile") == PROFILE_SERVER_NOT_MODIFIED
        assert headers.get_header("WARC-Refers-To") == _id(original)
        assert headers.get_header("WARC-Payload-Digest") == payload_digest(PAGE)


def test_a_later_run_refers_to_the_first_runs_records(archive: dict[str, Any]) -> None:
    first = {
        str(r.rec_headers.get_header("WARC-Target-URI")).rsplit("/", 1)[1]: r
        for r in reversed(archive["records"][RUN_A])
        if r.rec_type == "response"
    }
    answers = [r for r in archive["records"][RUN_B] if r.rec_type in ("response", "revisit")]
    robots, *answers = answers  # robots.txt is fetched first, and is unchanged too
    assert robots.rec_headers.get_header("WARC-Refers-To") == _id(first["robots.txt"])
    assert [r.rec_type for r in answers] == ["revisit", "revisit", "revisit"]
    for record in answers[1:]:
        name = str(record.rec_headers.get_header("WARC-Target-URI")).rsplit("/", 1)[1]
        assert record.rec_headers.get_header("WARC-Refers-To") == _id(first[name])
    seen = archive["runs"][RUN_B]["seen"]
    pointer = seen[1]["warc"]
    assert pointer["record_id"] == _id(answers[1])
    assert pointer["refers_to"]["record_id"] == _id(first["post"])
    assert pointer["refers_to"]["run_id"] == RUN_A
    assert pointer["refers_to"]["filename"] == first["post"].file


def test_dedup_off_stores_the_payload_again(archive: dict[str, Any]) -> None:
    (answer,) = _answers(archive["records"][RUN_C], "/post")
    assert answer.rec_type == "response" and answer.payload == PAGE


def test_warcio_check_passes_with_revisits(archive: dict[str, Any]) -> None:
    warcs = sorted(archive["output"].glob("runs/*/warc/*.warc.gz"))
    completed = subprocess.run(
        [str(Path(sys.executable).with_name("warcio")), "check", *map(str, warcs)],
        capture_output=True,
        text=True,
    )
    assert completed.returncode == 0, completed.stdout + completed.stderr


def test_redacted_headers_leave_no_secret_and_warcinfo_says_so(archive: dict[str, Any]) -> None:
    warc_dir = archive["paths"].run(RUN_A).warc_dir
    for path in warc_dir.glob("*.warc.gz"):
        data = gzip.decompress(path.read_bytes())
        for secret in SECRETS:
            assert secret not in data
    records = archive["records"][RUN_A]
    requests = [r for r in records if r.rec_type == "request"]
    assert len(requests) == 5  # robots.txt and the four fetches
    assert all(r.http_headers.get_header("Authorization") == "[redacted]" for r in requests)
    # The server's cookie, and the cookie Scrapy sent back after /post, are redacted too.
    assert [r.http_headers.get_header("Cookie") for r in requests[2:]] == ["[redacted]"] * 3
    post = _answers(records, "/post")[0]
    assert post.http_headers.get_header("Set-Cookie") == "[redacted]"
    info = records[0].payload.decode()
    assert records[0].rec_type == "warcinfo"
    assert "redactedHeaders: Authorization, Cookie, Set-Cookie" in info
    # Without redaction (run B sent none), nothing is claimed.
    assert "redacted" not in archive["records"][RUN_B][0].payload.decode()


def _revisit_kinds(path: Path) -> list[str]:
    report = verify_archive(path)
    return [d.kind for d in report.defects if d.kind.startswith("revisit")]


def test_verify_resolves_revisits_across_runs(archive: dict[str, Any], tmp_path: Path) -> None:
    assert _revisit_kinds(archive["output"]) == []
    run_b = archive["paths"].run(RUN_B).directory
    alone = verify_archive(run_b)
    assert not [d for d in alone.defects if d.kind.startswith("revisit")]
    assert any("refer to records of other runs" in note for note in alone.notes)

    copy = tmp_path / "archive"
    shutil.copytree(archive["output"], copy)
    for warc in ArchivePaths(copy).run(RUN_A).warc_dir.glob("*.warc.gz"):
        warc.unlink()
    assert set(_revisit_kinds(copy)) == {"revisit_original_missing"}


def test_verify_names_a_revisit_whose_original_differs(tmp_path: Path) -> None:
    run = ArchivePaths(tmp_path).run(RUN_A)
    request = CapturedRequest("GET", "http://a.test/p")
    with WarcWriter(run.warc_dir, WarcInfo(software="t"), host="h") as writer:
        original = writer.write_exchange(request, CapturedResponse(200, [], b"one"))
        wrong = {**original, "payload_digest": payload_digest(b"two")}
        writer.write_revisit(request, CapturedResponse(200, [], b""), refers_to=wrong)
    assert _revisit_kinds(run.directory) == ["revisit_mismatch"]


def test_pywb_replays_revisits_of_earlier_runs(tmp_path: Path) -> None:
    require_pywb()
    paths = ArchivePaths(tmp_path / "out")
    url, image = "http://site.test/content/post", "http://site.test/img.png"
    html = [("Content-Type", "text/html"), ("Content-Length", str(len(PAGE)))]
    with WarcWriter(paths.run(RUN_A).warc_dir, WarcInfo(software="t"), host="h") as writer:
        page = writer.write_exchange(
            CapturedRequest("GET", url),
            CapturedResponse(200, [*html, ("X-Capture", "first")], PAGE),
            date=datetime(2026, 1, 1, tzinfo=UTC),
        )
        png = writer.write_exchange(
            CapturedRequest("GET", image),
            CapturedResponse(200, [("Content-Type", "image/png")], IMAGE),
            date=datetime(2026, 1, 1, 0, 0, 1, tzinfo=UTC),
        )
    with WarcWriter(paths.run(RUN_B).warc_dir, WarcInfo(software="t"), host="h") as writer:
        writer.write_revisit(
            CapturedRequest("GET", url),
            CapturedResponse(200, [*html, ("X-Capture", "second")], b""),
            refers_to=page,
            date=datetime(2026, 2, 1, tzinfo=UTC),
        )
        writer.write_revisit(
            CapturedRequest("GET", image),
            CapturedResponse(200, [("Content-Type", "image/png")], b""),
            refers_to=png,
            date=datetime(2026, 2, 1, 0, 0, 1, tzinfo=UTC),
        )
        writer.write_revisit(
            CapturedRequest("GET", url, [("If-None-Match", ETAG)]),
            CapturedResponse(304, [("ETag", ETAG)], b""),
            refers_to=page,
            profile=PROFILE_SERVER_NOT_MODIFIED,
            date=datetime(2026, 3, 1, tzinfo=UTC),
        )
    with replaying(paths.root) as base:
        status, headers, body = fetch(f"{base}/20260201000000id_/{url}")
        assert (status, headers.get("X-Capture"), body) == (200, "second", PAGE)
        assert fetch(f"{base}/20260201000001id_/{image}")[2] == IMAGE
        # A 304 revisit is kept out of the replay index: the page, not an empty 304.
        status, headers, body = fetch(f"{base}/20260301000000id_/{url}")
        assert (status, body) == (200, PAGE)


def fetch(url: str) -> tuple[int, Any, bytes]:
    with urllib.request.urlopen(url, timeout=30) as answer:
        return answer.status, answer.headers, answer.read()


class replaying:  # noqa: N801 (used as a context manager, reads like a function)
    """``archiver replay DIR --port 0`` in a subprocess; the collection URL once it serves."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory

    def __enter__(self) -> str:
        self.child = subprocess.Popen(
            [sys.executable, "-m", "archiver", "replay", str(self.directory), "--port", "0"],
            cwd=REPO_ROOT,
            env=archiver_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
        )
        assert self.child.stdout is not None
        line = self.child.stdout.readline()  # printed once pywb answers
        assert line.startswith("Replaying collection: "), line
        return line.split(": ", 1)[1].strip().rstrip("/")

    def __exit__(self, *exc_info: object) -> None:
        self.child.terminate()
        self.child.wait(timeout=15)


def test_a_run_of_revisits_only_is_packaged_with_its_pages(archive: dict[str, Any]) -> None:
    from archiver.archive.package import package_run
    from archiver.verify.wacz import check_wacz

    run = archive["paths"].run(RUN_B)  # no items: its /post page is a revisit
    package_run(run, wacz=True)
    warcs = [p.name for p in run.warc_dir.glob("*.warc.gz")]
    assert check_wacz(run.wacz, warcs) == []
    index = [json.loads(line.split(" ", 2)[2]) for line in run.cdxj.read_text().splitlines()]
    # The run's own index is record-complete: the 304 revisit is in it (the replay
    # collection's index leaves it out: archiver.archive.package).
    assert {(e["mime"], e["status"]) for e in index if e["url"].endswith("/post")} == {
        ("warc/revisit", "200"),
        ("warc/revisit", "304"),
    }
