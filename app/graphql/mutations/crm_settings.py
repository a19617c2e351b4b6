"""The portal's CRM settings: the default currency (administrators only)."""

from __future__ import annotations

from typing import Annotated

import strawberry

from app.domain import crm_settings
from app.graphql.context import Info
from app.graphql.mutations.refusals import Refusals, UserError, errors_field
from app.graphql.types.reference import Currency


@strawberry.input(description="The currency to make the default.")
class SetDefaultCurrencyInput:
    abbreviation: str = strawberry.field(description="Its abbreviation, in any letter case.")


@strawberry.type(description="The result of setDefaultCurrency.")
class SetDefaultCurrencyPayload:
    currency: Currency | None = strawberry.field(
        description="The default currency now; null when refused."
    )
    errors: list[UserError] = errors_field()


@strawberry.type
class CrmSettingsMutation:
    """The portal's CRM settings."""

    @strawberry.mutation(
        description="Make a currency the default, as the original's PUT "
        "/api/2.0/crm/settings/currency. Only administrators may (FORBIDDEN); an empty "
        "abbreviation is REQUIRED, an unknown one NOT_FOUND.",
        extensions=[Refusals()],
    )
    async def set_default_currency(
        self,
        info: Info,
        input_: Annotated[
            SetDefaultCurrencyInput,
            strawberry.argument(name="input", description="The currency."),
        ],
    ) -> SetDefaultCurrencyPayload:
        row = await crm_settings.set_default_currency(
            db=info.context.db, caller=info.context.caller, abbreviation=input_.abbreviation
        )
        return SetDefaultCurrencyPayload(currency=Currency.from_row(row))
