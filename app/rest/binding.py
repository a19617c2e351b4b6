"""Legacy request binding (spec 1.3): route, query string and body merged, names case-insensitive.

As the original's ApiArgumentBuilder: the route's values first, then the query string's, then
the body's, all under one name; a parameter of one value takes the first of them, a list takes
them all in that order. The merged values are then converted by the kinds each route declares
(app.rest.kinds).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import tzinfo
from typing import Any

import orjson
from starlette.datastructures import QueryParams
from starlette.requests import Request

from app.rest.kinds import BindingError, Kind

__all__ = [
    "BindingError",
    "BodyTooLarge",
    "Repeated",
    "UnsupportedMediaType",
    "bind",
    "raw_parameters",
]

_FORM_FIELD = re.compile(r"^customfieldlist\[(\d+)\]\[(key|value)\]$", re.IGNORECASE)


class BodyTooLarge(Exception):
    """The body is larger than the service accepts (413)."""


class UnsupportedMediaType(Exception):
    """The body is in a format the legacy API does not read here."""


async def raw_parameters(request: Request, max_body: int) -> dict[str, Any]:
    """Route values, query string and body merged into one case-insensitive mapping."""
    merged: dict[str, Any] = {}
    for key, value in request.path_params.items():
        _add(merged, key.lower(), value)
    # Most calls have no query string: parsing an empty one costs more than this test.
    if request.scope["query_string"]:
        _merge_multi(merged, request.query_params)
    body = await _body(request, max_body)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    # Only an empty body is no body: whitespace alone is not a JSON document (nor a form).
    if body:
        if media in ("application/json", "text/json") or media.endswith("+json"):
            try:
                document = orjson.loads(body)
            except orjson.JSONDecodeError:
                raise BindingError("Unable to deserialize json") from None
            if not isinstance(document, dict):
                raise BindingError("Unable to deserialize json: expected an object")
            for key, value in document.items():
                _add(merged, str(key).lower(), value)
        elif media == "application/x-www-form-urlencoded":
            try:
                _merge_multi(merged, QueryParams(body.decode()))
            except UnicodeDecodeError:
                raise BindingError("The form body is not valid UTF-8.") from None
        else:
            raise UnsupportedMediaType(media or "none")
    return merged


async def _body(request: Request, max_body: int) -> bytes:
    """The whole body, refused past `max_body` bytes (declared or sent)."""
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
    return b"".join(chunks)


class Repeated(list[Any]):
    """The values of a query-string or form key given more than once (or as `key[]`)."""


def _add(merged: dict[str, Any], name: str, value: Any) -> None:
    """Give `name` one more value (or a JSON list's values), after those it already has."""
    if name not in merged:
        merged[name] = value
        return
    existing = merged[name]
    before = list(existing) if isinstance(existing, list) else [existing]
    merged[name] = Repeated(before + (list(value) if isinstance(value, list) else [value]))


def _merge_multi(merged: dict[str, Any], pairs: QueryParams) -> None:
    fields: dict[int, dict[str, Any]] = {}
    for key, value in pairs.multi_items():
        if match := _FORM_FIELD.match(key):
            fields.setdefault(int(match.group(1)), {})[match.group(2).lower()] = value
            continue
        _add(
            merged,
            key.lower().removesuffix("[]"),
            Repeated([value]) if key.endswith("[]") else value,
        )
    if fields:
        _add(merged, "customfieldlist", [fields[i] for i in sorted(fields)])


def bind(raw: Mapping[str, Any], kinds: Mapping[str, Kind], zone: tzinfo) -> dict[str, Any]:
    """Convert the declared parameters; undeclared ones are ignored, as the original does."""
    bound: dict[str, Any] = {}
    for name, kind in kinds.items():
        value = raw.get(name.lower())
        if isinstance(value, Repeated) and not kind.many:
            # A name given more than once where one value is expected: the first one counts
            # (ApiArgumentBuilder: "Get first value!"). A JSON array alone there is refused by
            # the kind ("must be a single value"), as the schema says.
            value = value[0] if value else None
        bound[name] = kind.convert(name, value, zone)
    return bound
