"""The timeline: posts per month of publication as an inline SVG bar chart, drawn at build time.

Each month from the first to the last dated post is one bar (``rect.bar``); the posts the last
run reported new, changed or removed are marked on their month's bar (``rect.mark-new``,
``.mark-changed``, ``.mark-removed``), stacked from the bottom. Posts without a decided date are
counted beside the chart, not placed on it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from archiver.browse.markup import esc
from archiver.browse.model import CHANGE_KINDS, PostView

_HEIGHT = 140
_TOP = 12
_BOTTOM = 22
_MIN_WIDTH = 640
_BAR = 9
_GAP = 2


def month_of(published: object) -> str | None:
    """``YYYY-MM`` of an ISO date in its own offset (the source's calendar), or None."""
    text = str(published or "")
    if len(text) >= 7 and text[:4].isdigit() and text[4] == "-" and text[5:7].isdigit():
        return text[:7]
    return None


def month_range(first: str, last: str) -> list[str]:
    year, month = int(first[:4]), int(first[5:7])
    months = []
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return months


class Timeline:
    """Posts per month, counted as the posts stream by (:meth:`add`); :meth:`svg` draws it."""

    def __init__(self) -> None:
        self.totals: Counter[str] = Counter()
        self.marks: dict[str, Counter[str]] = {kind: Counter() for kind in CHANGE_KINDS}
        self.undated = 0

    def add(self, post: PostView) -> None:
        month = month_of(post.latest.get("published"))
        if month is None:
            self.undated += 1
            return
        self.totals[month] += 1
        if post.last_run_change in self.marks:
            self.marks[post.last_run_change][month] += 1

    def svg(self) -> str:
        return _svg(self.totals, self.marks, self.undated)


def timeline_svg(posts: Iterable[PostView]) -> str:
    """The chart's ``<svg>`` element, or a sentence when no post has a date."""
    timeline = Timeline()
    for post in posts:
        timeline.add(post)
    return timeline.svg()


def _svg(totals: Counter[str], marks: dict[str, Counter[str]], undated: int) -> str:
    note = f'<p class="muted">{undated} post(s) without a decided date are not on the timeline.</p>'
    if not totals:
        return '<p class="muted">No dated posts yet.</p>' + (note if undated else "")
    months = month_range(min(totals), max(totals))
    peak = max(totals.values())
    width = max(_MIN_WIDTH, len(months) * (_BAR + _GAP) + 40)
    scale = (_HEIGHT - _TOP - _BOTTOM) / peak
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" id="timeline" role="img" '
        f'viewBox="0 0 {width} {_HEIGHT}" width="100%" preserveAspectRatio="xMinYMin meet" '
        f'aria-label="Posts per month">',
        f'<text x="2" y="{_TOP - 2}">{peak} posts</text>',
        f'<line x1="30" y1="{_HEIGHT - _BOTTOM}" x2="{width}" y2="{_HEIGHT - _BOTTOM}" '
        'stroke="#999"/>',
    ]
    for index, month in enumerate(months):
        x = 30 + index * (_BAR + _GAP)
        count = totals.get(month, 0)
        base = float(_HEIGHT - _BOTTOM)
        if month.endswith("-01") or index == 0:
            parts.append(f'<text x="{x}" y="{_HEIGHT - 6}">{esc(month[:4])}</text>')
        if not count:
            continue
        height = max(count * scale, 1.0)
        described = [f"{count} post(s)"] + [
            f"{marks[kind][month]} {kind}" for kind in CHANGE_KINDS if marks[kind][month]
        ]
        parts.append(
            f'<rect class="bar" data-month="{esc(month)}" data-count="{count}" x="{x}" '
            f'y="{base - height:.1f}" width="{_BAR}" height="{height:.1f}">'
            f"<title>{esc(month)}: {esc(', '.join(described))}</title></rect>"
        )
        for kind in CHANGE_KINDS:
            marked = marks[kind][month]
            if not marked:
                continue
            mark_height = max(marked * scale, 2.0)
            parts.append(
                f'<rect class="mark-{kind}" data-month="{esc(month)}" data-count="{marked}" '
                f'x="{x}" y="{base - mark_height:.1f}" width="{_BAR}" '
                f'height="{mark_height:.1f}"><title>{esc(month)}: {marked} {kind} in the last '
                "run</title></rect>"
            )
            base -= mark_height
    parts.append("</svg>")
    legend = (
        '<p class="legend muted"><span style="background:#8aa9c9"></span>posts'
        '<span style="background:#3a3"></span>new in the last run'
        '<span style="background:#d9a400"></span>changed'
        '<span style="background:#c33"></span>removed</p>'
    )
    return "".join(parts) + legend + (note if undated else "")
