"""PostGraphile 4 as a bench anchor: installing it, securing the database for it, running it.

The node project in `postgraphile-js/` (its lock file committed) is installed with `npm ci`
when node is there. Its `rls.sql` gives the bench database a role whose row-level security
policies are the service's privacy rule; its `server.js` answers each request as the employee
its API key names. The read-one and list documents ask for the fields the bench's documents
ask for, in PostGraphile's own naming; the answers are compared with the service's by the
deals they hold.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path
from typing import Any

import asyncpg
import orjson
from sqlalchemy.engine import make_url

from scripts.benchlib.documents import LIST_PAGE
from scripts.benchlib.global_ids import database_id
from scripts.benchlib.servers import Server, free_port

# A hyphen in the name: the node project is no Python package (nor one for mypy).
PROJECT = Path(__file__).with_name("postgraphile-js")
RLS = PROJECT / "rls.sql"

PERSON = "id firstName lastName companyName isCompany"
READ_ONE = f"""
query One($id: Int!) {{
  opportunityById(id: $id) {{
    id title description createdAt bidType bidValue perPeriodValue successProbability
    actualCloseDate expectedCloseDate isPrivate
    employeeByCreatedBy {{ id displayName title }}
    employeeByResponsibleId {{ id displayName title }}
    contactByContactId {{ {PERSON} }}
    opportunityMembersByOpportunityId(orderBy: CONTACT_ID_ASC) {{
      nodes {{ contactByContactId {{ {PERSON} }} }}
    }}
    currencyByBidCurrency {{ abbreviation title symbol cultureName isConvertable isBasic }}
    stageByStageId {{ id title description color successProbability stageType sortOrder }}
    opportunityAccessesByOpportunityId {{ nodes {{ employeeByEmployeeId {{ id displayName }} }} }}
    opportunityCustomFieldsByOpportunityId {{
      nodes {{ value customFieldDefinitionByFieldId {{ id label fieldType position mask }} }}
    }}
  }}
}}
"""

# The service's default order (stage order, title without case, id) through rls.sql's
# sortable computed columns.
LIST = f"""
query List($first: Int!) {{
  allOpportunities(first: $first, orderBy: [STAGE_ORDER_ASC, TITLE_KEY_ASC, ID_ASC]) {{
    pageInfo {{ hasNextPage endCursor }}
    edges {{
      cursor
      node {{
        id title bidValue successProbability
        stageByStageId {{ id title }}
        contactByContactId {{ {PERSON} }}
        opportunityMembersByOpportunityId(orderBy: CONTACT_ID_ASC) {{
          nodes {{ contactByContactId {{ {PERSON} }} }}
        }}
        currencyByBidCurrency {{ abbreviation symbol }}
        opportunityCustomFieldsByOpportunityId {{
          nodes {{ value customFieldDefinitionByFieldId {{ id label }} }}
        }}
      }}
    }}
  }}
}}
"""


def unavailable() -> str | None:
    """Why PostGraphile cannot run here (None when node and npm are there)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        return "skipped: node not found"
    return None


def install() -> None:
    """`npm ci` of the locked project (no install scripts), unless already installed."""
    if (PROJECT / "node_modules" / "postgraphile" / "package.json").exists():
        return
    subprocess.run(
        ["npm", "ci", "--prefix", str(PROJECT), "--ignore-scripts", "--no-audit", "--no-fund"],  # noqa: S607
        check=True,
        capture_output=True,
        timeout=600,
    )


async def secure(url: str) -> None:
    """Give the database at `url` the reader role, its policies and the sortable columns."""
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(RLS.read_text())
    finally:
        await conn.close()


def server(name: str, url: str, log_dir: Path) -> Server:
    """The node process, on a free port, over the database at `url`."""
    port = free_port()
    dsn = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
    argv = ["node", str(PROJECT / "server.js")]
    env = {"BENCH_DATABASE_URL": dsn, "PORT": str(port)}
    return Server(name, argv, env, log_dir, port)


def write_bodies(service_bodies: dict[str, Path], directory: Path) -> dict[str, Path]:
    """Its read-one and list requests, for the same deals as the service's read bodies."""
    ids = [
        orjson.loads(line)["variables"]["id"]
        for line in service_bodies["read"].read_text().splitlines()
    ]
    bodies = {
        "postgraphile-read": [{"query": READ_ONE, "variables": {"id": i}} for i in ids],
        "postgraphile-list": [{"query": LIST, "variables": {"first": LIST_PAGE}}],
    }
    paths = {}
    for name, items in bodies.items():
        paths[name] = directory / f"{name}.jsonl"
        paths[name].write_bytes(b"\n".join(orjson.dumps(item) for item in items) + b"\n")
    return paths


def answer_opportunities(answer: dict[str, Any]) -> list[int] | None:
    """The deal ids in a PostGraphile answer (read one or list); None for a missing deal."""
    data = answer["data"]
    if "opportunityById" in data:
        opportunity = data["opportunityById"]
        return None if opportunity is None else [opportunity["id"]]
    return [edge["node"]["id"] for edge in data["allOpportunities"]["edges"]]


def service_opportunities(answer: dict[str, Any]) -> list[int] | None:
    """The deal ids in the service's answer to the bench's read-one or list document, as the
    integers PostGraphile answers (the service answers global ids)."""
    data = answer["data"]
    if "opportunity" in data:
        opportunity = data["opportunity"]
        return None if opportunity is None else [database_id(opportunity["id"])]
    return [database_id(edge["node"]["id"]) for edge in data["opportunities"]["edges"]]
