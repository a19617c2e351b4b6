"""GraphQL object types; plain columns are attributes, relations go through the loaders."""

from app.graphql.types.contact import Contact
from app.graphql.types.custom_fields import CustomField, CustomFieldDefinition
from app.graphql.types.employee import Employee
from app.graphql.types.opportunity import Opportunity, opportunity_connection
from app.graphql.types.reference import Currency, Stage

__all__ = [
    "Contact",
    "Currency",
    "CustomField",
    "CustomFieldDefinition",
    "Employee",
    "Opportunity",
    "Stage",
    "opportunity_connection",
]
