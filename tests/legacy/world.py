"""A small, known world for legacy exchanges: people, contacts, custom fields, a frozen clock."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.db.reference import STAGES
from tests.conftest import GraphQL, Person
from tests.factories import contact, custom_field

NOW = datetime(2024, 3, 5, 8, 12, 44, 123456, tzinfo=UTC)
AVATAR = "/skins/default/images/default_user_photo_size_32-32.png"
PHOTO = (
    "/Products/CRM/HttpHandlers/filehandler.ashx"
    "?action=contactphotoulr&cid={id}&isc={company}&ps={size}"
)


@dataclass
class World:
    user: Person
    other: Person
    admin: Person
    acme: int
    ann: int
    hidden: int
    source: int
    budget: int

    def placeholders(self) -> dict[str, str]:
        return {
            "<user>": str(self.user.id),
            "<other>": str(self.other.id),
            "<admin>": str(self.admin.id),
        }


async def build_world(gql: GraphQL, user: Person, other: Person, admin: Person) -> World:
    return World(
        user=user,
        other=other,
        admin=admin,
        acme=await contact(gql, as_=user, companyName="Acme"),
        ann=await contact(gql, as_=user, firstName="Ann", lastName="Lee", currencyAbbr="GBP"),
        hidden=await contact(gql, as_=other, companyName="Hidden Ltd", shareType="NONE"),
        source=await custom_field(gql, as_=admin, label="Source"),
        budget=await custom_field(gql, as_=admin, label="Budget"),
    )


def fill(template: Any, values: dict[str, str]) -> Any:
    """The template with every placeholder replaced, inside strings too."""
    if isinstance(template, str):
        for key, value in values.items():
            template = template.replace(key, value)
        return template
    if isinstance(template, list):
        return [fill(item, values) for item in template]
    if isinstance(template, dict):
        return {key: fill(item, values) for key, item in template.items()}
    return template


def employee(who: str, name: str, title: str | None = None) -> dict[str, Any]:
    shaped: dict[str, Any] = {"id": who, "displayName": name}
    if title:
        shaped["title"] = title
    shaped["avatarSmall"] = AVATAR
    shaped["profileUrl"] = f"https://crm.example/Products/People/Profile.aspx?user={who}"
    return shaped


UMA = employee("<user>", "Uma User", "Sales manager")
OTTO = employee("<other>", "Otto Other")
GBP = {
    "title": "Pound Sterling",
    "symbol": "£",
    "abbreviation": "GBP",
    "cultureName": "GB",
    "isConvertable": True,
    "isBasic": True,
}
EUR = {
    "title": "Euro",
    "symbol": "€",
    "abbreviation": "EUR",
    "cultureName": "EU",
    "isConvertable": True,
    "isBasic": True,
}
USD = {
    "title": "United States Dollar",
    "symbol": "$",
    "abbreviation": "USD",
    "cultureName": "US",
    "isConvertable": True,
    "isBasic": True,
}


def company(cid: int, name: str) -> dict[str, Any]:
    return {
        "smallFotoUrl": PHOTO.format(id=cid, company=True, size=1),
        "mediumFotoUrl": PHOTO.format(id=cid, company=True, size=2),
        "displayName": name,
        "isCompany": True,
        "isPrivate": False,
        "isShared": True,
        "shareType": 1,
        "currency": None,
        "canEdit": True,
        "canDelete": True,
        "id": cid,
    }


def person(cid: int, name: str, currency: dict[str, Any] | None) -> dict[str, Any]:
    return {
        **company(cid, name),
        "smallFotoUrl": PHOTO.format(id=cid, company=False, size=1),
        "mediumFotoUrl": PHOTO.format(id=cid, company=False, size=2),
        "isCompany": False,
        "currency": currency,
    }


SUSPECT = {
    "successProbability": 3,
    "stageType": 0,
    "title": "Suspect",
    "description": STAGES[2].description,
    "color": "#f48454",
    "sortOrder": 2,
    "id": 3,
}
NEGOTIATIONS = {
    "successProbability": 90,
    "stageType": 0,
    "title": "Negotiations",
    "description": "The potential buyer has already discussed your offering in details",
    "color": "#ffd267",
    "sortOrder": 6,
    "id": 7,
}
