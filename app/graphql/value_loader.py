"""A DataLoader that keeps the values it is given ahead as values, not as a future each.

strawberry's DataLoader keeps a future per key, primed ones included: a list page primed about a
hundred (a future made and resolved each, every read through the cache's key function), and each
resolver's `load` then returned that future for `map_when_loaded` to look into. Here a value
given ahead (`prime`, `prime_many`: what `preload` and the combined reads fill in) is kept in a
dict; `now` answers it at once, and `load` still answers every key with an awaitable, as
strawberry's does. Keys loaded through `load` keep strawberry's futures and batching.
"""

from __future__ import annotations

from collections.abc import Awaitable, Iterable, Mapping
from typing import Any, TypeVar

from strawberry.dataloader import DataLoader

K = TypeVar("K")
V = TypeVar("V")
_NOT_HELD: Any = object()


class ValueLoader(DataLoader[K, V]):
    """A DataLoader whose primed values are plain values (`now`), and awaitable through `load`."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.ahead: dict[K, V] = {}

    def now(self, key: K) -> V | Awaitable[V]:
        """The value itself when it was given ahead, else what `load` answers."""
        value = self.ahead.get(key, _NOT_HELD)
        return self.load(key) if value is _NOT_HELD else value

    def load(self, key: K) -> Awaitable[V]:
        value = self.ahead.get(key, _NOT_HELD)
        if value is _NOT_HELD:
            return super().load(key)
        done = self.loop.create_future()
        done.set_result(value)
        return done

    def holds(self, key: K) -> bool:
        """Whether the key's value is here or on its way (a cancelled load is not)."""
        if key in self.ahead:
            return True
        future = self.cache_map.get(key)
        return future is not None and not future.cancelled()

    def prime_many(self, data: Mapping[K, V], force: bool = False) -> None:
        # As strawberry's: a key already here (even a cancelled load) keeps its value unless forced.
        futures = self.cache_map
        for key, value in data.items():
            loading = futures.get(key) is not None
            if force or not (loading or key in self.ahead):
                if loading:
                    futures.delete(key)
                self.ahead[key] = value

    def clear(self, key: K) -> None:
        if self.ahead.pop(key, _NOT_HELD) is _NOT_HELD or self.cache_map.get(key) is not None:
            super().clear(key)

    def clear_many(self, keys: Iterable[K]) -> None:
        for key in keys:
            self.clear(key)

    def clear_all(self) -> None:
        self.ahead.clear()
        super().clear_all()
