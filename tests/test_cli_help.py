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


def test_each_command_module_registers_the_command_named_after_it() -> None:
    # build_parser imports only the module of the command named on the command line, found
    # by its name: each module must register exactly that command.
    import argparse
    import importlib

    from archiver.cli import COMMAND_MODULES, ArgumentParser, command_name

    for module_name in COMMAND_MODULES:
        commands = ArgumentParser(prog="archiver").add_subparsers(dest="command")
        importlib.import_module(module_name).add_parser(commands)
        assert isinstance(commands, argparse._SubParsersAction)
        assert list(commands.choices) == [command_name(module_name)], module_name


def test_a_named_command_imports_only_its_module() -> None:
    # `archiver crawl ...` must not pay for importing every other command's libraries.
    import subprocess
    import sys

    code = (
        "import sys; from archiver.cli import build_parser; "
        "build_parser(['crawl', '--help-not-parsed']); "
        "print(sorted(m for m in sys.modules if m.startswith('archiver.cli.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO_ROOT
    ).stdout
    assert "archiver.cli.crawl" in out
    for other in ("archiver.cli.verify", "archiver.cli.replay", "archiver.cli.demo"):
        assert other not in out, out
