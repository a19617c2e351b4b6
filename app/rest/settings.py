"""Legacy settings routes: the currencies deals can be valued in."""

from __future__ import annotations

from app.rest import shapes
from app.rest.legacy import LegacyRoute

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
]
