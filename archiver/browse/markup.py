"""HTML for the browsing pages: escaping, links into the evidence, and the page shell.

Everything that comes from a post (title, body, author, URL, WARC file name) is untrusted: it is
escaped with :func:`esc` in text and attributes alike; data never enters a script (the filter
reads each row's ``data-search`` attribute). Each page also carries a Content-Security-Policy
that lets only its own inline script run (by hash) and loads nothing from the network.
"""

from __future__ import annotations

import base64
import hashlib
import html
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from warcio.timeutils import iso_date_to_timestamp

from archiver.archive.layout import is_run_id

DEFAULT_REPLAY_BASE = "http://127.0.0.1:8080/archive"
"""``archiver replay``'s default port and collection."""

PAGES_GENERATION = "archiver-pages 2"
"""Named in every page's head (``<meta name="generator">``), changed when what the pages link
to changes, so that pages written before no longer fit pages written now (2: a capture's item is
on its post's page, no longer a file of its own). A run's end finding index.html of another
generation rebuilds every page (archiver.browse.build)."""

# Date flags that only say how a date was decided; the others are shown as problems.
BENIGN_DATE_FLAGS = frozenset(
    {
        "rdfa",
        "weekday_checked",
        "weekday_decided",
        "order_inferred",
        "order_locale",
        "order_conventional",
        "offset_converted",
    }
)

CSS = """
body{font:15px/1.45 system-ui,sans-serif;margin:1.5em auto;max-width:75em;padding:0 1em;color:#222}
h1{font-size:1.5em;margin:.2em 0}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;width:100%}th,td{text-align:left;vertical-align:top;
padding:.3em .5em;border-bottom:1px solid #ddd}th{background:#f4f4f4}
.totals{display:flex;flex-wrap:wrap;gap:.4em 1.6em;padding:.6em 0}.totals b{font-size:1.1em}
.flag{display:inline-block;font-size:.8em;padding:0 .4em;margin:0 .2em .2em 0;border-radius:3px;
background:#eee}.flag.removed,.flag.weekday_mismatch,.flag.failed{background:#fdd}
.flag.new{background:#dfd}.flag.changed{background:#ffd}
.ok{color:#070}.bad{color:#b00}.muted{color:#777}.mono{font-family:monospace;font-size:.85em}
input[type=search]{font-size:1em;padding:.3em;width:22em}
svg .bar{fill:#8aa9c9}svg .mark-new{fill:#3a3}svg .mark-changed{fill:#d9a400}
svg .mark-removed{fill:#c33}svg text{font-size:10px;fill:#444}
.legend span{display:inline-block;width:.8em;height:.8em;margin:0 .3em 0 1em}
table.diff{font-family:monospace;font-size:.85em}table.diff td{border:0;white-space:pre-wrap}
.diff_add{background:#dfd}.diff_chg{background:#ffd}.diff_sub{background:#fdd}
.diff_header,.diff_next{color:#999}
details.item pre{white-space:pre-wrap;overflow-wrap:anywhere;font-size:.8em;margin:.3em 0 .8em}
"""


def esc(value: object) -> str:
    """``value`` as HTML text, safe in element content and in quoted attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def safe_http_url(url: object) -> str | None:
    """``url`` when it is an http(s) URL (never a ``javascript:`` link), else None."""
    text = str(url or "")
    return text if text.lower().startswith(("http://", "https://")) else None


def replay_url(pointer: Mapping[str, Any] | None, base: str = DEFAULT_REPLAY_BASE) -> str | None:
    """pywb's URL of the record ``pointer`` names, at its capture time."""
    if not pointer or not pointer.get("date") or not safe_http_url(pointer.get("target_uri")):
        return None
    try:
        stamp = iso_date_to_timestamp(str(pointer["date"]))
    except ValueError:
        return None
    return f"{base.rstrip('/')}/{stamp}/{pointer['target_uri']}"


def warc_href(run_id: str, pointer: Mapping[str, Any] | None, prefix: str = "") -> str | None:
    """Relative link to the WARC file holding the record ``pointer`` names."""
    if not pointer or not pointer.get("filename") or not is_run_id(run_id):
        return None
    name = str(pointer["filename"]).replace("\\", "/").rsplit("/", 1)[-1]
    return f"{prefix}runs/{run_id}/warc/{quote(name, safe='')}"


def warc_location(pointer: Mapping[str, Any] | None) -> str:
    if not pointer or not pointer.get("filename"):
        return ""
    return f"{pointer['filename']} @ {pointer.get('offset')}"


def evidence_links(
    run_id: str, pointer: Mapping[str, Any] | None, item_href: str, *, prefix: str, replay: str
) -> str:
    """The JSON item, replay and WARC record links of one capture (``item_href``: its item on
    the post's page, archiver.browse.post_page)."""
    parts = []
    if is_run_id(run_id):  # else the item has no id on the post's page
        parts.append(f'<a href="{esc(item_href)}" class="item-link">JSON</a>')
    replayed = replay_url(pointer, replay)
    if replayed:
        parts.append(f'<a href="{esc(replayed)}" class="replay-link">replay</a>')
    href = warc_href(run_id, pointer, prefix)
    if href and pointer:
        record_id = esc(pointer.get("record_id"))
        parts.append(
            f'<a href="{esc(href)}" class="warc-link" title="{record_id}">WARC</a> '
            f'<span class="mono">{esc(warc_location(pointer))}</span>'
        )
    return " · ".join(parts)


def flag_badges(flags: list[str]) -> str:
    return "".join(f'<span class="flag {esc(flag)}">{esc(flag)}</span>' for flag in flags)


def page(title: str, body: str, *, script: str = "") -> str:
    """A whole HTML document; ``script`` (ours, never data) is the only code allowed to run."""
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode("ascii")
    policy = (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        f"script-src 'sha256-{digest}'"
    )
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="generator" content="{PAGES_GENERATION}">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{esc(policy)}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title)}</title>\n<style>{CSS}</style>\n</head>\n<body>\n{body}\n"
        + (f"<script>{script}</script>\n" if script else "")
        + "</body>\n</html>\n"
    )
