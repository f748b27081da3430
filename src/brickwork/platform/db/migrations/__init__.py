"""Alembic migrations of the core schema (inside the package so a wheel can upgrade)."""
