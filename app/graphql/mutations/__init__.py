"""The root Mutation type, composed of every area's mutations.

Each area module holds its inputs, payloads and resolvers; `refusals` answers their refusals.
The creates of opportunities, contacts and custom fields were the first mutations published and
lead the type in `schema.graphql`, so they stand in classes of their own merged first; a new
mutation goes into its area's class.
"""

from __future__ import annotations

from strawberry.tools import merge_types
from strawberry.types.base import get_object_definition

from app.graphql.mutations.contact import ContactCreation, ContactMutation
from app.graphql.mutations.crm_settings import CrmSettingsMutation
from app.graphql.mutations.custom_field import (
    CustomFieldDefinitionCreation,
    CustomFieldDefinitionMutation,
)
from app.graphql.mutations.employee import EmployeeMutation
from app.graphql.mutations.opportunity import OpportunityCreation, OpportunityMutation
from app.graphql.mutations.opportunity_access import OpportunityAccessMutation
from app.graphql.mutations.opportunity_edits import OpportunityEditMutation
from app.graphql.mutations.stage import StageMutation

__all__ = ["Mutation"]

Mutation = merge_types(
    "Mutation",
    (
        OpportunityCreation,
        ContactCreation,
        CustomFieldDefinitionCreation,
        OpportunityMutation,
        OpportunityEditMutation,
        OpportunityAccessMutation,
        StageMutation,
        CustomFieldDefinitionMutation,
        ContactMutation,
        EmployeeMutation,
        CrmSettingsMutation,
    ),
)
# merge_types drops the descriptions of the merged types; the schema shows one for every type.
get_object_definition(Mutation, strict=True).description = "Changes."
