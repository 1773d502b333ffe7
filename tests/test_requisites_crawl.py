"""`archiver crawl` against the replica over loopback HTTP: every stylesheet a post loads
(Drupal 7's ``<style>@import`` blocks), the stylesheets those import, and every image and
font their ``url()``s name are in the WARC, each fetched once for all posts."""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from helpers import LOOPBACK_ARGS, run_archiver
from warcio.archiveiterator import ArchiveIterator

from archiver.archive.layout import ArchivePaths
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite
from archiver.replica.assets import CSS_IMAGES, FONTS, IE_STYLESHEETS, STYLESHEETS

NESTED_STYLESHEETS = (
    "/sites/all/themes/iuhrdf/css/fonts.css",  # @import url("fonts.css") in iuhrdf.css
    "/sites/all/themes/iuhrdf/css/iuhrdf-print.css",  # @import "iuhrdf-print.css" print
)


@dataclass
class Crawl:
    returncode: int
    stderr: str
    responses: dict[str, int]
    """Path (query dropped) -> status of each WARC response record."""
    requested: Counter[str]
    """Path (query dropped) -> how many times the replica was asked for it."""
    counts: dict[str, int]


@pytest.fixture(scope="module")
def crawl(tmp_path_factory: pytest.TempPathFactory) -> Crawl:
    output = tmp_path_factory.mktemp("requisites")
    site = ReplicaSite(ReplicaOptions(posts=4, seed=3, fault_rate=0.0))
    with ReplicaServer(site, port=0) as server:
        result = run_archiver(
            "crawl", "--start-url", server.listing_url, "--output", str(output), *LOOPBACK_ARGS
        )
        log = list(server.request_log)
    archive = ArchivePaths(output)
    run = archive.run(archive.run_ids()[-1])
    responses: dict[str, int] = {}
    for warc in sorted(run.warc_dir.glob("*.warc.gz")):
        with warc.open("rb") as stream:
            for record in ArchiveIterator(stream):
                if record.rec_type == "response":
                    uri = record.rec_headers.get_header("WARC-Target-URI")
                    responses[urlsplit(uri).path] = int(record.http_headers.get_statuscode())
    run_json = json.loads(run.run_json.read_text())
    return Crawl(
        returncode=result.returncode,
        stderr=result.stderr,
        responses=responses,
        requested=Counter(urlsplit(entry.path).path for entry in log),
        counts=run_json["counts"],
    )


def test_crawl_succeeds(crawl: Crawl) -> None:
    assert crawl.returncode == 0, crawl.stderr[-3000:]


@pytest.mark.parametrize("path", STYLESHEETS)
def test_every_style_import_is_archived(crawl: Crawl, path: str) -> None:
    assert crawl.responses.get(path) == 200


@pytest.mark.parametrize("path", NESTED_STYLESHEETS)
def test_stylesheets_imported_by_stylesheets_are_archived(crawl: Crawl, path: str) -> None:
    assert crawl.responses.get(path) == 200


@pytest.mark.parametrize("path", [*CSS_IMAGES, *FONTS])
def test_css_url_images_and_fonts_are_archived(crawl: Crawl, path: str) -> None:
    assert crawl.responses.get(path) == 200


def test_each_requisite_is_fetched_once_for_all_posts(crawl: Crawl) -> None:
    requisites = [*STYLESHEETS, *NESTED_STYLESHEETS, *CSS_IMAGES, *FONTS]
    assert {path: crawl.requested[path] for path in requisites} == dict.fromkeys(requisites, 1)


def test_ie_only_stylesheets_are_not_fetched(crawl: Crawl) -> None:
    assert not any(crawl.requested[path] for _condition, path in IE_STYLESHEETS)


def test_css_references_are_counted(crawl: Crawl) -> None:
    assert crawl.counts.get("archiver/requisites/css_refs", 0) >= len(CSS_IMAGES) + len(FONTS)
