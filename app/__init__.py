"""crm-graphql: a GraphQL facade for the ONLYOFFICE CRM opportunity API."""
