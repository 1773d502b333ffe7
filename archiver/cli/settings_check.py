"""Check ``-s NAME=VALUE`` before a crawl starts: one line naming the setting, not a traceback.

The expected type of a setting is the type of its default: archiver's own defaults
(``archiver/settings.py``) for the ``ARCHIVER_*`` settings and the others it sets, Scrapy's
(``scrapy.settings.default_settings``) for Scrapy's numeric and boolean settings. Values of
other types (strings, lists, dicts) are left to the component that reads them. An unknown
``ARCHIVER_*`` name is refused, naming the closest known setting.
"""

from __future__ import annotations

import difflib
from typing import Any

from scrapy.settings import default_settings

from archiver import settings as archiver_settings

# Settings with an integer default that Scrapy reads as a number (getfloat): 2.5 is fine.
READ_AS_FLOAT = frozenset(
    "AUTOTHROTTLE_MAX_DELAY AUTOTHROTTLE_START_DELAY AUTOTHROTTLE_TARGET_CONCURRENCY "
    "CLOSESPIDER_TIMEOUT DNS_TIMEOUT DOWNLOAD_DELAY DOWNLOAD_DELAY_JITTER DOWNLOAD_TIMEOUT "
    "LOGSTATS_INTERVAL MEMUSAGE_CHECK_INTERVAL_SECONDS REMOTE_CONTROL_TIMEOUT_DEFAULT "
    "REMOTE_CONTROL_TIMEOUT_MAX".split()
)

# Scrapy's getbool accepts these (and getint/getfloat their numbers).
_BOOL_WORDS = {"1", "0", "True", "true", "False", "false"}


def _defaults() -> dict[str, Any]:
    defaults = {n: getattr(default_settings, n) for n in dir(default_settings) if n.isupper()}
    defaults.update(
        {n: getattr(archiver_settings, n) for n in dir(archiver_settings) if n.isupper()}
    )
    return defaults


DEFAULTS = _defaults()
ARCHIVER_NAMES = sorted(n for n in DEFAULTS if n.startswith("ARCHIVER_"))


def check_setting(name: str, value: str) -> None:
    """Raise ValueError (a one-line message) when ``-s name=value`` cannot be right."""
    if name.startswith("ARCHIVER_") and name not in DEFAULTS:
        close = difflib.get_close_matches(name, ARCHIVER_NAMES, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else ""
        raise ValueError(f"unknown setting {name}{hint}")
    if name not in DEFAULTS:
        return
    default = DEFAULTS[name]
    text = value.strip()
    if isinstance(default, bool):
        if text not in _BOOL_WORDS:
            raise ValueError(f"-s {name}={value!r}: expected a boolean (True/False/1/0)")
    elif isinstance(default, int) and name not in READ_AS_FLOAT:
        try:
            int(text)
        except ValueError:
            raise ValueError(f"-s {name}={value!r}: expected an integer") from None
    elif isinstance(default, (int, float)):
        try:
            float(text)
        except ValueError:
            raise ValueError(f"-s {name}={value!r}: expected a number") from None
    if name == "ARCHIVER_PARSE_WORKERS":
        from archiver.spiders.extraction import parse_workers

        try:
            parse_workers(text)
        except ValueError as error:
            raise ValueError(f"-s {name}={value!r}: {error}") from None
