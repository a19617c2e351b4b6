"""The legacy ONLYOFFICE REST adapter: each route maps onto a GraphQL operation."""
