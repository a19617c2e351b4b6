"""A loaded value is mapped at once; anything awaitable is mapped once it is awaited."""

from __future__ import annotations

import asyncio
from collections.abc import Generator
from typing import Any

from app.graphql.loaders import map_when_loaded


class Plain:
    """Not awaitable: its type is remembered as such after the first value."""


class Later:
    """Awaitable, though no loader answers with it: it must never be taken for a value."""

    def __await__(self) -> Generator[Any, None, str]:
        yield from asyncio.sleep(0).__await__()
        return "awaited"


def _tagged(value: Any) -> tuple[str, Any]:
    return ("built", value)


async def test_values_of_every_kind_map_at_once() -> None:
    plain = Plain()
    for value in ({"id": 1}, [1, 2], (1,), None, plain, plain, "text", 7):
        assert map_when_loaded(value, _tagged) == ("built", value)


async def test_awaitables_map_when_awaited_every_time() -> None:
    loop = asyncio.get_running_loop()
    done = loop.create_future()
    done.set_result(3)
    assert map_when_loaded(done, _tagged) == ("built", 3)  # a finished future: at once

    for _ in range(2):  # the second time too: an awaitable type is never remembered as plain
        pending = loop.create_future()
        mapped = map_when_loaded(pending, _tagged)
        pending.set_result(4)
        assert await mapped == ("built", 4)

        async def row() -> dict[str, int]:
            return {"id": 5}

        assert await map_when_loaded(row(), _tagged) == ("built", {"id": 5})
        assert await map_when_loaded(Later(), _tagged) == ("built", "awaited")
