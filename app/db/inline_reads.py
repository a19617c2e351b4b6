"""SQLite reads run on the event loop's own thread when they are short, and on aiosqlite's if not.

A request's reads are small indexed statements taking tens of microseconds in SQLite; handing
each to aiosqlite's thread and back (a queue, a thread wake-up, a wake-up of the loop, the GIL
passed twice) cost more than the statement, on every one of the five to ten statements of a
request. A reader connection (no transaction, nothing to undo) runs a statement at once on the
loop instead when its text is known to be short: each text's SQLite CPU time on the loop is
followed (a moving average), and a text averaging over WORTH_A_THREAD_S goes to aiosqlite's
thread, where SQLite's work runs beside the loop's (it releases the GIL), which pays for the hop
on a long read. A statement run on the loop is bounded by the connection's progress handler:
still running after INLINE_BUDGET_S, it is interrupted and run again on the thread, so the loop
is held at most that much CPU time plus one progress interval. The statement timeout of the request
applies as before. Writes always take the thread.

Runs on the thread do not count: there, with a busy loop, every row built waits for the GIL,
and a page read measured twice what it costs on the loop (0.87 against 1.57 ms, median, 16
requests at once), so a text that once went there stayed for good. Instead a text on the
thread runs on the loop once in PROBE_EVERY runs, and those runs move its average.

A page of 50 deals (its page, members and custom-field reads, 0.2-0.7 ms each) runs inline too:
on the thread, the GIL passed back and forth with the loop for every row built cost more than
SQLite's work beside the loop gained (wrk, one worker, 16 connections: list of 50 180 -> 220
req/s, p99 160 -> 100 ms; read one unchanged).
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Callable
from typing import Any

from app.db.budget import StatementClock

# How much CPU time one statement may take on the event loop's thread.
INLINE_BUDGET_S = 0.002
# Statements averaging more SQLite CPU time than this run on the thread: those that do not fit
# the budget. A page of 50 deals (0.4 to 1 ms, by machine) costs twice as much CPU on the thread
# as on the loop, its rows built in turns with the loop for the GIL.
WORTH_A_THREAD_S = INLINE_BUDGET_S
# What a statement interrupted on the loop is taken to cost: long, the thread's.
INTERRUPTED_S = 2 * INLINE_BUDGET_S
# Weight of the latest run in a text's average: a cold first run (pages read from disk) does
# not send a short statement to the thread; a few long runs do.
LATEST_WEIGHT = 0.1
# Texts followed, per database (texts vary with the length of IN lists).
MAX_TEXTS = 4096
# A text on the thread runs on the loop once in this many runs, to learn its cost again there
# (one that is long after all costs the loop INLINE_BUDGET_S, then runs on the thread anyway).
PROBE_EVERY = 16

Found = tuple[Any, list[Any], int, int | None, float]
Run = Callable[[sqlite3.Connection, str, Any, bool], Found]


class InlineReads:
    """A reader connection's way of running short statements on the calling thread."""

    def __init__(self, clock: StatementClock, costs: dict[str, float]) -> None:
        self.clock = clock
        # Average SQLite CPU seconds per statement text on the loop, shared by one database's
        # readers; and this connection's runs of each text on the thread since its last probe.
        self.costs = costs
        self.waited: dict[str, int] = {}

    def run(
        self, run: Run, raw: sqlite3.Connection, operation: str, parameters: Any
    ) -> Found | None:
        """The statement's answer, or None when it is for aiosqlite's thread to run."""
        if raw.in_transaction:
            return None
        if self.costs.get(operation, 0.0) > WORTH_A_THREAD_S:
            waited = self.waited
            runs = waited.get(operation, 0) + 1
            if runs < PROBE_EVERY:
                if runs == 1 and len(waited) >= MAX_TEXTS:
                    waited.clear()  # bounded, as the costs are
                waited[operation] = runs
                return None
            waited.pop(operation, None)  # this run probes the loop again
        clock = self.clock
        clock.moved = False
        clock.inline_until = time.thread_time() + INLINE_BUDGET_S
        try:
            found = run(raw, operation, parameters, False)
        except sqlite3.OperationalError:
            if not clock.moved:
                raise  # the request's own deadline, or a real error
            self.costs[operation] = INTERRUPTED_S  # long: the thread, but for its probes
            return None
        finally:
            clock.inline_until = None
        self.observe(operation, found[4])
        return found

    def observe(self, operation: str, seconds: float) -> None:
        """Count one run of the text on the loop."""
        costs = self.costs
        known = costs.get(operation)
        if known is None and len(costs) >= MAX_TEXTS:
            costs.clear()  # bounded: the texts in use are learnt again in a few runs
        known = known or 0.0
        costs[operation] = known + LATEST_WEIGHT * (seconds - known)
