"""A request's hot reads run on the driver connection: compiled once, no per-call SQLAlchemy.

SQLAlchemy's Core `execute` does the same work on every call: it walks the statement for its
cache key, looks the compiled form up, builds an execution context, a cursor result with its
metadata and a row object per row. On the five to ten small indexed reads of a request that was
a third of the CPU (py-spy, read one), more than SQLite spent. The statements read here are
constants built from the SQLModel tables; each is compiled once per dialect, and a call binds
its parameters with the column types' own bind processors, runs the text on the adapted driver
connection SQLAlchemy has checked out, and turns rows into dicts with the types' own result
processors: the same values, the same SQL. A driver error is handed to SQLAlchemy's own
handling (wrapped, the connection invalidated on a disconnect), so callers and app.db.faults
see what they saw before. A connection with cursor-execute listeners (tests counting
statements, plan capture) takes SQLAlchemy's path, so they see every statement.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement, Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import Uuid
from sqlalchemy.util.concurrency import greenlet_spawn

from app.db.row_builder import Build, row_builder
from app.db.sqlite_driver import OneHopConnection

Row = Mapping[str, Any]
Convert = Callable[[Any], Any] | None
# Expanded texts kept per statement (IN lists of different lengths have different texts).
MAX_EXPANSIONS = 256
# Statements kept compiled by their id: the module constants (a few dozen).
MAX_PREPARED = 256
# UUIDs each UUID column's converter keeps (bounded: a long scan clears and starts over).
MAX_REMEMBERED_UUIDS = 1024
# An expanded text, its parameter names in order and their bind processors.
Expansion = tuple[str, Sequence[str], Mapping[str, Any]]


class Prepared:
    """One statement compiled for one dialect: its text per IN-list lengths, its converters."""

    __slots__ = (
        "build",
        "compiled",
        "expanding",
        "expansions",
        "keys",
        "results",
        "statement",
    )

    def __init__(self, statement: ClauseElement, dialect: Dialect) -> None:
        self.statement = statement  # kept: the cache is keyed by its id
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        assert compiled.positional  # both dialects bind by position (qmark, $n)
        self.compiled = compiled
        # IN lists by name (a union may use one list twice; it is bound once).
        self.expanding = tuple(dict.fromkeys(bind.key for bind in compiled.post_compile_params))
        self.expansions: dict[tuple[int, ...], Expansion] = {}
        self.keys = [entry[0] for entry in compiled._result_columns]
        self.results: list[Convert] | None = None
        # Rows into dicts, written for the columns once the statement has run.
        self.build: Build | None = None

    def bind(self, params: Mapping[str, Any]) -> tuple[str, list[Any]] | None:
        """The text and the driver's positional parameters for one call (None: use SQLAlchemy)."""
        compiled = self.compiled
        values: dict[str, Any] = dict(compiled.construct_params(params, escape_names=False))
        order: Sequence[str] | None
        converts: Mapping[str, Any]
        if not self.expanding:
            text, order, converts = compiled.string, compiled.positiontup, compiled._bind_processors
        else:
            lengths = tuple(len(params[name]) for name in self.expanding)
            known = self.expansions.get(lengths)
            if known is None:
                known = self._expand(lengths, values)
                if known is None:
                    return None
            values = self._flatten(values)
            text, order, converts = known
        assert order is not None
        bound = [
            converts[key](values[key]) if key in converts else values[key]  # type: ignore[operator]
            for key in order
        ]
        return text, bound

    def _flatten(self, values: dict[str, Any]) -> dict[str, Any]:
        """An IN list's members under SQLAlchemy's names for them (checked in _expand)."""
        for name in self.expanding:
            for number, value in enumerate(values.pop(name), 1):
                values[f"{name}_{number}"] = value
        return values

    def _expand(self, lengths: tuple[int, ...], values: Mapping[str, Any]) -> Expansion | None:
        """The text, parameter order and converters for IN lists of these lengths.

        None when SQLAlchemy named the members otherwise than `_flatten` does (a tuple IN, a
        later version): the statement then takes SQLAlchemy's path.
        """
        compiled = self.compiled
        expanded = compiled._process_parameters_for_postcompile(dict(values))
        order = list(expanded.positiontup or ())
        mine = self._flatten(dict(values))
        if any(key not in mine or mine[key] is not expanded.parameters[key] for key in order):
            return None
        if len(self.expansions) >= MAX_EXPANSIONS:
            self.expansions.clear()
        converts = {**compiled._bind_processors, **expanded.processors}
        known = (expanded.statement, order, converts)
        self.expansions[lengths] = known
        return known

    def rows(self, dialect: Dialect, description: Any, raw: Any) -> list[Row]:
        """Driver rows as dicts, each value through its type's result processor."""
        build = self.build
        if build is None:
            types = [entry[3] for entry in self.compiled._result_columns]
            results = [
                _remembered(type_, type_._cached_result_processor(dialect, column[1]))
                for type_, column in zip(types, description, strict=True)
            ]
            self.results = results
            build = self.build = row_builder(self.keys, results)
        return cast(list[Row], build(raw))


def _remembered(type_: Any, convert: Convert) -> Convert:
    """A UUID column's converter, remembering what it made.

    The UUIDs a request reads are mostly the same few employees' (created by, updated by,
    responsible) and parsing one costs microseconds, a few hundred times a list page. UUIDs
    are immutable, so rows may share them.
    """
    if convert is None or not isinstance(type_, Uuid):
        return convert
    made: dict[Any, Any] = {}

    def remembered(value: Any) -> Any:
        found = made.get(value)
        if found is None:
            found = convert(value)
            if len(made) >= MAX_REMEMBERED_UUIDS:
                made.clear()
            made[value] = found
        return found

    return remembered


_PREPARED: dict[tuple[int, int], tuple[Dialect, Prepared]] = {}


def _prepared(statement: ClauseElement, dialect: Dialect) -> Prepared:
    key = (id(statement), id(dialect))
    found = _PREPARED.get(key)
    if found is None or found[1].statement is not statement or found[0] is not dialect:
        if len(_PREPARED) >= MAX_PREPARED:
            _PREPARED.clear()  # bounded: the constants in use are compiled again on next use
        found = (dialect, Prepared(statement, dialect))
        _PREPARED[key] = found
    return found[1]


def _listened(sync: Connection) -> bool:
    dispatch = sync.dispatch
    return bool(dispatch.before_cursor_execute) or bool(dispatch.after_cursor_execute)


async def fetch(
    conn: AsyncConnection,
    statement: ClauseElement,
    params: Mapping[str, Any] | None = None,
    *,
    prepared: Prepared | None = None,
) -> list[Row]:
    """Every row of a constant SELECT, as dicts keyed by column name.

    `prepared`: the statement compiled by its owner, who keeps it (else a module constant is
    assumed, kept here by its id).
    """
    params = params or {}
    sync = conn.sync_connection
    proxied = None if sync is None else sync._dbapi_connection
    if sync is None or proxied is None or _listened(sync):
        return await _through_sqlalchemy(conn, statement, params)
    dialect = sync.dialect
    if prepared is None:
        prepared = _prepared(statement, dialect)
    binding = prepared.bind(params)
    if binding is None:
        return await _through_sqlalchemy(conn, statement, params)
    text, bound = binding
    try:
        description, rows = await _run(
            proxied.dbapi_connection, text, bound, described=prepared.results is not None
        )
    except BaseException as error:
        # As on SQLAlchemy's path: wrapped, and the connection invalidated when the driver is
        # gone or the statement was cancelled midway (the request ran out of time).
        await greenlet_spawn(_handle, sync, error, text, bound)
        raise  # not reached: the call above raises
    return prepared.rows(dialect, description, rows)


def _handle(sync: Connection, error: BaseException, text: str, bound: list[Any]) -> None:
    """SQLAlchemy's handling of a failed execute; it reads the error from sys.exc_info()."""
    try:
        raise error
    except BaseException as raised:
        sync._handle_dbapi_exception(raised, text, bound, None, None)


async def _through_sqlalchemy(
    conn: AsyncConnection, statement: ClauseElement, params: Mapping[str, Any]
) -> list[Row]:
    result = await conn.execute(cast(Executable, statement), params)
    return [dict(row) for row in result.mappings()]


async def _run(adapted: Any, text: str, bound: list[Any], *, described: bool) -> tuple[Any, Any]:
    """The text run on the adapted driver connection: (description, rows), errors the driver's."""
    if isinstance(adapted, OneHopConnection):
        cursor: Any = adapted.cursor()
        try:
            await cursor._one_hop(text, bound, many=False)
        except Exception as error:
            adapted._handle_exception(error)
        return cursor.description, cursor._rows
    if described and (adapted.autocommit or adapted._transaction is not None):
        # asyncpg's own fetch (and statement cache), not the adapter's cursor, which costs
        # 40 us a statement more: the columns' types are known from the first run, and no
        # lazy BEGIN is pending (autocommit, or the transaction has begun).
        async with adapted._execute_mutex:
            try:
                return None, await adapted._connection.fetch(text, *bound)
            except Exception as error:
                adapted._handle_exception(error)
    cursor = adapted.cursor()  # its errors come translated by the adapter
    await cursor._prepare_and_execute(text, bound)
    return cursor.description, cursor._rows
