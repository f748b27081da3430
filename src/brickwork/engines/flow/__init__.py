"""The flow engine (pure interpreter); filled in by its own issue."""
