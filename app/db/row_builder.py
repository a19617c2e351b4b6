"""Driver rows into dicts by a function written once per statement: one dict display a row.

`dict(zip(keys, row))` and then a pass per converting column (times, UUIDs, money, booleans)
cost a list page about a microsecond a row and a half per converted value: a zip, a dict built
key by key, then a lookup and a store for each converted value. A statement's columns are known
once it has run, so its rows are built by a function generated for them: the row unpacked into
locals, each value converted inline, the dict made by one display. Same dicts, same values.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

Convert = Callable[[Any], Any] | None
Build = Callable[[Iterable[Sequence[Any]]], list[dict[str, Any]]]


def keeps_null(convert: Callable[[Any], Any]) -> bool:
    """Whether the converter turns None into None (SQLAlchemy's own all do)."""
    try:
        return convert(None) is None
    except Exception:  # then every value, None included, goes through it
        return False


def row_builder(keys: Sequence[str], converters: Sequence[Convert]) -> Build:
    """A function turning rows of these columns into dicts keyed by `keys`.

    A NULL skips its converter where the converter would give None back anyway. A row of
    another width raises ValueError (the unpacking). Keys are the statement's column labels,
    unique in every statement read here; a repeated one would keep its last column, as dict()
    does.
    """
    names: dict[str, Any] = {}
    items = []
    for index, (key, convert) in enumerate(zip(keys, converters, strict=True)):
        value = f"_{index}"
        if convert is None:
            items.append(f"{key!r}: {value}")
            continue
        names[f"_c{index}"] = convert
        call = f"_c{index}({value})"
        if keeps_null(convert):
            call = f"None if {value} is None else {call}"
        items.append(f"{key!r}: {call}")
    target = "".join(f"_{index}, " for index in range(len(keys)))
    source = f"def build(raw):\n    return [{{{', '.join(items)}}} for ({target}) in raw]\n"
    exec(compile(source, "<row builder>", "exec"), names)  # noqa: S102
    build: Build = names["build"]
    return build
