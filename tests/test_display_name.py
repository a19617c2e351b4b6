"""A contact's display name: 'First Last' for a person (either part alone when the other is
missing), the company name for a company; the same whichever way it is computed."""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from app.domain.contacts import display_name

NAMES = st.none() | st.text(max_size=8)


def _as_documented(row: dict[str, Any]) -> str:
    if row["is_company"]:
        return str(row["company_name"] or "")
    return " ".join(part for part in (row["first_name"], row["last_name"]) if part)


def test_each_shape_of_name() -> None:
    person = {"is_company": False, "company_name": None}
    assert display_name({**person, "first_name": "Ann", "last_name": "Lee"}) == "Ann Lee"
    assert display_name({**person, "first_name": "Ann", "last_name": None}) == "Ann"
    assert display_name({**person, "first_name": "", "last_name": "Lee"}) == "Lee"
    assert display_name({**person, "first_name": None, "last_name": None}) == ""
    company = {"is_company": True, "first_name": "Ann", "last_name": "Lee"}
    assert display_name({**company, "company_name": "Acme"}) == "Acme"
    assert display_name({**company, "company_name": None}) == ""


@given(st.booleans(), NAMES, NAMES, NAMES)
def test_it_equals_the_joined_parts(
    is_company: bool, first: str | None, last: str | None, company: str | None
) -> None:
    row = {
        "is_company": is_company,
        "first_name": first,
        "last_name": last,
        "company_name": company,
    }
    assert display_name(row) == _as_documented(row)
