"""Storage: SQLModel tables, engines and sessions, migrations, reference data."""
