"""The lean extension runner does what strawberry's runner does, hook for hook.

Each case is a stack of extensions drawn by hypothesis: every kind of hook strawberry accepts
(generator, async generator, function, coroutine function, none) behaving in every way a hook
can (pass the error on, suppress it, raise another on the way in or out, never yield, yield
twice), around a block that succeeds or fails. Both runners run the same stack; the order the
hooks ran in and what came out of the phase (its error's type and message, or none) must agree.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strawberry.extensions import SchemaExtension
from strawberry.extensions.runner import SchemaExtensionsRunner

from app.graphql.extension_runner import LeanExtensionsRunner
from app.graphql.schema import build_schema

KINDS = ("generator", "async_generator", "function", "coroutine", "none")
BEHAVIOURS = ("plain", "suppress", "fail_on_entry", "fail_on_exit", "no_yield", "yield_twice")
PHASES = ("operation", "validation", "parsing", "executing")


class Failure(Exception):
    """Raised by a hook or by the block: its message says which."""


def _extension(index: int, kind: str, behaviour: str, log: list[str]) -> SchemaExtension:
    """An extension whose every phase hook is `kind` and behaves as `behaviour`."""
    name = f"h{index}"

    def generator(self: Any) -> Any:
        log.append(f"{name} in")
        if behaviour == "fail_on_entry":
            raise Failure(f"{name} entry")
        if behaviour == "no_yield":
            return
        try:
            yield
        except Failure as error:
            log.append(f"{name} saw {error}")
            if behaviour != "suppress":
                raise
        if behaviour == "yield_twice":
            yield
        log.append(f"{name} out")
        if behaviour == "fail_on_exit":
            raise Failure(f"{name} exit")

    async def async_generator(self: Any) -> Any:
        await asyncio.sleep(0)
        log.append(f"{name} in")
        if behaviour == "fail_on_entry":
            raise Failure(f"{name} entry")
        if behaviour == "no_yield":
            return
        try:
            yield
        except Failure as error:
            log.append(f"{name} saw {error}")
            if behaviour != "suppress":
                raise
        if behaviour == "yield_twice":
            yield
        log.append(f"{name} out")
        if behaviour == "fail_on_exit":
            raise Failure(f"{name} exit")

    def function(self: Any) -> None:
        log.append(f"{name} call")
        if behaviour == "fail_on_entry":
            raise Failure(f"{name} entry")

    async def coroutine(self: Any) -> None:
        await asyncio.sleep(0)
        function(self)

    hook: Callable[..., Any] | None = {
        "generator": generator,
        "async_generator": async_generator,
        "function": function,
        "coroutine": coroutine,
        "none": None,
    }[kind]
    hooks = (
        {}
        if hook is None
        else dict.fromkeys(("on_operation", "on_validate", "on_parse", "on_execute"), hook)
    )
    # A class per extension: hooks are found on the class, as strawberry finds them.
    return type(f"Drawn{index}{kind}{behaviour}", (SchemaExtension,), hooks)()


def _outcome(run: Callable[[], Any]) -> str:
    try:
        run()
    except Exception as error:  # what the phase let out is compared, whatever it is
        # Addresses differ between the two runs' objects; the rest of the message may not.
        return re.sub(r" at 0x[0-9a-f]+", "", f"{type(error).__name__}: {error}")
    return "ok"


async def _body(log: list[str], fails: bool) -> None:
    log.append("body")
    if fails:
        raise Failure("body")


def _run_async(runner_class: type, stack: list[tuple[str, str]], phase: str, fails: bool) -> Any:
    log: list[str] = []
    extensions = [_extension(i, kind, how, log) for i, (kind, how) in enumerate(stack)]
    runner = runner_class(execution_context=None, extensions=extensions)

    async def run() -> None:
        async with getattr(runner, phase)():
            await _body(log, fails)

    outcome = _outcome(lambda: asyncio.run(run()))
    return log, outcome


def _run_sync(runner_class: type, stack: list[tuple[str, str]], phase: str, fails: bool) -> Any:
    log: list[str] = []
    extensions = [_extension(i, kind, how, log) for i, (kind, how) in enumerate(stack)]
    runner = runner_class(execution_context=None, extensions=extensions)

    def run() -> None:
        with getattr(runner, phase)():
            log.append("body")
            if fails:
                raise Failure("body")

    return log, _outcome(run)


stacks = st.lists(st.tuples(st.sampled_from(KINDS), st.sampled_from(BEHAVIOURS)), max_size=4)


@settings(max_examples=300, deadline=None)
@given(stack=stacks, phase=st.sampled_from(PHASES), fails=st.booleans())
def test_async_phases_run_hooks_as_strawberry_does(
    stack: list[tuple[str, str]], phase: str, fails: bool
) -> None:
    expected = _run_async(SchemaExtensionsRunner, stack, phase, fails)
    assert _run_async(LeanExtensionsRunner, stack, phase, fails) == expected


@settings(max_examples=300, deadline=None)
@given(stack=stacks, phase=st.sampled_from(PHASES), fails=st.booleans())
def test_sync_phases_run_hooks_as_strawberry_does(
    stack: list[tuple[str, str]], phase: str, fails: bool
) -> None:
    expected = _run_sync(SchemaExtensionsRunner, stack, phase, fails)
    assert _run_sync(LeanExtensionsRunner, stack, phase, fails) == expected


def test_a_suppressing_hook_hides_the_error_from_outer_hooks_only() -> None:
    # Spelt out: the inner hook keeps the error from the outer one, which then leaves
    # normally; the caller still gets the error, as under strawberry's runner.
    log, outcome = _run_async(
        LeanExtensionsRunner, [("generator", "plain"), ("generator", "suppress")], "operation", True
    )
    assert outcome == "Failure: body"
    assert log == ["h0 in", "h1 in", "body", "h1 saw body", "h1 out", "h0 out"]


@pytest.mark.asyncio
async def test_the_schema_runs_its_extensions_through_the_lean_runner() -> None:
    schema = build_schema()
    # A document over the token limit is refused by its hook, under the lean runner.
    result = await schema.execute("{ " + "__typename " * 20_000 + "}")
    assert result.errors and "token" in result.errors[0].message.lower()
    assert isinstance(schema.create_extensions_runner(None, []), LeanExtensionsRunner)  # type: ignore[arg-type]
