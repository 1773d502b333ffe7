"""Safety: the crawl contacts no host but the source, fetches no robots-disallowed path (redirects
included), and no name derived from input can put a file outside the output directory.

The crawl runs under the loopback-only net guard (tests/netguard): any connection or name
lookup to anything but loopback is refused and logged. The replica's pages link social media
and partner sites, one post redirects off-site, one redirects to /admin/ (disallowed by
robots.txt), and listings set cookies scoped with a Domain (the cookie code's Public Suffix List
lookup is what phoned out to publicsuffix.org on a fresh machine).
"""

from __future__ import annotations

import urllib.request
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from protego import Protego

from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.settings import USER_AGENT
from archiver.warc.writer import warc_file_name

from .crawling import crawl_args, items_of, only_run_id, path_of, run_archiver

SAFETY_TRAPS = frozenset({"offsite_redirect", "robots_redirect", "cookie_domain"})


@dataclass
class GuardedCrawl:
    returncode: int
    stderr: str
    netguard_hits: str
    log: list[Any]
    robots_txt: str
    base_url: str
    items: dict[str, dict[str, Any]]
    truth: dict[str, dict[str, Any]]
    output: Path


@pytest.fixture(scope="module")
def guarded(tmp_path_factory: pytest.TempPathFactory) -> GuardedCrawl:
    output = tmp_path_factory.mktemp("safety")
    netguard_log = output.parent / "netguard.log"
    site = ReplicaSite(ReplicaOptions(posts=25, seed=12, traps=SAFETY_TRAPS))
    with ReplicaServer(site) as server:
        result = run_archiver(
            *crawl_args(server.listing_url, output), netguard_log=netguard_log, timeout=120
        )
        log = server.request_log
        with urllib.request.urlopen(server.base_url + "/robots.txt") as response:
            robots_txt = response.read().decode("utf-8")
        base_url = server.base_url
    run_id = only_run_id(output)
    return GuardedCrawl(
        returncode=result.returncode,
        stderr=result.stderr,
        netguard_hits=netguard_log.read_text(),
        log=log,
        robots_txt=robots_txt,
        base_url=base_url,
        items={path_of(i["url"]): i for i in items_of(output, run_id)},
        truth={t["url"]: t for t in site.truth()},
        output=output,
    )


def test_the_crawl_contacts_no_host_but_the_source(guarded: GuardedCrawl) -> None:
    assert guarded.returncode == 0, guarded.stderr[-4000:]
    assert guarded.netguard_hits == "", "the crawl tried to reach another host"
    host = urlsplit(guarded.base_url).netloc
    assert all(entry.headers.get("Host") == host for entry in guarded.log)
    # The listings really set Domain-scoped cookies, and the crawl really got them.
    assert any("Cookie" in entry.headers for entry in guarded.log)


def test_an_off_site_redirect_is_not_followed_and_the_post_is_kept(guarded: GuardedCrawl) -> None:
    [truth] = [t for t in guarded.truth.values() if t["status"] == "offsite_redirect"]
    item = guarded.items[truth["url"]]
    assert "article_not_fetched" in item["flags"]
    assert item["title"] == truth["title"]
    assert "Not fetching https://www.example.com/" in guarded.stderr


def test_no_robots_disallowed_path_is_requested_even_by_redirect(guarded: GuardedCrawl) -> None:
    robots = Protego.parse(guarded.robots_txt)
    assert guarded.log[0].path == "/robots.txt"
    for entry in guarded.log:
        assert robots.can_fetch(guarded.base_url + entry.path, USER_AGENT), entry.path
    assert not any(entry.path.startswith("/admin/") for entry in guarded.log)
    [truth] = [t for t in guarded.truth.values() if t["status"] == "robots_redirect"]
    item = guarded.items[truth["url"]]
    assert "article_not_fetched" in item["flags"]
    assert "Forbidden by robots.txt" in guarded.stderr


def test_every_file_of_the_crawl_is_inside_the_output_directory(guarded: GuardedCrawl) -> None:
    root = guarded.output.resolve()
    for path in guarded.output.rglob("*"):
        assert path.resolve().is_relative_to(root), path


@pytest.mark.parametrize(
    "option",
    [
        ("-s", "ARCHIVER_RUN_ID=../../escaped"),
        ("-s", "ARCHIVER_RUN_ID=/tmp/escaped"),
        ("--resume", "../../escaped"),
    ],
    ids=["relative-run-id", "absolute-run-id", "resume-run-id"],
)
def test_a_run_id_that_is_a_path_is_refused(tmp_path: Path, option: tuple[str, str]) -> None:
    output = tmp_path / "deep" / "archive"
    result = run_archiver(*crawl_args("http://127.0.0.1:9/topic/news", output, *option))
    assert result.returncode == 2, result.stderr[-3000:]
    assert "not a run id" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "escaped").exists() and not Path("/tmp/escaped").exists()


@pytest.mark.parametrize(
    "hostile", ["../../etc/passwd", "/abs/path", "a/b\\c", "..", "", "x\x00y", "éü\u202e"]
)
def test_warc_file_names_from_hostile_parts_stay_plain_names(tmp_path: Path, hostile: str) -> None:
    name = warc_file_name(hostile, datetime(2026, 1, 2, tzinfo=UTC), 3, hostile)
    assert "/" not in name and "\\" not in name and "\x00" not in name
    assert name.endswith(".warc.gz")
    assert (tmp_path / name).resolve().parent == tmp_path.resolve()
