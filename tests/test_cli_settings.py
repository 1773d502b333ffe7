"""Bad ``-s`` values and abbreviated options: one line and exit 2, before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import run_archiver

from archiver.cli import main


@pytest.mark.parametrize(
    ("setting", "expected"),
    [
        ("CONCURRENT_REQUESTS=lots", "CONCURRENT_REQUESTS='lots': expected an integer"),
        ("DOWNLOAD_DELAY=soon", "DOWNLOAD_DELAY='soon': expected a number"),
        ("ROBOTSTXT_OBEY=maybe", "ROBOTSTXT_OBEY='maybe': expected a boolean"),
        ("ARCHIVER_LOCK_WAIT=later", "ARCHIVER_LOCK_WAIT='later': expected a number"),
        ("ARCHIVER_MAX_LISTING_PAGES=many", "ARCHIVER_MAX_LISTING_PAGES='many': expected an int"),
        ("ARCHIVER_WARC_DEDUP=yes please", "ARCHIVER_WARC_DEDUP='yes please': expected a bool"),
        (
            "ARCHIVER_MAX_LISTING_PAGE=1",
            "unknown setting ARCHIVER_MAX_LISTING_PAGE; did you mean ARCHIVER_MAX_LISTING_PAGES?",
        ),
    ],
)
def test_a_bad_setting_is_one_line_and_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], setting: str, expected: str
) -> None:
    code = main(["crawl", "--output", str(tmp_path / "out"), "-s", setting])
    err = capsys.readouterr().err
    assert code == 2
    assert expected in err
    assert len(err.strip().splitlines()) == 1
    assert not (tmp_path / "out").exists()  # nothing ran


def test_good_settings_of_every_type_pass(tmp_path: Path) -> None:
    from archiver.cli.settings_check import check_setting

    for name, value in [
        ("CONCURRENT_REQUESTS", "4"),
        ("DOWNLOAD_DELAY", "0.5"),
        ("DOWNLOAD_TIMEOUT", "2.5"),  # an int default, read as a float by Scrapy
        ("ROBOTSTXT_OBEY", "False"),
        ("AUTOTHROTTLE_ENABLED", "0"),
        ("ARCHIVER_START_URLS", "http://a/,http://b/"),
        ("LOG_LEVEL", "INFO"),
        ("SOME_THIRD_PARTY_SETTING", "anything"),
    ]:
        check_setting(name, value)


def test_the_real_command_exits_2_without_a_traceback(tmp_path: Path) -> None:
    done = run_archiver("crawl", "--output", str(tmp_path), "-s", "CONCURRENT_REQUESTS=lots")
    assert done.returncode == 2
    assert "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "archiver crawl: error: -s CONCURRENT_REQUESTS='lots': expected an integer"
    ]


@pytest.mark.parametrize("argv", [["crawl", "--start-ur", "http://x/"], ["crawl", "--out", "d"]])
def test_abbreviated_long_options_are_refused(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(argv)
    assert exit_info.value.code == 2
    assert "unrecognized arguments" in capsys.readouterr().err
