"""The baseline: the service's SQL work, written by hand, behind a minimal Starlette app.

Each endpoint takes the same request body as POST /graphql (it reads only the variables; the
endpoint is the operation) and answers exactly the JSON the service answers for that
operation. The statements are the ones the service runs for it (the API-key lookup, the
create's write transaction, the reads its loaders make), as SQL text on the same engines
(`app.db.engine.Database`: one SQLite writer starting with BEGIN IMMEDIATE, separate readers,
or a PostgreSQL pool). What is left out is everything between the HTTP request and the SQL:
GraphQL parsing, validation and execution, loaders, object types. The reads after a create
run one after another on one connection, where the service's loaders take one each. Like the
service, it reads the currency list once per process, and keeps the stages and the employees it
read for as long as the reference stamp read with the key stays the same (migration 0015).
`tests/test_bench_smoke.py` checks that both give the same JSON and run as many statements:
when the service's SQL changes, that test says so, and this file follows it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Context, Decimal, InvalidOperation
from typing import Any

import orjson
from sqlalchemy import TextClause, bindparam, text
from sqlalchemy.engine import Row
from sqlalchemy.ext.asyncio import AsyncConnection
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from app.db.engine import Database
from app.domain import events
from scripts.benchlib.global_ids import field_value_id, global_id

DEFAULT_PUBLIC_URL = "http://127.0.0.1:8000"
AVATAR = "/skins/default/images/default_user_photo_size_32-32.png"
BID_TYPES = ("FIXED_BID", "PER_HOUR", "PER_DAY", "PER_WEEK", "PER_MONTH", "PER_YEAR")
STAGE_TYPES = ("OPEN", "CLOSED_AND_WON", "CLOSED_AND_LOST")
FIELD_TYPES = ("TEXT_FIELD", "TEXT_AREA", "SELECT_BOX", "CHECK_BOX", "HEADING", "DATE")
HEADING = 4
TITLE_MAX = 255
MONEY = Context(prec=60)
NANO = Decimal("1e-9")

OPPORTUNITY_COLUMNS = (
    "opportunity.created_at, opportunity.created_by, opportunity.updated_at, "
    "opportunity.updated_by, opportunity.id, opportunity.title, opportunity.description, "
    "opportunity.responsible_id, opportunity.contact_id, opportunity.stage_id, "
    "opportunity.bid_currency, opportunity.bid_type, opportunity.bid_value, "
    "opportunity.per_period_value, opportunity.success_probability, "
    "opportunity.actual_close_date, opportunity.expected_close_date, opportunity.is_private"
)
CONTACT_COLUMNS = (
    "contact.created_at, contact.created_by, contact.updated_at, contact.updated_by, "
    "contact.id, contact.is_company, contact.first_name, contact.last_name, "
    "contact.company_name, contact.title, contact.share_type, contact.currency_abbr"
)
EMPLOYEE_COLUMNS = (
    "employee.created_at, employee.created_by, employee.updated_at, employee.updated_by, "
    "employee.id, employee.display_name, employee.title, employee.is_admin"
)


def _sql(statement: str, *expanding: str) -> TextClause:
    clause = text(statement)
    if expanding:
        clause = clause.bindparams(*(bindparam(name, expanding=True) for name in expanding))
    return clause


# The caller's employee row comes with the key, as in the service: a deal the caller created
# or is responsible for needs no second employee read.
AUTHENTICATE = _sql(
    f"SELECT api_key.id AS key_id, api_key.digest, {EMPLOYEE_COLUMNS}, "
    "(SELECT reference_stamp.value FROM reference_stamp WHERE reference_stamp.id = 1) "
    "AS reference_stamp FROM api_key JOIN employee ON employee.id = api_key.employee_id "
    "WHERE api_key.digest = :digest AND api_key.revoked_at IS NULL"
)
INSERT_OPPORTUNITY = _sql(
    "INSERT INTO opportunity (created_at, created_by, updated_at, updated_by, title, "
    "description, responsible_id, contact_id, stage_id, bid_currency, bid_type, bid_value, "
    "per_period_value, success_probability, actual_close_date, expected_close_date, "
    "is_private) VALUES (:now, :caller, :now, :caller, :title, :description, :responsible, "
    ":contact, :stage, :currency, :bid_type, :bid_value, :per_period_value, :probability, "
    f"NULL, NULL, FALSE) RETURNING {OPPORTUNITY_COLUMNS.replace('opportunity.', '')}"
)
INSERT_MEMBER = _sql(
    "INSERT INTO opportunity_member (opportunity_id, contact_id) VALUES (:deal, :contact)"
)
KNOWN_FIELDS = _sql(
    "SELECT custom_field_definition.id FROM custom_field_definition "
    "WHERE custom_field_definition.id IN :ids "
    "AND custom_field_definition.entity_type = 'opportunity'",
    "ids",
)
INSERT_FIELD_VALUE = _sql(
    "INSERT INTO opportunity_custom_field (opportunity_id, field_id, value) "
    "VALUES (:deal, :field, :value)"
)
ALL_STAGES = _sql(
    "SELECT stage.created_at, stage.created_by, stage.updated_at, stage.updated_by, stage.id, "
    "stage.title, stage.description, stage.color, stage.success_probability, "
    "stage.stage_type, stage.sort_order FROM stage ORDER BY stage.sort_order, stage.id"
)
ALL_CURRENCIES = _sql(
    "SELECT currency.created_at, currency.created_by, currency.updated_at, "
    "currency.updated_by, currency.abbreviation, currency.title, currency.symbol, "
    "currency.culture_name, currency.is_convertable, currency.is_basic "
    "FROM currency ORDER BY currency.abbreviation"
)
EMPLOYEES = _sql(f"SELECT {EMPLOYEE_COLUMNS} FROM employee WHERE employee.id IN :ids", "ids")
ACCESS_LISTS = _sql(
    f"SELECT opportunity_access.opportunity_id AS _owner, {EMPLOYEE_COLUMNS} "
    "FROM opportunity_access JOIN employee ON employee.id = opportunity_access.employee_id "
    "WHERE opportunity_access.opportunity_id IN :ids "
    "ORDER BY opportunity_access.opportunity_id, employee.display_name, employee.id",
    "ids",
)
FIELD_VALUES = _sql(
    "SELECT opportunity_custom_field.opportunity_id, custom_field_definition.id, "
    "custom_field_definition.label, custom_field_definition.field_type, "
    "custom_field_definition.position, custom_field_definition.mask, "
    "opportunity_custom_field.value FROM custom_field_definition "
    "LEFT OUTER JOIN opportunity_custom_field "
    "ON custom_field_definition.id = opportunity_custom_field.field_id "
    "WHERE custom_field_definition.entity_type = 'opportunity' "
    "AND (opportunity_custom_field.opportunity_id IN :ids "
    f"OR custom_field_definition.field_type = {HEADING}) "
    "ORDER BY custom_field_definition.position, custom_field_definition.id",
    "ids",
)


@dataclass(frozen=True)
class CallerStatements:
    """The statements whose WHERE depends on whether the caller is an administrator."""

    reference_check: TextClause
    readable_contacts: TextClause
    deal_contacts: TextClause
    opportunity: TextClause
    first_page: TextClause

    @classmethod
    def build(cls, *, admin: bool) -> CallerStatements:
        """Administrators see everything; others what is shared or lists them."""
        readable = (
            "TRUE"
            if admin
            else "(contact.share_type != 0 OR EXISTS (SELECT * FROM contact_access "
            "WHERE contact_access.contact_id = contact.id "
            "AND contact_access.employee_id = :caller))"
        )
        visible = (
            "TRUE"
            if admin
            else "(opportunity.is_private = FALSE OR EXISTS (SELECT * FROM opportunity_access "
            "WHERE opportunity_access.opportunity_id = opportunity.id "
            "AND opportunity_access.employee_id = :caller))"
        )
        contact_of = (
            "SELECT {deal} AS _deal, {member} AS _member, " + CONTACT_COLUMNS + " FROM {source} "
            "WHERE {deal} IN :ids AND " + readable
        )
        return cls(
            reference_check=_sql(
                "SELECT EXISTS (SELECT * FROM stage WHERE stage.id = :stage) AS stage, "
                "EXISTS (SELECT * FROM contact WHERE contact.id = :contact) AS contact, "
                "EXISTS (SELECT * FROM contact WHERE contact.id = :contact AND "
                f"{readable}) AS contact_readable, "
                "EXISTS (SELECT * FROM currency WHERE currency.abbreviation = :currency) "
                "AS currency, "
                "EXISTS (SELECT * FROM employee WHERE employee.id = :responsible) AS responsible"
            ),
            readable_contacts=_sql(
                f"SELECT contact.id FROM contact WHERE contact.id IN :ids AND {readable}", "ids"
            ),
            deal_contacts=_sql(
                "SELECT * FROM ("
                + contact_of.format(
                    deal="opportunity_member.opportunity_id",
                    member="TRUE",
                    source="opportunity_member JOIN contact "
                    "ON contact.id = opportunity_member.contact_id",
                )
                + " UNION ALL "
                + contact_of.format(
                    deal="opportunity.id",
                    member="FALSE",
                    source="opportunity JOIN contact ON contact.id = opportunity.contact_id",
                )
                + ") AS both_ ORDER BY both_._deal, both_.id",
                "ids",
            ),
            opportunity=_sql(
                f"SELECT {OPPORTUNITY_COLUMNS} FROM opportunity "
                f"WHERE opportunity.id = :id AND {visible}"
            ),
            first_page=_sql(
                f"SELECT {OPPORTUNITY_COLUMNS}, stage.sort_order AS _k0, "
                "lower(opportunity.title) AS _k1, opportunity.id AS _k2 FROM opportunity "
                "JOIN stage ON stage.id = opportunity.stage_id "
                "JOIN employee ON employee.id = opportunity.responsible_id "
                f"WHERE {visible} "
                "ORDER BY stage.sort_order ASC, lower(opportunity.title) ASC, opportunity.id ASC "
                "LIMIT :limit"
            ),
        )


FOR_ADMIN = CallerStatements.build(admin=True)
FOR_OTHERS = CallerStatements.build(admin=False)


@dataclass(frozen=True, slots=True)
class Caller:
    """Who the API key names; `db_id` is the id as the database returns it."""

    db_id: Any
    id: uuid.UUID
    is_admin: bool
    employee: Row[Any]
    stamp: int | None = None

    @property
    def sql(self) -> CallerStatements:
        """The statements for this caller."""
        return FOR_ADMIN if self.is_admin else FOR_OTHERS


class Values:
    """How values cross the driver: SQLite keeps UUIDs as hex, money and times as text."""

    def __init__(self, sqlite: bool) -> None:
        self.sqlite = sqlite

    def uuid_param(self, value: uuid.UUID) -> Any:
        """A UUID as a bind parameter."""
        return value.hex if self.sqlite else value

    def money_param(self, value: Decimal) -> Any:
        """An exact amount with nine fraction digits as a bind parameter."""
        exact = value.quantize(NANO, context=MONEY)
        return str(exact) if self.sqlite else exact

    def now_param(self) -> Any:
        """The current time as a bind parameter (naive UTC text on SQLite)."""
        now = datetime.now(UTC)
        return now.strftime("%Y-%m-%d %H:%M:%S.%f") if self.sqlite else now

    @staticmethod
    def uuid_out(value: Any) -> str:
        """A stored UUID as GraphQL writes it."""
        return str(value) if isinstance(value, uuid.UUID) else str(uuid.UUID(value))

    def time_out(self, value: Any) -> str | None:
        """A stored time as GraphQL writes it (ISO 8601, UTC)."""
        if value is None:
            return None
        if isinstance(value, str):
            return datetime.fromisoformat(value).replace(tzinfo=UTC).isoformat()
        if value.tzinfo is None:
            return str(value.replace(tzinfo=UTC).isoformat())
        return str(value.astimezone(UTC).isoformat())

    @staticmethod
    def money_out(value: Any) -> str:
        """A stored amount in fixed notation with nine fraction digits."""
        return format(Decimal(value).quantize(NANO, context=MONEY), "f")


@dataclass
class NewDeal:
    """A createOpportunity input, checked as the service checks it (codes only)."""

    title: str
    responsible: uuid.UUID
    stage: int
    contact: int
    currency: str
    bid_type: int
    bid_value: Decimal
    per_period_value: int
    probability: int
    description: str | None
    members: list[int]
    fields: dict[int, str]
    errors: list[str]

    @classmethod
    def parse(cls, data: dict[str, Any]) -> NewDeal:
        """The input's values, with the checks that need no database."""
        errors = []
        title = data.get("title") or ""
        if not title:
            errors.append("REQUIRED")
        elif len(title) > TITLE_MAX:
            errors.append("TOO_LONG")
        stage = int(data.get("stageId") or 0)
        currency = (data.get("bidCurrencyAbbr") or "").upper()
        if stage <= 0 or not currency:
            errors.append("REQUIRED")
        try:
            bid_value = Decimal(str(data.get("bidValue") or 0))
            if bid_value != bid_value.quantize(NANO, context=MONEY):
                errors.append("INVALID")
        except InvalidOperation:
            errors.append("INVALID")
            bid_value = Decimal(0)
        contact = max(int(data.get("contactId") or 0), 0)
        fields: dict[int, str] = {}
        for item in data.get("customFields") or ():
            # Trimmed; empty values are skipped and the last of duplicate ids wins.
            if value := (item.get("value") or "").strip():
                fields[int(item["fieldId"])] = value
        return cls(
            title=title,
            responsible=uuid.UUID(data["responsibleId"]),
            stage=stage,
            contact=contact,
            currency=currency,
            bid_type=BID_TYPES.index(data.get("bidType") or "FIXED_BID"),
            bid_value=bid_value,
            per_period_value=int(data.get("perPeriodValue") or 0),
            probability=min(max(int(data.get("successProbability") or 0), 0), 100),
            description=data.get("description"),
            # The primary contact is always a member.
            members=list(
                dict.fromkeys([*(data.get("members") or ()), *([contact] * bool(contact))])
            ),
            fields=fields,
            errors=errors,
        )

    def check_references(self, check: Row[Any]) -> None:
        """Add the refusals of the reference check, in the service's order."""
        if not check.stage:
            self.errors.append("NOT_FOUND")
        if self.contact and not check.contact:
            self.errors.append("NOT_FOUND")
        elif self.contact and not check.contact_readable:
            self.errors.append("FORBIDDEN")
        self.errors += ["NOT_FOUND" for found in (check.currency, check.responsible) if not found]


def display_name(row: Row[Any]) -> str:
    """'First Last' for a person, the company name for a company."""
    if row.is_company:
        return str(row.company_name or "")
    return " ".join(part for part in (row.first_name, row.last_name) if part)


class Baseline:
    """The endpoints, over one Database."""

    def __init__(self, db: Database, public_url: str) -> None:
        self.db = db
        self.values = Values(db.is_sqlite)
        self.public_url = public_url
        self._currencies: dict[str, Row[Any]] | None = None
        # As of one reference stamp: (stamp, the stages or None, the employees read).
        self._kept: tuple[int, list[Row[Any]] | None, dict[Any, Row[Any]]] | None = None

    def kept(self, caller: Caller) -> tuple[int, list[Row[Any]] | None, dict[Any, Row[Any]]]:
        """What is kept for the caller's stamp (a newer stamp starts afresh; older: nothing)."""
        stamp = caller.stamp
        if stamp is None:
            return (-1, None, {})
        if self._kept is None or stamp > self._kept[0]:
            self._kept = (stamp, None, {})
        return self._kept if self._kept[0] == stamp else (-1, None, {})

    async def stages(self, conn: AsyncConnection, caller: Caller) -> list[Row[Any]]:
        """Every stage, read once per reference stamp."""
        stamp, stages, people = self.kept(caller)
        if stages is None:
            stages = list(await conn.execute(ALL_STAGES))
            if stamp >= 0 and self._kept is not None and self._kept[0] == stamp:
                self._kept = (stamp, stages, people)
        return stages

    async def employees(
        self, conn: AsyncConnection, caller: Caller, ids: list[Any]
    ) -> dict[Any, Row[Any]]:
        """Employees by id, those read before under the same stamp not read again."""
        _, _, people = self.kept(caller)
        missing = [i for i in ids if i not in people]
        if missing:
            found = {row.id: row for row in await conn.execute(EMPLOYEES, {"ids": missing})}
            people.update({i: found.get(i) for i in missing})
        return {i: people[i] for i in ids if people.get(i) is not None}

    async def currencies(self, conn: AsyncConnection) -> dict[str, Row[Any]]:
        """The currencies by abbreviation: seeded, never changed, read once per process."""
        if self._currencies is None:
            rows = await conn.execute(ALL_CURRENCIES)
            self._currencies = {row.abbreviation: row for row in rows}
        return self._currencies

    # -- the pieces every endpoint shares ------------------------------------------------

    async def caller(self, request: Request) -> Caller | None:
        """The API-key lookup, by the SHA-256 digest of the key."""
        header = (request.headers.get("authorization") or "").strip()
        scheme, _, rest = header.partition(" ")
        key = rest.strip() if rest and scheme.lower() == "bearer" else header
        if not key:
            return None
        wanted = hashlib.sha256(key.encode()).hexdigest()
        async with self.db.read() as conn:
            row = (await conn.execute(AUTHENTICATE, {"digest": wanted})).first()
        if row is None or not hmac.compare_digest(row.digest, wanted):
            return None
        return Caller(
            db_id=row.id,
            id=uuid.UUID(self.values.uuid_out(row.id)),
            is_admin=bool(row.is_admin),
            employee=row,
            stamp=row.reference_stamp,
        )

    @staticmethod
    def answer(data: dict[str, Any]) -> Response:
        """A GraphQL-shaped success."""
        return Response(orjson.dumps({"data": data}), media_type="application/json")

    @staticmethod
    def unauthorized() -> Response:
        """The service's 401."""
        body = {
            "errors": [
                {
                    "message": "Unauthorized: send your API key as 'Authorization: <key>' or "
                    "'Authorization: Bearer <key>'.",
                    "extensions": {"code": "UNAUTHENTICATED"},
                }
            ]
        }
        return Response(
            orjson.dumps(body),
            status_code=401,
            media_type="application/json",
            headers={"WWW-Authenticate": 'Bearer realm="crm-graphql"'},
        )

    @staticmethod
    async def variables(request: Request) -> dict[str, Any]:
        """The variables of a GraphQL request body."""
        body = orjson.loads(await request.body())
        return body.get("variables") or {}

    async def deal_contacts(
        self, conn: AsyncConnection, caller: Caller, ids: Sequence[int]
    ) -> tuple[dict[int, Row[Any]], dict[int, list[Row[Any]]]]:
        """Primary contacts and members of deals, one statement, members in id order."""
        primary: dict[int, Row[Any]] = {}
        members: dict[int, list[Row[Any]]] = defaultdict(list)
        result = await conn.execute(
            caller.sql.deal_contacts, {"ids": list(ids), "caller": caller.db_id}
        )
        for row in result:
            if row._member:
                members[row._deal].append(row)
            else:
                primary[row._deal] = row
        return primary, members

    @staticmethod
    async def field_values(
        conn: AsyncConnection, ids: Sequence[int]
    ) -> dict[int, list[dict[str, Any]]]:
        """Custom-field values of deals, headings added to each, by position and id."""
        grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
        headings: list[dict[str, Any]] = []
        for row in await conn.execute(FIELD_VALUES, {"ids": list(ids)}):
            item = {
                "id": row.id,
                "label": row.label,
                "value": row.value,
                "field_type": row.field_type,
                "position": row.position,
                "mask": row.mask,
            }
            if row.field_type == HEADING:
                if all(h["id"] != row.id for h in headings):
                    headings.append({**item, "value": None})
            else:
                grouped[row.opportunity_id].append(item)
        result = {}
        for deal in ids:
            merged = grouped.get(deal, []) + headings
            merged.sort(key=lambda f: (f["position"], f["id"]))
            result[deal] = merged
        return result

    def employee(self, row: Row[Any]) -> dict[str, Any]:
        """createBy / responsible, as the read-one selection asks."""
        employee_id = self.values.uuid_out(row.id)
        return {
            "id": global_id("Employee", employee_id),
            "displayName": row.display_name,
            "title": row.title,
            "avatarSmall": AVATAR,
            "profileUrl": f"{self.public_url}/Products/People/Profile.aspx?user={employee_id}",
        }

    # -- createOpportunity -----------------------------------------------------------------

    async def create(self, request: Request) -> Response:
        """createOpportunity: the same statements in one write transaction, then the reads."""
        caller = await self.caller(request)
        if caller is None:
            return self.unauthorized()
        new = NewDeal.parse((await self.variables(request))["input"])
        async with self.db.write() as conn:
            deal = await self.write(conn, caller, new)
        if deal is None:
            payload = {"opportunity": None, "errors": [{"code": code} for code in new.errors]}
            return self.answer({"createOpportunity": payload})
        async with self.db.read() as conn:
            stages = await self.stages(conn, caller)
            currencies = await self.currencies(conn)
            _, members = await self.deal_contacts(conn, caller, [deal.id])
            fields = (await self.field_values(conn, [deal.id]))[deal.id]
        stage = next(s for s in stages if s.id == deal.stage_id)
        currency = currencies.get(deal.bid_currency)
        opportunity = {
            "id": global_id("Opportunity", deal.id),
            "title": deal.title,
            "bidValue": self.values.money_out(deal.bid_value),
            "successProbability": deal.success_probability,
            "stage": {"id": global_id("Stage", stage.id), "title": stage.title},
            "bidCurrency": {"abbreviation": currency.abbreviation} if currency else None,
            "members": [
                {"id": global_id("Contact", m.id), "displayName": display_name(m)}
                for m in members.get(deal.id, [])
            ],
            "customFields": [
                {
                    "id": field_value_id(deal.id, f["id"]),
                    "label": f["label"],
                    "fieldValue": f["value"],
                }
                for f in fields
            ],
        }
        return self.answer({"createOpportunity": {"opportunity": opportunity, "errors": []}})

    async def write(self, conn: AsyncConnection, caller: Caller, new: NewDeal) -> Row[Any] | None:
        """The create's transaction; None (and `new.errors`) when the input is refused."""
        values = self.values
        check = (
            await conn.execute(
                caller.sql.reference_check,
                {
                    "stage": new.stage,
                    "contact": new.contact,
                    "caller": caller.db_id,
                    "currency": new.currency,
                    "responsible": values.uuid_param(new.responsible),
                },
            )
        ).one()
        new.check_references(check)
        if new.errors:
            return None
        # As the service does: members and fields are checked before the deal's row goes in.
        members: list[int] = []
        if new.members:
            found = set(
                (
                    await conn.execute(
                        caller.sql.readable_contacts, {"ids": new.members, "caller": caller.db_id}
                    )
                ).scalars()
            )
            members = [c for c in new.members if c in found]
        known: set[int] = set()
        if new.fields:
            known = set((await conn.execute(KNOWN_FIELDS, {"ids": list(new.fields)})).scalars())
        deal = (
            await conn.execute(
                INSERT_OPPORTUNITY,
                {
                    "now": values.now_param(),
                    "caller": caller.db_id,
                    "title": new.title,
                    "description": new.description,
                    "responsible": values.uuid_param(new.responsible),
                    "contact": new.contact or None,
                    "stage": new.stage,
                    "currency": new.currency,
                    "bid_type": new.bid_type,
                    "bid_value": values.money_param(new.bid_value),
                    "per_period_value": new.per_period_value,
                    "probability": new.probability,
                },
            )
        ).one()
        if members:
            await conn.execute(INSERT_MEMBER, [{"deal": deal.id, "contact": c} for c in members])
        values_rows = [
            {"deal": deal.id, "field": f, "value": v} for f, v in new.fields.items() if f in known
        ]
        if values_rows:
            await conn.execute(INSERT_FIELD_VALUE, values_rows)
        # As the service does: live subscribers hear of it (one NOTIFY at commit on PostgreSQL).
        events.note(conn, events.EventKind.CREATED, {"id": deal.id, "version": 1})
        return deal

    # -- opportunity(id) ---------------------------------------------------------------------

    async def read_one(self, request: Request) -> Response:
        """opportunity(id) with every field: the deal, then the statements of its loaders."""
        caller = await self.caller(request)
        if caller is None:
            return self.unauthorized()
        deal_id = int((await self.variables(request))["id"])
        values = self.values
        async with self.db.read() as conn:
            deal = (
                await conn.execute(caller.sql.opportunity, {"id": deal_id, "caller": caller.db_id})
            ).first()
            if deal is None:
                return self.answer({"opportunity": None})
            creator_id = deal.created_by or deal.responsible_id
            people = {caller.db_id: caller.employee}
            others = [
                i for i in dict.fromkeys([creator_id, deal.responsible_id]) if i not in people
            ]
            if others:
                people.update(await self.employees(conn, caller, others))
            stages = await self.stages(conn, caller)
            currencies = await self.currencies(conn)
            primary, members = await self.deal_contacts(conn, caller, [deal.id])
            access = (
                list(await conn.execute(ACCESS_LISTS, {"ids": [deal.id]}))
                if deal.is_private
                else []
            )
            fields = (await self.field_values(conn, [deal.id]))[deal.id]
        is_private = bool(deal.is_private)
        can_edit = (
            caller.is_admin
            or not is_private
            or caller.db_id in (deal.responsible_id, deal.created_by)
            or any(row.id == caller.db_id for row in access)
        )
        stage = next(s for s in stages if s.id == deal.stage_id)
        currency = currencies.get(deal.bid_currency)
        contact = primary.get(deal.id) if deal.contact_id is not None else None
        return self.answer(
            {
                "opportunity": {
                    "id": global_id("Opportunity", deal.id),
                    "title": deal.title,
                    "description": deal.description,
                    "created": values.time_out(deal.created_at),
                    "bidType": BID_TYPES[deal.bid_type],
                    "bidValue": values.money_out(deal.bid_value),
                    "perPeriodValue": deal.per_period_value,
                    "successProbability": deal.success_probability,
                    "actualCloseDate": values.time_out(deal.actual_close_date),
                    "expectedCloseDate": values.time_out(deal.expected_close_date),
                    "isPrivate": is_private,
                    "canEdit": can_edit,
                    "canDelete": can_edit,
                    "createBy": self.employee(people[creator_id]),
                    "responsible": self.employee(people[deal.responsible_id]),
                    "contact": {
                        "id": global_id("Contact", contact.id),
                        "displayName": display_name(contact),
                        "isCompany": bool(contact.is_company),
                    }
                    if contact is not None
                    else None,
                    "members": [
                        {
                            "id": global_id("Contact", m.id),
                            "displayName": display_name(m),
                            "isCompany": bool(m.is_company),
                        }
                        for m in members.get(deal.id, [])
                    ],
                    "bidCurrency": {
                        "abbreviation": currency.abbreviation,
                        "title": currency.title,
                        "symbol": currency.symbol,
                        "cultureName": currency.culture_name,
                        "isConvertable": bool(currency.is_convertable),
                        "isBasic": bool(currency.is_basic),
                    }
                    if currency is not None
                    else None,
                    "stage": {
                        "id": global_id("Stage", stage.id),
                        "title": stage.title,
                        "description": stage.description or "",
                        "color": stage.color,
                        "successProbability": stage.success_probability,
                        "stageType": STAGE_TYPES[stage.stage_type],
                        "sortOrder": stage.sort_order,
                    },
                    "accessList": [
                        {
                            "id": global_id("Employee", values.uuid_out(e.id)),
                            "displayName": e.display_name,
                        }
                        for e in access
                    ],
                    "customFields": [
                        {
                            "id": field_value_id(deal.id, f["id"]),
                            "entityId": global_id("Opportunity", deal.id),
                            "label": f["label"],
                            "fieldValue": f["value"],
                            "fieldType": FIELD_TYPES[f["field_type"]],
                            "position": f["position"],
                            "mask": f["mask"],
                        }
                        for f in fields
                    ],
                }
            }
        )

    # -- opportunities(first: n) -------------------------------------------------------------

    async def first_page(self, request: Request) -> Response:
        """opportunities(first: n) in the default order, with its cursors and relations."""
        caller = await self.caller(request)
        if caller is None:
            return self.unauthorized()
        size = int((await self.variables(request))["first"])
        values = self.values
        async with self.db.read() as conn:
            rows = list(
                await conn.execute(
                    caller.sql.first_page, {"caller": caller.db_id, "limit": size + 1}
                )
            )
            more = len(rows) > size
            rows = rows[:size]
            ids = [row.id for row in rows]
            fields = await self.field_values(conn, ids) if ids else {}
            stages = {s.id: s for s in await self.stages(conn, caller)}
            primary, members = await self.deal_contacts(conn, caller, ids) if ids else ({}, {})
            currencies = await self.currencies(conn)
        edges = []
        for row in rows:
            cursor = (
                base64.urlsafe_b64encode(orjson.dumps([row._k0, row._k1, row._k2]))
                .decode()
                .rstrip("=")
            )
            stage = stages[row.stage_id]
            contact = primary.get(row.id) if row.contact_id is not None else None
            currency = currencies.get(row.bid_currency)
            edges.append(
                {
                    "cursor": cursor,
                    "node": {
                        "id": global_id("Opportunity", row.id),
                        "title": row.title,
                        "bidValue": values.money_out(row.bid_value),
                        "successProbability": row.success_probability,
                        "stage": {"id": global_id("Stage", stage.id), "title": stage.title},
                        "contact": {
                            "id": global_id("Contact", contact.id),
                            "displayName": display_name(contact),
                        }
                        if contact is not None
                        else None,
                        "members": [
                            {"id": global_id("Contact", m.id), "displayName": display_name(m)}
                            for m in members.get(row.id, [])
                        ],
                        "bidCurrency": {
                            "abbreviation": currency.abbreviation,
                            "symbol": currency.symbol,
                        }
                        if currency is not None
                        else None,
                        "customFields": [
                            {
                                "id": field_value_id(row.id, f["id"]),
                                "label": f["label"],
                                "fieldValue": f["value"],
                            }
                            for f in fields[row.id]
                        ],
                    },
                }
            )
        return self.answer(
            {
                "opportunities": {
                    "pageInfo": {
                        "hasNextPage": more,
                        "endCursor": edges[-1]["cursor"] if edges else None,
                    },
                    "edges": edges,
                }
            }
        )


async def healthz(_: Request) -> Response:
    """Up."""
    return Response(b"ok", media_type="text/plain")


def create_app(database_url: str | None = None, public_url: str | None = None) -> Starlette:
    """The baseline app; the URL comes from BENCH_DATABASE_URL unless given."""
    db = Database(database_url or os.environ["BENCH_DATABASE_URL"])
    baseline = Baseline(db, public_url or os.environ.get("CRM_PUBLIC_URL", DEFAULT_PUBLIC_URL))

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        yield
        await db.dispose()

    app = Starlette(
        routes=[
            Route("/create", baseline.create, methods=["POST"]),
            Route("/opportunity", baseline.read_one, methods=["POST"]),
            Route("/opportunities", baseline.first_page, methods=["POST"]),
            Route("/healthz", healthz),
        ],
        lifespan=lifespan,
    )
    app.state.db = db
    return app
