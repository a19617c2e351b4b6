"""The people routes a CRM client needs: who am I, and whom can I make responsible.

ASC.Api.Employee's EmployeeApi.GetMe (`GET people/@self`) and GetAll (`GET people`, the
active users), answering EmployeeWraperFull.
"""

from __future__ import annotations

from typing import Any

from app.graphql.types.employee import DEFAULT_AVATAR
from app.rest import shapes
from app.rest.legacy import PEOPLE_ROOT, LegacyRoute, WireContext
from app.rest.openapi_schemas import ref

EMPLOYEE_FULL = ref("EmployeeFull")
# UserPhotoManager's default photos, beside the small one every employee wrapper has.
AVATAR_DIRECTORY = DEFAULT_AVATAR.rsplit("/", 1)[0]
AVATAR_MEDIUM = f"{AVATAR_DIRECTORY}/default_user_photo_size_48-48.png"
AVATAR_BIG = f"{AVATAR_DIRECTORY}/default_user_photo_size_82-82.png"
ACTIVE = 1  # EmployeeStatus.Active: every employee here is
ACTIVATED = 1  # EmployeeActivationStatus.Activated

ME_OPERATION = shapes.operation("query LegacyMe { me { ...WirePerson } }\n")
PEOPLE_OPERATION = shapes.operation("query LegacyPeople { employees { ...WirePerson } }\n")


def employee_full(data: dict[str, Any]) -> dict[str, Any]:
    """EmployeeWraperFull: members by DataMember Order, the derived class's first among equals.

    What we store is emitted: the id, user name, display name, title, administrator flag and
    avatar. First and last name are the display name split at its first space. What we do not
    store is emitted as the original emits it unset: `email` and `terminated` null,
    `department` "" (no groups), quotas 0, the flags false, status Active and Activated;
    birthday, sex, location, notes, contacts, groups and the rest are left out.
    """
    first, _, last = data["displayName"].partition(" ")
    shaped: dict[str, Any] = {
        "id": data["databaseId"],
        "userName": data["userName"],
        "isVisitor": False,
        "firstName": first,
        "lastName": last,
        "email": None,
        "status": ACTIVE,
        "activationStatus": ACTIVATED,
        "terminated": None,
        "department": "",
        "displayName": data["displayName"],
    }
    if data["title"]:
        shaped["title"] = data["title"]
    return shaped | {
        "avatarMedium": AVATAR_MEDIUM,
        "avatar": AVATAR_BIG,
        "isAdmin": data["isAdmin"],
        "isLDAP": False,
        "isOwner": False,
        "isSSO": False,
        "avatarSmall": data["avatarSmall"],
        "quotaLimit": 0,
        "usedSpace": 0,
        "docsSpace": 0,
        "mailSpace": 0,
        "talkSpace": 0,
        "profileUrl": data["profileUrl"],
    }


def _me(data: dict[str, Any], _: WireContext) -> dict[str, Any]:
    return employee_full(data["me"])


def _people(data: dict[str, Any], _: WireContext) -> list[dict[str, Any]]:
    return [employee_full(e) for e in data["employees"]]


ROUTES = [
    LegacyRoute(
        method="GET",
        path="people/@self",
        summary="The signed-in user's profile",
        operation=ME_OPERATION,
        params={},
        variables=lambda _: {},
        respond=_me,
        response_schema=EMPLOYEE_FULL,
        root=PEOPLE_ROOT,
    ),
    LegacyRoute(
        method="GET",
        path="people",
        summary="Every active user's profile, by name",
        operation=PEOPLE_OPERATION,
        params={},
        variables=lambda _: {},
        respond=_people,
        response_schema={"type": "array", "items": EMPLOYEE_FULL},
        root=PEOPLE_ROOT,
    ),
]
