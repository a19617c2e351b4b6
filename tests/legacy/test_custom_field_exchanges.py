"""Custom fields of opportunities as legacy clients see and shape them (opportunity/customfield).

The scene (scene.py) defines Source (1) and Budget (2), text fields; Pilot has Source = web.
Written from module/ASC.Api/ASC.Api.CRM/CRMApi.CustomFields.cs and CustomFieldDao.cs
(GetFieldDescription, GetEntityFields, GetValidMask, EditItem, ReorderFields).
"""

from __future__ import annotations

from typing import Any

import httpx
import pytest

from tests.legacy.scene import (
    BARE,
    DENIED,
    NOT_FOUND,
    TEXT_MASK,
    Exchange,
    Scene,
    budget,
    check,
    error,
    ok,
    pilot,
    source,
)


def definition(
    field_id: int, label: str, position: int, count: int | None = 0, **changes: Any
) -> dict[str, Any]:
    """CustomFieldWrapper (relativeItemsCount first), or CustomFieldBaseWrapper for None; read
    by GetFieldDescription, with entity id -1 and the value " "."""
    shaped = {} if count is None else {"relativeItemsCount": count}
    return shaped | {
        "entityId": -1,
        "label": label,
        "fieldValue": " ",
        "fieldType": 0,
        "position": position,
        "mask": TEXT_MASK,
        "id": field_id,
        **changes,
    }


SOURCE = definition(1, "Source", 1, 1)
BUDGET = definition(2, "Budget", 2)
REGION = definition(3, "Region", 3, fieldType=2, mask='["North","South"]')
HEADING = {
    "entityId": 0,
    "label": "Contract",
    "fieldValue": "",
    "fieldType": 4,
    "position": 3,
    "mask": "",
    "id": 3,
}
ROLLOUT_SOURCE = ("other", "POST", "opportunity/2/customfield/1", {"fieldValue": "fair"})

EXCHANGES = [
    # --- GET opportunity/customfield/definitions ---
    Exchange(
        "definitions", "GET", "opportunity/customfield/definitions", 200, ok([SOURCE, BUDGET])
    ),
    Exchange(
        "definitions-count-what-you-may-see",
        "GET",
        "opportunity/customfield/definitions.json",
        200,
        ok([SOURCE, BUDGET]),
        before=[ROLLOUT_SOURCE],
    ),
    Exchange(
        "definitions-admin-counts-all",
        "GET",
        "opportunity/customfield/definitions",
        200,
        ok([definition(1, "Source", 1, 2), BUDGET]),
        as_="admin",
        before=[ROLLOUT_SOURCE],
    ),
    # --- GET opportunity/{id}/customfield ---
    Exchange("values", "GET", "opportunity/1/customfield", 200, ok([source(1)])),
    Exchange("values-none", "GET", "opportunity/3/customfield.json", 200, ok([])),
    # GetEntityFields: every heading, a heading without a value read as entity 0 and "".
    Exchange(
        "values-with-a-heading",
        "GET",
        "opportunity/1/customfield",
        200,
        ok([source(1), HEADING]),
        before=[
            ("admin", "POST", "opportunity/customfield", {"label": "Contract", "fieldType": 4})
        ],
    ),
    Exchange("values-outsider", "GET", "opportunity/2/customfield", 404, NOT_FOUND),
    Exchange("values-admin", "GET", "opportunity/2/customfield", 200, ok([]), as_="admin"),
    Exchange("values-missing", "GET", "opportunity/999/customfield", 404, NOT_FOUND),
    # --- POST opportunity/{id}/customfield/{fieldid} ---
    Exchange(
        "set-value",
        "POST",
        "opportunity/1/customfield/2",
        201,
        ok(budget(1, " 10k "), status=201),  # echoed as given, stored trimmed
        json_body={"fieldValue": " 10k "},
        after=[("GET", "opportunity/1/customfield", ok([source(1), budget(1, "10k")]))],
    ),
    Exchange(
        "set-value-form",
        "POST",
        "opportunity/1/customfield/1.json",
        201,
        ok(source(1, "fair"), status=201),
        form="fieldValue=fair",
    ),
    Exchange(
        "set-empty-value-removes-it",
        "POST",
        "opportunity/1/customfield/1",
        201,
        ok(source(1, ""), status=201),
        json_body={"fieldValue": ""},
        after=[("GET", "opportunity/1", ok(pilot(customFields=[])))],
    ),
    Exchange("set-unknown-field", "POST", "opportunity/1/customfield/99", 404, NOT_FOUND),
    Exchange("set-on-hidden-deal", "POST", "opportunity/2/customfield/1", 404, NOT_FOUND),
    Exchange("set-deal-zero", "POST", "opportunity/0/customfield/1", 400, BARE),
    # --- POST opportunity/customfield ---
    Exchange(
        "create-select-box-mask-as-json",
        "POST",
        "opportunity/customfield",
        201,
        ok(REGION, status=201),
        as_="admin",
        json_body={"label": "Region", "fieldType": 2, "mask": ["North", "South"]},
        after=[
            (
                "GET",
                "opportunity/customfield/definitions",
                ok([definition(1, "Source", 1, 1), BUDGET, REGION]),
            )
        ],
    ),
    Exchange(
        "create-by-type-name-position-ignored",
        "POST",
        "opportunity/customfield.json",
        201,
        ok(REGION | {"fieldType": 3, "mask": ""}, status=201),
        as_="admin",
        form="label=Region&fieldType=CheckBox&position=1",
    ),
    Exchange(
        "create-text-field-size-normalised",
        "POST",
        "opportunity/customfield",
        201,
        ok(definition(3, "Code", 3, mask='{"size":1}'), status=201),
        as_="admin",
        json_body={"label": "Code", "fieldType": 0, "mask": '{"size": "0"}'},
    ),
    Exchange(
        "create-text-field-without-mask",
        "POST",
        "opportunity/customfield",
        400,
        error(400, "Mask is not valid"),
        as_="admin",
        json_body={"label": "Code"},
    ),
    Exchange(
        "create-select-box-any-array",
        "POST",
        "opportunity/customfield",
        201,
        ok(REGION | {"mask": "[1, 2]"}, status=201),
        as_="admin",
        json_body={"label": "Region", "fieldType": 2, "mask": "[1, 2]"},
    ),
    Exchange(
        "create-not-admin", "POST", "opportunity/customfield", 403, DENIED, json_body={"label": "X"}
    ),
    Exchange("create-no-label", "POST", "opportunity/customfield", 400, BARE, as_="admin"),
    Exchange(
        "create-bad-select-box-mask",
        "POST",
        "opportunity/customfield",
        400,
        error(400, "Mask is not valid"),
        as_="admin",
        json_body={"label": "Region", "fieldType": "SelectBox", "mask": "North"},
    ),
    Exchange(
        "create-unknown-type",
        "POST",
        "opportunity/customfield",
        400,
        error(400, "Parameter 'fieldType': '9' is not a valid CustomFieldType."),
        as_="admin",
        json_body={"label": "Region", "fieldType": 9},
    ),
    # --- PUT opportunity/customfield/{id}: open to every user, as in the original ---
    # EditItem: a field with values keeps its type (the mask is checked as that type's)...
    Exchange(
        "update-with-values-keeps-the-type",
        "PUT",
        "opportunity/customfield/1",
        200,
        ok(definition(1, "Lead source", 1, 1, mask='{"size":150}')),
        json_body={"label": "Lead source", "fieldType": 1, "mask": '{"size": 300}'},
        after=[
            (
                "GET",
                "opportunity/1/customfield",
                ok([source(1) | {"label": "Lead source", "mask": '{"size":150}'}]),
            )
        ],
    ),
    # ... one without takes the new type, and GetValidMask normalises its mask.
    Exchange(
        "update-without-values-changes-the-type",
        "PUT",
        "opportunity/customfield/2",
        200,
        ok(definition(2, "Notes", 2, fieldType=1, mask='{"rows":1,"cols":150}')),
        json_body={"label": "Notes", "fieldType": "TextArea", "mask": '{"rows": 0, "cols": 999}'},
    ),
    Exchange(
        "update-unreadable-mask-takes-the-defaults",
        "PUT",
        "opportunity/customfield/2",
        200,
        ok(definition(2, "Notes", 2, fieldType=1, mask='{"rows":2,"cols":40}')),
        json_body={"label": "Notes", "fieldType": 1, "mask": "wide"},
    ),
    Exchange(
        "update-empty-mask",
        "PUT",
        "opportunity/customfield/2",
        400,
        error(400, "Mask is not valid"),
        json_body={"label": "Notes"},
    ),
    Exchange(
        "update-to-a-check-box-drops-the-mask",
        "PUT",
        "opportunity/customfield/2",
        200,
        ok(definition(2, "Signed", 2, fieldType=3, mask="")),
        json_body={"label": "Signed", "fieldType": 3, "mask": '{"size":3}'},
    ),
    Exchange(
        "update-missing",
        "PUT",
        "opportunity/customfield/99",
        404,
        NOT_FOUND,
        json_body={"label": "X"},
    ),
    Exchange("update-no-label", "PUT", "opportunity/customfield/1.json", 400, BARE),
    Exchange(
        "update-zero", "PUT", "opportunity/customfield/0", 400, BARE, json_body={"label": "X"}
    ),
    # --- DELETE opportunity/customfield/{id} ---
    Exchange(
        "delete",
        "DELETE",
        "opportunity/customfield/1",
        200,
        ok(SOURCE),
        as_="admin",
        after=[
            ("GET", "opportunity/customfield/definitions", ok([BUDGET])),
            ("GET", "opportunity/1", ok(pilot(customFields=[]))),
        ],
    ),
    Exchange("delete-not-admin", "DELETE", "opportunity/customfield/1", 403, DENIED),
    Exchange("delete-missing", "DELETE", "opportunity/customfield/99", 404, NOT_FOUND, as_="admin"),
    Exchange("delete-zero", "DELETE", "opportunity/customfield/0", 400, BARE, as_="admin"),
    # --- PUT opportunity/customfield/reorder ---
    Exchange(
        "reorder",
        "PUT",
        "opportunity/customfield/reorder",
        200,
        # ReorderFields numbers them from 0.
        ok([definition(2, "Budget", 0, None), definition(1, "Source", 1, None)]),
        as_="admin",
        json_body={"fieldids": [2, 1]},
        after=[
            (
                "GET",
                "opportunity/customfield/definitions",
                ok([definition(2, "Budget", 0), definition(1, "Source", 1, 1)]),
            )
        ],
    ),
    Exchange(
        "reorder-form",
        "PUT",
        "opportunity/customfield/reorder.json",
        200,
        ok([definition(1, "Source", 0, None)]),
        as_="admin",
        form="fieldids[]=1",
    ),
    Exchange(
        "reorder-unknown",
        "PUT",
        "opportunity/customfield/reorder",
        404,
        NOT_FOUND,
        as_="admin",
        json_body={"fieldids": [2, 99]},
    ),
    # CRMApi.CustomFields.cs UpdateCustomFieldsOrder: a missing or empty list is an empty one
    # (Binder.Bind), which reorders nothing; the administrator check still comes first.
    Exchange("reorder-none", "PUT", "opportunity/customfield/reorder", 200, ok([]), as_="admin"),
    Exchange(
        "reorder-empty",
        "PUT",
        "opportunity/customfield/reorder",
        200,
        ok([]),
        as_="admin",
        form="fieldids[]=",
    ),
    Exchange("reorder-empty-not-admin", "PUT", "opportunity/customfield/reorder", 403, DENIED),
    Exchange(
        "reorder-not-admin",
        "PUT",
        "opportunity/customfield/reorder",
        403,
        DENIED,
        json_body={"fieldids": [2, 1]},
    ),
]


@pytest.mark.parametrize("case", [e.param() for e in EXCHANGES])
async def test_exchange(client: httpx.AsyncClient, scene: Scene, case: Exchange) -> None:
    await check(client, case, scene)
