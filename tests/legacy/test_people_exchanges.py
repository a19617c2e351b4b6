"""The people routes a CRM client picks users from, written from the original's source.

module/ASC.Api/ASC.Employee/EmployeeApi.cs: GetMe (`GET people/@self`) and GetAll
(`GET people`), both answering EmployeeWraperFull (EmployeeWraperFull.cs, on EmployeeWraper.cs):
members in DataMember Order, the derived class's before the base's among equals; what
EmitDefaultValue = false leaves out when unset is absent.
"""

from __future__ import annotations

import json
from typing import Any

import httpx

from app.db.engine import Database
from app.domain.signin import set_password
from tests.conftest import Person
from tests.legacy.scene import ok
from tests.legacy.world import AVATAR

PEOPLE = "/api/2.0/people"
DIRECTORY = AVATAR.rsplit("/", 1)[0]


def full(who: Person, first: str, last: str, **changes: Any) -> dict[str, Any]:
    """EmployeeWraperFull of an employee of the test database, in wire order."""
    shaped: dict[str, Any] = {
        "id": str(who.id),
        "userName": None,
        "isVisitor": False,
        "firstName": first,
        "lastName": last,
        "email": None,
        "status": 1,
        "activationStatus": 1,
        "terminated": None,
        "department": "",
        "displayName": f"{first} {last}",
        "title": None,
        "avatarMedium": f"{DIRECTORY}/default_user_photo_size_48-48.png",
        "avatar": f"{DIRECTORY}/default_user_photo_size_82-82.png",
        "isAdmin": False,
        "isLDAP": False,
        "isOwner": False,
        "isSSO": False,
        "avatarSmall": AVATAR,
        "quotaLimit": 0,
        "usedSpace": 0,
        "docsSpace": 0,
        "mailSpace": 0,
        "talkSpace": 0,
        "profileUrl": f"https://crm.example/Products/People/Profile.aspx?user={who.id}",
    }
    shaped |= changes
    return {k: v for k, v in shaped.items() if k != "title" or v is not None}


async def test_self_is_the_signed_in_user(
    client: httpx.AsyncClient, db: Database, user: Person
) -> None:
    """GetMe: EmployeeWraperFull of SecurityContext.CurrentAccount; title (Order 11) after
    displayName (Order 10), userName and isVisitor (Order 2) right after the id (Order 1)."""
    await set_password(db=db, employee_id=user.id, user_name="uma", password="long enough pw")

    response = await client.get(f"{PEOPLE}/@self", headers={"Authorization": user.key})

    assert response.status_code == 200
    expected = full(user, "Uma", "User", userName="uma", title="Sales manager")
    assert json.dumps(response.json()) == json.dumps(ok(expected))


async def test_everyone_by_name_with_json_suffix(
    client: httpx.AsyncClient, user: Person, other: Person, admin: Person
) -> None:
    """GetAll: GetByStatus(Active), every user; an administrator's isAdmin is true."""
    response = await client.get(f"{PEOPLE}.json", headers={"Authorization": other.key})

    assert response.status_code == 200
    assert json.dumps(response.json()) == json.dumps(
        ok(
            [
                full(admin, "Ada", "Admin", isAdmin=True),
                full(other, "Otto", "Other"),
                full(user, "Uma", "User", title="Sales manager"),
            ]
        )
    )


async def test_people_need_a_caller_and_other_paths_are_not_found(
    client: httpx.AsyncClient, user: Person
) -> None:
    """ApiRouteHandler: 401 "Unauthorized" before any route; a path no route has is 404."""
    unknown = await client.get(f"{PEOPLE}/@self", headers={"Authorization": "nope"})
    missing = await client.get(f"{PEOPLE}/someone/else", headers={"Authorization": user.key})
    wrong_method = await client.post(f"{PEOPLE}/@self", headers={"Authorization": user.key})

    assert (unknown.status_code, unknown.text) == (401, "Unauthorized")
    assert missing.status_code == 404
    assert missing.json()["error"]["message"] == "Not found"
    assert wrong_method.status_code == 405
    assert wrong_method.headers["allow"] == "GET, HEAD"
