"""The archive's readable JSON (manifests, changes.json) is written piece by piece by
archiver.files without json.dumps's slow indenting encoder: the text must be json.dumps's,
byte for byte, for every value (what it does not write itself it leaves to json.dumps)."""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from archiver.files import _indented, json_document_pieces


def dumped(value: Any, level: int, sort_keys: bool) -> str:
    text = json.dumps(value, ensure_ascii=False, indent=2, sort_keys=sort_keys)
    return text.replace("\n", "\n" + "  " * level)


# Text with what JSON must escape (quotes, backslashes, control characters), non-ASCII text,
# and lone surrogates (json.dumps writes them as they are).
ESCAPED_OR_NOT = '"\\\n\t\x00\x1f\x7f aé ğ中\u2028\ud800😀/'
TEXT = st.text(alphabet=st.sampled_from(list(ESCAPED_OR_NOT)), max_size=12)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
)
VALUES = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(TEXT, inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(value=VALUES, level=st.integers(min_value=0, max_value=3), sort_keys=st.booleans())
def test_values_of_json_types_are_written_as_json_dumps_writes_them(
    value: Any, level: int, sort_keys: bool
) -> None:
    assert _indented(value, level, sort_keys) == dumped(value, level, sort_keys)


@pytest.mark.parametrize(
    "value",
    [
        {},
        [],
        (),
        {"a": {}, "b": [], "c": [{}], "d": [[]]},
        float("nan"),
        [float("inf"), -float("inf")],
        {1: "int keys", 2: "b"},  # keys not strings: left to json.dumps
        {"a": {None: 1}, "b": {True: 2, False: 3}, "c": {1.5: 0}},
        OrderedDict([("z", 1), ("a", 2)]),  # a dict subclass
        [True, False, None, 0, -0.0, 1e300, 2**64],
    ],
)
@pytest.mark.parametrize("sort_keys", [False, True])
def test_edge_values_too(value: Any, sort_keys: bool) -> None:
    for level in (0, 2):
        assert _indented(value, level, sort_keys) == dumped(value, level, sort_keys)


def test_errors_are_json_dumps_errors() -> None:
    circular: list[Any] = []
    circular.append(circular)
    with pytest.raises(ValueError, match="Circular reference"):
        _indented(circular, 1, False)
    with pytest.raises(TypeError, match="not JSON serializable"):
        _indented({"a": object()}, 1, False)
    with pytest.raises(TypeError):
        _indented({"b": 1, 2: 2}, 1, True)  # keys json.dumps cannot sort


def test_a_streamed_document_is_json_dumps_of_the_whole() -> None:
    entries = [{"url": "http://x/é", "n": i, "flags": ["a", "b"]} for i in range(3)]
    members = [("run_id", "r1"), ("new", iter(entries)), ("empty", iter([])), ("k", {"x": 1})]
    text = "".join(json_document_pieces(sorted(members), sort_keys=True))
    whole = {"run_id": "r1", "new": entries, "empty": [], "k": {"x": 1}}
    assert text == json.dumps(whole, ensure_ascii=False, indent=2, sort_keys=True)


@pytest.mark.parametrize("entries", [[], [{"b": 1, "a": ["x"]}, {"c": None}]])
def test_a_list_written_ahead_as_text_is_copied_in_place(entries: list[Any]) -> None:
    """The manifest's records are spooled as text (json_list_pieces) and copied in (JsonText)."""
    from archiver.files import JsonText, json_list_pieces

    spooled = "".join(json_list_pieces(iter(entries), sort_keys=True))
    members = [("a", 1), ("records", JsonText([spooled[:5], spooled[5:]])), ("z", "end")]
    text = "".join(json_document_pieces(members, sort_keys=True))
    whole = {"a": 1, "records": entries, "z": "end"}
    assert text == json.dumps(whole, ensure_ascii=False, indent=2, sort_keys=True)
