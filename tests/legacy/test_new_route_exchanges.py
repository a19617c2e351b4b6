"""PUT opportunity/filter/access and PUT settings/currency, as the original answers them.

Written from module/ASC.Api/ASC.Api.CRM/CRMApi.Deals.cs (SetAccessToBatchDeal with the filter's
parameters) and CRMApi.Utils.cs (UpdateCRMCurrency). The scene is described in scene.py.
"""

from __future__ import annotations

import httpx
import pytest

from tests.legacy.scene import (
    BARE,
    DENIED,
    Exchange,
    Scene,
    archive,
    check,
    item,
    ok,
    pilot,
    renewal,
    rollout,
)
from tests.legacy.world import EUR, OTTO, UMA

PUBLIC_RENEWAL = item(renewal(isPrivate=False, accessList=[]))
PUBLIC_ROLLOUT = item(rollout(isPrivate=False, accessList=[]))

FILTER_ACCESS = [
    Exchange(
        "admin-opens-a-stage",
        "PUT",
        "opportunity/filter/access",
        200,
        ok([item(pilot()), PUBLIC_RENEWAL]),
        as_="admin",
        json_body={"opportunityStagesid": 3, "isPrivate": False},
        after=[
            ("GET", "opportunity/3", ok(renewal(isPrivate=False, accessList=[]))),
            ("GET", "opportunity/2", ok(rollout())),
        ],
    ),
    Exchange(
        "only-what-the-caller-created",
        "PUT",
        "opportunity/filter/access",
        200,
        ok([item(pilot(isPrivate=True, accessList=[OTTO, UMA]))]),
        json_body={"isPrivate": True, "accessList": ["<other>"]},
        after=[("GET", "opportunity/3", ok(renewal()))],
    ),
    Exchange(
        "filter-value-from-the-query",
        "PUT",
        "opportunity/filter/access.json",
        200,
        ok([PUBLIC_ROLLOUT]),
        as_="admin",
        query="filterValue=roll",
        form="isPrivate=false",
    ),
    Exchange(
        "matching-nothing",
        "PUT",
        "opportunity/filter/access",
        200,
        ok([]),
        json_body={"opportunityStagesid": 9, "isPrivate": False},
    ),
    Exchange(
        "unknown-contact-matches-nothing",
        "PUT",
        "opportunity/filter/access",
        200,
        ok([]),
        as_="admin",
        json_body={"opportunityStagesid": 8, "contactid": 999, "isPrivate": True},
        after=[("GET", "opportunity/4", ok(archive()))],
    ),
]


@pytest.mark.parametrize("case", [e.param() for e in FILTER_ACCESS])
async def test_filter_access(client: httpx.AsyncClient, scene: Scene, case: Exchange) -> None:
    """CRMApi.Deals.cs SetAccessToBatchDeal(responsibleid, ..., isPrivate, accessList): the
    deals DealDao.GetDeals finds for the filter (and _context.FilterValue) that the caller may
    see; those the caller neither administers nor created are skipped; private makes the
    caller one of the access list (SetAccessToDeal), else public."""
    await check(client, case, scene)


CURRENCY = [
    Exchange(
        "set",
        "PUT",
        "settings/currency",
        200,
        ok(EUR),
        as_="admin",
        json_body={"currency": "eur"},
    ),
    Exchange(
        "set-form", "PUT", "settings/currency.json", 200, ok(EUR), as_="admin", form="currency=EUR"
    ),
    Exchange("not-admin", "PUT", "settings/currency", 403, DENIED, json_body={"currency": "EUR"}),
    Exchange("not-admin-before-missing", "PUT", "settings/currency", 403, DENIED),
    Exchange("missing", "PUT", "settings/currency", 400, BARE, as_="admin"),
    Exchange(
        "unknown", "PUT", "settings/currency", 400, BARE, as_="admin", json_body={"currency": "XYZ"}
    ),
]


@pytest.mark.parametrize("case", [e.param() for e in CURRENCY])
async def test_default_currency(client: httpx.AsyncClient, scene: Scene, case: Exchange) -> None:
    """CRMApi.Utils.cs UpdateCRMCurrency: administrators only (checked first), then an empty
    or unknown currency (upper-cased, CurrencyProvider.Get) is a bare ArgumentException; the
    answer is the currency's CurrencyInfoWrapper."""
    await check(client, case, scene)
