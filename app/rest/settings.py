"""Legacy settings routes: the currencies deals can be valued in, and the default one."""

from __future__ import annotations

from app.rest import shapes
from app.rest.declarations import mutation
from app.rest.kinds import STRING
from app.rest.legacy import BARE_400, DENIED_403, LegacyRoute, Refusals

# UpdateCRMCurrency: administrators only, then a bare ArgumentException for a currency that is
# missing or unknown.
CURRENCY_REFUSALS = Refusals({"FORBIDDEN": DENIED_403, "REQUIRED": BARE_400, "NOT_FOUND": BARE_400})

ROUTES = [
    LegacyRoute(
        method="GET",
        path="settings/currency",
        summary="Every currency, ordered by abbreviation",
        operation=shapes.operation("query LegacyCurrencies { currencies { ...WireCurrency } }\n"),
        params={},
        variables=lambda _: {},
        respond=lambda data, _: [shapes.currency(c) for c in data["currencies"]],
        response_schema={"type": "array", "items": {"$ref": "#/components/schemas/Currency"}},
    ),
    LegacyRoute(
        method="PUT",
        path="settings/currency",
        summary="Make a currency the default (administrators only)",
        operation=mutation(
            "LegacySetDefaultCurrency",
            "setDefaultCurrency",
            "SetDefaultCurrencyInput",
            "currency",
            "...WireCurrency",
        ),
        params={"currency": STRING},
        variables=lambda p: {"input": {"abbreviation": p["currency"] or ""}},
        respond=lambda data, _: shapes.currency(data["setDefaultCurrency"]["currency"]),
        response_schema={"$ref": "#/components/schemas/Currency"},
        refusals=CURRENCY_REFUSALS,
    ),
]
