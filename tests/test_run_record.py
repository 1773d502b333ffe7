"""Every run's record complete and consistent (issue 12 §3), against the replica on loopback.

Run 0 archives the replica (one listed post answers 404 from the start); then a post is unlisted
(its page stays), one is deleted (gone from listings, page 404) and one gets a new title only;
run 1 is ``--full``; run 2 is ``--full`` again with nothing changed.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from helpers import LOOPBACK_ARGS, run_archiver
from warcio.archiveiterator import ArchiveIterator

from archiver.archive.layout import ArchivePaths
from archiver.archive.package import is_not_modified_revisit, run_warc_files, write_cdxj
from archiver.files import read_json, read_jsonl
from archiver.replica import ReplicaOptions, ReplicaServer, ReplicaSite


@dataclass
class Story:
    archive: ArchivePaths
    run_ids: list[str]
    results: list[Any]
    logs: list[list[Any]]
    dead: str
    unlisted: str
    deleted: str
    retitled: str
    old_title: str
    new_title: str
    live_after: set[str]
    old_port: int
    old_address_log: list[Any]


def _path(url: str) -> str:
    return urlsplit(url).path


@pytest.fixture(scope="module")
def story(tmp_path_factory: pytest.TempPathFactory) -> Story:
    output = tmp_path_factory.mktemp("record")
    archive = ArchivePaths(output)
    site = ReplicaSite(ReplicaOptions(posts=12, seed=11))
    results: list[Any] = []
    logs: list[list[Any]] = []
    with ReplicaServer(site) as server:

        def crawl(*extra: str) -> None:
            server.clear_log()
            result = run_archiver(
                "crawl", "--start-url", server.listing_url, "--output", str(output),
                *extra, *LOOPBACK_ARGS,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr[-3000:]
            results.append(result)
            logs.append(list(server.request_log))

        dead = [t["url"] for t in site.truth() if t["status"] == "deleted"]
        crawl()
        live = [t for t in site.truth() if t["status"] == "live" and t["listed"]]
        unlisted, deleted, retitled = live[2], live[5], live[7]
        site.unlist_post(unlisted["node_id"])
        site.delete_post(deleted["node_id"])
        site.edit_post(retitled["node_id"], title="A new title, nothing else")
        crawl("--full")
        crawl("--full")
        live_after = {t["url"] for t in site.truth() if t["status"] == "live"}
        # The source moves: the same site on another port (in life http -> https, www., ...).
        old_port = server.port
        server.clear_log()
        with ReplicaServer(site) as moved:
            assert moved.port != old_port
            result = run_archiver(
                "crawl", "--start-url", moved.listing_url, "--output", str(output),
                "--full", *LOOPBACK_ARGS,
            )  # fmt: skip
            assert result.returncode == 0, result.stderr[-3000:]
            results.append(result)
            logs.append(list(moved.request_log))
        old_address_log = list(server.request_log)
    return Story(
        archive=archive,
        run_ids=archive.run_ids(),
        results=results,
        logs=logs,
        dead=dead[0],
        unlisted=unlisted["url"],
        deleted=deleted["url"],
        retitled=retitled["url"],
        old_title=retitled["title"],
        new_title="A new title, nothing else",
        live_after=live_after,
        old_port=old_port,
        old_address_log=old_address_log,
    )


def _changes(story: Story, index: int) -> dict[str, Any]:
    return read_json(story.archive.run(story.run_ids[index]).changes_json)


def _items(story: Story, index: int) -> list[dict[str, Any]]:
    return list(read_jsonl(story.archive.run(story.run_ids[index]).items_jsonl))


# -- 3: a post answering 404/410 is never new -----------------------------------------------


def test_a_listed_post_answering_404_is_gone_not_new(story: Story) -> None:
    changes = _changes(story, 0)
    gone = {_path(e["url"]): e for e in changes["gone"]}
    assert _path(story.dead) in gone
    assert gone[_path(story.dead)]["status"] == 404
    assert _path(story.dead) not in {_path(e["url"]) for e in changes["new"]}
    item = next(i for i in _items(story, 0) if _path(i["url"]) == _path(story.dead))
    assert item["change"] == "gone"


def test_the_feed_never_lists_a_gone_post(story: Story) -> None:
    feed = ET.parse(story.archive.feed_atom).getroot()
    atom = "{http://www.w3.org/2005/Atom}"
    links = {_path(e.find(f"{atom}link").get("href")) for e in feed.findall(f"{atom}entry")}
    assert _path(story.dead) not in links
    assert _path(story.unlisted) in links


# -- 4: removal by absence -----------------------------------------------------------------


def test_full_run_tells_unlisted_from_removed(story: Story) -> None:
    changes = _changes(story, 1)
    assert [_path(e["url"]) for e in changes["unlisted"]] == [story.unlisted]
    removed = {_path(e["url"]): e for e in changes["removed"]}
    assert set(removed) == {story.deleted}
    assert removed[story.deleted]["reason"] == "http_404"
    assert removed[story.deleted]["removed_at"]
    assert changes["new"] == [] and changes["gone"] == []
    catalogue = {_path(p["url"]): p for p in read_jsonl(story.archive.posts_jsonl)}
    assert catalogue[story.deleted]["removed_at"]
    assert catalogue[story.unlisted]["removed_at"] is None


def test_an_unlisted_post_is_reported_again_not_forgotten(story: Story) -> None:
    changes = _changes(story, 2)
    assert [_path(e["url"]) for e in changes["unlisted"]] == [story.unlisted]
    assert changes["removed"] == [] and changes["new"] == []


# -- 1: a --full run writes an item for every live post --------------------------------------


def test_unchanged_full_run_writes_an_item_for_every_live_post(story: Story) -> None:
    items = {_path(i["url"]): i for i in _items(story, 2)}
    assert story.live_after <= set(items)
    assert any(e.status == 304 for e in story.logs[2])
    not_modified = [i for i in items.values() if "not_modified" in i["flags"]]
    assert len(not_modified) == sum(1 for e in story.logs[2] if e.status == 304)
    for item in not_modified:
        assert item["change"] == "unchanged"
        assert item["run_id"] == story.run_ids[2]
        assert item["body_text"] and item["title"]
        assert item["http_status"] == 304
        assert item["warc"]["filename"] and item["warc"]["refers_to"]["filename"]
        assert item["warc"]["record_id"] != item["warc"]["refers_to"]["record_id"]


# -- 2: a run's CDXJ indexes every record of its WARCs ---------------------------------------


def test_run_cdxj_indexes_every_response_and_revisit_record(story: Story) -> None:
    for run_id in story.run_ids:
        run = story.archive.run(run_id)
        records = 0
        for path in sorted(run.warc_dir.glob("*.warc.gz")):
            with path.open("rb") as stream:
                records += sum(
                    1 for r in ArchiveIterator(stream) if r.rec_type in ("response", "revisit")
                )
        lines = [json.loads(line.split(" ", 2)[2]) for line in run.cdxj.read_text().splitlines()]
        indexed = sum(1 for f in lines if f.get("mime") == "warc/revisit" or "status" in f)
        assert records > 0 and indexed == records, run_id
    revisits_304 = [
        line
        for line in story.archive.run(story.run_ids[2]).cdxj.read_text().splitlines()
        if is_not_modified_revisit(line)
    ]
    assert len(revisits_304) == sum(1 for e in story.logs[2] if e.status == 304)


def test_replay_index_leaves_out_304_revisits(story: Story, tmp_path: Path) -> None:
    run = story.archive.run(story.run_ids[2])
    replay = write_cdxj(run_warc_files(run), tmp_path / "index.cdxj", for_replay=True)
    lines = replay.read_text().splitlines()
    assert lines and not any(is_not_modified_revisit(line) for line in lines)


# -- 6: "changed" means any field a reader sees -----------------------------------------------


def test_a_title_edit_alone_is_a_change_with_old_and_new_value(story: Story) -> None:
    changed = _changes(story, 1)["changed"]
    assert [_path(e["url"]) for e in changed] == [story.retitled]
    assert changed[0]["fields"] == {"title": {"old": story.old_title, "new": story.new_title}}
    assert _changes(story, 2)["changed"] == []


# -- 5: identity is the post, not the address --------------------------------------------------


def test_a_moved_source_is_the_same_posts(story: Story) -> None:
    changes = _changes(story, 3)
    assert changes["new"] == [] and changes["removed"] == [] and changes["gone"] == []
    assert changes["changed"] == [] and changes["removal_suspected"] == []
    assert [_path(e["url"]) for e in changes["unlisted"]] == [story.unlisted]
    assert story.old_address_log == []  # nothing asked of the old address
    assert f":{story.old_port}/" not in story.results[3].stderr
    unlisted = [e for e in story.logs[3] if e.path == story.unlisted]
    assert unlisted and unlisted[0].status == 200  # fetched at the new address
    items = {_path(i["url"]) for i in _items(story, 3)}
    assert story.live_after <= items
    catalogue = list(read_jsonl(story.archive.posts_jsonl))
    assert len({(r["source"], r["node_id"]) for r in catalogue}) == len(catalogue)
