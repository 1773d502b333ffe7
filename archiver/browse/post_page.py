"""``OUTPUT/posts/<name>.html``: one post, every capture of it, and what changed between them.

Captures are the post's items in every run's ``items.jsonl``, oldest first, each linked to its
item (on this page, at ``#item-<run-id>``: the line its run's items.jsonl holds, in a closed
``<details>``), its WARC record and its replay at that time. Where two captures in a row differ
(title, date, body text or images), a side-by-side diff of the two is shown (difflib's
HtmlDiff, which escapes the lines it shows).
"""

from __future__ import annotations

import difflib
import html
from collections.abc import Mapping
from typing import Any

from archiver.archive.layout import is_run_id
from archiver.browse.index_page import post_flags
from archiver.browse.markup import esc, evidence_links, flag_badges, page, safe_http_url
from archiver.browse.model import PostView
from archiver.browse.paths import item_anchor
from archiver.files import json_line

Record = dict[str, Any]
_WRAP = 60


def compared_fields(item: Mapping[str, Any]) -> dict[str, list[str]]:
    """What a reader compares between two captures, as lines."""
    body = str(item.get("body_text") or "")
    return {
        "title": [str(item.get("title") or "")],
        "date": [str(item.get("published") or f"(undecided) {item.get('published_raw') or ''}")],
        "body": [p for p in (part.strip() for part in body.split("\n\n")) if p],
        "images": [str(i) for i in item.get("images") or []],
    }


def differs(older: Mapping[str, Any], newer: Mapping[str, Any]) -> bool:
    return compared_fields(older) != compared_fields(newer)


def diff_section(older: Record, newer: Record) -> str:
    """The side-by-side diff of two captures: one table per field that differs."""
    before, after = compared_fields(older), compared_fields(newer)
    differ = difflib.HtmlDiff(wrapcolumn=_WRAP)
    old_run, new_run = str(older.get("run_id")), str(newer.get("run_id"))
    parts = [
        f'<section class="diff" data-from="{esc(old_run)}" data-to="{esc(new_run)}">'
        f"<h3>Run {esc(old_run)} → run {esc(new_run)}</h3>"
    ]
    for name, lines in before.items():
        if lines == after[name]:
            continue
        table = differ.make_table(
            lines, after[name], fromdesc=esc(old_run), todesc=esc(new_run), context=False
        )
        parts.append(f'<h4>{esc(name)}</h4><div class="field-diff" data-field="{esc(name)}">'
                     f"{table}</div>")  # fmt: skip
    parts.append("</section>")
    return "".join(parts)


def render_post(post: PostView, *, replay: str) -> str:
    # difflib numbers its tables' anchors with a process-wide counter: from 0 on every page,
    # the same post gives the same page bytes (so an unchanged page is not rewritten).
    difflib.HtmlDiff._default_prefix = 0  # type: ignore[attr-defined]
    record = post.latest
    title = str(record.get("title") or record.get("url") or post.key)
    url = safe_http_url(record.get("url"))
    facts = [
        ("URL", f'<a href="{esc(url)}">{esc(url)}</a>' if url else esc(record.get("url"))),
        ("Identity", f'<span class="mono">{esc(post.key)}</span>'),
        ("Author", esc(record.get("author"))),
        ("Published", esc(record.get("published") or "undecided")),
        ("Date as printed", esc(record.get("published_raw"))),
        ("Date flags", flag_badges(list(record.get("date_flags") or []))),
        ("Flags", flag_badges(post_flags(post))),
        ("Removed", esc(record.get("removed_at") or "no")),
    ]
    body = [
        '<p><a href="../index.html">← the archive</a></p>',
        f'<h1 id="post-title">{esc(title)}</h1>',
        '<table class="facts">'
        + "".join(f"<tr><th>{name}</th><td>{value}</td></tr>" for name, value in facts)
        + "</table>",
        "<h2>Captures</h2>",
        _captures_table(post, replay),
    ]
    pairs = list(zip(post.captures, post.captures[1:], strict=False))
    changed = [(a, b) for a, b in pairs if differs(a, b)]
    body.append("<h2>What changed</h2>")
    if changed:
        body.extend(diff_section(a, b) for a, b in changed)
    else:
        body.append('<p class="muted">Every capture holds the same title, date, body and '
                    "images.</p>")  # fmt: skip
    text = str(record.get("body_text") or "")
    body += ["<h2>Latest text</h2>", f'<div class="body-text">{_paragraphs(text)}</div>']
    body += ["<h2>Items</h2>", _items(post)]
    return page(title, "\n".join(body))


def _captures_table(post: PostView, replay: str) -> str:
    rows = []
    for capture in post.captures:
        run_id = str(capture.get("run_id") or "")
        links = evidence_links(
            run_id, capture.get("warc"), f"#{item_anchor(run_id)}", prefix="../", replay=replay
        )
        digest = str(capture.get("content_sha256") or "")
        rows.append(
            f'<tr class="capture"><td class="mono">{esc(run_id)}</td>'
            f"<td>{esc(capture.get('crawled_at'))}</td><td>{esc(capture.get('change'))}</td>"
            f"<td>{esc(capture.get('http_status'))}</td>"
            f'<td class="mono" title="{esc(digest)}">{esc(digest[:12])}</td>'
            f"<td>{esc(capture.get('title'))}</td><td>{links}</td></tr>"
        )
    return (
        '<table id="captures"><thead><tr><th>Run</th><th>Fetched</th><th>Change</th>'
        "<th>HTTP</th><th>Body SHA-256</th><th>Title then</th><th>Evidence</th></tr></thead>"
        "<tbody>" + "".join(rows) + "</tbody></table>"
    )


def _items(post: PostView) -> str:
    """Each capture's item as its run's items.jsonl holds it (the line, without its newline),
    escaped, in a closed ``<details>`` (a year of weekly ``--full`` runs is 52 items): the
    id is on the ``<pre>`` inside, so following a JSON link opens it (the HTML standard
    reveals a closed ``<details>`` holding the target of a fragment; Chromium does, as
    tests/test_browse_browser.py checks). An item whose run id is no run id (or a run's
    second item of the post) is shown without an id: no link names it."""
    parts = []
    anchored: set[str] = set()
    for capture in post.captures:
        run_id = str(capture.get("run_id") or "")
        anchor = ""
        if is_run_id(run_id) and run_id not in anchored:
            anchored.add(run_id)
            anchor = f' id="{esc(item_anchor(run_id))}"'
        # Element content: <, > and & escaped. Quotes need not be (this is no attribute),
        # and JSON is full of them: &quot; made the page an eighth larger.
        line = html.escape(json_line(capture).rstrip("\n"), quote=False)
        parts.append(
            f'<details class="item"><summary>Run <span class="mono">{esc(run_id)}</span>'
            f"</summary><pre{anchor}>{line}</pre></details>"
        )
    return "\n".join(parts)


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{esc(p.strip())}</p>" for p in text.split("\n\n") if p.strip())
