"""A custom field's mask, validated and normalised per field type as the original's
CustomFieldDao.GetValidMask does it.

A text field's mask is `{"size": n}`, a text area's `{"rows": r, "cols": c}`: a value of 0 becomes
1, one over the maximum the maximum, and an unreadable mask (not JSON, not an object, a value
that is no whole number) the defaults. A select box's mask is its options, a JSON array, kept
as given. Check boxes, headings and dates have none. An empty mask of the first three kinds is
refused ("Mask is not valid").
"""

from __future__ import annotations

import json
import math
from typing import Any

from app.domain.enums import CustomFieldType
from app.domain.errors import DomainError, ErrorCode

MSG_MASK_NOT_VALID = "Mask is not valid"  # CRMErrorsResource.CustomFieldMaskNotValid
# Global.MaxCustomField* and Global.DefaultCustomField*.
MAXIMA = {"size": 150, "rows": 25, "cols": 150}
DEFAULTS = {"size": 40, "rows": 2, "cols": 40}
KEYS = {CustomFieldType.TEXT_FIELD: ("size",), CustomFieldType.TEXT_AREA: ("rows", "cols")}
WITHOUT_MASK = frozenset({CustomFieldType.CHECK_BOX, CustomFieldType.HEADING, CustomFieldType.DATE})
INT32 = (-(2**31), 2**31 - 1)


class _Unreadable(Exception):
    """The mask cannot be read as the field type's; its defaults apply."""


def not_valid() -> DomainError:
    """The original's refusal of a mask (an ArgumentException with this message)."""
    return DomainError.one(ErrorCode.INVALID, "mask", MSG_MASK_NOT_VALID)


def default_mask(field_type: CustomFieldType) -> str:
    """The mask of a field created without one (GraphQL's null): the type's defaults."""
    if field_type in WITHOUT_MASK:
        return ""
    if field_type is CustomFieldType.SELECT_BOX:
        raise not_valid()
    return _dumps({key: DEFAULTS[key] for key in KEYS[field_type]})


def valid_mask(field_type: CustomFieldType, mask: str) -> str:
    """The mask stored for `field_type`, or INVALID (GetValidMask)."""
    if field_type in WITHOUT_MASK:
        return ""
    if not mask:
        raise not_valid()
    try:
        parsed = json.loads(mask)
    except (ValueError, RecursionError):
        parsed = _Unreadable
    if field_type is CustomFieldType.SELECT_BOX:
        if isinstance(parsed, list):
            return mask
        raise not_valid()
    try:
        values = {key: _clamped(key, _whole(parsed, key)) for key in KEYS[field_type]}
    except _Unreadable:
        values = {key: DEFAULTS[key] for key in KEYS[field_type]}
    return _dumps(values)


def options_kept(old_mask: str, new_mask: str) -> str:
    """A select box with values: the new options must keep every old one (EditItem)."""
    if new_mask in ("", old_mask):
        return old_mask
    try:
        old, new = json.loads(old_mask), json.loads(new_mask)
    except (ValueError, RecursionError):
        raise not_valid() from None
    if not (isinstance(old, list) and isinstance(new, list)):
        raise not_valid()
    if any(option not in new for option in old):
        raise not_valid()
    return new_mask


def _whole(parsed: Any, key: str) -> int:
    """JToken.Value<int>(key): a missing key is 0; what is no Int32 cannot be read."""
    if parsed is _Unreadable or not isinstance(parsed, dict):
        raise _Unreadable
    value = parsed.get(key)
    if value is None:
        return 0 if key not in parsed else _unreadable()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            return _unreadable()
        value = round(value)  # Convert.ToInt32 rounds half to even, as round() does
    elif isinstance(value, str):
        text = value.strip()
        if not text.lstrip("+-").isdigit() or not text.isascii():
            return _unreadable()
        value = int(text)
    elif not isinstance(value, int):
        return _unreadable()
    return value if INT32[0] <= value <= INT32[1] else _unreadable()


def _unreadable() -> int:
    raise _Unreadable


def _clamped(key: str, value: int) -> int:
    if value == 0:
        return 1
    return min(value, MAXIMA[key])  # a negative value is kept, as the original keeps it


def _dumps(values: dict[str, int]) -> str:
    """As JsonConvert.SerializeObject writes a JObject: no spaces."""
    return json.dumps(values, separators=(",", ":"))
