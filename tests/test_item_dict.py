"""The state and write pipelines take an item as a dict with :func:`item_dict` (issue 15): it
must be exactly ``ItemAdapter(item).asdict()``, nested values and copies included."""

from __future__ import annotations

import dataclasses
from collections import OrderedDict
from typing import Any

import scrapy
from hypothesis import given, settings
from hypothesis import strategies as st
from itemadapter import ItemAdapter

from archiver.items import PostItem
from archiver.pipelines.itemdict import item_dict


@dataclasses.dataclass
class Nested:
    name: str = "n"
    values: list[Any] = dataclasses.field(default_factory=list)


@dataclasses.dataclass
class Unset:
    given: str = "x"
    later: str = dataclasses.field(init=False)


class ScrapyItem(scrapy.Item):
    title = scrapy.Field()
    tags = scrapy.Field()


def _post(**fields: Any) -> PostItem:
    return PostItem(
        url="http://127.0.0.1:8000/content/a",
        source="iuhrdf",
        node_id=3095,
        title="A title é",
        published="2020-09-29T16:04:42-04:00",
        date_flags=["rdfa"],
        body_text="Text\n\nmore",
        images=["http://127.0.0.1:8000/sites/default/files/a.jpg"],
        tags=["News", "Uyghur"],
        http_status=200,
        content_sha256="ab" * 32,
        flags=[],
        warc={
            "filename": "archiver-1.warc.gz",
            "offset": 123,
            "length": 4567,
            "refers_to": {"record_id": "<urn:uuid:x>", "run_id": "run1"},
        },
        **fields,
    )


def test_a_post_is_its_asdict() -> None:
    item = _post()
    assert item_dict(item) == ItemAdapter(item).asdict()
    assert list(item_dict(item)) == list(ItemAdapter(item).asdict())  # field order too


def test_values_no_adapter_claims_and_nested_items_as_asdict_makes_them() -> None:
    odd = [
        ("a", 1),
        {1, 2},
        OrderedDict(a=Nested()),
        Nested("deep", [Nested(), {"k": (Nested(),)}]),
        ScrapyItem(title="t", tags=["x"]),
        {"dict": [1.5, True, None, b"bytes"]},
    ]
    item = _post(published_candidates=odd, teaser=Nested())  # type: ignore[arg-type]
    expected = ItemAdapter(item).asdict()
    assert item_dict(item) == expected
    assert type(item_dict(item)["published_candidates"][2]) is dict  # as asdict: a dict
    assert item_dict(item)["teaser"] == {"name": "n", "values": []}


def test_other_items_and_unset_fields_as_asdict() -> None:
    for item in (
        {"title": "t", "nested": [Nested()]},
        ScrapyItem(title="t", tags=[Nested()]),
        Unset(),
        Nested("x", [Unset()]),
    ):
        assert item_dict(item) == ItemAdapter(item).asdict(), item
    assert "later" not in item_dict(Unset())


def test_the_dict_is_a_copy() -> None:
    item = _post()
    values = item_dict(item)
    values["tags"].append("changed")
    values["warc"]["refers_to"]["run_id"] = "changed"
    assert item.tags == ["News", "Uyghur"]
    assert item.warc is not None and item.warc["refers_to"]["run_id"] == "run1"


_LEAVES = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
_VALUES = st.recursive(
    _LEAVES,
    lambda children: (
        st.lists(children, max_size=3)
        | st.dictionaries(st.text(max_size=5), children, max_size=3)
        | st.tuples(children)
        | st.builds(Nested, st.text(max_size=3), st.lists(children, max_size=2))
    ),
    max_leaves=10,
)


@settings(max_examples=300, deadline=None)
@given(_VALUES, _VALUES, st.lists(_VALUES, max_size=3))
def test_any_values_as_asdict(warc: Any, title: Any, tags: list[Any]) -> None:
    item = _post()
    item.warc, item.title, item.tags = warc, title, tags
    assert item_dict(item) == ItemAdapter(item).asdict()
