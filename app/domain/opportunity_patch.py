"""What an update changes in a deal: the values it gives, each replacing the stored one.

A value left out keeps what is stored; a value given as None clears it to what a create takes
when it is omitted (no description, a bid of 0, no contact, no members...). The required
values (title, responsible, stage, currency) cannot be cleared: None for them is refused as
the create refuses a missing one. The legacy PUT, a full replacement, gives every value.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field, fields, replace
from typing import Any

from app.domain.enums import BidType
from app.domain.events import changed_names
from app.domain.opportunities import NewOpportunity, opportunity_values

# The column each value of NewOpportunity is stored in; the others are parts of the deal.
COLUMN_OF = {
    "title": "title",
    "description": "description",
    "responsible_id": "responsible_id",
    "stage_id": "stage_id",
    "bid_currency_abbr": "bid_currency",
    "bid_type": "bid_type",
    "bid_value": "bid_value",
    "per_period_value": "per_period_value",
    "success_probability": "success_probability",
    "contact_id": "contact_id",
    "actual_close_date": "actual_close_date",
    "expected_close_date": "expected_close_date",
}
# What None clears these to; every other value is stored as None or normalised from it.
CLEARED: dict[str, Any] = {
    "bid_type": BidType.FIXED_BID,
    "members": (),
    "custom_fields": (),
    "is_private": False,
    "access_list": (),
    "is_notify": False,
}
NAMES = tuple(f.name for f in fields(NewOpportunity))


@dataclass(frozen=True)
class OpportunityPatch:
    """The values an update gives, by NewOpportunity's names; None clears one."""

    given: Mapping[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if unknown := set(self.given) - set(NAMES):
            raise ValueError(f"not values of an opportunity: {sorted(unknown)}")

    def has(self, name: str) -> bool:
        """Whether the update gives that value (None included)."""
        return name in self.given

    @property
    def changed(self) -> list[str]:
        """The given values' names as the schema spells them, for the change's event."""
        return changed_names(self.given)

    @property
    def changes_access(self) -> bool:
        """Whether the update says who may see the deal (privacy or the list)."""
        return self.has("is_private") or self.has("access_list")

    def applied_to(
        self, stored: Mapping[Any, Any], access_ids: Collection[uuid.UUID]
    ) -> NewOpportunity:
        """The deal's values once the update is applied, as a create would take them."""
        current = NewOpportunity(
            title=stored["title"],
            responsible_id=stored["responsible_id"],
            stage_id=stored["stage_id"],
            bid_currency_abbr=stored["bid_currency"],
            description=stored["description"],
            bid_type=BidType(stored["bid_type"]),
            bid_value=stored["bid_value"],
            per_period_value=stored["per_period_value"],
            success_probability=stored["success_probability"],
            contact_id=stored["contact_id"],
            actual_close_date=stored["actual_close_date"],
            expected_close_date=stored["expected_close_date"],
            is_private=stored["is_private"],
            access_list=sorted(access_ids),
        )
        values: dict[str, Any] = {
            name: CLEARED.get(name) if value is None else value
            for name, value in self.given.items()
        }
        return replace(current, **values)

    def checked(self, new: NewOpportunity) -> NewOpportunity:
        """`new` as the create's checks should see it: only what the update gives is checked.

        The stored primary contact is not checked again: one the caller may no longer read
        must not block a change of the title.
        """
        return new if self.has("contact_id") else replace(new, contact_id=None)

    def columns(self, new: NewOpportunity) -> dict[str, Any]:
        """The columns to set: those of the given values, normalised as on create."""
        every = opportunity_values(new)
        return {COLUMN_OF[n]: every[COLUMN_OF[n]] for n in self.given if n in COLUMN_OF}

    @property
    def members(self) -> Sequence[int] | None:
        """The new members, or None to keep them."""
        return tuple(self.given["members"] or ()) if self.has("members") else None
