"""Platform area: packs."""
