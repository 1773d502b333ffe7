"""Crafted archives for the browsing and search tests: runs written as the lifecycle writes
them (run.json, changes.json, items.jsonl, posts.jsonl), without crawling."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from archiver.archive.catalogue import merge_catalogue
from archiver.archive.layout import ArchivePaths
from archiver.files import atomic_write_json, atomic_write_jsonl, read_jsonl

HOSTILE_TITLE = '<script>alert(1)</script> "quoted" & <img src=x onerror=alert(2)>'


def item(node_id: int, title: str, body: str, *, published: str | None, run_id: str,
         change: str = "new", **extra: Any) -> dict[str, Any]:  # fmt: skip
    url = f"http://127.0.0.1:8000/content/post-{node_id}"
    record: dict[str, Any] = {
        "url": url,
        "source": "iuhrdf",
        "node_id": str(node_id),
        "title": title,
        "author": "Kanat",
        "published": published,
        "published_raw": "Per, 10/08/2020 - 17:31",
        "date_flags": ["weekday_checked"],
        "body_text": body,
        "images": [f"http://127.0.0.1:8000/sites/default/files/{node_id}.jpg"],
        "flags": [],
        "http_status": 200,
        "crawled_at": f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}T10:00:00+00:00",
        "content_sha256": hashlib.sha256(body.encode()).hexdigest(),
        "warc": {
            "filename": f"archiver-{run_id}-00000.warc.gz",
            "offset": 1000 + node_id,
            "length": 500,
            "record_id": f"<urn:uuid:{node_id:08d}-0000-0000-0000-000000000000>",
            "target_uri": url,
            "date": f"{run_id[:4]}-{run_id[4:6]}-{run_id[6:8]}T10:00:00Z",
            "payload_digest": "sha1:AAAA",
        },
        "run_id": run_id,
        "change": change,
    }
    record.update(extra)
    return record


def write_run(root: Path, run_id: str, items: list[dict[str, Any]], *, mode: str = "full",
              changes: dict[str, list[dict[str, Any]]] | None = None) -> None:  # fmt: skip
    archive = ArchivePaths(root)
    run = archive.run(run_id)
    run.directory.mkdir(parents=True, exist_ok=True)
    atomic_write_jsonl(run.items_jsonl, items)
    report: dict[str, Any] = {"run_id": run_id, "mode": mode, "new": [], "changed": [],
                              "removed": [], "removal_suspected": []}  # fmt: skip
    report.update(changes or {})
    atomic_write_json(run.changes_json, report)
    atomic_write_json(
        run.run_json,
        {"run_id": run_id, "status": "complete", "mode": mode, "started_at": run_id,
         "finished_at": run_id, "counts": {"items_in_run": len(items), "failed_pages": 0}},
    )  # fmt: skip
    catalogue = merge_catalogue(read_jsonl(archive.posts_jsonl), items)
    atomic_write_jsonl(archive.posts_jsonl, catalogue)


def entry(record: dict[str, Any]) -> dict[str, Any]:
    return {"url": record["url"], "source": record["source"], "title": record["title"]}


BODY_LATIN = "Türkiye'de Uyğurlar İstanbul'da gösteri yaptı.\n\nThe camps must close."
BODY_UYGHUR = "ئۇيغۇرلار خىتاي ھۆكۈمىتىنىڭ لاگېرلىرىنى ئەيىبلىدى.\n\nSecond paragraph."
BODY_CHINESE = "中国政府在新疆建立了集中营。\n\n国际社会必须行动。"


def two_run_archive(root: Path) -> dict[str, dict[str, Any]]:
    """Run 1 captures four posts; run 2 (full) edits one, adds a hostile one, removes one."""
    first = "20260101T100000Z"
    second = "20260201T100000Z"
    posts = {
        "latin": item(11, "Gösteri in Istanbul", BODY_LATIN,
                      published="2020-10-08T17:31:00-04:00", run_id=first),
        "uyghur": item(12, "ئۇيغۇر خەۋەرلىرى", BODY_UYGHUR,
                       published="2020-09-29T16:04:00-04:00", run_id=first),
        "chinese": item(13, "维吾尔人权", BODY_CHINESE,
                        published="2019-12-01T09:00:00-05:00", run_id=first),
        "undated": item(14, "A post with a bad date", "Undated body.", published=None,
                        run_id=first, date_flags=["weekday_mismatch"]),
    }  # fmt: skip
    new = [entry(p) for p in posts.values()]
    write_run(root, first, list(posts.values()), changes={"new": new})
    edited = item(11, "Gösteri in Istanbul (updated)", BODY_LATIN + "\n\nAn added paragraph.",
                  published="2020-10-08T17:31:00-04:00", run_id=second,
                  change="changed")  # fmt: skip
    hostile = item(15, HOSTILE_TITLE, "Body of the hostile post </script><b>bold</b>",
                   published="2020-11-01T08:00:00-04:00", run_id=second)  # fmt: skip
    removed = dict(posts["chinese"], run_id=second, change="removed")
    write_run(
        root,
        second,
        [edited, hostile, removed],
        changes={"new": [entry(hostile)], "changed": [entry(edited)], "removed": [entry(removed)]},
    )
    catalogue = list(read_jsonl(ArchivePaths(root).posts_jsonl))
    for record in catalogue:
        record["removed_at"] = "2026-02-01T10:00:00+00:00" if record["node_id"] == "13" else None
    atomic_write_jsonl(ArchivePaths(root).posts_jsonl, catalogue)
    return {**posts, "edited": edited, "hostile": hostile}
