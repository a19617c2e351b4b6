"""The floor's statements: one per request where SQL can aggregate the nested answer.

Written once with `:name` placeholders for both back ends; `Statement.for_postgres` turns them
into asyncpg's `$n`. Nested lists (members, access list, custom fields) come back as JSON text
built by the database (json_group_array on SQLite, json_agg on PostgreSQL); scalar columns
(money, times) come back as columns, so that Python formats them exactly as the service does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

HEADING = 4
_PLACEHOLDER = re.compile(r"(?<![:\w]):([a-z_]+)")


@dataclass(frozen=True)
class Statement:
    """SQL text and the order of its named parameters (asyncpg binds by position)."""

    sql: str
    names: tuple[str, ...] = ()

    @classmethod
    def for_sqlite(cls, sql: str) -> Statement:
        """The text as sqlite3 takes it (named parameters)."""
        return cls(sql)

    @classmethod
    def for_postgres(cls, sql: str) -> Statement:
        """`:name` rewritten to `$n`, each name numbered at its first use."""
        names: list[str] = []

        def number(match: re.Match[str]) -> str:
            if match.group(1) not in names:
                names.append(match.group(1))
            return f"${names.index(match.group(1)) + 1}"

        return cls(_PLACEHOLDER.sub(number, sql), tuple(names))

    def args(self, params: dict[str, object]) -> list[object]:
        """Positional arguments for asyncpg."""
        return [params[name] for name in self.names]


class Dialect:
    """The few spellings that differ between SQLite and PostgreSQL."""

    def __init__(self, postgres: bool) -> None:
        self.postgres = postgres

    def array(self, *items: str) -> str:
        """A JSON array of expressions."""
        return f"{'json_build_array' if self.postgres else 'json_array'}({', '.join(items)})"

    def agg(self, item: str, source: str, order: str) -> str:
        """A scalar subquery: the JSON array of `item` over `source`, in `order` ('[]' if none)."""
        if self.postgres:
            return f"(SELECT coalesce(json_agg({item} ORDER BY {order}), '[]') FROM {source})"
        # The subquery's order is the aggregate's order; json() keeps each item an array.
        return (
            f"(SELECT json_group_array(json(_j)) FROM "
            f"(SELECT {item} AS _j FROM {source} ORDER BY {order}))"
        )

    def id_list(self, name: str) -> str:
        """A bound list of integers as a row source with one column `value`."""
        if self.postgres:
            return f"unnest(:{name}::int[]) AS _ids(value)"
        return f"json_each(:{name})"


def _open_or_listed(admin: bool, open_to_all: str, listed: str) -> str:
    # The privacy rule of app/domain/access.py: all for an admin, else public or on the list.
    return "TRUE" if admin else f"({open_to_all} OR EXISTS (SELECT 1 FROM {listed}))"


def visible(admin: bool, opportunity: str = "o") -> str:
    """The caller may read the deal."""
    return _open_or_listed(
        admin,
        f"{opportunity}.is_private = FALSE",
        f"opportunity_access a WHERE a.opportunity_id = {opportunity}.id "
        "AND a.employee_id = :caller",
    )


def readable(admin: bool, contact: str = "c") -> str:
    """The caller may read the contact."""
    return _open_or_listed(
        admin,
        f"{contact}.share_type != 0",
        f"contact_access ca WHERE ca.contact_id = {contact}.id AND ca.employee_id = :caller",
    )


@dataclass(frozen=True)
class Statements:
    """Every statement of the floor for one back end and one kind of caller."""

    authenticate: Statement
    read_one: Statement
    first_page: Statement
    created: Statement
    reference_check: Statement
    insert_opportunity: Statement
    insert_members: Statement
    insert_field_values: Statement

    @classmethod
    def build(cls, *, postgres: bool, admin: bool) -> Statements:
        """The statements; `admin` drops the privacy conditions, as the service does."""
        d = Dialect(postgres)
        make = Statement.for_postgres if postgres else Statement.for_sqlite
        members = d.agg(
            d.array("c.id", "c.is_company", "c.first_name", "c.last_name", "c.company_name"),
            "opportunity_member m JOIN contact c ON c.id = m.contact_id "
            f"WHERE m.opportunity_id = o.id AND {readable(admin)}",
            "c.id",
        )
        # Values stored for the deal, and every heading (headings show without a value).
        fields = d.agg(
            d.array(
                "f.id",
                "f.label",
                f"CASE WHEN f.field_type = {HEADING} THEN NULL ELSE v.value END",
                "f.field_type",
                "f.position",
                "f.mask",
            ),
            "custom_field_definition f LEFT JOIN opportunity_custom_field v "
            "ON v.field_id = f.id AND v.opportunity_id = o.id "
            "WHERE f.entity_type = 'opportunity' "
            f"AND (v.opportunity_id IS NOT NULL OR f.field_type = {HEADING})",
            "f.position, f.id",
        )
        access = d.agg(
            d.array("e.id", "e.display_name"),
            "opportunity_access a JOIN employee e ON e.id = a.employee_id "
            "WHERE a.opportunity_id = o.id",
            "e.display_name, e.id",
        )
        contact = "pc.id AS contact_id_, pc.is_company AS contact_company, "
        contact += "pc.first_name AS contact_first, pc.last_name AS contact_last, "
        contact += "pc.company_name AS contact_name"
        page_row = (
            "o.id, o.title, o.bid_value, o.success_probability, o.contact_id, "
            "s.id AS stage_id, s.title AS stage_title, s.sort_order AS k0, lower(o.title) AS k1, "
            f"cu.abbreviation, cu.symbol, {contact}, {members} AS members, {fields} AS fields"
        )
        page_joins = (
            "JOIN stage s ON s.id = o.stage_id "
            "LEFT JOIN currency cu ON cu.abbreviation = o.bid_currency "
            f"LEFT JOIN contact pc ON pc.id = o.contact_id AND {readable(admin, 'pc')}"
        )
        if postgres:
            # Each stage's first rows by the (stage_id, lower(title), id) index, then merged.
            page_source = (
                "stage ps CROSS JOIN LATERAL (SELECT * FROM opportunity o "
                f"WHERE o.stage_id = ps.id AND {visible(admin)} "
                "ORDER BY lower(o.title), o.id LIMIT :limit) o"
            )
        else:
            page_source = (
                "stage ps JOIN opportunity o ON o.id IN (SELECT o.id FROM opportunity o "
                f"WHERE o.stage_id = ps.id AND {visible(admin)} "
                "ORDER BY lower(o.title), o.id LIMIT :limit)"
            )
        people = "e{n}.id AS e{n}_id, e{n}.display_name AS e{n}_name, e{n}.title AS e{n}_title"
        return cls(
            authenticate=make(
                "SELECT k.digest, e.id, e.is_admin FROM api_key k "
                "JOIN employee e ON e.id = k.employee_id WHERE k.digest = :digest "
                "AND k.revoked_at IS NULL AND (k.expires_at IS NULL OR k.expires_at > :now)"
            ),
            read_one=make(
                "SELECT o.id, o.title, o.description, o.created_at, o.bid_type, o.bid_value, "
                "o.per_period_value, o.success_probability, o.actual_close_date, "
                "o.expected_close_date, o.is_private, o.created_by, o.responsible_id, "
                f"o.contact_id, {people.format(n=1)}, {people.format(n=2)}, "
                "s.id AS stage_id, s.title AS stage_title, s.description AS stage_description, "
                "s.color, s.success_probability AS stage_probability, s.stage_type, "
                "s.sort_order, cu.abbreviation, cu.title AS currency_title, cu.symbol, "
                "cu.culture_name, cu.is_convertable, cu.is_basic, "
                f"{contact}, {members} AS members, "
                f"CASE WHEN o.is_private THEN {access} ELSE '[]' END AS access, "
                f"{fields} AS fields FROM opportunity o "
                "JOIN employee e1 ON e1.id = coalesce(o.created_by, o.responsible_id) "
                "JOIN employee e2 ON e2.id = o.responsible_id "
                f"{page_joins} WHERE o.id = :id AND {visible(admin)}"
            ),
            first_page=make(
                f"SELECT {page_row} FROM {page_source} {page_joins} "
                "ORDER BY s.sort_order, lower(o.title), o.id LIMIT :limit"
            ),
            created=make(f"SELECT {page_row} FROM opportunity o {page_joins} WHERE o.id = :id"),
            reference_check=make(
                "SELECT EXISTS (SELECT 1 FROM stage WHERE id = :stage) AS stage, "
                "EXISTS (SELECT 1 FROM contact WHERE id = :contact) AS contact, "
                "EXISTS (SELECT 1 FROM contact c WHERE c.id = :contact "
                f"AND {readable(admin)}) AS contact_readable, "
                "EXISTS (SELECT 1 FROM currency WHERE abbreviation = :currency) AS currency, "
                "EXISTS (SELECT 1 FROM employee WHERE id = :responsible) AS responsible"
            ),
            insert_opportunity=make(
                "INSERT INTO opportunity (created_at, created_by, updated_at, updated_by, "
                "title, description, responsible_id, contact_id, stage_id, bid_currency, "
                "bid_type, bid_value, per_period_value, success_probability, "
                "actual_close_date, expected_close_date, is_private) VALUES (:now, :caller, "
                ":now, :caller, :title, :description, :responsible, :contact, :stage, "
                ":currency, :bid_type, :bid_value, :per_period_value, :probability, NULL, "
                "NULL, FALSE) RETURNING id"
            ),
            # The readable ones of the asked members, checked and written by one statement.
            insert_members=make(
                "INSERT INTO opportunity_member (opportunity_id, contact_id) "
                f"SELECT :opportunity, c.id FROM contact c WHERE c.id IN "
                f"(SELECT value FROM {d.id_list('members')}) AND {readable(admin)}"
            ),
            # Values of known opportunity fields only, likewise in one statement.
            insert_field_values=make(
                "INSERT INTO opportunity_custom_field (opportunity_id, field_id, value) "
                "SELECT :opportunity, f.id, v.value FROM "
                + (
                    "unnest(:field_ids::int[], :field_values::text[]) AS v(id, value)"
                    if postgres
                    else "(SELECT json_extract(value, '$[0]') AS id, "
                    "json_extract(value, '$[1]') AS value FROM json_each(:field_pairs)) AS v"
                )
                + " JOIN custom_field_definition f ON f.id = v.id "
                "AND f.entity_type = 'opportunity'"
            ),
        )
