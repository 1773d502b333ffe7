"""How the replica prints dates: Drupal 7's "medium" format in America/New_York local time,
with the weekday abbreviated in the site's language of the time (English, then Turkish in its
2- and 3-letter forms side by side, as the real site shows).
"""

from __future__ import annotations

import random
from datetime import date, datetime
from zoneinfo import ZoneInfo

SITE_ZONE = ZoneInfo("America/New_York")

ENGLISH_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
# Monday first, as datetime.weekday() counts; each day's forms seen on Turkish Drupal sites.
TURKISH_WEEKDAYS_SHORT = ("Pt", "Sa", "Ça", "Pe", "Cu", "Ct", "Pz")
TURKISH_WEEKDAYS_LONG = ("Pzt", "Sal", "Çar", "Per", "Cum", "Cmt", "Paz")
TURKISH_SUNDAY_ODD = "Pa"  # seen on the real site ("Pa, 03/08/2020")

ENGLISH_UNTIL = date(2019, 7, 1)
"""Posts before this day print English weekdays; 2019's second half mixes; 2020 on is Turkish."""
TURKISH_FROM = date(2020, 1, 1)


def weekday_language(day: date, rng: random.Random) -> str:
    """``en`` or ``tr`` for a post published on ``day``."""
    if day < ENGLISH_UNTIL:
        return "en"
    if day >= TURKISH_FROM:
        return "tr"
    return rng.choice(("en", "tr"))


def weekday_abbreviation(moment: datetime, language: str, rng: random.Random) -> str:
    """The weekday as the site prints it; Turkish draws one of its forms from ``rng``."""
    index = moment.weekday()
    if language == "en":
        return ENGLISH_WEEKDAYS[index]
    roll = rng.random()
    if index == 6 and roll < 0.15:
        return TURKISH_SUNDAY_ODD
    return TURKISH_WEEKDAYS_SHORT[index] if roll < 0.5 else TURKISH_WEEKDAYS_LONG[index]


def medium_date(moment: datetime, weekday: str) -> str:
    """Drupal's medium date ``D, m/d/Y - H:i`` with ``weekday`` as D."""
    local = moment.astimezone(SITE_ZONE)
    return f"{weekday}, {local:%m/%d/%Y - %H:%M}"


def parse_seed_date(printed: str, seconds: int) -> datetime:
    """The real instant of a seed post's printed date (local time + known seconds)."""
    _weekday, rest = printed.split(", ", 1)
    local = datetime.strptime(rest, "%m/%d/%Y - %H:%M").replace(second=seconds)
    return local.replace(tzinfo=SITE_ZONE)


def iso(moment: datetime) -> str:
    """ISO 8601 in site time with its offset, as Drupal's RDFa prints it."""
    return moment.astimezone(SITE_ZONE).isoformat()


def is_unambiguous_local(moment: datetime) -> bool:
    """False for local times that do not exist or exist twice around a DST change."""
    naive = moment.replace(tzinfo=None)
    first = naive.replace(tzinfo=SITE_ZONE, fold=0)
    second = naive.replace(tzinfo=SITE_ZONE, fold=1)
    if first.utcoffset() != second.utcoffset():
        return False
    round_trip = first.astimezone(SITE_ZONE).replace(tzinfo=None)
    return round_trip == naive
