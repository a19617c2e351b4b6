"""Legacy contact routes: one contact, the filtered list, and new persons and companies.

CRMApi.Contacts.cs: GetContactByID, GetContacts (`contact/filter`), CreatePerson and
CreateCompany, answering PersonWrapper or CompanyWrapper (ToContactWrapper; the list's
ToListContactWrapper leaves out `addresses` when there are none).
"""

from __future__ import annotations

from enum import IntEnum
from typing import Any

from app.domain.enums import ShareType
from app.rest import shapes
from app.rest.api_context import ApiContext
from app.rest.declarations import positive
from app.rest.kinds import (
    BOOL,
    DATE,
    GUID,
    GUID_LIST,
    INT,
    INT_LIST,
    STRING,
    STRING_LIST,
    enum_kind,
)
from app.rest.legacy import CONTEXT, MSG_NOT_FOUND, LegacyError, LegacyRoute, Paged, WireContext
from app.rest.opportunity_lists import LIST_CONTEXT, page_variables


class ListView(IntEnum):
    """ContactListViewType: which contacts `contact/filter` lists."""

    ALL = 0
    COMPANY = 1
    PERSON = 2
    WITH_OPPORTUNITY = 3


CONTACT = {"$ref": "#/components/schemas/FullContact"}
CONTACTS = {"type": "array", "items": CONTACT}
_NAME_FIELDS = ("firstName", "lastName", "title", "companyName")
# sortBy (ContactSortedByType, any case) -> GraphQL order field; a person's display name starts
# with the first name. Anything else takes the original's default: newest first.
SORT_FIELDS = {"displayname": "DISPLAY_NAME", "firstname": "DISPLAY_NAME", "created": "CREATED"}
SORT_FIELDS |= {"id": "ID"}

GET_OPERATION = shapes.operation("""
query LegacyContact($id: ID!) { contact(id: $id) { ...WireContactCard } }
""")
FILTER_OPERATION = shapes.operation("""
query LegacyContacts(
  $filter: ContactFilter, $orderBy: [ContactOrder!], $first: Int, $offset: Int
) {
  contacts(filter: $filter, orderBy: $orderBy, first: $first, offset: $offset) {
    totalCount
    pageInfo { hasNextPage }
    edges { node { ...WireContactCard } }
  }
}
""")
CREATE_OPERATION = shapes.operation("""
mutation LegacyCreateContact($input: CreateContactInput!) {
  createContact(input: $input) {
    errors { code field message }
    contact { ...WireContactCard }
  }
}
""")


def contact_card(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
    """ToContactWrapper: the full contact with its (here always empty) addresses."""
    shaped = shapes.full_contact(data, ctx)
    names = {key: value for key, value in shaped.items() if key in _NAME_FIELDS}
    rest = {key: value for key, value in shaped.items() if key not in _NAME_FIELDS}
    return names | {"addresses": []} | rest


def get_variables(p: dict[str, Any]) -> dict[str, Any]:
    """The id, which must be positive (ArgumentException)."""
    positive(p, "contactid")
    return {"id": p["contactid"]}


def get_response(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
    """The contact; missing or hidden is ItemNotFoundException."""
    if data["contact"] is None:
        raise LegacyError(404, MSG_NOT_FOUND)
    return contact_card(data["contact"], ctx)


FILTER_PARAMS = {
    "tags": STRING_LIST,
    "contactStage": INT,
    "contactType": INT,
    "contactListView": enum_kind(ListView),
    "responsibleid": GUID,
    "isShared": BOOL,
    "fromDate": DATE,
    "toDate": DATE,
}


def _nothing_stored_matches(p: dict[str, Any]) -> bool:
    """Tags, contact stages and types, responsibles and deals-of-a-contact are not stored
    here: no contact has one, so a filter on any of them matches none."""
    return bool(
        p["tags"]
        or (p["contactStage"] or 0) > 0
        or (p["contactType"] or 0) > 0
        or p["responsibleid"] is not None
        or p["contactListView"] is ListView.WITH_OPPORTUNITY
    )


def contact_filter(p: dict[str, Any]) -> dict[str, Any]:
    """The filter as a ContactFilter: the created-date range applies when both ends are given."""
    where: dict[str, Any] = {}
    if p["contactListView"] in (ListView.COMPANY, ListView.PERSON):
        where["isCompany"] = p["contactListView"] is ListView.COMPANY
    if p["isShared"] is not None:
        where["isShared"] = p["isShared"]
    if p["fromDate"] is not None and p["toDate"] is not None:
        where["createdFrom"] = p["fromDate"].isoformat()
        where["createdTo"] = p["toDate"].isoformat()
    context: ApiContext = p[CONTEXT]
    if context.filter_value:
        where["search"] = context.filter_value
    return where


def filter_variables(p: dict[str, Any]) -> dict[str, Any]:
    """Filter, order (default: created, newest first) and page."""
    # GetContacts reads sortBy, sortOrder, filterValue and the page from the ApiContext.
    context: ApiContext = p[CONTEXT]
    field = SORT_FIELDS.get((context.sort_by or "").strip().lower())
    if field is None:
        order = [{"field": "CREATED", "direction": "DESC"}]
    else:
        direction = "DESC" if context.descending else "ASC"
        order = [{"field": field, "direction": direction}]
    page = page_variables(p)
    if _nothing_stored_matches(p):
        page["first"] = 0
    return {"filter": contact_filter(p), "orderBy": order, **page}


def filter_response(data: dict[str, Any], ctx: WireContext) -> Paged:
    """A page of contacts, with startIndex, nextIndex and the total, as the deal filter."""
    variables = page_variables(dict(ctx.params))
    start, count = variables["offset"], variables["first"]
    connection = data["contacts"]
    more = connection["pageInfo"]["hasNextPage"]
    if _nothing_stored_matches(dict(ctx.params)):
        return Paged([], start_index=start, total=0)
    return Paged(
        [shapes.full_contact(edge["node"], ctx) for edge in connection["edges"]],
        start_index=start,
        next_index=start + count + 1 if more else None,
        total=connection["totalCount"],
    )


SHARE_TYPE = enum_kind(ShareType)
_CREATED = {"shareType": SHARE_TYPE, "managerList": GUID_LIST, "about": STRING}
PERSON_PARAMS = {"firstName": STRING, "lastName": STRING, "jobTitle": STRING, **_CREATED}
PERSON_PARAMS |= {"companyId": INT}
COMPANY_PARAMS = {"companyName": STRING, "personList": INT_LIST, **_CREATED}


def _access(p: dict[str, Any]) -> dict[str, Any]:
    """Share type (not given: 0, None, private, as the original binds it) and managers."""
    share = p["shareType"] if p["shareType"] is not None else ShareType.NONE
    return {"shareType": share.name, "accessList": [str(u) for u in p["managerList"] or ()]}


def person_variables(p: dict[str, Any]) -> dict[str, Any]:
    """A person: first name (required), last name, job title."""
    names = {"firstName": p["firstName"] or "", "lastName": p["lastName"] or ""}
    return {"input": {**names, "title": p["jobTitle"], **_access(p)}}


def company_variables(p: dict[str, Any]) -> dict[str, Any]:
    """A company: its name (required)."""
    return {"input": {"companyName": p["companyName"] or "", **_access(p)}}


def created_response(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
    """The new contact as ToContactWrapper makes it."""
    return contact_card(data["createContact"]["contact"], ctx)


ROUTES = [
    LegacyRoute(
        method="GET",
        path="contact/{contactid:int}",
        summary="One contact, a person or a company",
        operation=GET_OPERATION,
        params={"contactid": INT},
        variables=get_variables,
        respond=get_response,
        response_schema=CONTACT,
    ),
    LegacyRoute(
        method="GET",
        path="contact/filter",
        summary="List contacts: filtered, sorted, paged by startIndex and count",
        operation=FILTER_OPERATION,
        params=FILTER_PARAMS,
        variables=filter_variables,
        respond=filter_response,
        response_schema=CONTACTS,
        paged=True,
        context=LIST_CONTEXT,
    ),
    LegacyRoute(
        method="POST",
        path="contact/person",
        summary="Create a person",
        operation=CREATE_OPERATION,
        params=PERSON_PARAMS,
        variables=person_variables,
        respond=created_response,
        status=201,
        response_schema=CONTACT,
    ),
    LegacyRoute(
        method="POST",
        path="contact/company",
        summary="Create a company",
        operation=CREATE_OPERATION,
        params=COMPANY_PARAMS,
        variables=company_variables,
        respond=created_response,
        status=201,
        response_schema=CONTACT,
    ),
]
