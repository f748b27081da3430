"""Database plumbing: declarative base, engine/session factory, Alembic migrations."""
