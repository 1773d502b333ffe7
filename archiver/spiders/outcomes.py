"""What a fetch came to, in the archive's terms: the flag a failed post gets, how a failure is
described in run.json, and whether a response is an HTML page.

Kept apart from the spider so the rules are in one place and testable on plain failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from scrapy.exceptions import IgnoreRequest
from scrapy.http import Response, TextResponse
from scrapy.spidermiddlewares.httperror import HttpError
from twisted.python.failure import Failure

from archiver.items import FLAG_ARTICLE_FETCH_FAILED, FLAG_ARTICLE_MISSING, FLAG_ARTICLE_NOT_FETCHED

GONE_STATUSES = frozenset({404, 410})
# Drupal answers 403 for an unpublished node: a post that no listing shows any more and that
# answers 403 is gone too (a listed post answering 403 is a failure: a block, not a removal).
UNLISTED_GONE_STATUSES = GONE_STATUSES | {403}
# What IgnoreRequest says when it refuses by policy (robots.txt, Scrapy's OffsiteMiddleware,
# archiver.downloadermiddlewares.hostscope), as opposed to a fetch that broke (max redirections,
# size cap).
POLICY_REFUSALS = ("robots.txt", "offsite", "source's hosts")
HTML_TYPES = frozenset({"text/html", "application/xhtml+xml"})
CSS_TYPE = "text/css"


@dataclass(frozen=True)
class PostFailure:
    """How a post page that could not be had is recorded."""

    flag: str
    """``article_missing`` (gone), ``article_not_fetched`` (refused by policy) or
    ``article_fetch_failed`` (broken: listed in run.json, the run is partial)."""
    status: int | None
    warc: dict[str, Any] | None
    """The WARC pointer of the error response, when one came."""
    description: str


def classify_post_failure(failure: Failure, *, unlisted: bool) -> PostFailure:
    """The outcome of a failed post request; ``unlisted`` when no listing showed the post."""
    status: int | None = None
    warc = None
    if failure.check(HttpError):
        response = failure.value.response
        status = response.status
        warc = response.meta.get("archiver_warc")
        gone = UNLISTED_GONE_STATUSES if unlisted else GONE_STATUSES
        flag = FLAG_ARTICLE_MISSING if status in gone else FLAG_ARTICLE_FETCH_FAILED
    elif failure.check(IgnoreRequest) and is_policy_refusal(failure):
        flag = FLAG_ARTICLE_NOT_FETCHED  # robots.txt or the host policy said no: our choice
    else:  # a network error, a redirect loop, a page over DOWNLOAD_MAXSIZE...
        flag = FLAG_ARTICLE_FETCH_FAILED
    return PostFailure(flag, status, warc, describe_failure(failure))


def describe_failure(failure: Failure) -> str:
    """One line for logs and run.json: ``HTTP 503`` or ``ErrorType: message``."""
    if failure.check(HttpError):
        return f"HTTP {failure.value.response.status}"
    return f"{failure.type.__name__}: {failure.getErrorMessage()}" if failure.type else "error"


def failure_status(failure: Failure) -> int | None:
    """The HTTP status of a failure that came with a response."""
    return failure.value.response.status if failure.check(HttpError) else None


def is_policy_refusal(failure: Failure) -> bool:
    message = failure.getErrorMessage()
    return any(marker in message for marker in POLICY_REFUSALS)


def content_type(response: Response) -> str:
    return (response.headers.get("Content-Type") or b"").decode("latin-1") or "no Content-Type"


def is_html(response: Response) -> bool:
    """An HTML page by its Content-Type (Scrapy makes a TextResponse of a PDF as well)."""
    if not isinstance(response, TextResponse):
        return False
    declared = content_type(response)
    if declared == "no Content-Type":
        return True  # text without a label: let the page parser decide
    return declared.split(";", 1)[0].strip().lower() in HTML_TYPES


def is_css(response: Response) -> bool:
    """A stylesheet: ``text/css``, or a ``.css`` path whatever the type (servers misconfigured
    for CSS send ``text/plain`` or nothing, and the page still loads it as a stylesheet)."""
    media_type = content_type(response).split(";", 1)[0].strip().lower()
    return media_type == CSS_TYPE or urlsplit(response.url).path.lower().endswith(".css")
