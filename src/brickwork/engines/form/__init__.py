"""The form engine (pure interpreter); filled in by its own issue."""
