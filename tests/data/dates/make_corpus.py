"""Regenerate corpus.json: date texts of many sources with expected values from zoneinfo alone.

The month and weekday names below are typed from the languages' usual spellings (not taken
from dateparser), and expected values are ``datetime(..., tzinfo=ZoneInfo(zone)).isoformat()``,
so the corpus is an oracle independent of the code under test. Run from the repository root:
``python tests/data/dates/make_corpus.py`` (deterministic: same output every run).
"""

from __future__ import annotations

import json
import random
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

HERE = Path(__file__).parent
FETCHED_AT = "2020-10-09T12:00:00+00:00"
NAMES = {
    "en": (
        "January February March April May June July August September October November December",
        "Monday Tuesday Wednesday Thursday Friday Saturday Sunday",
    ),
    "tr": (
        "Ocak Şubat Mart Nisan Mayıs Haziran Temmuz Ağustos Eylül Ekim Kasım Aralık",
        "Pazartesi Salı Çarşamba Perşembe Cuma Cumartesi Pazar",
    ),
    "de": (
        "Januar Februar März April Mai Juni Juli August September Oktober November Dezember",
        "Montag Dienstag Mittwoch Donnerstag Freitag Samstag Sonntag",
    ),
    "fr": (
        "janvier février mars avril mai juin juillet août septembre octobre novembre décembre",
        "lundi mardi mercredi jeudi vendredi samedi dimanche",
    ),
    "ru": (
        "января февраля марта апреля мая июня июля августа сентября октября ноября декабря",
        "понедельник вторник среда четверг пятница суббота воскресенье",
    ),
    "es": (
        "enero febrero marzo abril mayo junio julio agosto septiembre octubre noviembre diciembre",
        "lunes martes miércoles jueves viernes sábado domingo",
    ),
    "kk": (
        "қаңтар ақпан наурыз сәуір мамыр маусым шілде тамыз қыркүйек қазан қараша желтоқсан",
        "дүйсенбі сейсенбі сәрсенбі бейсенбі жұма сенбі жексенбі",
    ),
}
SHORT_DAYS = {
    "en": "Mon Tue Wed Thu Fri Sat Sun".split(),
    "tr2": "Pt Sa Ça Pe Cu Ct Pz".split(),
    "tr3": "Pzt Sal Çar Per Cum Cmt Paz".split(),
    "de": "Mo Di Mi Do Fr Sa So".split(),
    "ru": "Пн Вт Ср Чт Пт Сб Вс".split(),
    "zh": "星期一 星期二 星期三 星期四 星期五 星期六 星期日".split(),
    "ja": "月 火 水 木 金 土 日".split(),
    "ug": "دۈشەنبە سەيشەنبە چارشەنبە پەيشەنبە جۈمە شەنبە يەكشەنبە".split(),
}


def month(lang: str, moment: datetime) -> str:
    return NAMES[lang][0].split()[moment.month - 1]


def day(lang: str, moment: datetime) -> str:
    return NAMES[lang][1].split()[moment.weekday()]


def short(kind: str, moment: datetime) -> str:
    return SHORT_DAYS[kind][moment.weekday()]


def expected(moment: datetime | None, zone: str) -> str | None:
    return None if moment is None else moment.replace(tzinfo=ZoneInfo(zone)).isoformat()


def moments(seed: int, count: int, with_time: bool = True) -> list[datetime]:
    rng = random.Random(seed)
    found = []
    while len(found) < count:
        m = datetime(rng.randrange(2015, 2025), rng.randrange(1, 13), rng.randrange(1, 29))
        if with_time:
            m = m.replace(hour=rng.randrange(24), minute=rng.randrange(60))
        found.append(m)
    return found


def source(name, zone, languages, order, cases, note=""):
    return {
        "name": name,
        "timezone": zone,
        "languages": languages,
        "order": order,
        "fetched_at": FETCHED_AT,
        "note": note,
        "cases": [
            {"raw": raw, "expected": expected(m, zone), "flags": flags} for raw, m, flags in cases
        ],
    }


def build() -> list[dict]:
    ny, sources = "America/New_York", []
    listed = [  # every date of source-site.md and the seed listing
        ("Per, 10/08/2020 - 17:31", datetime(2020, 10, 8, 17, 31)),
        ("Sa, 09/29/2020 - 16:04", datetime(2020, 9, 29, 16, 4)),
        ("Çar, 09/09/2020 - 13:36", datetime(2020, 9, 9, 13, 36)),
        ("Sa, 08/25/2020 - 16:41", datetime(2020, 8, 25, 16, 41)),
        ("Sa, 08/04/2020 - 08:44", datetime(2020, 8, 4, 8, 44)),
        ("Ct, 07/04/2020 - 03:05", datetime(2020, 7, 4, 3, 5)),
        ("Cu, 04/03/2020", datetime(2020, 4, 3)),
        ("Pa, 03/08/2020", datetime(2020, 3, 8)),
        ("Per, 05/28/2020", datetime(2020, 5, 28)),
        ("Per, 10/08/2020", datetime(2020, 10, 8)),
        ("Ct, 07/04/2020", datetime(2020, 7, 4)),
        ("Thu, 09/12/2019 - 17:14", datetime(2019, 9, 12, 17, 14)),
        ("Sat, 03/10/2018 - 14:24", datetime(2018, 3, 10, 14, 24)),
    ]
    cases = [(raw, m, ["weekday_checked"]) for raw, m in listed]
    for i, m in enumerate(moments(1, 40)):
        kind = ("tr2", "tr3", "en")[i % 3]
        cases.append((f"{short(kind, m)}, {m:%m/%d/%Y - %H:%M}", m, ["weekday_checked"]))
    cases += [
        ("Cum, 10/08/2020 - 17:31", None, ["weekday_mismatch"]),  # Fri: neither Thu nor Mon
        # MDY is Sunday 8 March, DMY is Monday 3 August: neither is Tuesday.
        ("Sal, 03/08/2020 - 02:30", None, ["weekday_mismatch"]),
        ("Paz, 03/08/2020 - 02:30", None, ["nonexistent_local_time"]),
        ("Paz, 11/01/2020 - 01:30", None, ["ambiguous_local_time"]),
        ("Thursday, October 8, 2020 - 17:31", datetime(2020, 10, 8, 17, 31), ["weekday_checked"]),
        # Orders are learned per shape of text: no date of this shape decided one, so the
        # source's configured order reads it (flagged).
        ("10/08/2020 - 17:31", datetime(2020, 10, 8, 17, 31), ["order_configured"]),
        ("2020-10-08T17:31:05-04:00", datetime(2020, 10, 8, 17, 31, 5), []),
        ("Thu, 08 Oct 2020 21:31:05 +0000", datetime(2020, 10, 8, 17, 31, 5), []),
        ("", None, ["missing"]),
    ]
    sources.append(source("iuhrdf", ny, ["en", "tr"], "MDY", cases))

    uk = "Europe/London"  # Drupal short/medium/long, day first, order learned from day > 12
    cases = []
    for i, m in enumerate(moments(2, 30)):
        fmt = i % 3
        if fmt == 0:
            cases.append((f"{m:%d/%m/%Y - %H:%M}", m, []))
        elif fmt == 1:
            cases.append((f"{short('en', m)}, {m:%d/%m/%Y - %H:%M}", m, ["weekday_checked"]))
        else:
            long = f"{day('en', m)}, {m.day} {month('en', m)} {m.year} - {m:%H:%M}"
            cases.append((long, m, ["weekday_checked"]))
    cases.append(("25/10/2020 - 01:30", None, ["ambiguous_local_time"]))
    sources.append(source("uk-drupal", uk, ["en"], None, cases))

    us = "America/Chicago"  # WordPress month first, no configured order
    cases = []
    for i, m in enumerate(moments(3, 24)):
        h12 = m.strftime("%I").lstrip("0")
        if i % 3 == 0:
            text = f"{month('en', m)} {m.day}, {m.year} at {h12}:{m:%M} {m:%p}".lower()
            cases.append((text.replace(month("en", m).lower(), month("en", m)), m, []))
        elif i % 3 == 1:
            cases.append((f"{m:%m/%d/%Y} {h12}:{m:%M} {m:%p}", m, []))
        else:
            cases.append(
                (
                    f"{day('en', m)}, {month('en', m)} {m.day}, {m.year}",
                    m.replace(hour=0, minute=0),
                    ["date_only"],
                )
            )
    cases.append(("12/25/2019 9:00 AM", datetime(2019, 12, 25, 9), []))
    sources.append(source("us-wordpress", us, ["en"], None, cases))

    berlin, cases = "Europe/Berlin", []
    for i, m in enumerate(moments(4, 24)):
        if i % 2:
            cases.append((f"{short('de', m)}, {m:%d.%m.%Y - %H:%M}", m, ["weekday_checked"]))
        else:
            text = f"{day('de', m)}, {m.day}. {month('de', m)} {m.year} - {m:%H:%M}"
            cases.append((text, m, ["weekday_checked"]))
    cases += [
        ("So, 29.03.2020 - 02:30", None, ["nonexistent_local_time"]),
        ("So, 25.10.2020 - 02:30", None, ["ambiguous_local_time"]),
    ]
    sources.append(source("de-drupal", berlin, ["de"], None, cases))

    paris, cases = "Europe/Paris", []
    for m in moments(5, 20):
        cases.append(
            (
                f"{day('fr', m)} {m.day} {month('fr', m)} {m.year} - {m:%H:%M}",
                m,
                ["weekday_checked"],
            )
        )
    sources.append(source("fr-drupal", paris, ["fr"], None, cases))

    moscow, cases = "Europe/Moscow", []
    for i, m in enumerate(moments(6, 20)):
        if i % 2:
            cases.append((f"{m.day} {month('ru', m)} {m.year} г., {m:%H:%M}", m, []))
        else:
            cases.append((f"{short('ru', m)}, {m:%d.%m.%Y %H:%M}", m, ["weekday_checked"]))
    cases.append(("2 дня назад", datetime(2020, 10, 7, 15, 0), ["relative"]))
    sources.append(source("ru-site", moscow, ["ru"], None, cases))

    mexico, cases = "America/Mexico_City", []
    for m in moments(7, 16):
        text = f"{day('es', m)}, {m.day} de {month('es', m)} de {m.year} {m:%H:%M}"
        cases.append((text, m, ["weekday_checked"]))
    sources.append(source("es-site", mexico, ["es"], None, cases))

    hong_kong, cases = "Asia/Hong_Kong", []
    for i, m in enumerate(moments(8, 20)):
        if i % 2:
            cases.append(
                (
                    f"{m.year}年{m.month}月{m.day}日 {short('zh', m)} {m:%H:%M}",
                    m,
                    ["weekday_checked"],
                )
            )
        else:
            cases.append((f"{m:%Y-%m-%d %H:%M}", m, []))
    sources.append(source("zh-hk", hong_kong, ["zh", "en"], None, cases))

    tokyo, cases = "Asia/Tokyo", []
    for m in moments(9, 12):
        cases.append(
            (f"{m.year}年{m.month}月{m.day}日({short('ja', m)}) {m:%H:%M}", m, ["weekday_checked"])
        )
    sources.append(source("ja-site", tokyo, ["ja"], None, cases))

    almaty, cases = "Asia/Almaty", []
    for i, m in enumerate(moments(10, 16)):
        if i % 2:
            cases.append((f"{m.day} {month('kk', m)} {m.year} ж., {m:%H:%M}", m, []))
        else:
            cases.append((f"{day('kk', m)}, {m:%d.%m.%Y %H:%M}", m, ["weekday_checked"]))
    sources.append(source("kk-site", almaty, ["kk"], None, cases))

    urumqi, cases = "Asia/Urumqi", []
    for m in moments(11, 16):
        cases.append((f"{short('ug', m)}، {m:%d/%m/%Y %H:%M}", m, ["weekday_checked"]))
    sources.append(
        source(
            "ug-site",
            urumqi,
            ["ug"],
            None,
            cases,
            "day first, only the weekday (and day > 12) decide",
        )
    )

    istanbul, cases = "Europe/Istanbul", []
    for i, m in enumerate(moments(12, 20)):
        m = m.replace(day=(m.day % 12) + 1)  # all ambiguous: only weekdays decide
        if i % 2:
            cases.append((f"{short('tr3', m)}, {m:%d/%m/%Y - %H:%M}", m, ["weekday_checked"]))
        else:
            text = f"{m.day} {month('tr', m)} {m.year} {day('tr', m)} {m:%H:%M}"
            cases.append((text, m, ["weekday_checked"]))
    cases.append(("2 gün 3 saat önce", datetime(2020, 10, 7, 12, 0), ["relative"]))
    sources.append(source("tr-weekdays-decide", istanbul, ["tr"], None, cases))

    cases = []  # every date ambiguous, no weekday, no order: nothing may be guessed
    for m in moments(13, 8):
        m = m.replace(day=(m.day % 12) + 1)
        if m.day != m.month:
            cases.append((f"{m:%m/%d/%Y}", None, ["ambiguous"]))
    sources.append(source("ambiguous-no-order", "UTC", ["en"], None, cases))
    cases = []  # the same, with a configured order: the configured reading, flagged
    for m in moments(14, 8):
        m = m.replace(day=(m.day % 12) + 1)
        cases.append((f"{m:%m/%d/%Y}", m.replace(hour=0, minute=0), ["order_configured"]))
    sources.append(source("ambiguous-configured", "America/New_York", ["en"], "MDY", cases))
    return sources


def main() -> None:
    corpus = build()
    text = json.dumps(corpus, ensure_ascii=False, indent=1)
    (HERE / "corpus.json").write_text(text + "\n", encoding="utf-8")
    total = sum(len(s["cases"]) for s in corpus)
    print(f"{len(corpus)} sources, {total} cases")


if __name__ == "__main__":
    main()
