"""Loading ahead fills a loader in one batch call with what load_many would give, kept as values."""

from __future__ import annotations

import asyncio

import pytest

from app.graphql.loaders import preload
from app.graphql.value_loader import ValueLoader


def recording_loader(calls: list[list[int]]) -> ValueLoader[int, str]:
    async def load(keys: list[int]) -> list[str]:
        calls.append(list(keys))
        return [f"value {key}" for key in keys]

    return ValueLoader(load_fn=load)


async def test_preloaded_keys_answer_at_once_with_what_load_many_gives() -> None:
    calls: list[list[int]] = []
    loader = recording_loader(calls)
    await preload(loader, [3, 1, 3, 2])
    assert calls == [[3, 1, 2]]  # one call, each key once, in first-seen order
    futures = [loader.load(key) for key in (1, 2, 3)]
    assert all(isinstance(f, asyncio.Future) and f.done() for f in futures)
    assert [f.result() for f in futures] == await recording_loader([]).load_many([1, 2, 3])
    assert calls == [[3, 1, 2]]  # nothing loaded again


async def test_only_keys_not_held_yet_are_loaded() -> None:
    calls: list[list[int]] = []
    loader = recording_loader(calls)
    assert await loader.load(1) == "value 1"
    await preload(loader, [1, 2])
    await preload(loader, [2])
    assert calls == [[1], [2]]


async def test_a_failed_load_is_raised_and_nothing_is_kept() -> None:
    async def load(keys: list[int]) -> list[object]:
        return [ValueError(f"no {key}") if key == 2 else key for key in keys]

    loader: ValueLoader[int, object] = ValueLoader(load_fn=load)
    with pytest.raises(ValueError, match="no 2"):
        await preload(loader, [1, 2])
    assert not loader.holds(1)
