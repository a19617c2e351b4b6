"""Members of opportunities and the opportunities of a contact, as legacy clients see them.

GET opportunity/{id}/contact, POST and DELETE opportunity/{id}/contact/{contactid}, GET
opportunity/bycontact/{contactid}. The scene is described in scene.py.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.legacy.scene import (
    ACME,
    ANN,
    BARE,
    CREATED,
    FULL_ACME,
    FULL_ANN,
    NOT_FOUND,
    Exchange,
    Scene,
    archive,
    check,
    item,
    ok,
    pilot,
    rollout,
)
from tests.legacy.world import OTTO, PHOTO

HIDDEN = {
    "companyName": "Hidden Ltd",
    "createBy": OTTO,
    "created": CREATED,
    "commonData": [],
    "customFields": [],
    "haveLateTasks": False,
    "smallFotoUrl": PHOTO.format(id=3, company=True, size=1),
    "mediumFotoUrl": PHOTO.format(id=3, company=True, size=2),
    "displayName": "Hidden Ltd",
    "isCompany": True,
    "accessList": [OTTO],
    "isPrivate": True,
    "isShared": False,
    "shareType": 0,
    "currency": None,
    "canEdit": True,
    "canDelete": True,
    "id": 3,
}


def primary(contact: dict[str, Any]) -> dict[str, Any]:
    """The primary contact among the members: not editable from here."""
    return contact | {"canEdit": False}


ANN_TO_ROLLOUT = ("admin", "POST", "opportunity/2/contact/2", None)

EXCHANGES = [
    # --- GET opportunity/{id}/contact ---
    Exchange("members", "GET", "opportunity/1/contact", 200, ok([primary(FULL_ACME), FULL_ANN])),
    Exchange(
        "members-json-suffix", "GET", "opportunity/4/contact.json", 200, ok([primary(FULL_ANN)])
    ),
    Exchange("members-none", "GET", "opportunity/2/contact", 200, ok([]), as_="admin"),
    Exchange("members-outsider", "GET", "opportunity/2/contact", 404, NOT_FOUND),
    Exchange("members-missing", "GET", "opportunity/999/contact", 404, NOT_FOUND),
    Exchange(
        "members-private-contact-to-its-list",
        "GET",
        "opportunity/2/contact",
        200,
        ok([HIDDEN]),
        as_="other",
        before=[("other", "POST", "opportunity/2/contact/3", None)],
    ),
    Exchange(
        "members-private-contact-left-out-for-others",
        "GET",
        "opportunity/3/contact",
        200,
        ok([]),
        before=[("other", "POST", "opportunity/3/contact/3", None)],
    ),
    # --- POST opportunity/{id}/contact/{contactid} ---
    Exchange(
        "add-member",
        "POST",
        "opportunity/3/contact/2",
        201,
        ok(FULL_ANN, status=201),
        after=[("GET", "opportunity/3/contact", ok([FULL_ANN]))],
    ),
    Exchange(
        "add-member-again-changes-nothing",
        "POST",
        "opportunity/1/contact/2.json",
        201,
        ok(FULL_ANN, status=201),
        after=[("GET", "opportunity/1/contact", ok([primary(FULL_ACME), FULL_ANN]))],
    ),
    Exchange(
        "add-private-contact-on-its-list",
        "POST",
        "opportunity/2/contact/3",
        201,
        ok(HIDDEN, status=201),
        as_="other",
    ),
    Exchange("add-hidden-contact", "POST", "opportunity/1/contact/3", 404, NOT_FOUND),
    Exchange("add-to-hidden-deal", "POST", "opportunity/2/contact/1", 404, NOT_FOUND),
    Exchange("add-unknown-contact", "POST", "opportunity/1/contact/99", 404, NOT_FOUND),
    Exchange("add-deal-zero", "POST", "opportunity/0/contact/1", 400, BARE),
    Exchange("add-contact-zero", "POST", "opportunity/1/contact/0", 400, BARE),
    # --- DELETE opportunity/{id}/contact/{contactid} ---
    Exchange(
        "remove-member",
        "DELETE",
        "opportunity/1/contact/2",
        200,
        ok(FULL_ANN),
        after=[("GET", "opportunity/1", ok(pilot(members=[ACME])))],
    ),
    Exchange(
        "remove-the-primary-contact-too",
        "DELETE",
        "opportunity/1/contact/1.json",
        200,
        ok(FULL_ACME),
        after=[("GET", "opportunity/1", ok(pilot(members=[ANN])))],
    ),
    Exchange("remove-from-hidden-deal", "DELETE", "opportunity/2/contact/1", 404, NOT_FOUND),
    Exchange("remove-hidden-contact", "DELETE", "opportunity/1/contact/3", 404, NOT_FOUND),
    Exchange("remove-contact-zero", "DELETE", "opportunity/1/contact/0", 400, BARE),
    # --- GET opportunity/bycontact/{contactid} ---
    Exchange(
        "by-contact-sorted-by-title",
        "GET",
        "opportunity/bycontact/2",
        200,
        ok([item(archive()), item(pilot())]),
    ),
    Exchange(
        "by-contact-private-deal-hidden",
        "GET",
        "opportunity/bycontact/2.json",
        200,
        ok([item(archive()), item(pilot())]),
        before=[ANN_TO_ROLLOUT],
    ),
    Exchange(
        "by-contact-private-deal-shown-to-admin",
        "GET",
        "opportunity/bycontact/2",
        200,
        ok([item(archive()), item(pilot()), item(rollout(members=[ANN]))]),
        as_="admin",
        before=[ANN_TO_ROLLOUT],
    ),
    Exchange(
        "by-contact-paged",
        "GET",
        "opportunity/bycontact/2",
        200,
        ok([item(archive())], nextIndex=2, total=2),
        query="count=1",
    ),
    Exchange("by-contact-none", "GET", "opportunity/bycontact/3", 200, ok([])),
    Exchange(
        "by-contact-no-key", "GET", "opportunity/bycontact/2", 401, "Unauthorized", as_="nobody"
    ),
]


@pytest.mark.parametrize("case", [e.param() for e in EXCHANGES])
async def test_exchange(client: httpx.AsyncClient, scene: Scene, case: Exchange) -> None:
    await check(client, case, scene)
