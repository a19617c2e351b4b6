"""The floor's answers: rows of `floor_sql` shaped into the JSON the service answers.

Only what the database cannot write as the service writes it is done here: money with nine
fraction digits, times in ISO 8601 UTC, UUIDs with dashes, display names, enum names, cursors.
The key order of every object is the service's (the bench compares bytes).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

from scripts.benchlib.baseline import AVATAR, BID_TYPES, FIELD_TYPES, STAGE_TYPES, Values
from scripts.benchlib.global_ids import field_value_id, global_id

Row = Mapping[str, Any]


def _display_name(is_company: Any, first: str | None, last: str | None, company: str | None) -> str:
    # 'First Last' for a person (empty parts left out), the company name for a company.
    if is_company:
        return company or ""
    return " ".join(part for part in (first, last) if part)


def _contacts(text: str, *, with_kind: bool) -> list[dict[str, Any]]:
    """Members from their JSON array of [id, is_company, first, last, company]."""
    shaped = []
    for cid, company, first, last, name in orjson.loads(text):
        item: dict[str, Any] = {
            "id": global_id("Contact", cid),
            "displayName": _display_name(company, first, last, name),
        }
        if with_kind:
            item["isCompany"] = bool(company)
        shaped.append(item)
    return shaped


def _primary(row: Row, *, with_kind: bool) -> dict[str, Any] | None:
    """The primary contact, when there is one the caller may read."""
    if row["contact_id"] is None or row["contact_id_"] is None:
        return None
    name = _display_name(
        row["contact_company"], row["contact_first"], row["contact_last"], row["contact_name"]
    )
    item: dict[str, Any] = {"id": global_id("Contact", row["contact_id_"]), "displayName": name}
    if with_kind:
        item["isCompany"] = bool(row["contact_company"])
    return item


class Shapes:
    """Answers for one back end (how its driver hands values over) and one public URL."""

    def __init__(self, values: Values, public_url: str) -> None:
        self.values = values
        self.public_url = public_url

    def _employee(self, row: Row, n: int) -> dict[str, Any]:
        employee_id = self.values.uuid_out(row[f"e{n}_id"])
        return {
            "id": global_id("Employee", employee_id),
            "displayName": row[f"e{n}_name"],
            "title": row[f"e{n}_title"],
            "avatarSmall": AVATAR,
            "profileUrl": f"{self.public_url}/Products/People/Profile.aspx?user={employee_id}",
        }

    def read_one(self, row: Row | None, caller_id: Any, caller_admin: bool) -> dict[str, Any]:
        """opportunity(id) with every field; None when missing or hidden."""
        if row is None:
            return {"opportunity": None}
        v = self.values
        access = orjson.loads(row["access"])
        is_private = bool(row["is_private"])
        caller = v.uuid_out(caller_id)
        can_edit = (
            caller_admin
            or not is_private
            or caller_id in (row["responsible_id"], row["created_by"])
            or any(v.uuid_out(e[0]) == caller for e in access)
        )
        currency = None
        if row["abbreviation"] is not None:
            currency = {
                "abbreviation": row["abbreviation"],
                "title": row["currency_title"],
                "symbol": row["symbol"],
                "cultureName": row["culture_name"],
                "isConvertable": bool(row["is_convertable"]),
                "isBasic": bool(row["is_basic"]),
            }
        opportunity_id = row["id"]
        return {
            "opportunity": {
                "id": global_id("Opportunity", opportunity_id),
                "title": row["title"],
                "description": row["description"],
                "created": v.time_out(row["created_at"]),
                "bidType": BID_TYPES[row["bid_type"]],
                "bidValue": v.money_out(row["bid_value"]),
                "perPeriodValue": row["per_period_value"],
                "successProbability": row["success_probability"],
                "actualCloseDate": v.time_out(row["actual_close_date"]),
                "expectedCloseDate": v.time_out(row["expected_close_date"]),
                "isPrivate": is_private,
                "canEdit": can_edit,
                "canDelete": can_edit,
                "createBy": self._employee(row, 1),
                "responsible": self._employee(row, 2),
                "contact": _primary(row, with_kind=True),
                "members": _contacts(row["members"], with_kind=True),
                "bidCurrency": currency,
                "stage": {
                    "id": global_id("Stage", row["stage_id"]),
                    "title": row["stage_title"],
                    "description": row["stage_description"] or "",
                    "color": row["color"],
                    "successProbability": row["stage_probability"],
                    "stageType": STAGE_TYPES[row["stage_type"]],
                    "sortOrder": row["sort_order"],
                },
                "accessList": [
                    {"id": global_id("Employee", v.uuid_out(eid)), "displayName": name}
                    for eid, name in access
                ],
                "customFields": [
                    {
                        "id": field_value_id(opportunity_id, fid),
                        "entityId": global_id("Opportunity", opportunity_id),
                        "label": label,
                        "fieldValue": value,
                        "fieldType": FIELD_TYPES[kind],
                        "position": position,
                        "mask": mask,
                    }
                    for fid, label, value, kind, position, mask in orjson.loads(row["fields"])
                ],
            }
        }

    def first_page(self, rows: Sequence[Row], size: int) -> dict[str, Any]:
        """opportunities(first: size) from up to size + 1 rows (the extra one says 'more')."""
        edges = []
        for row in rows[:size]:
            cursor = base64.urlsafe_b64encode(orjson.dumps([row["k0"], row["k1"], row["id"]]))
            edges.append(
                {
                    "cursor": cursor.decode().rstrip("="),
                    "node": {
                        "id": global_id("Opportunity", row["id"]),
                        "title": row["title"],
                        "bidValue": self.values.money_out(row["bid_value"]),
                        "successProbability": row["success_probability"],
                        "stage": {
                            "id": global_id("Stage", row["stage_id"]),
                            "title": row["stage_title"],
                        },
                        "contact": _primary(row, with_kind=False),
                        "members": _contacts(row["members"], with_kind=False),
                        "bidCurrency": None
                        if row["abbreviation"] is None
                        else {"abbreviation": row["abbreviation"], "symbol": row["symbol"]},
                        "customFields": _fields(row["id"], row["fields"]),
                    },
                }
            )
        page_info = {
            "hasNextPage": len(rows) > size,
            "endCursor": edges[-1]["cursor"] if edges else None,
        }
        return {"opportunities": {"pageInfo": page_info, "edges": edges}}

    def created(self, row: Row) -> dict[str, Any]:
        """createOpportunity's payload for the new deal, as the bench's create asks it."""
        opportunity = {
            "id": global_id("Opportunity", row["id"]),
            "title": row["title"],
            "bidValue": self.values.money_out(row["bid_value"]),
            "successProbability": row["success_probability"],
            "stage": {"id": global_id("Stage", row["stage_id"]), "title": row["stage_title"]},
            "bidCurrency": None
            if row["abbreviation"] is None
            else {"abbreviation": row["abbreviation"]},
            "members": _contacts(row["members"], with_kind=False),
            "customFields": _fields(row["id"], row["fields"]),
        }
        return {"createOpportunity": {"opportunity": opportunity, "errors": []}}


def _fields(opportunity_id: int, text: str) -> list[dict[str, Any]]:
    """customFields { id label fieldValue } from their JSON array; ids name deal and field."""
    return [
        {"id": field_value_id(opportunity_id, fid), "label": label, "fieldValue": value}
        for fid, label, value, _kind, _position, _mask in orjson.loads(text)
    ]


def refused(codes: Sequence[str]) -> dict[str, Any]:
    """createOpportunity's payload for a refused input."""
    return {"createOpportunity": {"opportunity": None, "errors": [{"code": c} for c in codes]}}
