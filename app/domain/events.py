"""What changed in a deal, noted inside its write transaction and published once it commits.

A service notes each change on the write connection (`note`); app.db.engine's write transaction
hands the noted events to the broker: on PostgreSQL as NOTIFYs sent inside the transaction (the
server delivers them at commit, never after a rollback), on SQLite to the process's subscribers
after the commit. A payload names the deal and the change, never its values: a subscriber reads
the deal by id, with its own privacy, when the event reaches it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

# The PostgreSQL channel every worker listens on.
CHANNEL = "crm_opportunity_events"
STAGE = "stage"
CUSTOM_FIELD = "custom_field"
# Where a write connection keeps the events of its open transaction.
PENDING = "crm_pending_events"
ACCESS_FIELDS = ("isPrivate", "accessList")
# A deleted contact leaves the deals it was the primary contact or a member of.
CONTACT_REMOVED = ("contactId", "members")


class EventKind(StrEnum):
    """What happened to a deal."""

    CREATED = "created"
    UPDATED = "updated"
    STAGE_CHANGED = "stage_changed"
    ACCESS_CHANGED = "access_changed"
    DELETED = "deleted"
    # Not a deal's change: the broker may have missed events (its listener reconnected).
    REFETCH = "refetch"


@dataclass(frozen=True, slots=True)
class OpportunityEvent:
    """One committed change: the deal's id and version after it, and the fields it changed."""

    kind: EventKind
    opportunity_id: int
    version: int
    changed: tuple[str, ...] = ()
    # Whether the deal was private when deleted: who may hear of it is decided from this.
    was_private: bool = False
    # What changed: a deal, or a stage of the pipeline (STAGE; the id is the stage's).
    entity: str = "opportunity"
    # Where it stands among all events (app.db.event_log): later commits have larger ones.
    cursor: int = 0

    def payload(self) -> str:
        """The NOTIFY payload: ids, kind and field names (far below PostgreSQL's 8000 bytes)."""
        body: dict[str, Any] = {"k": self.kind.value, "i": self.opportunity_id, "v": self.version}
        if self.changed:
            body["f"] = list(self.changed)
        if self.was_private:
            body["p"] = 1
        if self.entity != "opportunity":
            body["e"] = self.entity
        if self.cursor:
            body["c"] = self.cursor
        return orjson.dumps(body).decode()

    @classmethod
    def from_payload(cls, payload: str) -> OpportunityEvent:
        """The event a payload names."""
        body = orjson.loads(payload)
        return cls(
            kind=EventKind(body["k"]),
            opportunity_id=int(body["i"]),
            version=int(body["v"]),
            changed=tuple(str(name) for name in body.get("f", ())),
            was_private=bool(body.get("p")),
            entity=str(body.get("e", "opportunity")),
            cursor=int(body.get("c", 0)),
        )


def changed_names(given: Iterable[str]) -> list[str]:
    """Input names (`bid_value`) as the schema spells them (`bidValue`); notices are no value."""
    return [_camel(name) for name in given if name != "is_notify"]


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def note(
    conn: AsyncConnection,
    kind: EventKind,
    row: Mapping[Any, Any],
    changed: Iterable[str] = (),
    *,
    entity: str = "opportunity",
) -> None:
    """Publish a change of `row` (a deal unless `entity` says, as stored after it) at commit."""
    pending: list[OpportunityEvent] | None = conn.info.get(PENDING)
    if pending is None:
        # A write outside Database.write (migrations, tests' own transactions): nobody listens.
        return
    version = int(row.get("version") or 1)
    if kind is EventKind.DELETED:
        version += 1  # the delete is one more change than the row as it was
    pending.append(
        OpportunityEvent(
            kind=kind,
            opportunity_id=int(row["id"]),
            version=version,
            changed=tuple(sorted(set(changed))),
            was_private=kind is EventKind.DELETED and bool(row.get("is_private")),
            entity=entity,
        )
    )


def noted_stages(
    conn: AsyncConnection,
    kind: EventKind,
    rows: Iterable[Mapping[Any, Any]],
    changed: Iterable[str],
) -> None:
    """`note` for changed stages of the pipeline."""
    names = tuple(changed)
    for row in rows:
        note(conn, kind, row, names, entity=STAGE)


def noted_fields(
    conn: AsyncConnection,
    kind: EventKind,
    rows: Iterable[Mapping[Any, Any]],
    changed: Iterable[str] = (),
) -> None:
    """`note` for changed custom-field definitions."""
    names = tuple(changed)
    for row in rows:
        note(conn, kind, row, names, entity=CUSTOM_FIELD)
