"""The data layer: models, sessions, named queries and migrations."""
