"""What shaped a run, for run.json: the settings in effect and where each came from, the
software and its versions, the command line with credentials redacted.

A researcher who reads run.json years later must see the values the run USED: a source
profile fills in what a setting leaves empty (``ARCHIVER_TIMEZONE = ""`` means the profile's
America/New_York), so the recorded value is the effective one, and ``settings_origin`` says
where each came from: ``default`` (archiver/settings.py), ``profile`` (the source profile),
``command line`` (``-s``, ``--output``, ...), ``caller`` (a program that set it, such as the
demo's loopback speed-ups) or ``spider``.
"""

from __future__ import annotations

import json
import platform
import subprocess
from importlib import metadata
from pathlib import Path
from typing import Any

from scrapy.settings import SETTINGS_PRIORITIES, BaseSettings

import archiver
from archiver import __version__
from archiver import settings as default_settings
from archiver.sources import get_profile

__all__ = [
    "redacted_arguments",
    "settings_in_effect",
    "settings_origins",
    "software_versions",
]

# Scrapy settings that decide what a crawl fetches and how; every ARCHIVER_* setting too.
SCRAPY_SETTINGS_RECORDED = (
    "USER_AGENT",
    "ROBOTSTXT_OBEY",
    "DOWNLOAD_DELAY",
    "AUTOTHROTTLE_ENABLED",
    "CONCURRENT_REQUESTS",
    "CONCURRENT_REQUESTS_PER_DOMAIN",
    "DOWNLOAD_TIMEOUT",
    "RETRY_TIMES",
    "DOWNLOAD_MAXSIZE",
)
_NOT_RECORDED = frozenset({"ARCHIVER_ARGUMENTS"})  # recorded, redacted, as "arguments"
_PACKAGES = ("scrapy", "twisted", "dateparser", "babel", "warcio", "lxml", "wacz", "pywb")


def software_versions() -> dict[str, str]:
    """Versions of the software that shapes what is archived; the archiver's commit when known."""
    versions = {"archiver": __version__, "python": platform.python_version()}
    commit = _archiver_commit()
    if commit:
        versions["archiver_commit"] = commit
    for package in _PACKAGES:
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            continue
    return versions


def settings_in_effect(settings: BaseSettings) -> dict[str, Any]:
    """The recorded settings with the values the run used (profile values filled in)."""
    chosen = {name: _plain(settings.get(name)) for name in SCRAPY_SETTINGS_RECORDED}
    for name, value in settings.items():
        if name.startswith("ARCHIVER_") and name not in _NOT_RECORDED:
            chosen[name] = _plain(value)
    chosen.update(_from_profile(settings))
    return dict(sorted(chosen.items()))


def settings_origins(settings: BaseSettings) -> dict[str, str]:
    """Where each recorded setting's value came from (see the module docstring)."""
    from_profile = _from_profile(settings)
    origins = {}
    for name in settings_in_effect(settings):
        if name in from_profile:
            origins[name] = "profile"
            continue
        priority = settings.getpriority(name) or 0
        if priority >= SETTINGS_PRIORITIES["cmdline"]:
            origins[name] = "command line"
        elif priority >= SETTINGS_PRIORITIES["spider"]:
            origins[name] = "spider"
        elif _plain(settings.get(name)) == _plain(getattr(default_settings, name, None)):
            origins[name] = "default"
        elif priority <= SETTINGS_PRIORITIES["default"]:
            origins[name] = "default"  # Scrapy's own default
        else:
            origins[name] = "caller"
    return dict(sorted(origins.items()))


def _from_profile(settings: BaseSettings) -> dict[str, Any]:
    """The date and start settings left empty, with the source profile's values."""
    try:
        profile = get_profile(
            settings.get("ARCHIVER_SOURCE"), settings.get("ARCHIVER_SOURCES_FILE")
        )
    except ValueError:
        return {}
    filled: dict[str, Any] = {}
    if not settings.get("ARCHIVER_TIMEZONE"):
        filled["ARCHIVER_TIMEZONE"] = profile.timezone
    if not settings.getlist("ARCHIVER_DATE_LANGUAGES") and profile.languages:
        filled["ARCHIVER_DATE_LANGUAGES"] = list(profile.languages)
    if not settings.get("ARCHIVER_DATE_ORDER") and profile.date_order:
        filled["ARCHIVER_DATE_ORDER"] = profile.date_order
    if not settings.getlist("ARCHIVER_START_URLS") and profile.start_urls:
        filled["ARCHIVER_START_URLS"] = list(profile.start_urls)
    return filled


def _plain(value: Any) -> Any:
    """A JSON value for run.json (settings may hold tuples, dicts, BaseSettings, objects)."""
    if isinstance(value, (str, int, float, bool, type(None))):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, BaseSettings):
        value = value.copy_to_dict()
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    return str(value)


def _archiver_commit() -> str | None:
    """The git commit of the running archiver: from pip's record of a VCS install, else from
    the checkout it runs from (an editable install); None when neither is known."""
    try:
        direct_url = metadata.distribution("archiver").read_text("direct_url.json")
    except metadata.PackageNotFoundError:
        direct_url = None
    if direct_url:
        commit = json.loads(direct_url).get("vcs_info", {}).get("commit_id")
        if commit:
            return str(commit)
    checkout = Path(archiver.__file__).resolve().parent.parent
    if not (checkout / ".git").exists():
        return None
    try:
        completed = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "HEAD"],
            capture_output=True, text=True, timeout=5, check=False,
        )  # fmt: skip
    except OSError:
        return None
    commit = completed.stdout.strip()
    return commit if completed.returncode == 0 and len(commit) == 40 else None


def redacted_arguments(arguments: list[str], secret_names: list[str]) -> list[str]:
    """The command line with the value of any ``NAME=VALUE`` that mentions a redacted header
    (``-s DEFAULT_REQUEST_HEADERS={"Authorization": ...}``) replaced: run.json is evidence
    that gets shared, credentials are not."""
    lowered = [name.lower() for name in secret_names if name]
    result = []
    for argument in arguments:
        name, sep, value = argument.partition("=")
        if sep and any(secret in value.lower() for secret in lowered):
            argument = f"{name}=[redacted]"
        result.append(argument)
    return result
