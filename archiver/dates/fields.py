"""Tokens -> a *structure*: which number is the year, the day, the hour..., read from the words.

A structure is found for one choice of meaning per word (``tokens.py``); the reader tries every
choice and keeps a text only when exactly one choice gives a structure. Rules, in order:

* offsets: ``+0200``, ``GMT+3``, ``UTC-05:00``, ``+02:00`` after the time; ``GMT`` alone is UTC;
* times: ``H:mm[:ss]`` (and ``H.mm[.ss]`` where a language writes times so);
* numbers followed by a unit word (``年 月 日 時 분``, ``นาฬิกา``);
* one numeric date ``a/b/c`` (``.`` ``-`` ``/``, a space may follow the separator: ``30. 9. 2020``);
* otherwise a month word with a four-digit year and a day.

Every number, and every word, must be accounted for; anything else is a failure with a reason.
Reads no settings.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from archiver.dates.tokens import Token

ZONE_NONE = ("none",)


@dataclass
class Structure:
    roles: dict[str, int] = field(default_factory=dict)
    """Role (year, month, day, hour, minute, second) -> index of its number token."""
    triple: tuple[int, int, int] | None = None
    separator: str = ""
    month: int | None = None
    month_token: int | None = None
    weekdays: frozenset[int] | None = None
    weekday_tokens: list[int] = field(default_factory=list)
    ampm: str | None = None
    ampm_token: int | None = None
    era: str | None = None
    era_token: int | None = None
    zone_token: int | None = None
    offset: tuple[object, ...] = ZONE_NONE
    """("none",), ("fixed", sign, hours index, minutes index or None), ("utc",),
    ("zone", spec)."""
    signature: str = ""

    def key(self) -> tuple[object, ...]:
        """What the structure reads (two choices that read the same are one structure)."""
        return (
            tuple(sorted(self.roles.items())),
            self.triple,
            self.month,
            self.weekdays,
            self.ampm,
            self.era,
            self.offset,
        )


class Failure(Exception):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _next(tokens: list[Token], i: int, skip_space: bool = True) -> int | None:
    j = i + 1
    while skip_space and j < len(tokens) and tokens[j].kind == "space":
        j += 1
    return j if j < len(tokens) else None


def _prev(tokens: list[Token], i: int) -> int | None:
    j = i - 1
    while j >= 0 and tokens[j].kind == "space":
        j -= 1
    return j if j >= 0 else None


def analyse(
    tokens: list[Token],
    choice: dict[int, tuple[str, object]],
    time_dot: bool,
    zone_before_time: bool = False,
) -> Structure:
    """The structure of ``tokens`` under ``choice`` (word index -> meaning); Failure if none."""
    s = Structure()
    used: set[int] = set()
    n = len(tokens)

    def num(i: int | None, widths: tuple[int, ...] = (1, 2, 3, 4)) -> bool:
        return i is not None and tokens[i].kind == "num" and len(tokens[i].text) in widths

    def meaning(i: int | None) -> str | None:
        return choice[i][0] if i is not None and i in choice else None

    # Times with colons; a colon group right after a sign is an offset when GMT precedes the
    # sign or a time was already read.
    for i in range(n):
        if i in used or not num(i, (1, 2)) or i + 2 >= n or tokens[i + 1].text != ":":
            continue
        if not num(i + 2, (2,)):
            continue
        group = [i, i + 2]
        if i + 4 < n and tokens[i + 3].text == ":" and num(i + 4, (2,)):
            group.append(i + 4)
        sign = i - 1 if i and tokens[i - 1].text in "+-" else None
        if sign is not None and (meaning(_prev(tokens, sign)) == "gmt" or "hour" in s.roles):
            _set_offset(s, ("fixed", tokens[sign].text, i, i + 2))
            used.update(group)
            used.add(sign)
            continue
        if "hour" in s.roles:
            raise Failure("two_times")
        for role, index in zip(("hour", "minute", "second"), group, strict=False):
            s.roles[role] = index
        used.update(group)
    # Offsets without colons: "+0200", "GMT+3", "GMT".
    for i in range(n):
        if tokens[i].text not in "+-" or tokens[i].kind != "punct" or i in used:
            continue
        after = i + 1 if i + 1 < n else None
        before = _prev(tokens, i)
        gmt = meaning(before) == "gmt" and before == i - 1
        if num(after, (4,)) and (
            gmt or i == 0 or tokens[i - 1].kind == "space" or tokens[i - 1].text == "("
        ):
            assert after is not None
            _set_offset(s, ("fixed", tokens[i].text, after, None))
            used.update({i, after})
        elif gmt and num(after, (1, 2)):
            assert after is not None
            _set_offset(s, ("fixed", tokens[i].text, after, None))
            used.update({i, after})
    # Numbers followed by a unit word.
    for i in range(n):
        if i in used or tokens[i].kind != "num":
            continue
        j = _next(tokens, i)
        if j is not None and j - i <= 2 and meaning(j) == "unit":
            role = str(choice[j][1])
            if role in s.roles:
                raise Failure("two_" + role)
            s.roles[role] = i
            used.add(i)
    month_word = any(meaning[0] == "month" for meaning in choice.values())
    _find_triples(tokens, s, used, time_dot, month_word)
    _read_words(tokens, choice, s)
    _fill_remaining(tokens, s, used)
    _check(s)
    check_neighbours(tokens, s, zone_before_time)
    return s


def _set_offset(s: Structure, offset: tuple[object, ...]) -> None:
    if s.offset != ZONE_NONE:
        raise Failure("two_offsets")
    s.offset = offset


def _group(tokens: list[Token], i: int, used: set[int]) -> tuple[list[int], str]:
    """Numbers joined by one separator (``.`` ``/`` ``-``, a space may follow) from ``i``."""
    group, separator = [i], ""
    j = i
    while len(group) < 3:
        k = j + 1
        if k >= len(tokens) or tokens[k].text not in "./-" or tokens[k].kind != "punct":
            break
        if separator and tokens[k].text != separator:
            break
        m = k + 1
        if m < len(tokens) and tokens[m].kind == "space":
            m += 1
        if m >= len(tokens) or tokens[m].kind != "num" or m in used:
            break
        separator = tokens[k].text
        group.append(m)
        j = m
    return group, separator


def _find_triples(
    tokens: list[Token], s: Structure, used: set[int], time_dot: bool, month_word: bool
) -> None:
    groups: list[tuple[list[int], str]] = []
    i = 0
    while i < len(tokens):
        if tokens[i].kind == "num" and i not in used:
            group, separator = _group(tokens, i, used)
            if len(group) > 1:
                groups.append((group, separator))
                i = group[-1] + 1
                continue
        i += 1
    # With a month name, a dotted group is a time ("12 Jan 2024 22.14.24"), never a date.
    dates = [] if month_word else [g for g in groups if len(g[0]) == 3]
    with_year = [g for g in dates if any(len(tokens[k].text) == 4 for k in g[0])]
    date = with_year[0] if with_year else (dates[0] if dates else None)
    if len(with_year) > 1:
        raise Failure("two_dates")
    for group, separator in groups:
        if date is not None and group is date[0]:
            continue
        timelike = separator == "." and time_dot and "hour" not in s.roles
        digits = [len(tokens[k].text) for k in group]
        if timelike and digits[0] <= 2 and all(d == 2 for d in digits[1:]):
            for role, index in zip(("hour", "minute", "second"), group, strict=False):
                s.roles[role] = index
            used.update(group)
        else:
            raise Failure("numbers")
    if date is not None:
        a, b, c = date[0]
        s.triple = (a, b, c)
        s.separator = date[1]
        used.update(date[0])


def _read_words(tokens: list[Token], choice: dict[int, tuple[str, object]], s: Structure) -> None:
    for i, token in enumerate(tokens):
        if token.kind == "unknown" or (token.kind == "word" and i not in choice):
            raise Failure("unknown_word:" + str(i))
        if i not in choice:
            continue
        kind, value = choice[i]
        if kind == "weekday":
            assert isinstance(value, frozenset)
            s.weekdays = value if s.weekdays is None else s.weekdays & value
            s.weekday_tokens.append(i)
        elif kind == "month":
            if s.month is not None:
                raise Failure("two_months")
            s.month, s.month_token = int(str(value)), i
        elif kind == "ampm":
            if s.ampm is not None:
                raise Failure("two_ampm")
            s.ampm, s.ampm_token = str(value), i
        elif kind == "era":
            s.era, s.era_token = str(value), i
        elif kind == "gmt":
            if s.offset == ZONE_NONE:
                s.offset = ("utc",)
            elif s.offset[0] != "fixed":
                raise Failure("two_offsets")
        elif kind == "zone":
            _set_offset(s, ("zone", value))
            s.zone_token = i
        elif kind == "weekday_marker":
            raise Failure("weekday_unrecognised")
        elif kind == "unit":
            if not any(index == i for index in _unit_targets(tokens, s, i)):
                raise Failure("stray_unit")
        if kind != "unit" and i and tokens[i - 1].kind == "num":
            if any(option[0] == "unit" for option in token.options):
                raise Failure("unit_expected")  # "30日": the day's unit, not Sunday


def _next_to(tokens: list[Token], word: int, targets: set[int]) -> bool:
    """A number of ``targets`` (or a unit word right after one) stands beside ``word``."""
    before, after = word - 1, word + 1
    while before >= 0 and tokens[before].kind in ("space", "punct"):
        before -= 1
    while after < len(tokens) and tokens[after].kind in ("space", "punct"):
        after += 1
    if before > 0 and any(o[0] == "unit" for o in tokens[before].options):
        before -= 1  # "4시 4분 5초 오후" : beside the seconds' unit
        while before >= 0 and tokens[before].kind == "space":
            before -= 1
    return bool({before, after} & targets)


def _unit_targets(tokens: list[Token], s: Structure, unit: int) -> list[int]:
    """The unit word ``unit`` if a number with a role stands right before it."""
    before = _prev(tokens, unit)
    return [unit] if before is not None and before in s.roles.values() else []


def _fill_remaining(tokens: list[Token], s: Structure, used: set[int]) -> None:
    rest = [i for i, t in enumerate(tokens) if t.kind == "num" and i not in used]
    if not rest:
        return
    if s.triple is not None or (s.month is None and "month" not in s.roles):
        raise Failure("numbers")
    for i in rest:
        digits = len(tokens[i].text)
        if digits == 4 and "year" not in s.roles:
            s.roles["year"] = i
        elif digits <= 2 and "day" not in s.roles:
            s.roles["day"] = i
        else:
            raise Failure("numbers")


def _check(s: Structure) -> None:
    roles = s.roles
    if s.triple is not None and {"year", "month", "day"} & roles.keys():
        raise Failure("numbers")
    if s.triple is not None and s.month is not None:
        raise Failure("two_months")
    if s.triple is None:
        if "month" in roles and s.month is not None:
            raise Failure("two_months")
        if not ({"year", "day"} <= roles.keys() and ("month" in roles or s.month is not None)):
            raise Failure("incomplete")
    if ("hour" in roles) != ("minute" in roles):
        raise Failure("incomplete_time")
    if s.ampm is not None and "hour" not in roles:
        raise Failure("stray_ampm")
    if s.era == "bc":
        raise Failure("era")
    if s.offset != ZONE_NONE and "hour" not in roles:
        raise Failure("zone_without_time")


def check_neighbours(tokens: list[Token], s: Structure, zone_before_time: bool) -> None:
    """am/pm stands beside the time, an era beside the year, a zone name after the time (or
    before it, in languages that print it there): "at" is Atlantic Time only after a time."""
    time = {s.roles[r] for r in ("hour", "minute", "second") if r in s.roles}
    if s.ampm_token is not None and not _next_to(tokens, s.ampm_token, time):
        raise Failure("stray_ampm")
    if s.era_token is not None:
        years = {s.roles["year"]} if "year" in s.roles else set(s.triple or ())
        if not _next_to(tokens, s.era_token, years):
            raise Failure("stray_era")
    if s.zone_token is not None and time:
        after_time = s.zone_token > max(time)
        if not (after_time or (zone_before_time and s.zone_token < min(time))):
            raise Failure("stray_zone")
