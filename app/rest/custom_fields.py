"""Legacy custom-field routes (opportunity/customfield): definitions and values on deals."""

from __future__ import annotations

from dataclasses import replace
from datetime import tzinfo
from typing import Any

from app.domain.enums import CustomFieldType
from app.rest import shapes
from app.rest.declarations import ADMIN_REFUSALS, Respond, mutation, positive, with_id
from app.rest.kinds import INT, INT_LIST, JSON_TEXT, STRING, enum_kind
from app.rest.legacy import (
    MSG_NOT_FOUND,
    LegacyError,
    LegacyRoute,
    WireContext,
)
from app.rest.opportunity import ON_AN_OPPORTUNITY

DEFINITION = {"$ref": "#/components/schemas/CustomFieldDefinition"}
VALUE = {"$ref": "#/components/schemas/CustomField"}
DEFINITION_PARAMS = {
    "label": STRING,
    "fieldType": enum_kind(CustomFieldType),
    "position": INT,  # read as the original does, and ignored as it ignores it
    "mask": JSON_TEXT,
}
FIELD_REFUSALS = ADMIN_REFUSALS


def definition_mutation(name: str, field: str, kind: str, result: str) -> str:
    """A definition mutation answering with the definition(s) and their value counts."""
    return mutation(name, field, kind, result, "...WireFieldDefinition valueCount")


def definition_values(p: dict[str, Any]) -> dict[str, Any]:
    """Label, type and mask; omitted ones take the CLR defaults."""
    field_type = p["fieldType"] if p["fieldType"] is not None else CustomFieldType.TEXT_FIELD
    return {"label": p["label"] or "", "fieldType": field_type.name, "mask": p["mask"] or ""}


def one(field: str, result: str) -> Respond:
    """The definition of a payload, with its value count."""
    return lambda data, _: shapes.field_definition(data[field][result])


def values_response(data: dict[str, Any], _: WireContext) -> list[dict[str, Any]]:
    """The deal's values (and headings), or 404 when the caller may not see the deal.

    CustomFieldDao.GetEntityFields joins the values: a heading without one reads entity id 0
    and the value "" (the nulls converted).
    """
    if data["opportunity"] is None:
        raise LegacyError(404, MSG_NOT_FOUND)
    fields = [shapes.custom_field(f) for f in data["opportunity"]["customFields"]]
    return [f if f["fieldValue"] is not None else f | UNSET_VALUE for f in fields]


def _as_given(param: str, raw: Any, zone: tzinfo) -> str | None:
    """Text as sent: empty stays empty (STRING reads it as not given)."""
    return "" if raw == "" else STRING.convert(param, raw, zone)


FIELD_VALUE = replace(STRING, convert=_as_given)
UNSET_VALUE = {"entityId": 0, "fieldValue": ""}


def set_value_variables(p: dict[str, Any]) -> dict[str, Any]:
    """The deal, the field and the value (omitted or empty removes it)."""
    positive(p, "entityid", "fieldid")
    value = p["fieldValue"] or None
    return {"input": {"id": p["entityid"], "fieldId": p["fieldid"], "value": value}}


def set_value_response(data: dict[str, Any], ctx: WireContext) -> dict[str, Any]:
    """The field with the value as given (SetEntityCustomFieldValue echoes it; the DAO stores
    it trimmed, and nothing for an empty one)."""
    shaped = shapes.custom_field(data["setOpportunityCustomField"]["customField"])
    return shaped | {"fieldValue": ctx.params["fieldValue"]}


ROUTES = [
    LegacyRoute(
        method="GET",
        path="opportunity/customfield/definitions",
        summary="The custom fields of opportunities, with how many opportunities have a value",
        operation=shapes.operation("""
query LegacyFieldDefinitions {
  customFieldDefinitions(entityType: OPPORTUNITY) { ...WireFieldDefinition valueCount }
}
"""),
        params={},
        variables=lambda _: {},
        respond=lambda data, _: [
            shapes.field_definition(d) for d in data["customFieldDefinitions"]
        ],
        response_schema={"type": "array", "items": DEFINITION},
    ),
    LegacyRoute(
        method="GET",
        path="opportunity/{entityid:int}/customfield",
        summary="The custom-field values of an opportunity (and every heading)",
        operation=shapes.operation("""
query LegacyOpportunityFields($id: ID!) {
  opportunity(id: $id) { customFields { ...WireCustomField } }
}
"""),
        params={"entityid": INT},
        variables=lambda p: {"id": p["entityid"]},
        respond=values_response,
        response_schema={"type": "array", "items": VALUE},
    ),
    LegacyRoute(
        method="POST",
        path="opportunity/{entityid:int}/customfield/{fieldid:int}",
        summary="Set (or, with an empty value, remove) one custom-field value of an opportunity",
        operation=mutation(
            "LegacySetOpportunityField",
            "setOpportunityCustomField",
            "SetOpportunityCustomFieldInput",
            "customField",
            "...WireCustomField",
        ),
        params={"entityid": INT, "fieldid": INT, "fieldValue": FIELD_VALUE},
        variables=set_value_variables,
        respond=set_value_response,
        status=201,
        response_schema=VALUE,
        refusals=ON_AN_OPPORTUNITY,
    ),
    LegacyRoute(
        method="POST",
        path="opportunity/customfield",
        summary="Add a custom field to opportunities, after the last one (administrators)",
        operation=definition_mutation(
            "LegacyCreateField",
            "createCustomFieldDefinition",
            "CreateCustomFieldDefinitionInput",
            "customFieldDefinition",
        ),
        params=DEFINITION_PARAMS,
        variables=lambda p: {"input": {**definition_values(p), "entityType": "OPPORTUNITY"}},
        respond=one("createCustomFieldDefinition", "customFieldDefinition"),
        status=201,
        response_schema=DEFINITION,
        required=("label",),
        refusals=FIELD_REFUSALS,
    ),
    LegacyRoute(
        method="PUT",
        path="opportunity/customfield/reorder",
        summary="Put custom fields in a new order (administrators)",
        operation=mutation(
            "LegacyReorderFields",
            "reorderCustomFieldDefinitions",
            "ReorderCustomFieldDefinitionsInput",
            "customFieldDefinitions",
            "...WireFieldDefinition",
        ),
        params={"fieldids": INT_LIST},
        variables=lambda p: {"input": {"ids": p["fieldids"] or []}},
        respond=lambda data, _: [
            shapes.field_definition(d, with_count=False)
            for d in data["reorderCustomFieldDefinitions"]["customFieldDefinitions"]
        ],
        response_schema={"type": "array", "items": VALUE},
        refusals=FIELD_REFUSALS,
    ),
    LegacyRoute(
        method="PUT",
        path="opportunity/customfield/{id:int}",
        summary="Replace a custom field's label, type and mask",
        operation=definition_mutation(
            "LegacyUpdateField",
            "updateCustomFieldDefinition",
            "UpdateCustomFieldDefinitionInput",
            "customFieldDefinition",
        ),
        params={"id": INT, **DEFINITION_PARAMS},
        variables=lambda p: with_id(p, **definition_values(p)),
        respond=one("updateCustomFieldDefinition", "customFieldDefinition"),
        response_schema=DEFINITION,
        required=("label",),
        refusals=FIELD_REFUSALS,
    ),
    LegacyRoute(
        method="DELETE",
        path="opportunity/customfield/{id:int}",  # the original's {fieldid}: one name per path
        summary="Delete a custom field and every value of it (administrators)",
        operation=definition_mutation(
            "LegacyDeleteField",
            "deleteCustomFieldDefinition",
            "DeleteCustomFieldDefinitionInput",
            "deletedCustomFieldDefinition",
        ),
        params={"id": INT},
        variables=with_id,
        respond=one("deleteCustomFieldDefinition", "deletedCustomFieldDefinition"),
        response_schema=DEFINITION,
        refusals=FIELD_REFUSALS,
    ),
]
