"""Which objects the compiled plans complete themselves, recorded for a test."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest

from app.graphql import compiled_objects


def _record(
    monkeypatch: pytest.MonkeyPatch, done: Callable[[Any], None], failed: Callable[[], None]
) -> None:
    """Call `done(source)` or `failed()` for every object plans finished from now on complete.

    Nested plans call each other's function directly, so it is the function each plan is
    written out as that records them; plans are made afresh for each request meanwhile (those
    kept from before the call would not record).
    """
    finish = compiled_objects.ObjectPlan.finish

    def recording_finish(plan: compiled_objects.ObjectPlan) -> None:
        finish(plan)
        complete = plan.complete

        def recorded(source: Any, state: Any) -> Any:
            try:
                answer = complete(source, state)
            except Exception:
                failed()
                raise
            done(source)
            return answer

        plan.complete = recorded

    init = compiled_objects.Compiler.__init__

    def unshared(compiler: compiled_objects.Compiler, *, has_middleware: bool, shared: Any) -> None:
        init(compiler, has_middleware=has_middleware, shared=None)

    monkeypatch.setattr(compiled_objects.ObjectPlan, "finish", recording_finish)
    monkeypatch.setattr(compiled_objects.Compiler, "__init__", unshared)


def completed_by_plans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The type names of the objects plans complete from now on, in order (graphql-core's not)."""
    completed: list[str] = []
    _record(monkeypatch, lambda source: completed.append(type(source).__name__), lambda: None)
    return completed


def plan_outcomes(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """How many objects plans complete from now on ('completed', and by type name), and how
    many times a plan gives up ('gave up'; an outer plan gives up with an inner one)."""
    outcomes: Counter[str] = Counter()

    def done(source: Any) -> None:
        outcomes["completed"] += 1
        outcomes[type(source).__name__] += 1

    def failed() -> None:
        outcomes["gave up"] += 1

    _record(monkeypatch, done, failed)
    return outcomes
