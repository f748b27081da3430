"""JSON Schema files for definitions and bundles (generated; see tests/meta)."""
