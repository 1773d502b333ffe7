"""Issue 18, point 8: --help says defaults and exit codes, without docstring markup."""

from __future__ import annotations

import pytest
from helpers import REPO_ROOT

from archiver.cli import build_parser, exit_codes
from archiver.sources import PROFILES

COMMANDS = ["crawl", "demo", "dates", "replica", "verify", "replay", "schedule"]


def _help(*argv: str, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit) as done:
        build_parser().parse_args([*argv, "--help"])
    assert done.value.code == 0
    return capsys.readouterr().out


@pytest.mark.parametrize("command", ["", *COMMANDS])
def test_help_has_no_markup(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    text = _help(*([command] if command else []), capsys=capsys)
    assert "`" not in text, text


def test_crawl_help_lists_the_exit_codes_from_one_source(
    capsys: pytest.CaptureFixture[str],
) -> None:
    text = " ".join(_help("crawl", capsys=capsys).split())
    assert "exit codes:" in text
    for code, meaning in exit_codes.CODES:
        assert f"{code} {' '.join(meaning.split())}" in text


def test_help_shows_defaults(capsys: pytest.CaptureFixture[str]) -> None:
    demo = " ".join(_help("demo", capsys=capsys).split())
    assert "(default 60)" in demo and "(default 0.1)" in demo and "output/demo" in demo
    replica = " ".join(_help("replica", capsys=capsys).split())
    assert "(default: 8000)" in replica and "(default: 0)" in replica


def test_every_source_profile_is_in_the_readme(capsys: pytest.CaptureFixture[str]) -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    # The profiles come from the bundled sources file; `archiver sources` lists them.
    assert "--source NAME" in _help("crawl", capsys=capsys)
    assert PROFILES
    for name in PROFILES:
        assert f"`{name}`" in readme, name
