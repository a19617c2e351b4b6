"""A loader's values given ahead answer at once through `now`, and as strawberry's would through
`load`; keys not given ahead load, batch and fail as in strawberry's DataLoader."""

from __future__ import annotations

import asyncio

import pytest
from strawberry.dataloader import DataLoader

from app.graphql.value_loader import ValueLoader


def loaders(calls: list[list[int]]) -> tuple[ValueLoader[int, str], DataLoader[int, str]]:
    """Ours and strawberry's over the same batch function."""

    async def load(keys: list[int]) -> list[str | BaseException]:
        calls.append(list(keys))
        return [ValueError(f"no {key}") if key < 0 else f"value {key}" for key in keys]

    return ValueLoader(load_fn=load), DataLoader(load_fn=load)


async def test_a_primed_value_is_answered_at_once_and_through_load() -> None:
    calls: list[list[int]] = []
    ours, _ = loaders(calls)
    ours.prime_many({1: "one", 2: "two"})
    assert ours.now(1) == "one"
    loaded = ours.load(2)
    assert isinstance(loaded, asyncio.Future) and loaded.done()
    assert await loaded == "two"
    assert ours.holds(1) and not ours.holds(3)
    assert calls == []


async def test_keys_not_given_ahead_load_in_one_batch_as_strawberrys_do() -> None:
    calls: list[list[int]] = []
    ours, theirs = loaders(calls)
    ours.prime(1, "one")
    waiting = ours.now(2)
    assert not isinstance(waiting, str)
    assert await asyncio.gather(waiting, ours.load(3), ours.load(2)) == await theirs.load_many(
        [2, 3, 2]
    )
    assert calls == [[2, 3], [2, 3]]  # ours once (2 asked twice), then strawberry's
    assert ours.holds(2) and ours.now(2) is waiting  # the future strawberry keeps, now done
    with pytest.raises(ValueError, match="no -1"):
        await ours.load(-1)


async def test_priming_keeps_what_is_held_unless_forced_as_strawberrys_does() -> None:
    calls: list[list[int]] = []
    ours, theirs = loaders(calls)
    for loader in (ours, theirs):
        assert await loader.load(5) == "value 5"
        loader.prime_many({5: "primed", 6: "six"})
        loader.prime(6, "again")
        assert (await loader.load(5), await loader.load(6)) == ("value 5", "six")
        loader.prime_many({5: "forced", 6: "forced too"}, force=True)
        assert (await loader.load(5), await loader.load(6)) == ("forced", "forced too")
    assert ours.now(5) == "forced"


async def test_clearing_forgets_a_key_whichever_way_it_came() -> None:
    calls: list[list[int]] = []
    ours, theirs = loaders(calls)
    ours.prime(1, "one")
    assert await ours.load(2) == "value 2"
    ours.clear_many([1, 2])
    assert not ours.holds(1) and not ours.holds(2)
    for loader in (ours, theirs):
        with pytest.raises(KeyError):
            loader.clear(9)  # as strawberry's: clearing a key never held is an error
    ours.prime(3, "three")
    ours.clear_all()
    assert not ours.holds(3)
    assert await ours.load(3) == "value 3"
