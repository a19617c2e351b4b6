"""The collector while serving: startup frozen, young collections batched, cycles still freed."""

from __future__ import annotations

import gc
import weakref

from app.collector import YOUNG_THRESHOLD, tuned_for_serving


class Node:
    """An object that can sit in a reference cycle."""

    def __init__(self) -> None:
        self.other: Node | None = None


def test_serving_freezes_startup_and_restores_the_collector_after() -> None:
    before = gc.get_threshold()
    with tuned_for_serving():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold() == (YOUNG_THRESHOLD, before[1], before[2])
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() == 0


def test_cycles_made_while_serving_are_still_collected() -> None:
    with tuned_for_serving():
        first, second = Node(), Node()
        first.other, second.other = second, first
        gone = weakref.ref(first)
        del first, second
        gc.collect()
        assert gone() is None
