"""The writer's CDXJ keys and times (issue 15): the SURT of a plain URL is put together from
its host's SURT (computed once) and its path and query, and the 14-digit time is read from
the WARC-Date's digits; both must be exactly what ``surt.surt`` and warcio compute."""

from __future__ import annotations

from datetime import UTC, datetime

import surt
from hypothesis import given, settings
from hypothesis import strategies as st
from warcio.timeutils import iso_date_to_timestamp

from archiver.warc.cdxj import cdx_timestamp, surt_key
from archiver.warc.records import warc_date

EXAMPLES = [
    "http://127.0.0.1:8000/topic/news",
    "http://127.0.0.1:8000/topic/news?page=3",
    "http://127.0.0.1:8000/content/some-post-title",
    "http://127.0.0.1:8000/sites/default/files/styles/large/public/x.JPG?itok=AbC_12-3",
    "http://127.0.0.1:8000/misc/drupal.js?v=7.98",
    "http://127.0.0.1:8000/sites/all/themes/t/css/style.css?q1w2e3",
    "http://127.0.0.1:8000/",
    "http://127.0.0.1:8000",
    "http://127.0.0.1:8000?a=1",
    "https://WWW.Example.COM:443/A/B/?b=2&a=1&A=0",
    "https://www3.example.com/x/",
    "http://www.example.com:80/x/",
    "http://example.com:8080/x/y.html",
    "http://news.example/content/a;jsessionid=1",
    "http://news.example/x?jsessionid=0123456789abcdef0123456789ABCDEF&b=1",
    "http://news.example/x?a=1&sid=0123456789abcdef0123456789ABCDEF",
    "http://news.example/x?PHPSESSID=0123456789abcdef0123456789ABCDEF",
    "http://news.example/x?cfid=1&cftoken=2&z=1",
    "http://news.example/x?a&b=&c",
    "http://news.example/x??a",
    "http://news.example/x?",
    "http://news.example/a/./b/../c",
    "http://news.example/a//b",
    "http://news.example/a/..",
    "http://news.example/a/.",
    "http://news.example/a/...",
    "http://news.example/%7Euser/%41",
    "http://news.example/x#frag",
    "http://news.example/caf\xe9?q=\xfc",
    "http://news.example/(a(0123456789abcdef01234567))/p.aspx",
    "http://user:pw@news.example/x",
    "http://news.example:/x",
    "http://news.example:abc/x",
    "http://:80/x/y",
    "http://./x",
    "http://../x",
    "http://www./x",
    "http://a..b/x",
    "http://.a./x",
    "http://Example.com./x",
    "http://xn--caf-dma.example/x",
    "http://2130706433/x",
    "http://[::1]:8000/x",
    "HTTP://Example.com/X",
    "https://http://example.com/x",
    "http://http://example.com/x",
    "http://http:/x",
    "ftp://example.com/x",
    "dns:example.com",
    "filedesc:x",
    "http://example.com/a b",
    "",
]


def _surt(url: str) -> str | type[BaseException]:
    try:
        return str(surt.surt(url))
    except Exception as error:
        return type(error)


def _ours(url: str) -> str | type[BaseException]:
    try:
        return surt_key(url)
    except Exception as error:
        return type(error)


def test_surt_keys_of_plain_and_odd_urls_are_surts() -> None:
    for url in EXAMPLES:
        assert _ours(url) == _surt(url), url


_SEGMENT = st.lists(
    st.sampled_from(list("aAzZ09._~-!$&'*+,;=:@%()/ ?#\xe9") + ["..", "www.", "%2F", ".aspx"]),
    max_size=8,
).map("".join)
_HOSTS = st.sampled_from(
    [
        "news.example",
        "WWW.News.Example",
        "www2.news.example",
        "127.0.0.1",
        "127.0.0.1:8000",
        "news.example:80",
        "news.example:443",
        "news.example:8443",
        "a.b.c.example.",
        "xn--caf-dma.example",
    ]
)
_QUERY = st.lists(
    st.tuples(
        st.sampled_from(["a", "B", "sid", "jsessionid", "PHPSESSID", "cfid", "cftoken", "q", ""]),
        st.none() | st.text(st.sampled_from(list("0aF9.-_/?:=%")), max_size=34),
    ),
    max_size=4,
)


def _url(scheme: str, host: str, segments: list[str], query: list, tail: str) -> str:
    url = f"{scheme}://{host}" + "".join("/" + segment for segment in segments)
    if query:
        url += "?" + "&".join(name if value is None else f"{name}={value}" for name, value in query)
    return url + tail


@settings(max_examples=2000, deadline=None)
@given(
    st.sampled_from(["http", "https", "HTTP"]),
    _HOSTS,
    st.lists(_SEGMENT, max_size=4),
    _QUERY,
    st.sampled_from(["", "/", "?", "#x", "/?a=1"]),
)
def test_surt_keys_are_surts(
    scheme: str, host: str, segments: list[str], query: list, tail: str
) -> None:
    url = _url(scheme, host, segments, query, tail)
    assert _ours(url) == _surt(url), url


@settings(max_examples=500, deadline=None)
@given(st.datetimes(min_value=datetime(1000, 1, 1), max_value=datetime(9999, 12, 31)))
def test_cdx_timestamps_are_warcios(moment: datetime) -> None:
    date = warc_date(moment.replace(tzinfo=UTC))
    assert cdx_timestamp(date) == iso_date_to_timestamp(date)


def test_cdx_timestamps_of_other_dates_are_warcios() -> None:
    for date in ("2026-11-23T20:30:00Z", "2026-11-23T20:30:00.5Z", "2026-11-23T20:30:00"):
        assert cdx_timestamp(date) == iso_date_to_timestamp(date)
