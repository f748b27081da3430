"""The permission-aware query layer: SQL built with SQLAlchemy Core for lists, reports, rules."""
