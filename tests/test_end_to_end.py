"""The service as a user runs it: a real uvicorn process over HTTP."""

from __future__ import annotations

import httpx

from tests.graphql_documents import CREATE_OPPORTUNITY
from tests.server import running_server

KEY = "e2e-bootstrap-key"


def test_create_opportunity_over_http(database_url: str) -> None:
    with running_server(database_url, CRM_BOOTSTRAP_API_KEY=KEY) as base:
        headers = {"Authorization": f"Bearer {KEY}"}
        me = httpx.post(f"{base}/graphql", json={"query": "{ me { id } }"}, headers=headers).json()
        responsible = me["data"]["me"]["id"]

        response = httpx.post(
            f"{base}/graphql",
            headers=headers,
            json={
                "query": CREATE_OPPORTUNITY,
                "variables": {
                    "input": {
                        "title": "Pilot",
                        "responsibleId": responsible,
                        "stageId": 3,
                        "bidCurrencyAbbr": "eur",
                        "bidValue": 1500,
                        "successProbability": 140,
                    }
                },
            },
        )

    assert response.status_code == 200
    body = response.json()
    assert "errors" not in body
    deal = body["data"]["createOpportunity"]["opportunity"]
    assert body["data"]["createOpportunity"]["errors"] == []
    assert (deal["title"], deal["bidValue"], deal["successProbability"]) == (
        "Pilot",
        "1500.000000000",
        100,
    )
    assert deal["bidCurrency"]["symbol"] == "€"
    assert deal["stage"]["title"] == "Suspect"
    assert deal["responsible"]["id"] == responsible == deal["createBy"]["id"]
