"""Fixtures of the legacy exchange tests."""

from __future__ import annotations

import pytest

from tests.conftest import GraphQL, Person
from tests.legacy.scene import Scene, build_scene


@pytest.fixture
async def scene(
    gql: GraphQL, user: Person, other: Person, admin: Person, monkeypatch: pytest.MonkeyPatch
) -> Scene:
    """The world of world.py with four deals (see scene.py), the clock frozen."""
    return await build_scene(gql, user, other, admin, monkeypatch)
