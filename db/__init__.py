"""The data layer: models, sessions, named queries and migrations.

Imports: none (never the bot or `handlers`)."""
