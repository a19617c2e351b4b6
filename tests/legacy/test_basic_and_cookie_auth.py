"""Basic and cookie authentication, written from the original's authorizations.

module/ASC.Api/ASC.Specific/ASCCookieAuthorization.cs (the `asc_auth_key` cookie, else the
Authorization header, as a token), ASCBasicAuthorization.cs (`Basic base64(name:password)`,
OnAuthorizationFailed's `Basic Realm` challenge when an Authorization header was sent),
ASCBearerAuthorization.cs; web.autofac.config registers them in that order and
module/ASC.Api/ASC.Api/Impl/ApiRouteHandler.cs answers 401 "Unauthorized" when none succeeds.
"""

from __future__ import annotations

import base64

import httpx
import pytest

from app.credentials import basic_credentials
from app.db.engine import Database
from app.domain.signin import set_password
from tests.conftest import Person

SELF = "/api/2.0/people/@self"
PASSWORD = "correct horse battery"


def basic(name: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{name}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


@pytest.fixture
async def uma(db: Database, user: Person) -> Person:
    await set_password(db=db, employee_id=user.id, user_name="uma", password=PASSWORD)
    return user


async def me(client: httpx.AsyncClient, **request: object) -> httpx.Response:
    return await client.get(SELF, **request)  # type: ignore[arg-type]


async def test_basic_user_name_and_password(client: httpx.AsyncClient, uma: Person) -> None:
    """AscBasicAuthorization.Authentificate: the user by name, then the password."""
    response = await me(client, headers=basic("UMA", PASSWORD))

    assert response.status_code == 200
    assert response.json()["response"]["id"] == str(uma.id)


async def test_a_wrong_basic_password_is_401_with_the_basic_challenge(
    client: httpx.AsyncClient, uma: Person
) -> None:
    """AscBasicAuthorization.OnAuthorizationFailed: 401 and `Basic Realm="<host>"`."""
    response = await me(client, headers=basic("uma", "wrong password"))

    assert (response.status_code, response.text) == (401, "Unauthorized")
    assert response.headers["www-authenticate"] == 'Basic Realm="testserver"'


async def test_without_any_credentials_401_has_no_challenge(client: httpx.AsyncClient) -> None:
    """No Authorization header: no authorization's OnAuthorizationFailed answers."""
    response = await me(client)

    assert (response.status_code, response.text) == (401, "Unauthorized")
    assert "www-authenticate" not in response.headers


async def test_the_auth_cookie_carries_a_token(client: httpx.AsyncClient, user: Person) -> None:
    """AscCookieAuthorization: SecurityContext.AuthenticateMe(cookie)."""
    client.cookies.set("asc_auth_key", user.key)
    try:
        response = await me(client)
    finally:
        client.cookies.clear()

    assert response.status_code == 200
    assert response.json()["response"]["id"] == str(user.id)


async def test_a_bad_cookie_falls_through_to_the_header(
    client: httpx.AsyncClient, user: Person, uma: Person
) -> None:
    """A cookie naming no session does not stop the next authorizations: the header's token,
    or its Basic password, still signs in; with neither the answer is 401."""
    client.cookies.set("asc_auth_key", "not a token")
    try:
        by_token = await me(client, headers={"Authorization": user.key})
        by_basic = await me(client, headers=basic("uma", PASSWORD))
        by_nothing = await me(client)
    finally:
        client.cookies.clear()

    assert (by_token.status_code, by_basic.status_code) == (200, 200)
    assert (by_nothing.status_code, by_nothing.text) == (401, "Unauthorized")


async def test_wrong_basic_passwords_count_as_failed_sign_ins(
    client: httpx.AsyncClient, uma: Person
) -> None:
    """The sign-in limits (issue 12) hold for Basic: after 3 free failures the 4th locks the
    name, and the next attempt, Basic, sign-in route or GraphQL, is 429 with Retry-After
    before any password is checked (the original has no such limit)."""
    wrong = [await me(client, headers=basic("uma", f"guess {i}")) for i in range(4)]

    legacy = await me(client, headers=basic("uma", PASSWORD))
    signin = await client.post(
        "/api/2.0/authentication", json={"userName": "uma", "password": PASSWORD}
    )
    graphql = await client.post(
        "/graphql", json={"query": "{ me { databaseId } }"}, headers=basic("uma", PASSWORD)
    )

    assert [r.status_code for r in wrong] == [401] * 4
    assert (legacy.status_code, signin.status_code, graphql.status_code) == (429, 429, 429)
    assert int(legacy.headers["retry-after"]) >= 1
    assert legacy.json()["error"]["message"].startswith("Too many failed sign-ins")
    assert graphql.json()["errors"][0]["extensions"]["code"] == "TOO_MANY_ATTEMPTS"


async def test_graphql_takes_basic_but_not_the_cookie(
    client: httpx.AsyncClient, uma: Person
) -> None:
    """GraphQL accepts Basic like a token; the cookie, which a browser sends by itself to any
    page's request, only on the legacy routes."""
    by_basic = await client.post(
        "/graphql", json={"query": "{ me { databaseId } }"}, headers=basic("uma", PASSWORD)
    )
    client.cookies.set("asc_auth_key", uma.key)
    try:
        by_cookie = await client.post("/graphql", json={"query": "{ me { databaseId } }"})
    finally:
        client.cookies.clear()

    assert by_basic.json() == {"data": {"me": {"databaseId": str(uma.id)}}}
    assert by_cookie.status_code == 401


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        pytest.param("Basic " + base64.b64encode(b"ann:pa:ss").decode(), ("ann", "pa:ss")),
        pytest.param("Basic " + base64.b64encode(b"ann:x").decode() + ", Bearer t", ("ann", "x")),
        pytest.param("basic " + base64.b64encode(b"ann:x").decode(), None, id="scheme-case"),
        pytest.param("Basic not base64!", None, id="not-base64"),
        pytest.param("Basic " + base64.b64encode(b"no colon").decode(), None, id="no-colon"),
        pytest.param("Bearer abc", None, id="bearer"),
        pytest.param(None, None, id="none"),
    ],
)
def test_basic_credentials_are_read_as_the_original_reads_them(
    header: str | None, expected: tuple[str, str] | None
) -> None:
    """The first of comma-separated credentials, the scheme exactly "Basic"; a password may
    hold colons (the original would cut it at the second one)."""
    assert basic_credentials(header) == expected
