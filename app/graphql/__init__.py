"""The GraphQL adapter: schema, resolvers, loaders and the HTTP view."""
