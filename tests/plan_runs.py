"""Which objects the compiled plans complete themselves, recorded for a test."""

from __future__ import annotations

from typing import Any

import pytest

from app.graphql import compiled_objects


def completed_by_plans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The type names of the objects plans complete from now on, in order (graphql-core's not)."""
    completed: list[str] = []
    run = compiled_objects.ObjectPlan.run

    def counted(plan: compiled_objects.ObjectPlan, source: Any, state: Any) -> Any:
        answer = run(plan, source, state)
        completed.append(type(source).__name__)
        return answer

    monkeypatch.setattr(compiled_objects.ObjectPlan, "run", counted)
    return completed
