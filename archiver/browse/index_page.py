"""``OUTPUT/index.html``: the archive's front page.

Totals and the last verification, the timeline, every post newest first (title, date with its
offset, author, flags, links to its item (on the post's page), its replay and its WARC record)
with a filter box that hides the rows not holding every typed word, and the runs.
"""

from __future__ import annotations

import shutil
from typing import IO

from archiver.browse.markup import (
    BENIGN_DATE_FLAGS,
    esc,
    evidence_links,
    flag_badges,
    page,
)
from archiver.browse.model import ArchiveView, PostView, RunView
from archiver.browse.paths import item_anchor
from archiver.browse.timeline import Timeline

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


class IndexPage:
    """index.html, built as the posts stream by: each post's row goes to a spool file
    (``rows``, opened for writing by the caller) and its numbers to the totals and the
    timeline; :meth:`write` then writes the page around the spooled rows."""

    def __init__(self, view: ArchiveView, rows: IO[str], *, replay: str) -> None:
        self.view = view
        self.replay = replay
        self.rows = rows
        self.post_count = 0
        self.removed = 0
        self.capture_count = 0
        self.sources: set[str] = set()
        self.timeline = Timeline()

    def add(self, post: PostView) -> None:
        self.rows.write(("\n" if self.post_count else "") + post_row(post, self.replay))
        self.post_count += 1
        self.removed += post.removed
        self.capture_count += post.capture_total
        self.sources.add(str(post.latest.get("source") or ""))
        self.timeline.add(post)

    def write(self, out: IO[str], rows: IO[str]) -> None:
        """The page to ``out``, the spooled rows read back from ``rows``."""
        sources = sorted(self.sources - {""})
        title = "Archive" + (f" of {', '.join(sources)}" if sources else "")
        head, tail = page(title, _BODY_MARK, script=FILTER_SCRIPT).split(_BODY_MARK)
        count = self.post_count
        out.write(head)
        out.write(
            "\n".join(
                [
                    f"<h1>{esc(title)}</h1>",
                    self._totals(),
                    "<h2>Posts per month</h2>",
                    self.timeline.svg(),
                    "<h2>Posts</h2>",
                    '<p><label>Filter: <input type="search" id="filter" placeholder="words in '
                    'title, author, date, flags" autocomplete="off"></label> '
                    f'<span id="shown">{count}</span> of {count} shown</p>',
                    _POSTS_HEAD,
                ]
            )
        )
        shutil.copyfileobj(rows, out)
        out.write("\n</tbody></table>\n<h2>Runs</h2>\n" + _runs_table(self.view.runs))
        out.write(tail)

    def _totals(self) -> str:
        view = self.view
        items = [
            f'<span><b id="post-count">{self.post_count}</b> posts ({self.removed} removed)</span>',
            f"<span><b>{self.capture_count}</b> captures</span>",
            f"<span><b>{len(view.runs)}</b> runs</span>",
        ]
        last = view.last_run
        if last is not None:
            items.append(
                f"<span>last run <b>{esc(last.run_id)}</b> ({esc(last.mode)}, "
                f"{esc(last.status)}): {last.change_count('new')} new, "
                f"{last.change_count('changed')} changed, "
                f"{last.change_count('removed')} removed</span>"
            )
        verify = view.verify
        if verify is None:
            items.append(
                '<span class="muted" id="verify">not verified yet (archiver verify)</span>'
            )
        else:
            ok = bool(verify.get("ok"))
            defects = len(verify.get("defects") or [])
            items.append(
                f'<span id="verify" class="{"ok" if ok else "bad"}">verify '
                f"{'OK' if ok else f'FAILED ({defects} defects)'} at "
                f"{esc(verify.get('verified_at'))}</span>"
            )
        return f'<div class="totals">{"".join(items)}</div>'


_BODY_MARK = "\x00body\x00"
_POSTS_HEAD = (
    '<table id="posts"><thead><tr><th>Published</th><th>Title</th><th>Author</th>'
    "<th>Flags</th><th>Captures</th><th>Evidence</th></tr></thead><tbody>\n"
)


def post_row(post: PostView, replay: str) -> str:
    """The post's row of the posts table."""
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
    item_href = f"posts/{post.file_name}.html#{item_anchor(run_id)}"
    links = evidence_links(run_id, record.get("warc"), item_href, prefix="", replay=replay)
    return (
        f'<tr data-search="{esc(searchable)}" data-key="{esc(post.key)}">'
        f'<td class="date">{date}</td>'
        f'<td><a href="posts/{esc(post.file_name)}.html" class="title">'
        f"{esc(record.get('title') or record.get('url'))}</a></td>"
        f"<td>{esc(record.get('author'))}</td><td>{flag_badges(flags)}</td>"
        f"<td>{post.capture_total}</td><td>{links}</td></tr>"
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
