"""Legacy routes between opportunities and contacts: members, and the deals of a contact."""

from __future__ import annotations

from typing import Any

from app.rest import shapes
from app.rest.declarations import Respond, mutation, positive
from app.rest.kinds import INT
from app.rest.legacy import MSG_NOT_FOUND, LegacyError, LegacyRoute, Paged, WireContext
from app.rest.opportunity import ON_AN_OPPORTUNITY, OPPORTUNITIES, OPPORTUNITY_ID
from app.rest.opportunity_lists import PAGE_CONTEXT, page_variables, paged

CONTACT = {"$ref": "#/components/schemas/FullContact"}
CONTACT_ID = {"contactid": INT}

MEMBERS_OPERATION = shapes.operation("""
query LegacyOpportunityMembers($id: ID!) {
  opportunity(id: $id) { contact { id: databaseId } members { ...WireFullContact } }
}
""")


def members_response(data: dict[str, Any], ctx: WireContext) -> list[dict[str, Any]]:
    """The members as full contacts; the primary contact cannot be edited from here."""
    opportunity = data["opportunity"]
    if opportunity is None:
        raise LegacyError(404, MSG_NOT_FOUND)
    primary = opportunity["contact"]["id"] if opportunity["contact"] is not None else None
    return [
        shapes.full_contact(
            {**member, "canEdit": member["canEdit"] and member["id"] != primary}, ctx
        )
        for member in opportunity["members"]
    ]


def member_operation(name: str, field: str, kind: str) -> str:
    """The add or remove mutation, answering with the contact."""
    return mutation(name, field, kind, "contact", "...WireFullContact")


def member_variables(p: dict[str, Any]) -> dict[str, Any]:
    """The deal and the contact; both ids must be positive."""
    positive(p, "opportunityid", "contactid")
    return {"input": {"id": p["opportunityid"], "contactId": p["contactid"]}}


def member_response(field: str) -> Respond:
    """The contact of the add or remove payload, as a full contact."""

    def respond(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
        return shapes.full_contact(data[field]["contact"], ctx)

    return respond


BY_CONTACT_OPERATION = shapes.operation("""
query LegacyOpportunitiesByContact($contactId: ID!, $first: Int, $offset: Int) {
  opportunities(
    filter: {contactId: $contactId, contactAlsoMember: true}, orderBy: [{field: TITLE}],
    first: $first, offset: $offset
  ) {
    totalCount
    pageInfo { hasNextPage }
    edges { node { ...WireOpportunity } }
  }
}
""")


def by_contact_response(data: dict[str, Any], ctx: WireContext) -> Paged:
    """The contact's deals, paged by the SmartList (GetDeals(contactid) pages nothing)."""
    return paged(data["opportunities"], ctx, by_smart_list=True)


ROUTES = [
    LegacyRoute(
        method="GET",
        path="opportunity/{opportunityid:int}/contact",
        summary="The contacts taking part in an opportunity",
        operation=MEMBERS_OPERATION,
        params=OPPORTUNITY_ID,
        variables=lambda p: {"id": p["opportunityid"]},
        respond=members_response,
        response_schema={"type": "array", "items": CONTACT},
    ),
    LegacyRoute(
        method="POST",
        path="opportunity/{opportunityid:int}/contact/{contactid:int}",
        summary="Add a contact to an opportunity's members",
        operation=member_operation(
            "LegacyAddOpportunityMember", "addOpportunityMember", "AddOpportunityMemberInput"
        ),
        params={**OPPORTUNITY_ID, **CONTACT_ID},
        variables=member_variables,
        respond=member_response("addOpportunityMember"),
        status=201,
        response_schema=CONTACT,
        refusals=ON_AN_OPPORTUNITY,
    ),
    LegacyRoute(
        method="DELETE",
        path="opportunity/{opportunityid:int}/contact/{contactid:int}",
        summary="Remove a contact from an opportunity's members",
        operation=member_operation(
            "LegacyRemoveOpportunityMember",
            "removeOpportunityMember",
            "RemoveOpportunityMemberInput",
        ),
        params={**OPPORTUNITY_ID, **CONTACT_ID},
        variables=member_variables,
        respond=member_response("removeOpportunityMember"),
        response_schema=CONTACT,
        refusals=ON_AN_OPPORTUNITY,
    ),
    LegacyRoute(
        method="GET",
        path="opportunity/bycontact/{contactid:int}",
        summary="The opportunities a contact takes part in, by title",
        operation=BY_CONTACT_OPERATION,
        params=CONTACT_ID,
        variables=lambda p: {"contactId": p["contactid"], **page_variables(p)},
        respond=by_contact_response,
        response_schema=OPPORTUNITIES,
        paged=True,
        context=PAGE_CONTEXT,
    ),
]
