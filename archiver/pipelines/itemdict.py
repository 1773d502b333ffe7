"""An item as a plain dict: ``ItemAdapter(item).asdict()``, without its generic work.

``ItemAdapter.asdict`` asks every adapter class (Scrapy Item, dict, dataclass, attrs,
pydantic) of every value, down to each string in each list, whether it is an item: ~60 µs for
one post, and the state and write pipelines both need the item as a dict. For a dataclass
item (the crawl's ``PostItem``) :func:`item_dict` reads the fields directly and takes the
values no adapter claims (``str``, ``int``, ``float``, ``bool``, ``None``) as they are, lists
and dicts copied as ``asdict`` copies them; any other value, and any other kind of item, goes
through ``ItemAdapter`` itself. ``tests/test_item_dict.py`` holds it to ``asdict()``.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from itemadapter import ItemAdapter
from itemadapter.adapter import DataclassAdapter

_PLAIN_TYPES = frozenset({str, int, float, bool, type(None)})
_MISSING = object()
# Per item class: its dataclass field names when ItemAdapter reads it as a dataclass, else None.
_FIELDS: dict[type, tuple[str, ...] | None] = {}


def item_dict(item: Any) -> dict[str, Any]:
    """``ItemAdapter(item).asdict()``: the item's fields, nested items and containers as
    plain dicts and lists (copies: changing the dict leaves the item as it was)."""
    kind = type(item)
    if kind not in _FIELDS:
        _FIELDS[kind] = _dataclass_fields(item)
    names = _FIELDS[kind]
    if names is None:
        return ItemAdapter(item).asdict()
    values = {}
    for name in names:
        value = getattr(item, name, _MISSING)
        if value is not _MISSING:  # as ItemAdapter: a field without a value is left out
            values[name] = _plain(value)
    return values


def _dataclass_fields(item: Any) -> tuple[str, ...] | None:
    if not isinstance(ItemAdapter(item).adapter, DataclassAdapter):
        return None
    return tuple(field.name for field in dataclasses.fields(item))


def _plain(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN_TYPES:
        return value
    if kind is list:
        return [_plain(element) for element in value]
    if kind is dict:
        return {key: _plain(element) for key, element in value.items()}
    return ItemAdapter({"value": value}).asdict()["value"]  # anything else: as asdict does
