"""How a mutation answers a refusal: `UserError`s in its payload, handled once for every field.

A resolver is its domain call and its success payload. The `Refusals` extension on each
mutation turns the `DomainError` a domain service raises into the payload's `errors`, with the
payload's other fields empty (null, or an empty list where the field is a non-null list).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import strawberry
from strawberry.extensions.field_extension import AsyncExtensionResolver, FieldExtension
from strawberry.types import Info
from strawberry.types.base import StrawberryList, StrawberryOptional, get_object_definition
from strawberry.types.field import StrawberryField

from app.domain.errors import DomainError, VersionConflict
from app.graphql.context import Context
from app.graphql.enums import UserErrorCode

ERRORS_DESCRIPTION = "Why it was refused; empty on success."


@strawberry.type(description="Why part of an input was refused.")
class UserError:
    code: UserErrorCode = strawberry.field(description="Machine-readable reason.")
    field: str | None = strawberry.field(
        description="The input field it is about (camelCase), or null for the whole input."
    )
    message: str = strawberry.field(description="Human-readable explanation.")
    current_version: int | None = strawberry.field(
        default=None,
        description="On a CONFLICT over expectedVersion: the version now stored (the payload "
        "shows the record as stored); null otherwise.",
    )


def user_errors(error: DomainError) -> list[UserError]:
    """The payload form of a domain refusal."""
    return [
        UserError(
            code=UserErrorCode(e.code.value),
            field=e.field,
            message=e.message,
            current_version=e.current_version,
        )
        for e in error.errors
    ]


def errors_field() -> Any:
    """A payload's `errors` field: empty unless given, so a success payload leaves it out."""
    return strawberry.field(default_factory=list, description=ERRORS_DESCRIPTION)


def refused_payload(payload: type) -> Callable[[list[UserError]], Any]:
    """A builder of `payload` carrying only errors; TypeError if a field cannot be left empty."""
    definition = get_object_definition(payload, strict=True)
    nulls: list[str] = []
    lists: list[str] = []
    for field in definition.fields:
        if field.python_name == "errors":
            continue
        if isinstance(field.type, StrawberryOptional):
            nulls.append(field.python_name)
        elif isinstance(field.type, StrawberryList):
            lists.append(field.python_name)
        else:
            raise TypeError(f"{definition.name}.{field.name} can be neither null nor empty")

    def build(errors: list[UserError]) -> Any:
        empty: dict[str, Any] = dict.fromkeys(nulls)
        empty.update((name, []) for name in lists)
        return payload(errors=errors, **empty)

    return build


class Refusals(FieldExtension):
    """Answers a mutation's `DomainError` in its payload; gives a write fresh loaders.

    With `fresh_loaders` the resolver runs on loaders started afresh, so its answer reads
    what the write stored, not what earlier fields of the request cached; resolvers load
    nothing through them before their write. A refusal wrote nothing: the request keeps
    the loaders it had. With `current` (a payload field and how to show a row in it), a
    VersionConflict also shows the record as stored there, read through the fresh loaders.
    """

    def __init__(
        self,
        *,
        fresh_loaders: bool = True,
        current: tuple[str, Callable[[Mapping[Any, Any]], Any]] | None = None,
    ) -> None:
        self.fresh_loaders = fresh_loaders
        self.current = current
        self.refused: Callable[[list[UserError]], Any] | None = None

    def apply(self, field: StrawberryField) -> None:
        """Check at schema build that the field returns a payload a refusal can fill."""
        if not isinstance(field.type, type):
            raise TypeError(f"mutation {field.name} does not return a payload type")
        self.refused = refused_payload(field.type)

    async def resolve_async(
        self, next_: AsyncExtensionResolver, source: Any, info: Info, **kwargs: Any
    ) -> Any:
        """The resolver's payload, or the refused payload with the domain's reasons."""
        context: Context = info.context
        kept = context.loaders
        if self.fresh_loaders:
            context.refresh_loaders()
        try:
            return await next_(source, info, **kwargs)
        except DomainError as refusal:
            assert self.refused is not None  # set by apply() when the schema was built
            payload = self.refused(user_errors(refusal))
            if isinstance(refusal, VersionConflict) and self.current is not None:
                field, shown = self.current
                setattr(payload, field, shown(refusal.current))
            else:
                context.loaders = kept
            return payload
