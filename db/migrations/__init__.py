"""Alembic migrations; `python -m bot migrate` applies them."""
