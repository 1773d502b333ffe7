"""How a failed post fetch is recorded: gone, refused by policy, or failed (listed in run.json)."""

from __future__ import annotations

import pytest
from scrapy.exceptions import IgnoreRequest
from scrapy.http import HtmlResponse, Request, Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.internet.error import ConnectionLost
from twisted.python.failure import Failure

from archiver.spiders.outcomes import classify_post_failure, is_html

URL = "http://127.0.0.1:8000/content/x"


def http_failure(status: int) -> Failure:
    request = Request(URL, meta={"archiver_warc": {"record_id": "<urn:uuid:1>"}})
    response = Response(URL, status=status, request=request)
    return Failure(HttpError(response, "not 2xx"))


@pytest.mark.parametrize(
    ("status", "unlisted", "flag"),
    [
        (404, False, "article_missing"),
        (410, True, "article_missing"),
        (403, True, "article_missing"),  # Drupal's unpublished node, gone from the listings
        (403, False, "article_fetch_failed"),  # still listed: a block, not a removal
        (503, False, "article_fetch_failed"),
    ],
)
def test_http_answers(status: int, unlisted: bool, flag: str) -> None:
    outcome = classify_post_failure(http_failure(status), unlisted=unlisted)
    assert (outcome.flag, outcome.status) == (flag, status)
    assert outcome.warc == {"record_id": "<urn:uuid:1>"}
    assert outcome.description == f"HTTP {status}"


@pytest.mark.parametrize(
    ("error", "flag"),
    [
        (IgnoreRequest("Forbidden by robots.txt"), "article_not_fetched"),
        (IgnoreRequest("Filtered offsite request to 'example.com'"), "article_not_fetched"),
        (IgnoreRequest("http://x is not on the source's hosts"), "article_not_fetched"),
        (IgnoreRequest("max redirections reached"), "article_fetch_failed"),
        (ConnectionLost("dropped"), "article_fetch_failed"),
    ],
)
def test_refusals_and_breakage(error: Exception, flag: str) -> None:
    outcome = classify_post_failure(Failure(error), unlisted=False)
    assert outcome.flag == flag
    assert outcome.status is None and outcome.warc is None


def test_html_is_decided_by_content_type() -> None:
    html = HtmlResponse(URL, body=b"<p>x</p>", headers={"Content-Type": "text/html; charset=utf-8"})
    pdf = TextResponse(URL, body=b"%PDF-1.4", headers={"Content-Type": "application/pdf"})
    unlabelled = TextResponse(URL, body=b"<p>x</p>", encoding="utf-8")
    assert is_html(html) and not is_html(pdf) and is_html(unlabelled)
    assert not is_html(Response(URL, body=b"\x89PNG"))
