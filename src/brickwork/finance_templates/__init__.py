"""Finance template packs: JSON definitions only."""
