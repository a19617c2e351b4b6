"""Legacy request binding (spec 1.3): query string and body merged, names case-insensitive.

Every value is first reduced to text, as the original's JSON-to-XML step does, then converted
by its declared kind. An empty value means "not given"; a value that cannot be converted is a
400 naming the parameter.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from typing import Any

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request

INT32 = (-(2**31), 2**31 - 1)
_INT = re.compile(r"^\s*[+-]?\d+\s*$")
_DATE = re.compile(
    r"^(\d{4})-(\d{2})-(\d{2})"
    r"(?:T(\d{2})([:-])(\d{2})\5(\d{2})(?:\.(\d{3}|\d{7}))?(Z|[+-]\d{2}:\d{2})?)?$"
)
_FORM_FIELD = re.compile(r"^customfieldlist\[(\d+)\]\[(key|value)\]$", re.IGNORECASE)


class BindingError(Exception):
    """A parameter could not be read; the legacy answer is 400 with this message."""


class BodyTooLarge(Exception):
    """The body is larger than the service accepts (413)."""


class UnsupportedMediaType(Exception):
    """The body is in a format the legacy API does not read here."""


@dataclass(frozen=True, slots=True)
class Kind:
    """How to read one parameter, and how OpenAPI describes it."""

    name: str
    convert: Callable[[str, Any, tzinfo], Any]
    json_schema: Mapping[str, Any]
    many: bool = False


def _text(value: Any, param: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    raise BindingError(f"Parameter '{param}' must be a single value.")


def _int(param: str, raw: Any, _: tzinfo) -> int | None:
    text = _text(raw, param)
    if not text:
        return None
    if not _INT.match(text) or not INT32[0] <= int(text) <= INT32[1]:
        raise BindingError(f"Parameter '{param}': '{text}' is not a valid Int32.")
    return int(text)


def _bool(param: str, raw: Any, _: tzinfo) -> bool | None:
    text = _text(raw, param)
    if not text:
        return None
    lowered = text.strip().lower()
    if lowered not in ("true", "false"):
        raise BindingError(f"Parameter '{param}': '{text}' is not a valid Boolean.")
    return lowered == "true"


def _guid(param: str, raw: Any, _: tzinfo) -> uuid.UUID | None:
    text = _text(raw, param)
    if not text:
        return None
    try:
        return uuid.UUID(text.strip())
    except ValueError:
        raise BindingError(f"Parameter '{param}': '{text}' is not a valid Guid.") from None


def _decimal(param: str, raw: Any, _: tzinfo) -> Decimal | None:
    text = _text(raw, param)
    if not text:
        return None
    try:
        value = Decimal(text.strip())
    except InvalidOperation:
        value = Decimal("NaN")
    if not value.is_finite():
        raise BindingError(f"Parameter '{param}': '{text}' is not a valid Decimal.")
    return value


def _string(param: str, raw: Any, _: tzinfo) -> str | None:
    return _text(raw, param) or None


def _date(param: str, raw: Any, zone: tzinfo) -> datetime | None:
    """ApiDateTime input formats (spec 6); without an offset the portal time zone applies."""
    text = _text(raw, param)
    if not text:
        return None
    match = _DATE.match(text.strip())
    if match is None or len(text) < 7:
        raise BindingError(f"Parameter '{param}': invalid date time format '{text}'.")
    year, month, day, hour, _sep, minute, second, fraction, offset = match.groups()
    tz: tzinfo = zone
    if offset == "Z":
        tz = UTC
    elif offset:
        sign = -1 if offset[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=int(offset[1:3]), minutes=int(offset[4:6])))
    try:
        value = datetime(
            int(year),
            int(month),
            int(day),
            int(hour or 0),
            int(minute or 0),
            int(second or 0),
            int((fraction or "0").ljust(7, "0")[:6]),
            tzinfo=tz,
        )
    except ValueError:
        raise BindingError(f"Parameter '{param}': invalid date time '{text}'.") from None
    return value.astimezone(UTC)


def enum_kind(enum: type[IntEnum]) -> Kind:
    """An enum read by member name (any case, PascalCase or SNAKE) or by number."""
    by_name = {m.name.replace("_", "").lower(): m for m in enum}

    def convert(param: str, raw: Any, _: tzinfo) -> IntEnum | None:
        text = _text(raw, param)
        if not text:
            return None
        key = text.strip().replace("_", "").lower()
        if key in by_name:
            return by_name[key]
        if _INT.match(text):
            try:
                return enum(int(text))
            except ValueError:
                pass
        raise BindingError(f"Parameter '{param}': '{text}' is not a valid {enum.__name__}.")

    return Kind(
        enum.__name__,
        convert,
        {"oneOf": [{"type": "integer", "enum": [int(m) for m in enum]}, {"type": "string"}]},
    )


def _list_of(kind: Kind) -> Kind:
    def convert(param: str, raw: Any, zone: tzinfo) -> list[Any] | None:
        if raw is None:
            return None
        items = raw if isinstance(raw, list) else [raw]
        converted = [kind.convert(param, item, zone) for item in items]
        return [item for item in converted if item is not None]

    return Kind(f"{kind.name}[]", convert, {"type": "array", "items": kind.json_schema}, many=True)


def _custom_fields(param: str, raw: Any, _: tzinfo) -> list[tuple[int, str | None]] | None:
    if raw is None:
        return None
    items = raw if isinstance(raw, list) else [raw]
    result: list[tuple[int, str | None]] = []
    for item in items:
        if not isinstance(item, dict):
            raise BindingError(f"Parameter '{param}' must be a list of {{key, value}} objects.")
        fields = {str(k).lower(): v for k, v in item.items()}
        key = _int(f"{param}.key", fields.get("key"), UTC)
        if key is None:
            continue
        result.append((key, _text(fields.get("value"), f"{param}.value")))
    return result


INT = Kind("Int32", _int, {"oneOf": [{"type": "integer"}, {"type": "string"}]})
BOOL = Kind("Boolean", _bool, {"oneOf": [{"type": "boolean"}, {"type": "string"}]})
GUID = Kind("Guid", _guid, {"type": "string"})
DECIMAL = Kind("Decimal", _decimal, {"oneOf": [{"type": "number"}, {"type": "string"}]})
STRING = Kind("String", _string, {"type": "string"})
DATE = Kind("ApiDateTime", _date, {"type": "string"})
INT_LIST = _list_of(INT)
GUID_LIST = _list_of(GUID)
CUSTOM_FIELDS = Kind(
    "CustomFieldList",
    _custom_fields,
    {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {"key": {"type": "integer"}, "value": {"type": "string"}},
        },
    },
    many=True,
)


async def raw_parameters(request: Request, max_body: int) -> dict[str, Any]:
    """Route values, query string and body merged into one case-insensitive mapping."""
    merged: dict[str, Any] = {}
    _merge_multi(merged, request.query_params)
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_body:
        raise BodyTooLarge(f"The body is larger than {max_body} bytes.")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_body:
            raise BodyTooLarge(f"The body is larger than {max_body} bytes.")
        chunks.append(chunk)
    body = b"".join(chunks)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if body.strip():
        if media in ("application/json", "text/json") or media.endswith("+json"):
            try:
                document = orjson.loads(body)
            except orjson.JSONDecodeError:
                raise BindingError("Unable to deserialize json") from None
            if not isinstance(document, dict):
                raise BindingError("Unable to deserialize json: expected an object")
            for key, value in document.items():
                merged[str(key).lower()] = value
        elif media == "application/x-www-form-urlencoded":
            try:
                _merge_multi(merged, QueryParams(body.decode()))
            except UnicodeDecodeError:
                raise BindingError("The form body is not valid UTF-8.") from None
        else:
            raise UnsupportedMediaType(media or "none")
    for key, value in request.path_params.items():
        merged[key.lower()] = value
    return merged


def _merge_multi(merged: dict[str, Any], pairs: QueryParams) -> None:
    fields: dict[int, dict[str, Any]] = {}
    for key, value in pairs.multi_items():
        if match := _FORM_FIELD.match(key):
            fields.setdefault(int(match.group(1)), {})[match.group(2).lower()] = value
            continue
        name = key.lower().removesuffix("[]")
        if name in merged:
            existing = merged[name]
            merged[name] = [*existing, value] if isinstance(existing, list) else [existing, value]
        else:
            merged[name] = [value] if key.endswith("[]") else value
    if fields:
        merged["customfieldlist"] = [fields[i] for i in sorted(fields)]


def bind(raw: Mapping[str, Any], kinds: Mapping[str, Kind], zone: tzinfo) -> dict[str, Any]:
    """Convert the declared parameters; undeclared ones are ignored, as the original does."""
    bound: dict[str, Any] = {}
    for name, kind in kinds.items():
        value = raw.get(name.lower())
        if isinstance(value, list) and not kind.many:
            value = value[-1] if value else None
        bound[name] = kind.convert(name, value, zone)
    return bound
