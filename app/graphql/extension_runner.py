"""Schema extension hooks run without building a context manager per hook per request.

Strawberry's runner makes, for every phase of every request, a `contextlib.contextmanager`
wrapper around each extension's hook (`functools.wraps` included), inspects each hook's kind and
stacks them in an ExitStack: with our seven extensions, about 300 of the 3,500 Python calls of
reading one deal on PostgreSQL. The hooks are the same on every request, so their kinds are
found once per extension class; a phase calls the generators itself and unwinds them in reverse
order as strawberry's exit stack does (a hook may suppress the error it is thrown, which hides
it from the hooks outside it but not from the caller, or raise another, which they and the
caller then see). Strawberry's own runner is the reference `tests/test_extension_runner.py`
compares it with.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from types import TracebackType
from typing import Any

from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner

# How a class implements a hook: not at all, a generator, an async generator, a function that
# runs on entry (sync or a coroutine function).
NONE, GENERATOR, ASYNC_GENERATOR, CALL, ASYNC_CALL = range(5)
Hook = tuple[int, Callable[..., Any] | None]
_KNOWN: dict[tuple[type, str], Hook] = {}
# Classes whose hooks are kept: the schema has a handful; the bound keeps classes made at run
# time (tests make one per drawn hook) from being held for good.
MAX_KNOWN = 1024


def _hook(cls: type, name: str) -> Hook:
    """What `cls` does in phase `name`, found once per class."""
    known = _KNOWN.get((cls, name))
    if known is not None:
        return known
    function = getattr(cls, name)
    if function is getattr(SchemaExtension, name):
        found: Hook = (NONE, None)
    elif inspect.isgeneratorfunction(function):
        found = (GENERATOR, function)
    elif inspect.isasyncgenfunction(function):
        found = (ASYNC_GENERATOR, function)
    elif inspect.iscoroutinefunction(function):
        found = (ASYNC_CALL, function)
    elif callable(function):
        found = (CALL, function)
    else:
        raise ValueError(f"Hook {name} on {cls.__name__} must be callable, got {function!r}")
    if len(_KNOWN) >= MAX_KNOWN:
        _KNOWN.clear()
    _KNOWN[(cls, name)] = found
    return found


def _leave(generator: Any, error: BaseException | None) -> bool:
    """Resume a sync hook after its yield; True when it suppressed `error` (contextlib's rule)."""
    if error is None:
        try:
            next(generator)
        except StopIteration:
            return False
        raise RuntimeError("generator didn't stop")
    try:
        generator.throw(error)
    except StopIteration:
        return True
    except BaseException as raised:
        if raised is error:
            return False
        raise
    raise RuntimeError("generator didn't stop after throw()")


async def _leave_async(generator: Any, error: BaseException | None) -> bool:
    """`_leave` for an async generator hook."""
    if error is None:
        try:
            await anext(generator)
        except StopAsyncIteration:
            return False
        raise RuntimeError("generator didn't stop")
    try:
        await generator.athrow(error)
    except StopAsyncIteration:
        return True
    except BaseException as raised:
        if raised is error:
            return False
        raise
    raise RuntimeError("generator didn't stop after athrow()")


class Phase:
    """One phase's hooks: entered in order, left in reverse, usable with `with` or `async with`."""

    __slots__ = ("entered", "extensions", "name")

    def __init__(self, extensions: Sequence[SchemaExtension], name: str) -> None:
        self.extensions = extensions
        self.name = name
        # (is async, generator) of the hooks that have yielded, innermost last.
        self.entered: list[tuple[bool, Any]] = []

    # A hook that fails on entry propagates at once, the hooks entered before it left as
    # they are: strawberry's runner does the same (its exit stack is never exited then).

    def __enter__(self) -> None:
        for extension in self.extensions:
            kind, function = _hook(type(extension), self.name)
            if kind == NONE:
                continue
            if kind in (ASYNC_GENERATOR, ASYNC_CALL):
                raise RuntimeError(
                    f"SchemaExtension hook {extension}.{self.name} "
                    "failed to complete synchronously."
                )
            assert function is not None
            if kind == CALL:
                function(extension)
                continue
            generator = function(extension)
            try:
                next(generator)
            except StopIteration:
                raise RuntimeError("generator didn't yield") from None
            self.entered.append((False, generator))

    def __exit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: TracebackType | None
    ) -> None:
        self._unwind_sync(error)

    async def __aenter__(self) -> None:
        for extension in self.extensions:
            kind, function = _hook(type(extension), self.name)
            if kind == NONE:
                continue
            assert function is not None
            if kind == CALL:
                function(extension)
                continue
            if kind == ASYNC_CALL:
                await function(extension)
                continue
            generator = function(extension)
            try:
                if kind == GENERATOR:
                    next(generator)
                else:
                    await anext(generator)
            except (StopIteration, StopAsyncIteration):
                raise RuntimeError("generator didn't yield") from None
            self.entered.append((kind == ASYNC_GENERATOR, generator))

    async def __aexit__(
        self, kind: type[BaseException] | None, error: BaseException | None, _: TracebackType | None
    ) -> None:
        await self._unwind(error)

    def _unwind_sync(self, error: BaseException | None) -> None:
        """`_unwind` run to its end at once: a sync phase holds no async hook, so it never waits."""
        unwinding = self._unwind(error)
        try:
            unwinding.send(None)
        except StopIteration:
            return
        unwinding.close()
        raise RuntimeError(f"SchemaExtension hook of {self.name} failed to complete synchronously.")

    async def _unwind(self, error: BaseException | None) -> None:
        """Leave the entered hooks innermost first; raise what the last of them raised anew."""
        original, current = error, error
        while self.entered:
            is_async, generator = self.entered.pop()
            try:
                suppressed = (
                    await _leave_async(generator, current)
                    if is_async
                    else _leave(generator, current)
                )
                if suppressed:
                    current = None
            except BaseException as raised:
                raised.__context__ = raised.__context__ or current
                current = raised
        if current is not None and current is not original:
            raise current


class LeanExtensionsRunner(SchemaExtensionsRunner):
    """Strawberry's runner with phases that keep no per-request wrappers."""

    def operation(self) -> Phase:  # type: ignore[override]
        return Phase(self.extensions, "on_operation")

    def validation(self) -> Phase:  # type: ignore[override]
        return Phase(self.extensions, "on_validate")

    def parsing(self) -> Phase:  # type: ignore[override]
        return Phase(self.extensions, "on_parse")

    def executing(self) -> Phase:  # type: ignore[override]
        return Phase(self.extensions, "on_execute")
