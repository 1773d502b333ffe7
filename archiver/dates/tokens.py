"""A folded date text -> tokens: numbers, spaces, punctuation, and words with what they can mean.

Words are matched against the CLDR vocabulary (``vocabulary.py``), longest entry first, across
atoms ("thứ 2", "ก.ย", "יום ד", "水曜日"); a run of letters that is no entry is split into
entries where it can be (Thai writes words without spaces), else it is an *unknown* word.

A word's *options* are what it can mean in the chosen reading. A word that is a weekday in any
of the source's languages is never read as a mere literal: its weekday is always checked
(``Sat`` is also the Bosnian word for "hour", and must still be read as Saturday). Reads no
settings.
"""

from __future__ import annotations

from dataclasses import dataclass

from archiver.dates.vocabulary import ATOM, Meaning, Vocabulary, atom_count

NUM, HAN, LETTERS, SPACE, OTHER = 1, 2, 3, 4, 5


@dataclass(frozen=True)
class Token:
    kind: str
    """``num``, ``space``, ``punct``, ``word`` or ``unknown``."""
    start: int
    end: int
    text: str
    options: tuple[Meaning, ...] = ()
    """For a word: the meanings to choose from (one per reading)."""

    @property
    def dynamic(self) -> bool:
        """A word with digits in it ("thứ 4", "tháng 9"): re-read for every text of a shape."""
        return self.kind == "word" and any(ch.isdigit() for ch in self.text)


class Scanner:
    """Tokenises folded texts with one vocabulary (cached per word)."""

    def __init__(self, vocabulary: Vocabulary) -> None:
        self.vocabulary = vocabulary
        self._lengths: dict[str, tuple[int, ...]] = {}
        self._segments: dict[str, list[str] | None] = {}
        self.refresh()

    def refresh(self) -> None:
        """Re-index after entries were added (zone names are added lazily)."""
        lengths: dict[str, set[int]] = {}
        for key in self.vocabulary.entries:
            first = ATOM.match(key)
            if first is not None:
                lengths.setdefault(first.group(), set()).add(atom_count(key))
        self._lengths = {k: tuple(sorted(v, reverse=True)) for k, v in lengths.items()}
        self._segments.clear()

    def scan(self, folded: str) -> list[Token]:
        atoms = [(m.lastindex or OTHER, m.start(), m.end()) for m in ATOM.finditer(folded)]
        entries = self.vocabulary.entries
        tokens: list[Token] = []
        i = 0
        while i < len(atoms):
            kind, start, end = atoms[i]
            text = folded[start:end]
            if kind == NUM:
                tokens.append(Token("num", start, end, text))
                i += 1
                continue
            if kind == SPACE:
                tokens.append(Token("space", start, end, " "))
                i += 1
                continue
            matched = False
            for count in self._lengths.get(text, ()):
                if i + count > len(atoms):
                    continue
                last_end = atoms[i + count - 1][2]
                key = folded[start:last_end]
                if key in entries:
                    tokens.append(Token("word", start, last_end, key, tuple(entries[key])))
                    i += count
                    matched = True
                    break
            if matched:
                continue
            if kind == OTHER:
                tokens.append(Token("punct", start, end, text))
            elif text in self.vocabulary.weak:
                tokens.append(Token("word", start, end, text))  # weak: options set below
            else:
                tokens.extend(self._segment(text, start))
            i += 1
        return [self._with_options(tokens, n) for n in range(len(tokens))]

    def _segment(self, text: str, start: int) -> list[Token]:
        """An unspaced run of letters as vocabulary entries, or one unknown word."""
        if text not in self._segments:
            self._segments[text] = _split(text, self.vocabulary.entries)
        parts = self._segments[text]
        if parts is None:
            return [Token("unknown", start, start + len(text), text)]
        tokens = []
        for part in parts:
            entries = self.vocabulary.entries[part]
            tokens.append(Token("word", start, start + len(part), part, tuple(entries)))
            start += len(part)
        return tokens

    def _with_options(self, tokens: list[Token], index: int) -> Token:
        token = tokens[index]
        if token.kind != "word":
            return token
        meanings = set(token.options)
        weak = self.vocabulary.weak.get(token.text)
        if weak and _in_weekday_position(tokens, index):
            meanings.add(("weekday", frozenset(weak)))
        return Token(token.kind, token.start, token.end, token.text, _options(meanings))


def _options(meanings: set[Meaning]) -> tuple[Meaning, ...]:
    days: set[int] = set()
    zones: set[tuple[str, str]] = set()
    options: list[Meaning] = []
    for kind, value in sorted(meanings, key=lambda m: (m[0], str(m[1]))):
        if kind == "weekday":
            assert isinstance(value, frozenset)
            days |= value
        elif kind == "zone":
            assert isinstance(value, frozenset)
            zones |= value
        elif (kind, value) not in options:
            options.append((kind, value))
    if days:
        # A weekday in any language is checked, never dropped as a literal word.
        options = [o for o in options if o[0] != "literal"]
        options.insert(0, ("weekday", frozenset(days)))
    if zones and ("gmt", None) not in options:
        options.append(("zone", frozenset(zones)))
    return tuple(options)


def _in_weekday_position(tokens: list[Token], index: int) -> bool:
    """First word of the text, or a word followed by a comma: where sites print a weekday."""
    before = [t for t in tokens[:index] if t.kind not in ("space", "punct")]
    if not before:
        return True
    after = [t for t in tokens[index + 1 :] if t.kind != "space" and t.text != "."]
    return bool(after) and after[0].text in (",", "，", "،")


def _split(text: str, entries: dict[str, set[Meaning]]) -> list[str] | None:
    """``text`` as a sequence of entries, longest first (None when it is not one)."""
    if text in entries:
        return [text]
    if len(text) > 40:
        return None  # names are short: a long run is no date word (and costs nothing)
    for cut in range(len(text) - 1, 0, -1):
        head = text[:cut]
        if head in entries:
            rest = _split(text[cut:], entries)
            if rest is not None:
                return [head, *rest]
    return None
