"""A compiled plan's fields as one generated Python function, not a closure per field and value.

With a closure per field (read, check, serialize, recurse), completing a page's leaf cost four or
five Python calls and an object a few more; the calls, not the work, were most of the plan's
time. So a finished plan is written out as source: each field's read, its checks and its
serialization inline, in the field order, then one dict display. Each step does what the closure
did, in the same order, raising GiveUp where it gave up, so the answer and its fallback are the
same; only a nested object's plan (`ObjectPlan.run`) and a resolver are still calls.
"""

from __future__ import annotations

import keyword
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from graphql.pyutils import Undefined

from app.graphql.exact_leaves import exact_condition
from app.graphql.types.row_backed import ROW


@dataclass(frozen=True)
class NonNull:
    """A value that must not complete to null."""

    inner: Shape


@dataclass(frozen=True)
class ListOf:
    """A list (or tuple) whose items complete as `item`."""

    item: Shape


@dataclass(frozen=True)
class Leaf:
    """A scalar or enum value, serialized."""

    serialize: Callable[[Any], Any]


@dataclass(frozen=True)
class Nested:
    """An object value, completed by its plan (an ObjectPlan, kept loosely to avoid a cycle)."""

    plan: Any


Shape = NonNull | ListOf | Leaf | Nested
_MISSING = object()


@dataclass(frozen=True)
class FieldRead:
    """How one response key is read: a constant, an attribute, or a resolver; then its shape."""

    key: str
    shape: Shape | None = None
    constant: str | None = None  # __typename
    attribute: str = ""
    function: Callable[..., Any] | None = None
    takes_info: bool = False
    # The attribute's row_backed descriptor on the type's class (its `how`, and `column` when it
    # is a column as it is), for reading it from an exact instance's row without the descriptor.
    derived: Any = None


class _Writer:
    """Source lines and the objects they refer to by name."""

    def __init__(self, helpers: dict[str, Any]) -> None:
        self.lines: list[str] = []
        self.names: dict[str, Any] = dict(helpers)
        self.count = 0

    def name(self, prefix: str, value: Any) -> str:
        self.count += 1
        name = f"{prefix}{self.count}"
        self.names[name] = value
        return name

    def local(self) -> str:
        self.count += 1
        return f"_v{self.count}"

    def add(self, indent: int, line: str) -> None:
        self.lines.append("    " * indent + line)


# A value that is not awaitable and not an exception: the common case, tested without a call.
_PLAIN_CHECK = "if (type({v}) not in _never and _awaitable({v})) or isinstance({v}, Exception):"


def _value(out: _Writer, shape: Shape, v: str, indent: int) -> None:
    """Lines completing the value in variable `v` in place, as the closures did."""
    if isinstance(shape, NonNull):
        inner = shape.inner
        exact = exact_condition(inner.serialize) if isinstance(inner, Leaf) else None
        if isinstance(inner, Leaf) and exact is not None:
            # The common case first: a value serialize returns as it is cannot be null.
            out.add(indent, f"if not ({exact.format(v=v)}):")
            out.add(indent + 1, f"if {v} is None: raise GiveUp")
            _serialized(out, inner, v, indent + 1)
        else:
            _value(out, inner, v, indent)
            out.add(indent, f"if {v} is None: raise GiveUp")
    elif isinstance(shape, ListOf):
        out.add(indent, f"if {v} is not None:")
        out.add(indent + 1, f"if not isinstance({v}, list | tuple): raise GiveUp")
        items, item = out.local(), out.local()
        out.add(indent + 1, f"{items} = []")
        out.add(indent + 1, f"for {item} in {v}:")
        _value(out, shape.item, item, indent + 2)
        out.add(indent + 2, f"{items}.append({item})")
        out.add(indent + 1, f"{v} = {items}")
    elif isinstance(shape, Leaf):
        exact = exact_condition(shape.serialize)
        if exact is not None:
            # serialize would return the value itself: nothing to check or call.
            out.add(indent, f"if {v} is not None and not ({exact.format(v=v)}):")
        else:
            out.add(indent, f"if {v} is not None:")
        _serialized(out, shape, v, indent + 1)
    else:
        plan = out.name("_plan", shape.plan)
        out.add(indent, f"if {v} is not None:")
        out.add(indent + 1, _PLAIN_CHECK.format(v=v))
        out.add(indent + 2, f"_give_up_on({v})")
        # Its function itself, not `run`: a nested plan's failure reaches graphql-core through
        # the outermost plan, and graphql-core then runs the nested one again, which marks it.
        out.add(indent + 1, f"{v} = {plan}.complete({v}, run)")


def _serialized(out: _Writer, leaf: Leaf, v: str, indent: int) -> None:
    """Lines serializing the non-null value in `v`; GiveUp where the closures gave up."""
    serialize = out.name("_serialize", leaf.serialize)
    out.add(indent, _PLAIN_CHECK.format(v=v))
    out.add(indent + 1, f"_give_up_on({v})")
    out.add(indent, f"{v} = {serialize}({v})")
    out.add(indent, f"if {v} is None or {v} is _undefined: raise GiveUp")


def _attribute(field: FieldRead) -> str:
    attribute = field.attribute
    if attribute.isidentifier() and not keyword.iskeyword(attribute):
        return f"source.{attribute}"
    return f"getattr(source, {attribute!r})"


def _read(out: _Writer, field: FieldRead, v: str) -> None:
    """Lines putting the field's raw value into `v` (and completing it)."""
    if field.constant is not None:
        out.add(1, f"{v} = {field.constant!r}")
        return
    assert field.shape is not None
    if field.function is None and field.derived is not None:
        # What the descriptor would answer: the value kept on the object, else the row's.
        derived = field.derived
        out.add(1, "if _row is None:")
        out.add(2, f"{v} = {_attribute(field)}")
        out.add(1, "else:")
        out.add(2, f"{v} = _kept.get({derived.name!r}, _missing)")
        out.add(2, f"if {v} is _missing:")
        if derived.column is not None:
            out.add(3, f"{v} = _row[{derived.column!r}]")
        else:
            out.add(3, f"{v} = {out.name('_derive', derived.how)}(_row)")
    elif field.function is None:
        out.add(1, f"{v} = {_attribute(field)}")
    else:
        function = out.name("_resolve", field.function)
        out.add(1, f"{v} = {function}(source{', run.info' if field.takes_info else ''})")
        # A resolver's awaitable answer is for graphql-core to await.
        out.add(1, f"if type({v}) not in _never and _awaitable({v}): _give_up_on({v})")
    _value(out, field.shape, v, 1)


def _type_check(out: _Writer, type_of: Callable[[Any, Any], Any] | None, indent: int) -> None:
    if type_of is not None:
        # Strawberry's checks look at the value alone; an answer that is not True: GiveUp.
        check = out.name("_is_type_of", type_of)
        out.add(indent, f"if {check}(source, None) is not True: raise GiveUp")


def _row_or_type_check(
    out: _Writer, type_of: Callable[[Any, Any], Any] | None, origin: type
) -> None:
    """Lines setting `_row` (an exact instance's row, else None), type-checking the others.

    An instance of the class itself, not cast to another type, passes strawberry's check
    (isinstance of the class), which is then not called.
    """
    cls = out.name("_cls", origin)
    out.add(1, f"if type(source) is {cls} and {CAST!r} not in (_kept := source.__dict__):")
    out.add(2, f"_row = _kept.get({ROW!r})")
    out.add(1, "else:")
    _type_check(out, type_of, 2)
    out.add(2, "_row = None")


# Where strawberry.cast marks an object.
CAST = "__as_strawberry_type__"


def generate(
    fields: Sequence[FieldRead],
    type_of: Callable[[Any, Any], Any] | None,
    helpers: dict[str, Any],
    origin: type | None = None,
) -> Callable[[Any, Any], dict[str, Any]]:
    """The function completing an object with these fields: (source, run) -> its answer.

    `origin`: the type's class; fields derived from its instances' rows are read from the row.
    """
    out = _Writer(helpers)
    out.add(0, "def complete(source, run):")
    if origin is not None and any(field.derived is not None for field in fields):
        _row_or_type_check(out, type_of, origin)
    else:
        _type_check(out, type_of, 1)
    keys: list[tuple[str, str]] = []
    for field in fields:
        v = out.local()
        _read(out, field, v)
        keys.append((field.key, v))
    out.add(1, "return {" + ", ".join(f"{key!r}: {v}" for key, v in keys) + "}")
    out.names["_undefined"] = Undefined
    out.names["_missing"] = _MISSING
    namespace: dict[str, Any] = dict(out.names)
    exec(compile("\n".join(out.lines), "<compiled plan>", "exec"), namespace)  # noqa: S102
    complete: Callable[[Any, Any], dict[str, Any]] = namespace["complete"]
    return complete
