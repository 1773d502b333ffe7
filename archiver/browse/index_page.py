"""``OUTPUT/index.html``: the archive's front page.

Totals and the last verification, the timeline, every post newest first (title, date with its
offset, author, flags, links to its item, its replay and its WARC record) with a filter box that
hides the rows not holding every typed word, and the runs.
"""

from __future__ import annotations

from archiver.browse.markup import (
    BENIGN_DATE_FLAGS,
    esc,
    evidence_links,
    flag_badges,
    page,
)
from archiver.browse.model import ArchiveView, PostView, RunView
from archiver.browse.timeline import timeline_svg

FILTER_SCRIPT = """
(function () {
  var box = document.getElementById("filter");
  var rows = Array.prototype.slice.call(document.querySelectorAll("#posts tbody tr"));
  var shown = document.getElementById("shown");
  function apply() {
    var words = box.value.toLowerCase().split(/\\s+/).filter(Boolean);
    var count = 0;
    rows.forEach(function (row) {
      var text = row.getAttribute("data-search");
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      row.hidden = !match;
      if (match) { count += 1; }
    });
    shown.textContent = String(count);
  }
  box.addEventListener("input", apply);
  apply();
})();
"""


def post_flags(post: PostView) -> list[str]:
    """The flags a reader should see: removal, the last run's change, problems."""
    record = post.latest
    flags = []
    if post.removed:
        flags.append("removed")
    if post.last_run_change and post.last_run_change != "removed":
        flags.append(post.last_run_change)
    flags += [f for f in record.get("date_flags") or [] if f not in BENIGN_DATE_FLAGS]
    flags += list(record.get("flags") or [])
    return flags


def render_index(view: ArchiveView, *, replay: str) -> str:
    sources = sorted({str(p.latest.get("source") or "") for p in view.posts} - {""})
    title = "Archive" + (f" of {', '.join(sources)}" if sources else "")
    body = [
        f"<h1>{esc(title)}</h1>",
        _totals(view),
        "<h2>Posts per month</h2>",
        timeline_svg(view.posts),
        "<h2>Posts</h2>",
        '<p><label>Filter: <input type="search" id="filter" placeholder="words in title, '
        'author, date, flags" autocomplete="off"></label> '
        f'<span id="shown">{len(view.posts)}</span> of {len(view.posts)} shown</p>',
        _posts_table(view.posts, replay),
        "<h2>Runs</h2>",
        _runs_table(view.runs),
    ]
    return page(title, "\n".join(body), script=FILTER_SCRIPT)


def _totals(view: ArchiveView) -> str:
    removed = sum(1 for p in view.posts if p.removed)
    items = [
        f'<span><b id="post-count">{len(view.posts)}</b> posts ({removed} removed)</span>',
        f"<span><b>{view.capture_count}</b> captures</span>",
        f"<span><b>{len(view.runs)}</b> runs</span>",
    ]
    last = view.last_run
    if last is not None:
        items.append(
            f"<span>last run <b>{esc(last.run_id)}</b> ({esc(last.mode)}, {esc(last.status)}): "
            f"{last.change_count('new')} new, {last.change_count('changed')} changed, "
            f"{last.change_count('removed')} removed</span>"
        )
    verify = view.verify
    if verify is None:
        items.append('<span class="muted" id="verify">not verified yet (archiver verify)</span>')
    else:
        ok = bool(verify.get("ok"))
        defects = len(verify.get("defects") or [])
        items.append(
            f'<span id="verify" class="{"ok" if ok else "bad"}">verify '
            f"{'OK' if ok else f'FAILED ({defects} defects)'} at "
            f"{esc(verify.get('verified_at'))}</span>"
        )
    return f'<div class="totals">{"".join(items)}</div>'


def _posts_table(posts: list[PostView], replay: str) -> str:
    rows = []
    for post in posts:
        record = post.latest
        flags = post_flags(post)
        published = record.get("published")
        date = (
            esc(published)
            if published
            else f'<span class="muted">undecided: {esc(record.get("published_raw"))}</span>'
        )
        searchable = " ".join(
            str(v)
            for v in (
                record.get("title"),
                record.get("author"),
                published or record.get("published_raw"),
                " ".join(flags),
                record.get("url"),
            )
            if v
        ).lower()
        run_id = str(record.get("run_id") or "")
        item_href = f"posts/{post.file_name}/{run_id}.json"
        links = evidence_links(run_id, record.get("warc"), item_href, prefix="", replay=replay)
        rows.append(
            f'<tr data-search="{esc(searchable)}" data-key="{esc(post.key)}">'
            f'<td class="date">{date}</td>'
            f'<td><a href="posts/{esc(post.file_name)}.html" class="title">'
            f"{esc(record.get('title') or record.get('url'))}</a></td>"
            f"<td>{esc(record.get('author'))}</td><td>{flag_badges(flags)}</td>"
            f"<td>{post.capture_total}</td><td>{links}</td></tr>"
        )
    return (
        '<table id="posts"><thead><tr><th>Published</th><th>Title</th><th>Author</th>'
        "<th>Flags</th><th>Captures</th><th>Evidence</th></tr></thead><tbody>\n"
        + "\n".join(rows)
        + "\n</tbody></table>"
    )


def _runs_table(runs: list[RunView]) -> str:
    rows = []
    for run in reversed(runs):
        counts = run.record.get("counts") or {}
        rows.append(
            f'<tr><td class="mono">{esc(run.run_id)}</td><td>{esc(run.mode)}</td>'
            f'<td><span class="flag {esc(run.status)}">{esc(run.status)}</span></td>'
            f"<td>{esc(run.record.get('started_at'))}</td>"
            f"<td>{esc(run.record.get('finished_at'))}</td>"
            f"<td>{esc(counts.get('items_in_run', ''))}</td>"
            f"<td>{run.change_count('new')}</td><td>{run.change_count('changed')}</td>"
            f"<td>{run.change_count('removed')}</td>"
            f"<td>{esc(counts.get('failed_pages', ''))}</td></tr>"
        )
    return (
        '<table id="runs"><thead><tr><th>Run</th><th>Mode</th><th>Status</th><th>Started</th>'
        "<th>Finished</th><th>Items</th><th>New</th><th>Changed</th><th>Removed</th>"
        "<th>Failed pages</th></tr></thead><tbody>\n" + "\n".join(rows) + "\n</tbody></table>"
    )
