"""One factory per entity: the only place tests make employees, contacts, custom fields,
stages and opportunities, always through the public API.

Most factories go through GraphQL, as a client would. Two forms go through the domain service
instead, and say so in their names: `employee` (there is no anonymous way in to make the first
person) and `opportunity_via_domain` (typed values such as exact datetimes and decimals, and
fast enough to seed a hundred rows). Input builders (`*_input`, `legacy_opportunity_body`)
return request bodies, not rows. Every default is something no test asserts on: a test that
depends on a value passes it by keyword.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from app.db.engine import Database
from app.domain.caller import Caller
from app.domain.employees import create_employee
from app.domain.keys import caller_for
from app.domain.opportunities import NewOpportunity, create_opportunity
from tests.graphql_documents import CREATE_CONTACT, CREATE_FIELD, CREATE_OPPORTUNITY

if TYPE_CHECKING:
    # Only for annotations: conftest imports this module for its fixtures.
    from tests.conftest import GraphQL


# --- employees --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    """An employee as tests use it: who they are and the key they sign in with."""

    caller: Caller
    key: str

    @property
    def id(self) -> Any:
        return self.caller.id


async def employee(
    db: Database, name: str, *, admin: bool = False, title: str | None = None
) -> Person:
    """Create an employee with an API key, through the domain service, and sign them in."""
    _, key = await create_employee(db=db, display_name=name, title=title, is_admin=admin)
    caller = await caller_for(db=db, authorization=key)
    assert caller is not None
    return Person(caller, key)


# --- contacts and custom fields ---------------------------------------------------------------


async def contact(gql: GraphQL, as_: Person, **fields: Any) -> int:
    """Create a contact (a company named 'Acme' unless told otherwise) and return its
    databaseId."""
    data = await gql(CREATE_CONTACT, as_, input=fields or {"companyName": "Acme"})
    payload = data["createContact"]
    assert payload["errors"] == []
    return int(payload["contact"]["databaseId"])


async def custom_field(gql: GraphQL, as_: Person, label: str, **fields: Any) -> int:
    """Create a custom field definition for opportunities and return its databaseId."""
    data = await gql(CREATE_FIELD, as_, input={"label": label, **fields})
    payload = data["createCustomFieldDefinition"]
    assert payload["errors"] == []
    return int(payload["customFieldDefinition"]["databaseId"])


# --- stages -----------------------------------------------------------------------------------


def stage_input(**overrides: Any) -> dict[str, Any]:
    """A valid createStage/updateStage input (an open stage at 60 %)."""
    return {
        "title": "Pilot running",
        "description": "The customer tries it out.",
        "color": "#123456",
        "successProbability": 60,
        "stageType": "OPEN",
        **overrides,
    }


# --- opportunities ----------------------------------------------------------------------------


def opportunity_input(responsible: Person, **overrides: Any) -> dict[str, Any]:
    """A valid createOpportunity/updateOpportunity input: the required values, then `overrides`."""
    return {
        "title": "Pilot",
        "responsibleId": str(responsible.id),
        "stageId": 1,
        "bidCurrencyAbbr": "EUR",
        **overrides,
    }


async def opportunity(gql: GraphQL, as_: Person, **overrides: Any) -> int:
    """Create an opportunity through createOpportunity (in `as_`'s charge unless told) and return
    its databaseId."""
    data = await gql(CREATE_OPPORTUNITY, as_, input=opportunity_input(as_, **overrides))
    payload = data["createOpportunity"]
    assert payload["errors"] == [], payload["errors"]
    return int(payload["opportunity"]["databaseId"])


async def opportunity_via_domain(db: Database, as_: Person, **fields: Any) -> int:
    """Create an opportunity through the domain service, with NewOpportunity's typed fields
    (Decimal, datetime), and return its id."""
    values: dict[str, Any] = {
        "title": "Pilot",
        "responsible_id": as_.id,
        "stage_id": 1,
        "bid_currency_abbr": "EUR",
        **fields,
    }
    row = await create_opportunity(db=db, caller=as_.caller, new=NewOpportunity(**values))
    return int(row["id"])


def legacy_opportunity_body(responsible: Person, **overrides: Any) -> dict[str, Any]:
    """A valid body for the legacy POST opportunity route, in its own key spelling."""
    return {
        "title": "Pilot",
        "responsibleid": str(responsible.id),
        "stageid": 1,
        "bidCurrencyAbbr": "EUR",
        **overrides,
    }


@dataclass(frozen=True)
class PrivateOpportunity:
    """A private opportunity created by `creator`, in the charge of `responsible` who is not on
    its access list, readable by `reader` who is; `outsider` is neither."""

    id: int
    creator: Person
    responsible: Person
    reader: Person
    outsider: Person

    def who(self, name: str, admin: Person) -> Person:
        """The person a test case names; `admin` is not part of the opportunity."""
        return {
            "creator": self.creator,
            "responsible": self.responsible,
            "reader": self.reader,
            "outsider": self.outsider,
            "admin": admin,
        }[name]


async def private_opportunity(
    gql: GraphQL, db: Database, creator: Person, **overrides: Any
) -> PrivateOpportunity:
    """Create three more employees and a private opportunity that sets them apart (see above)."""
    responsible = await employee(db, name="Rita Responsible")
    reader = await employee(db, name="Rob Reader")
    outsider = await employee(db, name="Olga Outsider")
    opportunity_id = await opportunity(
        gql,
        as_=creator,
        responsibleId=str(responsible.id),
        isPrivate=True,
        accessList=[str(reader.id)],
        **overrides,
    )
    return PrivateOpportunity(opportunity_id, creator, responsible, reader, outsider)
