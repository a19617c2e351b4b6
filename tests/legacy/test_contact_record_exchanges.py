"""Contacts as legacy clients read and create them, written from the original's source.

module/ASC.Api/ASC.Api.CRM/CRMApi.Contacts.cs: GetContactByID (`GET contact/{contactid}`),
GetContacts (`GET contact/filter`), CreatePerson (`POST contact/person`) and CreateCompany
(`POST contact/company`); the wrappers of Wrappers/ContactWrapper.cs (PersonWrapper,
CompanyWrapper, ContactWrapper, ContactBaseWrapper) as ToContactWrapper and
ToListContactWrapper fill them; validation of ContactDao.SaveContactToDb. The scene is
described in scene.py: Acme 1 and Ann Lee 2 are public, Hidden Ltd 3 is private to Otto.
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from app.db import models
from app.db.engine import Database
from tests.conftest import count_rows
from tests.legacy.scene import (
    BARE,
    FULL_ACME,
    FULL_ANN,
    NOT_FOUND,
    Exchange,
    Scene,
    check,
    full,
    ok,
)
from tests.legacy.test_contact_exchanges import HIDDEN
from tests.legacy.world import UMA, company, person

NAMES = ("firstName", "lastName", "title", "companyName")


def card(contact: dict[str, Any]) -> dict[str, Any]:
    """ToContactWrapper: as in a list, and `addresses` (always a list) after the names."""
    names = {k: v for k, v in contact.items() if k in NAMES}
    return names | {"addresses": []} | {k: v for k, v in contact.items() if k not in NAMES}


def private(contact: dict[str, Any], *access: dict[str, Any]) -> dict[str, Any]:
    """A contact of share type None: its access list between isCompany and isPrivate."""
    shaped: dict[str, Any] = {}
    for key, value in contact.items():
        if key == "isPrivate":
            shaped["accessList"] = list(access)
        shaped[key] = value
    return shaped | {"isPrivate": True, "isShared": False, "shareType": 0}


BOB = full(person(4, "Bob Stone", None), firstName="Bob", lastName="Stone", title="CTO")
GLOBEX = full(company(4, "Globex"), companyName="Globex")
LIST = {"count": 2, "total": 2}

EXCHANGES = [
    # --- GET contact/{contactid}: GetContactByID ---
    Exchange("get-company", "GET", "contact/1", 200, ok(card(FULL_ACME))),
    Exchange("get-person", "GET", "contact/2", 200, ok(card(FULL_ANN))),
    Exchange("get-json-suffix", "GET", "contact/2.json", 200, ok(card(FULL_ANN))),
    Exchange("get-hidden-is-not-found", "GET", "contact/3", 404, NOT_FOUND),
    Exchange("get-hidden-to-its-list", "GET", "contact/3", 200, ok(card(HIDDEN)), as_="other"),
    Exchange("get-missing", "GET", "contact/999", 404, NOT_FOUND),
    Exchange("get-zero-is-argument-exception", "GET", "contact/0", 400, BARE),
    Exchange("get-not-a-number", "GET", "contact/acme", 404, NOT_FOUND),
    # --- GET contact/filter: GetContacts, ToListContactWrapper, ContactDao.GetContacts ---
    # No sortBy: OrderBy(Created, isAsc: false), newest first (ties by id, newest first).
    Exchange("filter-default-newest-first", "GET", "contact/filter", 200, ok(
        [FULL_ANN, FULL_ACME], total=2)),
    Exchange("filter-hidden-to-its-list", "GET", "contact/filter", 200, ok(
        [HIDDEN, FULL_ANN, FULL_ACME], total=3), as_="other"),
    Exchange("filter-by-display-name", "GET", "contact/filter", 200, ok(
        [FULL_ACME, FULL_ANN], total=2), query="sortBy=displayName"),
    Exchange("filter-by-display-name-descending", "GET", "contact/filter", 200, ok(
        [FULL_ANN, FULL_ACME], total=2), query="sortBy=DisplayName&sortOrder=descending"),
    Exchange("filter-persons", "GET", "contact/filter", 200, ok(
        [FULL_ANN], total=1), query="contactListView=Person"),
    Exchange("filter-companies-by-number", "GET", "contact/filter", 200, ok(
        [FULL_ACME], total=1), query="contactListView=1"),
    Exchange("filter-search", "GET", "contact/filter", 200, ok(
        [FULL_ACME], total=1), query="filterValue=acm"),
    Exchange("filter-private-only", "GET", "contact/filter", 200, ok(
        [HIDDEN], total=1), query="isShared=false", as_="other"),
    Exchange("filter-created-outside", "GET", "contact/filter", 200, ok(
        [], total=0), query="fromDate=2020-01-01&toDate=2020-12-31"),
    Exchange("filter-created-inside", "GET", "contact/filter", 200, ok(
        [FULL_ANN, FULL_ACME], total=2), query="fromDate=2024-03-01&toDate=2024-03-31"),
    # Tags, stages, types and responsibles of contacts are not stored: none matches.
    Exchange("filter-by-tag-matches-none", "GET", "contact/filter", 200, ok(
        [], total=0), query="tags=vip"),
    # SmartList paging as the deal filter: nextIndex = startIndex + count + 1 after a full page.
    Exchange("filter-first-page", "GET", "contact/filter", 200, ok(
        [FULL_ANN], nextIndex=2, total=2), query="count=1"),
    Exchange("filter-second-page", "GET", "contact/filter", 200, ok(
        [FULL_ACME], startIndex=1, total=2), query="startIndex=1&count=1"),
    # --- POST contact/person: CreatePerson ---
    Exchange("person-shared", "POST", "contact/person", 201, ok(card(BOB), 201),
        json_body={"firstName": "Bob", "lastName": "Stone", "jobTitle": "CTO", "shareType": 1},
        after=[("GET", "contact/4", ok(card(BOB)))]),
    Exchange("person-shared-form", "POST", "contact/person", 201, ok(card(BOB), 201),
        form="firstName=Bob&lastName=Stone&jobTitle=CTO&shareType=ReadWrite"),
    # shareType not given binds as 0 (None): private; the creator is on its access list.
    Exchange("person-private-by-default", "POST", "contact/person", 201, ok(
        card(private(BOB, UMA)), 201),
        json_body={"firstName": "Bob", "lastName": "Stone", "jobTitle": "CTO"}),
    Exchange("person-without-first-name", "POST", "contact/person", 400, BARE,
        json_body={"lastName": "Stone", "shareType": 1}),
    Exchange("person-blank-first-name", "POST", "contact/person", 400, BARE,
        json_body={"firstName": "  ", "lastName": "Stone", "shareType": 1}),
    Exchange("person-without-anything", "POST", "contact/person", 400, BARE),
    # --- POST contact/company: CreateCompany ---
    Exchange("company-read-only", "POST", "contact/company", 201, ok(
        card(GLOBEX | {"shareType": 2}), 201),
        json_body={"companyName": "Globex", "shareType": "Read"},
        after=[("GET", "contact/4", ok(card(GLOBEX | {"shareType": 2})))]),
    Exchange("company-without-name", "POST", "contact/company", 400, BARE,
        json_body={"shareType": 1}),
    Exchange("company-not-a-share-type", "POST", "contact/company", 400, {
        "status": 1, "statusCode": 400, "error": {
            "message": "Parameter 'shareType': 'Open' is not a valid ShareType.",
            "hresult": -2147024809, "data": {}}},
        json_body={"companyName": "Globex", "shareType": "Open"}),
]  # fmt: skip


@pytest.mark.parametrize("case", [c.param() for c in EXCHANGES])
async def test_exchange(
    client: httpx.AsyncClient, db: Database, scene: Scene, case: Exchange
) -> None:
    await check(client, case, scene)
    # and a refused create writes nothing
    if case.method == "POST" and case.status != 201:
        assert await count_rows(db, models.Contact) == 3
